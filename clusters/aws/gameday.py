"""Game days on the real account: an AWS Fault Injection Service experiment template made from the cluster.

The experiment stops the active server's instance (aws:ec2:stop-instances, started again after the duration)
while the EC2 calls a failover makes are throttled and answered "unavailable" for a share of the servers' role's
requests (aws:fis:inject-api-throttle-error / -unavailable-error). Its stop conditions are CloudWatch alarms on
the other servers' status checks: if a standby fails while the experiment runs, FIS stops it. The template comes
with the IAM role FIS acts as (trusting fis.amazonaws.com, allowed exactly those actions) and the alarms, to
download or to create through the API (IAM, CloudWatch, FIS).
"""

import json

from clusters.aws.account import AwsAccount
from clusters.configuration.config import Config
from webui import aws

DURATION = "PT5M"  # how long the API faults last
RESTART_AFTER = "PT10M"  # the stopped instance is started again after this
THROTTLE_PERCENT, UNAVAILABLE_PERCENT = "50", "25"
FIS_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "fis.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def names(cluster: str) -> dict:
    return {"role": f"clusterwebui-{cluster}-fis"[:64], "alarm": f"clusterwebui-{cluster}-gameday-standby"}


def ec2_operations(config: Config) -> list[str]:
    """The EC2 operations a failover of the cluster makes (the forced stop's and every resource's)."""
    found = {"DescribeInstances", "StopInstances"} if config.forced_stop else set()
    for resource in config.resources:
        for activate in (True, False):
            found |= {
                c.action for c in resource.spec.failover_calls(resource, {}, activate=activate) if c.service == "ec2"
            }
    return sorted(found)


def template(config: Config, *, active: str, account: AwsAccount | None = None) -> dict:
    """The experiment template (CreateExperimentTemplate's request), the FIS role and the stop alarms; `notes`
    say what was left out and why."""
    account = account or AwsAccount()
    identity = account.identity()
    acct, region = identity["Account"], aws.region()
    called = names(config.cluster.name)
    instances = {s: i for s in config.server_names if (i := config.instance_of(s, account))}
    if active not in instances:
        raise ValueError(f"The EC2 instance of {active} cannot be found: set its Instance ID under Fencing.")
    notes = []
    roles = sorted({r for i in instances.values() if (r := account.instance_role(i))})
    if not roles:
        notes.append(
            "The servers' instances have no IAM role: the API fault actions, which target a role, are left out."
        )
    instance_arn = f"arn:aws:ec2:{region}:{acct}:instance/{instances[active]['InstanceId']}"
    alarms = [
        {
            "AlarmName": f"{called['alarm']}-{server}",
            "AlarmDescription": f"Stops the game day of {config.cluster.name} if {server}, a standby, fails.",
            "Namespace": "AWS/EC2",
            "MetricName": "StatusCheckFailed",
            "Dimensions": [{"Name": "InstanceId", "Value": instance["InstanceId"]}],
            "Statistic": "Maximum",
            "Period": 60,
            "EvaluationPeriods": 1,
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
        }
        for server, instance in instances.items()
        if server != active
    ]
    targets = {
        "ActiveInstance": {"resourceType": "aws:ec2:instance", "resourceArns": [instance_arn], "selectionMode": "ALL"}
    }
    actions = {
        "StopActiveInstance": {
            "actionId": "aws:ec2:stop-instances",
            "description": f"Stop {active}'s instance: the cluster must fail over.",
            "parameters": {"startInstancesAfterDuration": RESTART_AFTER},
            "targets": {"Instances": "ActiveInstance"},
        }
    }
    if roles:
        targets["ServerRoles"] = {"resourceType": "aws:iam:role", "resourceArns": roles, "selectionMode": "ALL"}
        operations = ",".join(ec2_operations(config))
        for name, action, percent in (
            ("ThrottleFailoverCalls", "aws:fis:inject-api-throttle-error", THROTTLE_PERCENT),
            ("FailFailoverCalls", "aws:fis:inject-api-unavailable-error", UNAVAILABLE_PERCENT),
        ):
            actions[name] = {
                "actionId": action,
                "description": f"{percent}% of the servers' role's EC2 calls a failover makes answer with an error.",
                "parameters": {"service": "ec2", "operations": operations, "percentage": percent, "duration": DURATION},
                "targets": {"Roles": "ServerRoles"},
            }
    experiment = {
        "description": f"Cluster WebUI game day of {config.cluster.name}: stop {active}, throttle its failover"[:512],
        "roleArn": f"arn:aws:iam::{acct}:role/{called['role']}",
        "stopConditions": [
            {"source": "aws:cloudwatch:alarm", "value": f"arn:aws:cloudwatch:{region}:{acct}:alarm:{a['AlarmName']}"}
            for a in alarms
        ]
        or [{"source": "none"}],
        "targets": targets,
        "actions": actions,
        "tags": {"clusterwebui:cluster": config.cluster.name},
    }
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["ec2:StopInstances", "ec2:StartInstances"], "Resource": [instance_arn]},
            {"Effect": "Allow", "Action": ["ec2:DescribeInstances"], "Resource": ["*"]},
        ]
        + (
            [
                {
                    "Effect": "Allow",
                    "Action": ["fis:InjectApiThrottleError", "fis:InjectApiUnavailableError"],
                    "Resource": roles,
                }
            ]
            if roles
            else []
        ),
    }
    return {
        "experimentTemplate": experiment,
        "role": {"RoleName": called["role"], "AssumeRolePolicyDocument": FIS_TRUST, "Policy": policy},
        "alarms": alarms,
        "notes": notes,
    }


def create(found: dict) -> dict:
    """Create the role, the alarms and the experiment template through the API; what was created."""
    iam, role = aws.client("iam"), found["role"]
    try:
        iam.create_role(
            RoleName=role["RoleName"], AssumeRolePolicyDocument=json.dumps(role["AssumeRolePolicyDocument"])
        )
    except aws.AWS_ERRORS as exc:
        if getattr(exc, "response", {}).get("Error", {}).get("Code") != "EntityAlreadyExists":
            raise
    iam.put_role_policy(
        RoleName=role["RoleName"], PolicyName="ClusterWebUIGameDay", PolicyDocument=json.dumps(role["Policy"])
    )
    cloudwatch = aws.client("cloudwatch")
    for alarm in found["alarms"]:
        cloudwatch.put_metric_alarm(**alarm)
    made = aws.client("fis").create_experiment_template(**found["experimentTemplate"])["experimentTemplate"]
    return {"id": made["id"], "role": role["RoleName"], "alarms": [a["AlarmName"] for a in found["alarms"]]}

"""AWS checks before apply: every Troubleshooting case of the guide, found before a resource fails.

The catalogue lives with its owners: each group resource and monitor type checks its own objects
(`check_aws` in its module); this module adds the cluster-wide ones (the account, IAM, the object
storage heartbeat, forced stop) and runs them all. The account is read once per object kind for
the whole cluster (AwsAccount caches), whatever the number of resources.
"""

import json
from collections.abc import Callable

from django.conf import settings

from clusters.aws.account import AwsAccount
from clusters.configuration.config import Config
from clusters.configuration.draft import from_models
from clusters.configuration.params import Problem
from clusters.configuration.validation import validate
from clusters.models import Cluster
from webui import aws


class CheckContext:
    """The AWS account and the configuration being checked."""

    def __init__(self, cluster: Cluster, account: AwsAccount | None = None, config: Config | None = None):
        self.cluster = cluster
        self.account = account or AwsAccount()
        self.config = config or from_models(cluster)
        self.region = settings.AWS_REGION
        self.server_names = list(self.config.server_names)

    def instance_of(self, server: str) -> dict | None:
        """The server's instance: its forced-stop instance ID, else the instance with its interconnect address."""
        return self.config.instance_of(server, self.account)

    def vpc_of_servers(self) -> set[str]:
        return {i["VpcId"] for s in self.server_names if (i := self.instance_of(s)) and i.get("VpcId")}

    def account_id(self) -> str:
        try:
            return self.account.identity()["Account"]
        except aws.AWS_ERRORS:
            return "*"

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account_id()}:{resource}"


def typed_objects(config: Config) -> list:
    """Every group resource and monitor resource: what the type hooks check."""
    return [*config.resources, *config.monitors]


# --- cluster-wide checks -----------------------------------------------------------------------

GUIDE_CLI_SETUP = (
    "The AWS settings (region, access key ID, secret key) are not correct, or no IAM role is set to the instance."
)


def check_account(ctx: CheckContext) -> list[Problem]:
    """Credentials and region work, within the timeout."""
    try:
        ctx.account.identity()
    except aws.AWS_ERRORS as exc:
        message = aws.error_message(exc)
        timeout = message == aws.TIMEOUT_MESSAGE
        return [
            Problem(
                ctx.cluster.name,
                "AWS account",
                message,
                "Check the routing to the regional endpoint (NAT gateway, proxy) and that packets are not filtered."
                if timeout
                else "Correct the AWS settings, then confirm that the AWS CLI works.",
                code="9" if timeout else "50",
                cause="The regional endpoint cannot be reached." if timeout else GUIDE_CLI_SETUP,
                check="account.credentials",
            )
        ]
    return []


def check_permissions(ctx: CheckContext) -> list[Problem]:
    """Simulate the generated IAM policy's actions for the caller, where the account lets us."""
    policy = iam_policy(ctx)
    identity = ctx.account.identity()
    problems = []
    for statement in policy["Statement"]:
        try:
            results = aws.client("iam").simulate_principal_policy(
                PolicySourceArn=identity["Arn"], ActionNames=statement["Action"], ResourceArns=statement["Resource"]
            )["EvaluationResults"]
        except aws.AWS_ERRORS as exc:
            return [
                Problem(
                    ctx.cluster.name,
                    "IAM",
                    f"Permissions could not be simulated ({aws.error_message(exc)}).",
                    "Compare the instance role's policy with the one under IAM policy.",
                    severity="info",
                    check="account.iam_simulation",
                )
            ]
        for result in results:
            if result["EvalDecision"] != "allowed":
                problems.append(
                    Problem(
                        ctx.cluster.name,
                        "IAM",
                        f"50 : You are not authorized to perform this operation. "
                        f"({result['EvalActionName']} on {result.get('EvalResourceName', '*')})",
                        "Give the permission to the resource in the IAM policy (see IAM policy).",
                        code="50",
                        cause="The IAM role lacks a permission a resource needs.",
                        check="account.iam_permission",
                    )
                )
    return problems


def check_object_storage(ctx: CheckContext) -> list[Problem]:
    problems = []
    for hb in ctx.config.heartbeats:
        if hb.kind != "object_storage":
            continue
        bucket = hb.parameters.get("bucket", "")
        error = bucket_roundtrip(bucket, ctx.cluster.name)
        if error:
            problems.append(
                Problem(
                    hb.name,
                    "Bucket Name",
                    error,
                    "Create the bucket (Amazon S3) for the object storage heartbeat, and let the "
                    "instances' IAM role write and read objects in it.",
                    code="",
                    cause="The bucket does not exist or cannot be written.",
                    check="objectstorage.bucket",
                )
            )
    return problems


def bucket_roundtrip(bucket: str, cluster_name: str) -> str:
    """Write and read back an object in the bucket (two calls; the small probe object is overwritten at
    each check, not deleted); '' when it works, else what failed."""
    s3 = aws.client("s3")
    key = f"clusterwebui-check/{cluster_name}/probe"
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=b"heartbeat check")
    except aws.AWS_ERRORS as exc:
        if getattr(exc, "response", {}).get("Error", {}).get("Code") == "NoSuchBucket":
            return f"The bucket {bucket} does not exist ({aws.error_message(exc)})."
        return f"Could not write an object in {bucket}: {aws.error_message(exc)}"
    try:
        if s3.get_object(Bucket=bucket, Key=key)["Body"].read() != b"heartbeat check":
            return f"An object written in {bucket} read back different."
    except aws.AWS_ERRORS as exc:
        return f"Could not read back an object written in {bucket}: {aws.error_message(exc)}"
    return ""


def check_forced_stop(ctx: CheckContext) -> list[Problem]:
    problems = []
    for server in ctx.server_names:
        instance_id = ctx.config.instance_id(server)
        if not instance_id:
            continue
        instance = ctx.account.instance(instance_id)
        if instance is None and ctx.account.readable("instances"):
            problems.append(
                Problem(
                    "Forced stop",
                    "Instance ID",
                    f"The instance ID '{instance_id}' does not exist.",
                    "Set the AWS instance ID of each server in Instance ID.",
                    server=server,
                    check="forcedstop.instance_exists",
                )
            )
        if instance is None:
            continue
        address = ctx.config.address(server)
        addresses = {
            a["PrivateIpAddress"]
            for eni in instance.get("NetworkInterfaces", [])
            for a in eni.get("PrivateIpAddresses", [])
        } | {instance.get("PrivateIpAddress")}
        if address and address not in addresses:
            problems.append(
                Problem(
                    "Forced stop",
                    "Instance ID",
                    f"{instance_id} does not carry {server}'s interconnect address {address}.",
                    f"Enter the instance ID of {server} itself.",
                    server=server,
                    check="forcedstop.instance_is_the_server",
                )
            )
    return problems


# --- running them ------------------------------------------------------------------------------


def run_checks(
    cluster: Cluster,
    *,
    account: AwsAccount | None = None,
    config: Config | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> list[Problem]:
    """Every check: the configuration itself, then the account, then each object against AWS."""
    ctx = CheckContext(cluster, account, config)
    findings = [Problem(**{**p.__dict__, "check": p.check or "config"}) for p in validate(ctx.config)]
    log(f"Configuration: {len(findings)} problem(s) found without AWS.")
    log("Checking the AWS account...")
    account_problems = check_account(ctx)
    if account_problems:
        return findings + account_problems  # nothing else can be read
    findings += check_permissions(ctx)
    for obj in typed_objects(ctx.config):
        log(f"Checking {obj.name} ({obj.spec.label})...")
        findings += obj.spec.check_aws(obj, ctx)
    log("Checking the object storage heartbeat and forced stop...")
    findings += check_object_storage(ctx) + check_forced_stop(ctx)
    findings += [
        Problem(cluster.name, "AWS", error, "Check the IAM role's permissions and the endpoint.", check="account.read")
        for error in ctx.account.errors
    ]
    return findings


def iam_policy(ctx_or_cluster) -> dict:
    """The least-privilege IAM policy the cluster's engine needs to operate it (its resources' and monitors'
    actions, server health, forced stop, the object storage heartbeat and the distribution of clp.conf), scoped
    where AWS allows: every action is used on every resource it names (tests/test_iam_policy.py shows each
    statement necessary). Check AWS reads more (VPCs, subnets, zones...) with the console's own credentials."""
    ctx = ctx_or_cluster if isinstance(ctx_or_cluster, CheckContext) else CheckContext(ctx_or_cluster)
    statements: list[dict] = []
    for obj in typed_objects(ctx.config):
        statements += obj.spec.iam_statements(obj, ctx)
    buckets = sorted({hb.parameters.get("bucket", "") for hb in ctx.config.heartbeats if hb.kind == "object_storage"})
    for bucket in filter(None, buckets):  # heartbeats read by the console, written by the servers; clp.conf
        statements.append({"Action": ["s3:ListBucket"], "Resource": [f"arn:aws:s3:::{bucket}"]})
        statements.append({"Action": ["s3:PutObject"], "Resource": [f"arn:aws:s3:::{bucket}/*"]})
    instances = sorted(filter(None, map(ctx.config.instance_id, ctx.server_names)))
    if instances:
        statements.append(
            {"Action": ["ec2:StopInstances"], "Resource": [ctx.arn("ec2", f"instance/{i}") for i in instances]}
        )
        statements.append({"Action": ["ec2:DescribeInstances"], "Resource": ["*"]})
    return {"Version": "2012-10-17", "Statement": _merge(statements)}


def _merge(statements: list[dict]) -> list[dict]:
    """Each action once, on every resource any object needs it on; one statement per set of resources (each
    statement's actions are needed on exactly its resources); Sids for reading."""
    by_action: dict[str, set] = {}
    for statement in statements:
        for action in statement["Action"]:
            by_action.setdefault(action, set()).update(statement["Resource"])
    merged: dict[tuple, list] = {}
    for action, resources in sorted(by_action.items()):
        merged.setdefault(("*",) if "*" in resources else tuple(sorted(resources)), []).append(action)
    result = []
    for i, (resources, actions) in enumerate(sorted(merged.items(), key=lambda item: item[1]), start=1):
        result.append({"Sid": f"ClusterWebUI{i}", "Effect": "Allow", "Action": actions, "Resource": list(resources)})
    return result


def iam_policy_json(cluster: Cluster) -> str:
    return json.dumps(iam_policy(cluster), indent=2)

"""The cluster-wide checks of the guide's Troubleshooting chapter: the account, IAM, the object storage
heartbeat's bucket and AWS forced stop's instances."""

from clusters.aws.checks.context import CheckContext
from clusters.aws.checks.policy import iam_policy
from clusters.configuration.params import Problem
from webui import aws

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
    """Simulate the generated IAM policy for the caller, where the account lets us: one simulation of every
    action on every resource the policy names, each pair the policy states judged on its own result."""
    policy = iam_policy(ctx)
    wanted = {(a, r) for statement in policy["Statement"] for a in statement["Action"] for r in statement["Resource"]}
    try:
        results = aws.all_pages(
            "iam",
            "simulate_principal_policy",
            "EvaluationResults",
            PolicySourceArn=ctx.account.identity()["Arn"],
            ActionNames=sorted({a for a, _ in wanted}),
            ResourceArns=sorted({r for _, r in wanted}),
        )
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
    problems = []
    for result in results:
        action = result["EvalActionName"]
        each = {r["EvalResourceName"]: r["EvalResourceDecision"] for r in result.get("ResourceSpecificResults", [])}
        for resource in sorted(r for a, r in wanted if a == action):
            # Without a result per resource, only an aggregate "allowed" says something (it holds for all).
            decision = each.get(resource, "allowed" if result["EvalDecision"] == "allowed" else "")
            if decision and decision != "allowed":
                problems.append(
                    Problem(
                        ctx.cluster.name,
                        "IAM",
                        f"50 : You are not authorized to perform this operation. ({action} on {resource})",
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
        error = bucket_write(bucket, ctx.cluster.name)
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


def bucket_write(bucket: str, cluster_name: str) -> str:
    """Write an object in the bucket, as each server's heartbeat does (one call; the small probe object is
    overwritten at each check, not deleted; reading is the IAM simulation's to judge): '' when it works, else
    what failed."""
    try:
        aws.client("s3").put_object(
            Bucket=bucket, Key=f"clusterwebui-check/{cluster_name}/probe", Body=b"heartbeat check"
        )
    except aws.AWS_ERRORS as exc:
        if getattr(exc, "response", {}).get("Error", {}).get("Code") == "NoSuchBucket":
            return f"The bucket {bucket} does not exist ({aws.error_message(exc)})."
        return f"Could not write an object in {bucket}: {aws.error_message(exc)}"
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

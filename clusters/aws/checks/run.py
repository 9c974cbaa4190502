"""Running Check AWS: the configuration itself, the account, each object against AWS (the types' own checks),
the cluster-wide ones, then the families of what else acts on the cluster."""

from collections.abc import Callable

from clusters.aws.account import AwsAccount
from clusters.aws.checks.cluster import check_account, check_forced_stop, check_object_storage, check_permissions
from clusters.aws.checks.context import CheckContext, typed_objects
from clusters.aws.checks.families import FAMILIES
from clusters.configuration.config import Config
from clusters.configuration.params import Problem
from clusters.configuration.validation import validate
from clusters.models import Cluster

FAMILY_LABELS = {
    "interference": "what else acts on the instances (automatic recovery, stop protection, alarms, Auto Scaling, "
    "zonal shift)",
    "parity": "standby parity",
    "reachability": "security groups, network ACLs and the way to Amazon S3",
    "shared": "objects shared with other clusters",
    "events": "scheduled events",
}


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
    for family in FAMILIES:
        log(f"Checking {FAMILY_LABELS[family.__name__.rsplit('.', 1)[-1]]}...")
        findings += family.check(ctx)
    findings += [
        Problem(cluster.name, "AWS", error, "Check the IAM role's permissions and the endpoint.", check="account.read")
        for error in ctx.account.errors
    ]
    return findings

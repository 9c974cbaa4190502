"""The IAM policy the cluster needs, scoped where AWS allows: first what its engine does (each type's resources
and monitors, server health, forced stop, the object storage heartbeat, the distribution of clp.conf: every
statement necessary, as tests/test_iam_policy.py shows), then one statement of the reads only Check AWS makes
with the console's credentials (its own families: what else acts on the instances, parity, reachability,
scheduled events)."""

import json

from clusters.aws.checks.context import CheckContext, typed_objects
from clusters.aws.checks.families import FAMILIES
from clusters.models import Cluster

CHECK_AWS_SID = "ClusterWebUICheckAws"


def iam_policy(ctx_or_cluster, *, check_aws: bool = True) -> dict:
    """The policy; without `check_aws`, the engine's part alone (the servers' instance role)."""
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
    merged = merge(statements)
    if check_aws:
        anywhere = {a for s in merged if s["Resource"] == ["*"] for a in s["Action"]}
        reads = sorted({a for family in FAMILIES for s in family.iam_statements(ctx) for a in s["Action"]} - anywhere)
        if reads:
            merged.append({"Sid": CHECK_AWS_SID, "Effect": "Allow", "Action": reads, "Resource": ["*"]})
    return {"Version": "2012-10-17", "Statement": merged}


def merge(statements: list[dict]) -> list[dict]:
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

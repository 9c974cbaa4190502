"""The IAM policy the cluster needs: what each type's resources do, the object storage heartbeat, AWS forced
stop, and every read of Check AWS's own families (what else acts on the instances, parity, reachability,
scheduled events), each scoped where AWS allows."""

import json

from clusters.aws.checks.context import CheckContext, typed_objects
from clusters.aws.checks.families import FAMILIES
from clusters.models import Cluster


def iam_policy(ctx_or_cluster) -> dict:
    """The least-privilege IAM policy the cluster's servers need, scoped where AWS allows."""
    ctx = ctx_or_cluster if isinstance(ctx_or_cluster, CheckContext) else CheckContext(ctx_or_cluster)
    statements: list[dict] = []
    for obj in typed_objects(ctx.config):
        statements += obj.spec.iam_statements(obj, ctx)
    buckets = sorted({hb.parameters.get("bucket", "") for hb in ctx.config.heartbeats if hb.kind == "object_storage"})
    for bucket in filter(None, buckets):
        statements.append({"Action": ["s3:ListBucket"], "Resource": [f"arn:aws:s3:::{bucket}"]})
        statements.append(
            {"Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], "Resource": [f"arn:aws:s3:::{bucket}/*"]}
        )
    instances = sorted(filter(None, map(ctx.config.instance_id, ctx.server_names)))
    if instances:
        statements.append(
            {"Action": ["ec2:StopInstances"], "Resource": [ctx.arn("ec2", f"instance/{i}") for i in instances]}
        )
        statements.append({"Action": ["ec2:DescribeInstances"], "Resource": ["*"]})
    for family in FAMILIES:
        statements += family.iam_statements(ctx)
    return {"Version": "2012-10-17", "Statement": merge(statements)}


def merge(statements: list[dict]) -> list[dict]:
    """Every read AWS cannot scope ("Resource": "*") in one statement; the others one per set of actions, their
    resources gathered; Sids for reading."""
    merged: dict[tuple, set] = {}
    anywhere = {a for s in statements if "*" in s["Resource"] for a in s["Action"]}
    for statement in statements:
        if "*" not in statement["Resource"]:
            actions = tuple(sorted(set(statement["Action"]) - anywhere))
            if actions:
                merged.setdefault(actions, set()).update(statement["Resource"])
    if anywhere:
        merged[tuple(sorted(anywhere))] = {"*"}
    result = []
    for i, (actions, resources) in enumerate(sorted(merged.items()), start=1):
        result.append(
            {
                "Sid": f"ClusterWebUI{i}",
                "Effect": "Allow",
                "Action": list(actions),
                "Resource": ["*"] if "*" in resources else sorted(resources),
            }
        )
    return result


def iam_policy_json(cluster: Cluster) -> str:
    return json.dumps(iam_policy(cluster), indent=2)

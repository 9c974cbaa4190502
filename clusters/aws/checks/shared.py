"""Shared objects: two clusters of this console (applied, or a draft) claiming the same VIP route, EIP, secondary
IP, DNS record or probe port target. Each takes it from the other in turn; the error names both.

What a resource claims, in its scope in AWS (a VIP route in its VPC, a record in its hosted zone, a health check
port in its target group), its type says (`claims` in its module).
"""

from dataclasses import dataclass

from clusters.aws.checks.codes import finding
from clusters.aws.checks.context import CheckContext
from clusters.clpconf import reader
from clusters.configuration.config import Config
from clusters.configuration.draft import from_models
from clusters.configuration.params import Problem
from clusters.models import Cluster
from clusters.runtime import AppliedVersion

_APPLIED: dict[tuple, Config] = {}  # an applied clp.conf never changes: each is read once per process


@dataclass(frozen=True)
class Claim:
    check: str  # the shared.* finding it makes
    key: tuple  # what is claimed, in its scope
    value: str  # as the message says it
    resource: str


def claims(config: Config, ctx: CheckContext) -> list[Claim]:
    """What each resource of `config` takes for its cluster alone (its type's `claims`)."""
    return [Claim(*claim, r.name) for r in config.resources for claim in r.spec.claims(r, config, ctx)]


def applied_config(version: AppliedVersion) -> Config:
    key = (version.pk, version.number, version.applied_at)
    if key not in _APPLIED:
        if len(_APPLIED) > 64:
            _APPLIED.clear()
        _APPLIED[key] = reader.read(bytes(version.conf), files=version.files)
    return _APPLIED[key]


def other_configs(ctx: CheckContext):
    """(cluster name, "applied version N" or "draft", its Config) of every other cluster of this console."""
    latest = {}
    versions = AppliedVersion.objects.exclude(cluster=ctx.cluster).defer("conf", "files")  # read only when new
    for version in versions.order_by("cluster_id", "-number"):
        latest.setdefault(version.cluster_id, version)
    for cluster in Cluster.objects.exclude(pk=ctx.cluster.pk).order_by("name"):
        if (version := latest.get(cluster.pk)) is not None:
            yield cluster.name, f"applied version {version.number}", applied_config(version)
        yield cluster.name, "draft", from_models(cluster)


def check(ctx: CheckContext) -> list[Problem]:
    ours = claims(ctx.config, ctx)
    if not ours:
        return []
    theirs: dict[tuple, dict[tuple[str, str], list[str]]] = {}  # key -> (cluster, resource) -> where
    for cluster, where, config in other_configs(ctx):
        for claim in claims(config, ctx):
            theirs.setdefault(claim.key, {}).setdefault((cluster, claim.resource), [])
            if where not in theirs[claim.key][(cluster, claim.resource)]:
                theirs[claim.key][(cluster, claim.resource)].append(where)
    found, seen = [], set()
    for claim in ours:
        for (cluster, resource), where in sorted(theirs.get(claim.key, {}).items()):
            if (claim.key, claim.resource, cluster, resource) in seen:
                continue
            seen.add((claim.key, claim.resource, cluster, resource))
            found.append(
                finding(
                    claim.check,
                    object=claim.resource,
                    field="Shared with another cluster",
                    value=claim.value,
                    resource=f"{claim.resource} of cluster {ctx.cluster.name}",
                    other=f"{resource} of cluster {cluster} ({' and '.join(where)})",
                )
            )
    return found


def iam_statements(ctx: CheckContext) -> list[dict]:
    return []  # what the other checks read already

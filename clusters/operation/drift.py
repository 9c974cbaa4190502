"""The drift watch: in Operation Mode, Check AWS runs again on the applied version on a schedule
(WEBUI_DRIFT_WATCH_SECONDS, beat), and a finding that appears after Apply is alerted once when it appears
and once when it clears.

Apply's own findings are the baseline (what Apply accepted is not news). A round in which AWS did not answer
a read (throttled, no answer) concludes nothing about what that read would have shown: it alerts what it
found, and clears nothing.
"""

import logging

from clusters.aws.account import AwsAccount
from clusters.aws.checks import run_checks
from clusters.configuration.params import Problem
from clusters.models import Cluster
from clusters.operation import state

logger = logging.getLogger(__name__)

TRANSIENT = ("throttled", "no_response")  # aws.failure_kind: says nothing about the cluster
READ_FAILURES = ("account.read", "unanswered")  # findings that a read failed


def key(finding: Problem | dict) -> str:
    """A finding's identity from one round to the next."""
    values = finding if isinstance(finding, dict) else finding.as_dict()
    return "|".join(values[k] for k in ("check", "object", "server", "field", "message"))


def baseline(cluster: Cluster, findings: list[Problem], *, version: int) -> None:
    """What Apply found when it applied `version`: the drift watch alerts only what differs from it."""
    state.set_watched_findings(cluster, version=version, findings={key(f): f.as_dict() for f in findings})


def clusters_to_watch() -> list[int]:
    return list(Cluster.objects.filter(applied_versions__isnull=False).distinct().values_list("pk", flat=True))


def watch_cluster(pk: int) -> list[str]:
    """One round for one cluster (beat's task per cluster): the alerts it made. A failure is logged and alerted."""
    cluster = Cluster.objects.filter(pk=pk).first()
    if cluster is None:
        return []
    try:
        return watch(cluster)
    except Exception as exc:
        logger.exception("the drift watch of cluster %s failed", cluster.name)
        message = f"Check AWS could not watch this cluster this round ({type(exc).__name__}: {exc})."
        state.alert(cluster, message, "warning")
        return []


def watch(cluster: Cluster, *, account: AwsAccount | None = None) -> list[str]:
    """Check AWS on the applied version; alert what appeared and what cleared since the last round (or Apply)."""
    version, config = state.applied(cluster)
    if version is None:
        return []
    account = account or AwsAccount()
    findings = run_checks(cluster, account=account, config=config)
    if any(f.check == "account.credentials" for f in findings):
        return []  # AWS could not be reached at all: nothing is concluded, nothing alerted (server health says it)
    transient = any(k in TRANSIENT for k in account.error_kinds) or any(
        k in TRANSIENT for _, k in account.unanswered.values()
    )
    now = {key(f): f.as_dict() for f in findings if not (transient and f.check in READ_FAILURES)}
    seen_version, before = state.watched_findings(cluster)
    if seen_version != version.number:  # applied before the watch existed: this round is the baseline
        state.set_watched_findings(cluster, version=version.number, findings=now)
        return []
    appeared = [f for k, f in now.items() if k not in before]
    cleared = [] if transient else [f for k, f in before.items() if k not in now]
    kept = now if not transient else before | now
    if not state.set_watched_findings(cluster, version=version.number, findings=kept, if_version=version.number):
        return []  # applied meanwhile: that Apply's findings are the baseline now
    alerts = []
    for finding in appeared:
        alerts.append(say(finding, f"found since version {version.number} was applied"))
        state.alert(cluster, alerts[-1], finding["severity"], finding["server"])
    for finding in cleared:
        alerts.append(say(finding, "cleared"))
        state.alert(cluster, alerts[-1], "info", finding["server"])
    return alerts


def say(finding: dict, what: str) -> str:
    """An alert of a finding, in the alert log's words: about a server, "Server NAME: ..."."""
    where = f"{finding['object']}: {finding['field']}" + (f" ({finding['server']})" if finding["server"] else "")
    head = f"Server {finding['object']}: Check AWS" if finding["object"] == finding["server"] else f"Check AWS: {where}"
    code = f" [{finding['code']}]" if finding["code"] else ""
    return f"{head}, {what}{code}: {finding['message']}"

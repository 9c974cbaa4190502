"""Failover drills: each group moves to its standby and back while the other server probes its addresses every
second; the client-perceived outage is measured and held against the computed worst case (worstcase.py).

A drill is a run (one at a time per cluster, like any operation). For each group: the other server's node agent
probes where the group's addresses lead (clusters.node.probe; the console stands in where the server has no
agent, and says so), the group moves source -> standby, then back, each step logged with its time (the
resources' own lines are the AWS-side switch times). A sample is good when its addresses lead to the server
the group is online on at that instant. The outage of a move runs from the last good sample before the first
bad one to the first good one after it (at most one probe interval more than the truth). A drill fails when a
step fails, when the addresses never lead back to the group, or when an outage exceeds the bound of a move;
a failed drill is an error in the alert log (which the Alert Service sends on). Its evidence is kept
(runtime.Drill) and downloadable as HTML, PDF and JSON (drillreport.py).

Schedules (runtime.DrillSchedule) open a weekly or monthly window; beat asks `start_due` every minute.
"""

import threading
import time
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from clusters.configuration.config import Config
from clusters.node import probe, remote
from clusters.operation import groups, state, worstcase
from clusters.runs import taskruns
from clusters.runs.taskruns import RunContext, TaskFailed, task_kind
from clusters.runtime import Drill, DrillSchedule
from webui import nodes
from webui.roles import Role, acting_user, require_role

SETTLE_MIN = 3.0  # seconds a drill waits at least for the probe to see a moved group


class Prober:
    """The probe of one group from one server: on its node agent, or by the console in a thread of its own."""

    def __init__(self, cluster, config: Config, group: str, server: str, *, seconds: float):
        self.key, self.samples, self.error = uuid.uuid4().hex, [], ""
        agents = remote.agents_of(cluster)
        agent = agents.get(server)
        self.remote = agent is not None and not agent.lost()
        self.by = f"the node agent of {server}" if self.remote else f"the console (no node agent on {server})"
        resources = probe.addressed(config, group)
        self.resources = [r.name for r in resources]
        self.stopped = threading.Event()
        if self.remote:
            payload = {
                "action": "probe",
                "cluster": cluster.name,
                "server": server,
                "group": group,
                "drill": self.key,
                "seconds": seconds,
            }
            work = lambda: self._remote(cluster.name, server, payload, seconds)  # noqa: E731
        else:
            listen = {name: a.listen for name, a in agents.items()}
            looker = probe.Probe(config, listen, probe.resolver())
            work = lambda: probe.watch(  # noqa: E731
                looker, resources, seconds=seconds, should_stop=self.stopped.is_set, on_sample=self.samples.append
            )
        self.thread = threading.Thread(target=self._run, args=(work,), name=f"probe-{group}", daemon=True)
        if resources:
            self.thread.start()

    def _run(self, work) -> None:
        try:
            work()
        except Exception as exc:  # the drill judges without samples, and says why
            self.error = f"{type(exc).__name__}: {exc}"

    def _remote(self, cluster: str, server: str, payload: dict, seconds: float) -> None:
        answer = nodes.call(cluster, server, payload, timeout=seconds + settings.WEBUI_NODE_CALL_SECONDS)
        self.samples[:] = answer.get("samples", [])

    def latest(self) -> dict | None:
        if self.remote:
            return probe.latest(self.key)
        return self.samples[-1] if self.samples else None

    def finish(self) -> list[dict]:
        self.stopped.set()
        if self.remote:
            probe.stop(self.key)
        if self.thread.is_alive() or self.thread.ident:
            self.thread.join(settings.WEBUI_NODE_CALL_SECONDS + 5)
        return list(self.samples)


class Timeline:
    """Every step of a drill with its time (Unix seconds), logged to the run as it happens."""

    def __init__(self, log):
        self.steps: list[dict] = []
        self._log = log

    def __call__(self, message: str, level: str = "info") -> None:
        self.steps.append({"at": round(time.time(), 3), "level": level, "what": message})
        self._log(message, level)

    def mark(self, what: str, **data) -> float:
        now = time.time()
        self.steps.append({"at": round(now, 3), "level": "info", "what": what, **data})
        return now


# --- judging what the probe saw ---------------------------------------------------------------------------


def serving(moves: list[dict], at: float, source: str) -> str | None:
    """Where the group was online at `at`: on `source` until the first move stopped it, then on each move's
    target from when it was online there until the next move stopped it."""
    where = source
    for move in moves:
        if at < move["stop"]:
            return where
        if move.get("online") is None or at < move["online"]:
            return None
        where = move["to"]
    return where


def good(sample: dict, where: str | None) -> bool:
    return where is not None and sample["leads_to"] in (where, probe.Probe.ANY)


def outages(samples: list[dict], moves: list[dict], source: str) -> list[float | None]:
    """Each move's client-perceived outage (seconds), None when the addresses never led back to the group."""
    judged = [(s["at"], good(s, serving(moves, s["at"], source))) for s in samples]
    found = []
    for i, move in enumerate(moves):
        end = moves[i + 1]["stop"] if i + 1 < len(moves) else float("inf")
        window = [(at, ok) for at, ok in judged if move["stop"] - probe.PROBE_INTERVAL <= at < end]
        first_bad = next((k for k, (_, ok) in enumerate(window) if not ok), None)
        if first_bad is None:
            found.append(0.0)  # no sample fell into it: shorter than the probe's interval
            continue
        before = window[first_bad - 1][0] if first_bad else move["stop"]
        back = next((at for at, ok in window[first_bad:] if ok), None)
        found.append(None if back is None else round(back - before, 3))
    return found


# --- one group's drill ------------------------------------------------------------------------------------


def _move(cluster, config: Config, group: str, source: str, target: str, timeline: Timeline) -> dict:
    move = {"from": source, "to": target, "stop": timeline.mark(f"Move {group}: {source} -> {target}")}
    groups.stop_group(cluster, config, group, timeline)
    landed = groups.start_group(cluster, config, group, on=target, log=timeline)
    if landed != target:
        raise TaskFailed(f"Group {group} did not start on {target}; it runs on {landed}.")
    move["online"] = timeline.mark(f"{group} online on {target}")
    return move


def _settle(prober: Prober, target: str, seconds: float) -> None:
    """Wait until the probe sees the addresses lead to `target`, at most `seconds` (at least SETTLE_MIN)."""
    deadline = time.monotonic() + max(SETTLE_MIN, seconds)
    while time.monotonic() < deadline and prober.resources and not prober.error:
        latest = prober.latest()
        if latest and latest["leads_to"] in (target, probe.Probe.ANY) and latest["at"] > time.time() - 1.5:
            return
        time.sleep(0.2)


def drill_group(cluster, config: Config, group: str, facts: dict, log) -> dict:
    """Move `group` to its standby and back, probed; its evidence (steps, samples, bound, measured, verdict)."""
    timeline = Timeline(log)
    source = state.group_server(cluster, group)
    result = {"name": group, "source": source, "target": "", "passed": False, "steps": timeline.steps}
    if state.read_state(cluster, state.Kind.GROUP, group) != (state.Status.ONLINE, source) or not source:
        result["reason"] = f"Group {group} is not online: a drill moves a running group."
        timeline(result["reason"], "error")
        return result
    target = next(iter(groups.available_servers(cluster, config, group, excluding=(source,))), "")
    if not target:
        result["reason"] = f"Group {group} has no other available startup server to move to."
        timeline(result["reason"], "error")
        return result
    bound = worstcase.group_worst_case(config, group, facts=facts, source=source)
    settle = worstcase.total(bound.propagation_moved) + 2
    prober = Prober(cluster, config, group, target, seconds=2 * bound.move + 60)
    result.update(target=target, bound=bound.move, worst_case=bound.as_dict(), probed_by=prober.by)
    timeline(f"Probing {', '.join(prober.resources) or 'nothing'} of {group} from {prober.by}, every second.")
    moves, failure = [], ""
    try:
        for there, back in ((source, target), (target, source)):
            moves.append({"from": there, "to": back, "stop": time.time()})
            moves[-1] = _move(cluster, config, group, there, back, timeline)
            _settle(prober, back, settle)
    except TaskFailed as exc:
        failure = str(exc)
        timeline(failure, "error")
    samples = prober.finish()
    result.update(moves=moves, samples=samples, probe_error=prober.error)
    measured = outages(samples, moves, source) if prober.resources and not prober.error else []
    result["measured"] = measured
    result["switch"] = [round(m["online"] - m["stop"], 3) for m in moves if m.get("online")]
    result["passed"], result["reason"] = _verdict(failure, moves, measured, bound.move, prober)
    timeline(f"Group {group}: {'passed' if result['passed'] else 'FAILED'} ({result['reason']})")
    return result


def _verdict(failure: str, moves: list, measured: list, bound: float, prober: Prober) -> tuple[bool, str]:
    if failure:
        return False, failure
    if prober.error:
        return False, f"the probe failed ({prober.error})"
    if any(m is None for m in measured):
        return False, "its addresses never led back to the group within the drill"
    if any(m > bound for m in measured):
        return False, f"an outage of {max(measured):g} s exceeds the computed bound of {bound:g} s"
    if not prober.resources:
        switch = max((m["online"] - m["stop"] for m in moves), default=0)
        if switch > bound:
            return False, f"a switch of {switch:.3g} s exceeds the computed bound of {bound:g} s"
        return True, f"no address to probe; switches within the bound of {bound:g} s"
    return True, f"outages {', '.join(f'{m:g} s' for m in measured)} within the bound of {bound:g} s"


# --- the run, the alert, the schedule -----------------------------------------------------------------


@task_kind("drill", label="Failover drill", role=Role.OPERATOR, takes=("group",), values={"schedule": int})
def run_drill(context: RunContext) -> dict:
    cluster = context.cluster
    version, config = state.applied(cluster)
    if config is None:
        raise TaskFailed("The cluster has no applied configuration: Apply the Configuration File first.")
    if not state.is_running(cluster):
        raise TaskFailed("The cluster is not running: a drill moves running groups. Start the cluster first.")
    wanted = context.params.get("group")
    if wanted and config.group(wanted) is None:
        raise TaskFailed(f"There is no group {wanted} in the applied configuration.")
    schedule = DrillSchedule.objects.filter(pk=context.params.get("schedule") or 0).first()
    drill = Drill.objects.create(
        cluster=cluster,
        run=context.run,
        started_by=context.run.user,
        schedule=schedule,
        version=version.number,
    )
    who = f"schedule #{schedule.pk} ({schedule})" if schedule else (context.run.user or "manage.py")
    context.log(f"Failover drill #{drill.pk} started by {who}.")
    facts = worstcase.gather_facts(config)
    names = [wanted] if wanted else [g.name for g in config.groups if state.group_server(cluster, g.name)]
    results = [drill_group(cluster, config, name, facts, context.log) for name in names]
    passed = bool(results) and all(r["passed"] for r in results)
    summary = "; ".join(f"{r['name']}: {'passed' if r['passed'] else 'failed'} ({r['reason']})" for r in results)
    drill.evidence = {"groups": results, "started_by": str(who), "configuration": f"applied version {version.number}"}
    drill.passed, drill.summary, drill.finished_at = passed, summary or "no group is online", timezone.now()
    drill.save()
    if passed:
        state.alert(cluster, f"Failover drill #{drill.pk} passed: {summary}.")
    else:
        state.alert(cluster, f"Failover drill #{drill.pk} failed: {drill.summary}.", "error")
        raise TaskFailed(f"Failover drill #{drill.pk} failed: {drill.summary}.")
    return {"drill": drill.pk, "passed": passed, "summary": summary}


def window_start(schedule: DrillSchedule, now: datetime) -> datetime | None:
    """When the schedule's window that is open at `now` opened, or None when none is open."""
    for days_back in range(0, 2):  # a window that opened late yesterday may still be open
        day = (now - timedelta(days=days_back)).replace(hour=schedule.hour, minute=0, second=0, microsecond=0)
        on_day = (
            day.weekday() == schedule.weekday if schedule.every == DrillSchedule.Every.WEEK else day.day == schedule.day
        )
        if on_day and day <= now < day + timedelta(hours=schedule.window_hours):
            return day
    return None


def start_due(now: datetime | None = None) -> list[int]:
    """Start the drill of each schedule whose window is open and has not started it yet; the runs started. A
    cluster busy with another run is tried again at the next call, while the window stays open."""
    now = now or timezone.now()
    started = []
    for schedule in DrillSchedule.objects.filter(enabled=True).select_related("cluster"):
        opened = window_start(schedule, now)
        if opened is None or (schedule.last_started_at and schedule.last_started_at >= opened):
            continue
        if not state.is_running(schedule.cluster):
            continue  # nothing runs to drill; the window may still see it started
        params = {"schedule": schedule.pk, **({"group": schedule.group} if schedule.group else {})}
        try:
            run = taskruns.start_run(
                kind="drill", user=acting_user("schedule"), cluster=schedule.cluster, params=params
            )
        except taskruns.ClusterBusy:
            continue
        DrillSchedule.objects.filter(pk=schedule.pk).update(last_started_at=now)
        started.append(run.pk)
    return started


def add_schedule(
    *, user, cluster, every: str, group: str = "", weekday: int = 6, day: int = 1, hour: int = 3, window_hours: int = 2
) -> DrillSchedule:
    """A drill window for the cluster (Operator); ValueError naming what is out of range."""
    require_role(user, Role.OPERATOR)
    _, config = state.applied(cluster)
    checks = (
        (every in DrillSchedule.Every.values, f"Every is {every!r}: week or month."),
        (not group or (config is not None and config.group(group) is not None), f"There is no group {group}."),
        (0 <= weekday <= 6, "Weekday is 0 (Monday) to 6 (Sunday)."),
        (1 <= day <= 28, "Day of the month is 1 to 28 (every month has it)."),
        (0 <= hour <= 23, "Hour is 0 to 23 (UTC)."),
        (1 <= window_hours <= 24, "The window is 1 to 24 hours."),
    )
    for fine, message in checks:
        if not fine:
            raise ValueError(message)
    return DrillSchedule.objects.create(
        cluster=cluster,
        group=group,
        every=every,
        weekday=weekday,
        day=day,
        hour=hour,
        window_hours=window_hours,
        created_by=user if user.pk else None,
    )


def remove_schedule(*, user, cluster, pk: int) -> None:
    require_role(user, Role.OPERATOR)
    DrillSchedule.objects.filter(cluster=cluster, pk=pk).delete()

"""The IAM policy page is proven: with exactly the policy it shows, under IAM enforcement, the engine carries out
every action of every resource and monitor type, server health, the object storage heartbeat and the forced stop;
and each statement is necessary: without it, an action it allows fails with the guide's message."""

import time
import uuid

import pytest

from clusters.aws.checks import iam_policy
from clusters.clpconf import writer
from clusters.configuration import services
from clusters.node import remote
from clusters.node.agent import Heartbeat
from clusters.operation import groups, health, propagation, recovery, state
from clusters.runtime import Alert, AppliedVersion
from tests import guide
from tests.runs import run
from webui import aws, awssim
from webui.awssim.topology import root_client

DENIED = "not authorized to perform: "


def all_types_cluster(users, ids, sim):
    """The guide's VIP cluster (object storage heartbeat, forced stop, AZ monitor) with an EIP, a secondary IP and
    a DNS record in its group too: every AWS resource type and, added with them, every AWS monitor type. Applied
    as it stands (Apply's own checks read more than operating needs: the console's credentials do them)."""
    admin = users["admin"]
    cluster = guide.build("vip", user=admin, name=f"iam-{uuid.uuid4().hex[:6]}", ids=ids)
    group = cluster.groups.get()
    server2 = cluster.servers.get(name="server2")
    s1, s2 = ids["servers"]["server1"], ids["servers"]["server2"]
    record = f"{cluster.name}.{sim['hosted_zone']['name']}"
    for kind, parameters, second in (
        ("awseip", {"eipid": ids["eip"], "eniid": s1["eni"]}, {"eniid": s2["eni"]}),
        ("awssip", {"ip": "10.0.110.100", "eniid": s1["eni"]}, {"eniid": s2["eni"]}),
        # The record is kept at deactivation: a move need not wait for a delete to be INSYNC (tests/test_awsreads.py).
        ("awsdns", {"hostedzoneid": ids["hosted_zone"], "recordset": record, "ip": s1["ip"], "delete": False}, {}),
    ):
        services.add_group_resource(
            user=admin,
            group=group,
            type=kind,
            name=f"{kind}1",
            parameters=parameters,
            server_parameters={server2: second or {"ip": s2["ip"]}},
        )
    AppliedVersion.objects.create(cluster=cluster, number=1, conf=writer.render(cluster))
    return cluster


@pytest.fixture
def acting_as(moto_server, principal, monkeypatch):
    """The engine's AWS calls signed as a principal (an instance role) whose policy is the one given."""
    made = {}

    def switch(policy: dict):
        if "role" not in made:
            made["role"] = principal(policy, role=True)
        else:
            awssim.set_policy(
                moto_server["endpoint_url"], made["role"].name, policy, role=True, region="ap-northeast-1"
            )
        creds = made["role"].credentials
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", creds["access_key_id"])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", creds["secret_access_key"])
        monkeypatch.setenv("AWS_SESSION_TOKEN", creds["session_token"])
        monkeypatch.setenv("AWS_SECURITY_TOKEN", creds["session_token"])
        aws.reset_clients()

    yield switch
    aws.reset_clients()


def heartbeats(cluster, config) -> list[str]:
    """Each server's node agent writes its object storage heartbeat once; what failed."""
    failed = []
    for server in config.server_names:
        try:
            Heartbeat(cluster, server, 1).beat()
        except aws.AWS_ERRORS as exc:
            failed.append(f"The object storage heartbeat of {server} failed: {aws.error_message(exc)}")
    return failed


def steps(users, cluster, sim, ids):
    """The engine's work on the cluster, step by step: each yields (step, what went wrong in the words the operator
    reads: the alert log, run errors and error lines, a monitor's watch that was not normal)."""
    _, config = state.applied(cluster)
    seen = 0

    def said(*runs, more=()) -> list[str]:
        nonlocal seen
        alerts = list(Alert.objects.filter(cluster=cluster).order_by("pk").values_list("level", "message"))
        texts, seen = [m for level, m in alerts[seen:] if level != "info"], len(alerts)
        for done in runs:
            texts += [done.error, *done.lines.filter(level="error").values_list("message", flat=True)]
            texts += [] if done.status == "succeeded" else [f"run {done.kind} {done.status}"]
        return [t for t in [*texts, *more] if t]

    yield "activation of every resource", said(run("cluster_start", users, cluster))
    health.lost_server(cluster, config)  # EC2 states, the object storage heartbeat
    yield "server health", said()
    watches = []
    for monitor in config.monitors:
        target = config.resource(monitor.target) if monitor.target else None
        where = [state.resource_state(cluster, target.name).server] if target else list(config.server_names)
        for server in where:
            watch, deadline = None, time.monotonic() + 2
            while watch is None or (watch.status == "skipped" and time.monotonic() < deadline):
                time.sleep(0 if watch is None else 0.2)  # the DNS record is judged once its change is INSYNC
                watch = recovery.watch_on(cluster, monitor, target, server, state.monitor_state(cluster, monitor.name))
            if watch.status != "normal":
                watches.append(f"Monitor {monitor.name} detected an error. ({watch.code} : {watch.message})")
    yield "every monitor", said(more=watches)
    yield "the servers' object storage heartbeats", said(more=heartbeats(cluster, config))
    yield "a move", said(run("group_move", users, cluster, group="failover1", server="server2"))
    root_client("ec2", sim["endpoint_url"], sim["region"]).stop_instances(
        InstanceIds=[ids["servers"]["server2"]["instance"]]
    )
    yield "the forced stop and failover", said(run("server_down", users, cluster, server="server2"))


def actions(users, cluster, sim, ids):
    """The same work through the engine's own functions, without runs (quicker): server health, the servers'
    heartbeats, every resource activated on server 1 (groups.act: what a run records of it), each change followed,
    every monitor's watch, a move to server 2 and the forced stop. Yields (what, what went wrong)."""
    _, config = state.applied(cluster)
    seen = Alert.objects.filter(cluster=cluster).count()

    def alerts() -> list[str]:
        nonlocal seen
        found = list(Alert.objects.filter(cluster=cluster).order_by("pk").values_list("level", "message"))
        texts, seen = [m for level, m in found[seen:] if level != "info"], len(found)
        return texts

    def failed(outcomes, verb):
        return [f"Failed to {verb} the resource {o.name}. ({o.message})" for o in outcomes if not o.ok]

    health.lost_server(cluster, config)
    yield "server health", alerts()
    yield "the servers' object storage heartbeats", heartbeats(cluster, config)
    resources = [r for r in config.resources if r.spec.aws]
    outcomes = [groups.act(cluster, r, "server1", True) for r in resources]
    yield "activation", failed(outcomes, "start")
    for resource, outcome in zip(resources, outcomes, strict=True):
        if change := outcome.details.get("change"):
            propagation.settle(cluster, resource, change)
    yield "the DNS change followed", alerts()
    watches = [
        (monitor, remote.watch(cluster, monitor, config.resource(monitor.target), "server1"))
        for monitor in config.monitors
    ]
    yield "every monitor", [f"Monitor {m.name}: ({w.code} : {w.message})" for m, w in watches if w.status != "normal"]
    stopped = failed([groups.act(cluster, r, "server1", False) for r in resources], "stop")
    yield "a move", stopped + failed([groups.act(cluster, r, "server2", True) for r in resources], "start")
    done = run("server_down", users, cluster, server="server2")
    yield "the forced stop", [done.error, *alerts()]


def denied_by(statement: dict, texts: list[str]) -> list[str]:
    """What failed for want of the statement: AWS names the action (S3 says only "Access Denied")."""
    words = [
        "Access Denied" if a.startswith("s3:") else f"not authorized to perform: {a} " for a in statement["Action"]
    ]
    return [text for text in texts if any(w in text for w in words)]


EXPECTED = ("Server server2 is down", "Forced stop of server2 (", "Group failover1 failed over from server2")


def test_the_generated_policy_is_all_the_engine_needs_and_each_statement_is_necessary(
    users, sim, acting_as, awssim_rules
):
    awssim_rules(WEBUI_AWSSIM_ROUTE53_SIZE=1000, WEBUI_AWSSIM_ROUTE53_REFILL=1000)  # IAM here, not Route 53's rate
    ids = guide.same_subnet_pair(sim)
    ec2 = root_client("ec2", sim["endpoint_url"], sim["region"])
    policy = iam_policy(all_types_cluster(users, ids, sim), check_aws=False)
    acting_as(policy)
    cluster = all_types_cluster(users, ids, sim)
    for step, said in steps(users, cluster, sim, ids):
        assert [t for t in said if not t.startswith(EXPECTED)] == [], step
    assert state.group_server(cluster, "failover1") == "server1"  # failed over back from the stopped server2
    cluster = all_types_cluster(users, ids, sim)  # one for every statement: its actions record no state
    for statement in policy["Statement"]:
        ec2.start_instances(InstanceIds=[s["instance"] for s in ids["servers"].values()])
        acting_as({**policy, "Statement": [s for s in policy["Statement"] if s is not statement]})
        denied = next(
            (found for _, said in actions(users, cluster, sim, ids) if (found := denied_by(statement, said))), []
        )
        assert denied, f"nothing failed without {statement}"
        # The guide's messages: a resource's or monitor's "(50 : ...)", a forced stop or heartbeat that failed,
        # server health that could not be read, a Route 53 change that could not be followed.
        guide_words = ("(50 : ", "could not be read (", "failed: ", "is not followed: ")
        assert any(words in text for text in denied for words in guide_words), denied

"""A real Celery worker with a real Redis runs a TaskRun to completion."""

import pytest

from clusters.models import TaskRun
from clusters.runs import taskruns
from tests.factories import ClusterFactory
from tests.runs import wait_for_end

pytestmark = pytest.mark.worker


def test_a_worker_runs_a_taskrun_to_completion(celery_worker, users, aws_endpoint):
    cluster = ClusterFactory()
    run = taskruns.start_run(kind="aws_connection", user=users["operator"], cluster=cluster)
    run = wait_for_end(run)
    assert run.status == TaskRun.Status.SUCCEEDED, run.error
    assert run.result["availability_zones"][:2] == ["ap-northeast-1a", "ap-northeast-1c"]
    assert list(run.lines.values_list("message", flat=True))[-1] == "The AWS connection works."
    # The cluster is free again for the next run.
    wait_for_end(taskruns.start_run(kind="aws_connection", user=users["admin"], cluster=cluster))


def test_a_worker_runs_the_aws_checks_and_keeps_the_findings(celery_worker, users, aws_endpoint):
    from tests import guide

    cluster = guide.build(
        "vip",
        user=users["admin"],
        name="cluster1",
        ids=dict(guide.ids_from_sim(aws_endpoint), vpc="vpc-0000000000bad0000"),
    )
    run = wait_for_end(taskruns.start_run(kind="aws_check", user=users["operator"], cluster=cluster))
    assert run.status == TaskRun.Status.SUCCEEDED, run.error
    assert run.result["errors"] >= 1
    finding = next(f for f in run.result["findings"] if f["check"] == "awsvip.vpc_exists")
    assert finding["message"] == "50 : The vpc ID 'vpc-0000000000bad0000' does not exist"
    messages = list(run.lines.values_list("message", flat=True))
    assert "Checking awsvip1 (AWS Virtual IP resource)..." in messages
    assert run.progress == 100


def test_the_operation_commands_wait_for_their_runs(celery_worker, users, sim):
    import json
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    from tests.guide import build_on_sim

    cluster = build_on_sim("eip", users, sim)
    out = StringIO()
    call_command("apply_config", cluster.name, stdout=out)
    assert "The application finished successfully." in out.getvalue()
    call_command("clpcl", cluster.name, "-s", stdout=StringIO())
    call_command("clpgrp", cluster.name, "-m", "failover1", "-h", "server2", stdout=StringIO())
    out = StringIO()
    call_command("clpstat", cluster.name, "--json", stdout=out)
    status = json.loads(out.getvalue())
    assert status["status"] == "Online" and status["applied_version"] == 1
    assert status["groups"] == [{"name": "failover1", "status": "Online", "current_server": "server2"}]
    assert {"name": "awseip1", "type": "awseip", "group": "failover1", "status": "Online", "server": "server2"} in (
        status["resources"]
    )
    with pytest.raises(CommandError, match="has no server 'server9' in its applied configuration"):
        call_command("clpgrp", cluster.name, "-m", "failover1", "-h", "server9", stdout=StringIO())
    out = StringIO()
    call_command("clprsc", cluster.name, "-t", "awseip1", stdout=out)
    call_command("clprsc", cluster.name, "-s", "awseip1", stdout=out)
    assert "Resource awseip1 started on server2" in out.getvalue()
    with pytest.raises(CommandError, match="has no resource 'nope' in its applied configuration"):
        call_command("clprsc", cluster.name, "-t", "nope", stdout=StringIO())
    # Server operations in the product's words: the service on one server, suspend / resume, clpdown.
    call_command("clpcl", cluster.name, "-t", "-h", "server2", stdout=StringIO())
    out = StringIO()
    call_command("clpstat", cluster.name, "--json", stdout=out)
    assert json.loads(out.getvalue())["groups"][0]["current_server"] == "server1"  # moved off server2
    call_command("clpcl", cluster.name, "-s", "-h", "server2", stdout=StringIO())
    call_command("clpcl", cluster.name, "--suspend", stdout=StringIO())
    out = StringIO()
    call_command("clpstat", cluster.name, "--json", stdout=out)
    assert json.loads(out.getvalue())["status"] == "Suspend"
    call_command("clpcl", cluster.name, "--resume", stdout=StringIO())
    call_command("clpdown", cluster.name, "-h", "server1", "-r", stdout=StringIO())
    out = StringIO()
    call_command("clpstat", cluster.name, "--json", stdout=out)
    assert json.loads(out.getvalue())["groups"][0]["current_server"] == "server2"  # moved before the reboot


@pytest.mark.database  # two processes on one database
def test_end_to_end_with_a_real_worker_apply_move_recover_and_fail_over(celery_worker, users, sim):
    """The issue's story on a real worker: every run below is taken from Redis by the worker process."""
    from clusters.runtime import ObjectState
    from monitors import engine
    from tests.guide import build_on_sim, sim_client

    cluster = build_on_sim("vip", users, sim)
    ec2 = sim_client(sim, "ec2")
    eni1, eni2 = sim["servers"]["server1"]["eni_id"], sim["servers"]["server2"]["eni_id"]

    def routes():
        tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [sim["vpc_id"]]}])["RouteTables"]
        return {
            r.get("NetworkInterfaceId")
            for t in tables
            for r in t["Routes"]
            if r.get("DestinationCidrBlock") == "10.1.0.20/32"
        }

    def done(kind, **params):
        return wait_for_end(taskruns.start_run(kind=kind, user=users["admin"], cluster=cluster, params=params))

    assert done("apply").status == "succeeded"
    assert done("cluster_start").status == "succeeded" and routes() == {eni1}
    assert done("group_move", group="failover1", server="server2").status == "succeeded" and routes() == {eni2}

    for table in sim["route_tables"].values():  # out of band, as another cluster might
        ec2.replace_route(RouteTableId=table, DestinationCidrBlock="10.1.0.20/32", NetworkInterfaceId=eni1)
    engine.tick(force=True)  # beat's tick; the first failure is retried
    [recovery] = [TaskRun.objects.get(pk=pk) for pk in engine.tick(force=True)]
    assert wait_for_end(recovery).status == "succeeded" and routes() == {eni2}  # awsvipw 56, resource restarted

    ec2.stop_instances(InstanceIds=[sim["servers"]["server2"]["instance_id"]])
    [lost] = [TaskRun.objects.get(pk=pk) for pk in engine.tick(force=True)]
    assert lost.kind == "server_down" and wait_for_end(lost).status == "succeeded"
    group = ObjectState.objects.get(cluster=cluster, kind="group", name="failover1")
    assert (group.status, group.server) == ("online", "server1") and routes() == {eni1}

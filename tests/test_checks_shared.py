"""Check AWS: objects two clusters of this console claim, and AWS's scheduled events, planted in the simulation."""

import uuid

import pytest

from clusters.aws.checks import run_checks
from clusters.clpconf import transfer
from clusters.models import TaskRun
from tests import guide, planted
from tests.guide import build_on_sim as build
from tests.runs import ok, run


def test_a_cluster_imported_a_second_time_under_another_name(users, sim):
    """The issue's reproduction: same EIP, ENIs and instances; Check AWS reported nothing and both were applied."""
    first = build("eip", users, sim)
    ok(run("apply", users, first))
    data = transfer.export_conf(user=users["admin"], cluster=first)
    second = transfer.import_configuration(user=users["admin"], data=data, name=f"copy-{uuid.uuid4().hex[:6]}").cluster

    [claimed] = planted.find(run_checks(second), "shared.eip")

    allocation = sim["eip"]["allocation_id"]
    assert (claimed.code, claimed.severity, claimed.object) == ("CW402", "error", "awseip1")
    assert claimed.message == (
        f"The Elastic IP {allocation} of awseip1 of cluster {second.name} is also claimed by awseip1 of cluster "
        f"{first.name} (applied version 1 and draft)."
    )
    refused = run("apply", users, second)
    assert refused.status == TaskRun.Status.FAILED and "is also claimed by awseip1" in refused.error
    # ... and the first cluster's own check names the copy (a draft) too.
    [back] = planted.find(run_checks(first), "shared.eip")
    assert back.message.endswith(f"is also claimed by awseip1 of cluster {second.name} (draft).")


@pytest.mark.parametrize(
    ("variant", "check", "code", "value"),
    [
        ("vip", "shared.vip_route", "CW401", "10.1.0.20/32 in {vpc_id}"),
        ("sip", "shared.secondary_ip", "CW403", "10.0.110.100 in {vpc_id}"),
        ("dns", "shared.dns_record", "CW404", "srv.hz1.local. in hosted zone {zone}"),
        ("nlb", "shared.probe_port", "CW405", "12345 of target group ecx-nlb-targets{suffix}"),
    ],
)
def test_two_clusters_claiming_the_same_object(users, sim, variant, check, code, value):
    ids = guide.same_subnet_pair(sim) if variant == "sip" else guide.ids_from_sim(sim)
    first, second = (guide.build(variant, user=users["admin"], name=f"c-{uuid.uuid4().hex[:6]}", ids=ids) for _ in "12")

    [claimed] = planted.find(run_checks(second), check)

    value = value.format(
        vpc_id=sim["vpc_id"], zone=sim["hosted_zone"]["id"], suffix=sim["bucket"].removeprefix(guide.IDS["bucket"])
    )
    assert (claimed.code, claimed.severity) == (code, "error")
    assert f" {value} of " in claimed.message
    assert claimed.message.endswith(f"is also claimed by {claimed.object} of cluster {first.name} (draft).")


def test_a_scheduled_event_beside_its_server(users, sim):
    planted.event(sim, "server2", "instance-retirement", not_before="2027-01-10T09:00:00Z")
    planted.event(sim, "server1", "system-reboot", description="[Completed] Scheduled system reboot")

    [event] = planted.find(run_checks(build("vip", users, sim)), "events.scheduled")

    instance = sim["servers"]["server2"]["instance_id"]
    assert (event.code, event.severity, event.object, event.server, event.field) == (
        "CW501",
        "warning",
        "server2",
        "server2",
        "Scheduled event",
    )
    assert event.message == (
        f"AWS scheduled instance-retirement for server2's instance {instance} from 2027-01-10 09:00 UTC: The "
        "instance is running on degraded hardware. Move its groups before 2027-01-10 09:00 UTC."
    )
    assert event.fix.startswith("Move the groups running on server2 to another server before 2027-01-10 09:00 UTC")

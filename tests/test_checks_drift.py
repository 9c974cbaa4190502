"""The drift watch: in Operation Mode, Check AWS on the applied version on beat's schedule; a finding that appears
after Apply is alerted once, and once when it clears; a round AWS did not fully answer clears nothing."""

from django.conf import settings as django_settings

from clusters.operation import drift
from clusters.runtime import Alert
from monitors import tasks
from tests import planted
from tests.guide import build_on_sim as build
from tests.guide import sim_client as client
from tests.runs import ok, run


def test_a_finding_after_apply_is_alerted_once_and_once_when_it_clears(users, sim):
    ec2 = client(sim, "ec2")
    second = sim["servers"]["server2"]["instance_id"]
    ec2.modify_instance_maintenance_options(InstanceId=second, AutoRecovery="default")  # a warning Apply accepts
    cluster = build("vip", users, sim)
    ok(run("apply", users, cluster))
    assert drift.watch(cluster) == []  # what Apply accepted is not news

    planted.event(sim, "server2", not_before="2027-01-10T09:00:00Z")
    [appeared] = drift.watch(cluster)
    assert appeared.startswith(
        "Server server2: Check AWS, found since version 1 was applied [CW501]: AWS scheduled instance-retirement "
    )
    assert appeared.endswith("Move its groups before 2027-01-10 09:00 UTC.")
    alert = Alert.objects.get(cluster=cluster, message=appeared)
    assert (alert.level, alert.server, alert.object_kind, alert.object_name) == (
        "warning",
        "server2",
        "server",
        "server2",
    )
    assert drift.watch(cluster) == []  # once

    planted.admin(sim, "events", {"instance_id": second, "clear": True})
    ec2.modify_instance_maintenance_options(InstanceId=second, AutoRecovery="disabled")
    cleared = drift.watch(cluster)
    assert sorted(m.split(": ", 1)[1].split(" [")[0] for m in cleared) == ["Check AWS, cleared", "Check AWS, cleared"]
    assert {m.split("[")[1][:5] for m in cleared} == {"CW101", "CW501"}
    assert drift.watch(cluster) == []


def test_a_round_aws_did_not_fully_answer_clears_nothing(users, sim, settings):
    settings.AWS_MAX_ATTEMPTS = 1  # the failing read, once
    planted.zonal_shift_integration(sim)
    planted.zonal_shift(sim, autoshift=True)
    cluster = build("nlb", users, sim)
    ok(run("apply", users, cluster))  # zonal autoshift on: a warning, the baseline

    planted.admin(sim, "zonal-shift", {"answered": "unavailable"})
    assert drift.watch(cluster) == []  # no answer: neither "could not check" nor "cleared"

    planted.admin(sim, "zonal-shift", {"answered": True})
    planted.zonal_shift(sim, autoshift=False)
    [cleared] = drift.watch(cluster)
    assert cleared.startswith("Check AWS: lbpp1: Port Number, cleared [CW105]: Zonal autoshift is on")


def test_beat_watches_each_applied_cluster_under_a_lease(users, sim, settings, redis_url):
    assert django_settings.CELERY_BEAT_SCHEDULE["aws-drift"] == {
        "task": "clusters.watch_drift",
        "schedule": django_settings.WEBUI_DRIFT_WATCH_SECONDS,
    }
    settings.CELERY_BROKER_URL = redis_url
    cluster = build("vip", users, sim)
    ok(run("apply", users, cluster))
    assert cluster.pk in drift.clusters_to_watch()
    planted.event(sim, "server1", "system-maintenance", not_before="2027-02-01T00:00:00Z")

    with tasks.lease(f"drift:{cluster.pk}", 30) as held:  # another worker is watching it
        assert held
        tasks.watch_drift_of(cluster.pk)
    assert not Alert.objects.filter(cluster=cluster, message__contains="[CW501]").exists()

    tasks.watch_drift_of(cluster.pk)
    assert Alert.objects.filter(cluster=cluster, message__contains="[CW501]", server="server1").count() == 1

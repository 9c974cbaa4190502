"""Issue 29's rules below the pages: one status word per object kind, distinct interconnect addresses, cluster
names unique whatever their case, deletion refused while a cluster runs, one log line per failing destination."""

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from clusters.configuration import services
from clusters.configuration.draft import from_models
from clusters.configuration.validation import validate
from clusters.models import Cluster, TaskRun
from clusters.operation import alertservice, removal, state
from clusters.operation.productstatus import Snapshot, product_status
from clusters.runtime import Alert, AlertDestination, Status
from tests import guide
from tests.factories import ClusterFactory, TaskRunFactory


def row(status, dummy=False, server=""):
    return SimpleNamespace(status=status, dummy_failure=dummy, server=server, details={})


def test_product_status_is_one_truth_for_every_kind(users):
    config = from_models(guide.build("vip", user=users["admin"], name="cluster1"))
    monitor = next(m.name for m in config.monitors if not m.target)

    def status(kind, name, cluster=Status.ONLINE, **rows):
        states = {tuple(key.split(":")): value for key, value in rows.items()}
        return product_status(kind, name, snap=Snapshot(None, config, states, cluster))

    online, offline = Status.ONLINE, Status.OFFLINE
    assert status("cluster", "", cluster=Status.SUSPEND) == Status.SUSPEND
    # A server is Online only while its instance runs and its cluster service does; never while the cluster is off.
    assert status("server", "server1", **{"server:server1": row("online")}) == online
    assert (
        status("server", "server1", **{"server:server1": row("online"), "service:server1": row("offline")}) == offline
    )
    assert status("server", "server1", cluster=offline, **{"server:server1": row("online")}) == offline
    assert status("server", "server1", **{"server:server1": row("unknown")}) == Status.UNKNOWN
    # A monitor under a dummy failure is in error whatever its last watch; Offline while the cluster is.
    assert status("monitor", monitor, **{f"monitor:{monitor}": row("normal", dummy=True)}) == Status.ERROR
    assert status("monitor", monitor, cluster=offline, **{f"monitor:{monitor}": row("normal")}) == offline
    assert status("monitor", monitor, **{f"monitor:{monitor}": row("caution", server="server2")}) == Status.CAUTION
    assert status("group", "failover1") == offline
    assert status("resource", "x", **{"resource:x": row("online_failure")}) == Status.ONLINE_FAILURE


def test_two_servers_with_one_address_is_a_problem_and_names_are_unique_whatever_their_case(users):
    cluster = guide.build("vip", user=users["admin"], name="cluster1")
    interconnect = cluster.interconnects.get()
    server2 = cluster.servers.get(name="server2")
    services.set_interconnect_address(
        user=users["admin"], interconnect=interconnect, server=server2, address=guide.IDS["servers"]["server1"]["ip"]
    )
    found = [p for p in validate(from_models(cluster)) if p.field == "IP Address"]
    assert [(p.server, p.message) for p in found] == [
        ("server2", "server server2 has 10.0.110.10, the address of server server1.")
    ]
    with pytest.raises(ValidationError, match="A cluster named cluster1 exists already"):
        services.create_cluster(user=users["admin"], name="CLUSTER1")


def test_a_cluster_is_not_deleted_while_it_runs_or_a_run_is_in_progress(users):
    cluster = ClusterFactory(name="gone")
    state.set_cluster_status(cluster, Status.ONLINE)
    with pytest.raises(removal.Refused, match="is Online: stop the cluster"):
        removal.delete_cluster(user=users["admin"], cluster=cluster)
    state.set_cluster_status(cluster, Status.OFFLINE)
    TaskRunFactory(cluster=cluster, status=TaskRun.Status.RUNNING)
    with pytest.raises(removal.Refused, match=r"is in progress on cluster gone"):
        removal.delete_cluster(user=users["admin"], cluster=cluster)
    TaskRun.objects.filter(cluster=cluster).update(status=TaskRun.Status.SUCCEEDED)
    with pytest.raises(removal.Refused, match="The wizard of cluster gone is finished"):
        removal.abandon_wizard(user=users["admin"], cluster=cluster)
    assert removal.delete_cluster(user=users["admin"], cluster=cluster) == "gone"
    assert not Cluster.objects.filter(name="gone").exists() and not TaskRun.objects.filter(cluster_id=cluster.pk)


def test_a_failing_destination_keeps_one_line_until_it_works_again(users):
    cluster = ClusterFactory(name="c1")
    hook = AlertDestination.objects.create(cluster=cluster, kind="webhook", target="http://127.0.0.1:9/x")
    for _ in range(3):
        alertservice.record_failure(0, hook.pk, OSError("refused"))
    lines = list(Alert.objects.filter(cluster=cluster).values_list("message", flat=True))
    assert lines == [f"Alert Service: delivery to {hook} failed (3 alerts not delivered)."]
    alertservice.delivered(hook)
    alertservice.record_failure(0, hook.pk, OSError("refused"))
    assert Alert.objects.filter(cluster=cluster).count() == 3  # works again, then a new failing line
    assert Alert.objects.first().message.endswith(" failed.") and "refused" not in Alert.objects.first().message

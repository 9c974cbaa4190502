"""clpstat as the product prints it: a cluster like each real sample (../shared/corpus/clpstat/), in the state the
sample shows, printed by `manage.py clpstat` and compared line by line (trailing blanks aside: one sample had
them trimmed)."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from clusters.clpconf import writer
from clusters.configuration import services
from clusters.configuration.draft import from_models
from clusters.models import Cluster, NetworkPartition
from clusters.operation import clpstat, productstatus, recovery, state
from clusters.operation.state import Kind, Status
from clusters.runtime import AppliedVersion
from monitors.models import MonitorResource
from webui.roles import acting_user

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "clpstat"  # beside the clone


def sample(name: str) -> list[str]:
    return [line.rstrip() for line in (CORPUS / name).read_text().splitlines()]


def printed(cluster, *options) -> list[str]:
    out = StringIO()
    call_command("clpstat", cluster.name, *options, stdout=out)
    return [line.rstrip() for line in out.getvalue().splitlines()]


def linux_cluster(admin, name: str, servers: tuple[str, str]) -> Cluster:
    cluster = services.create_cluster(user=admin, name=name)
    Cluster.objects.filter(pk=cluster.pk).update(server_os="linux")
    cluster.refresh_from_db()
    for server, address in zip(servers, ("10.0.110.10", "10.0.120.10"), strict=True):
        services.add_server_with_address(user=admin, cluster=cluster, name=server, address=address)  # lankhb1
    return cluster


def applied(cluster: Cluster) -> None:
    """The draft as the applied version (what Apply stores; its AWS checks are another test's)."""
    AppliedVersion.objects.create(cluster=cluster, number=1, conf=writer.render_config(from_models(cluster)))


def started(cluster: Cluster, groups: dict[str, str]) -> None:
    """The state a started cluster leaves: every service running, each group and its resources online."""
    _, config = state.applied(cluster)
    state.set_cluster_status(cluster, Status.ONLINE)
    for server in config.server_names:
        state.set_service(cluster, server, running=True)
    for group, server in groups.items():
        state.record_state(cluster, Kind.GROUP, group, Status.ONLINE, server=server)
        for resource in config.resources_of(group):
            state.record_state(cluster, Kind.RESOURCE, resource.name, Status.ONLINE, server=server)


@pytest.fixture
def x60(users):
    """The clpaic README's cluster (X 6.0): two RHEL servers, LAN and PING NP, two groups of one exec each, userw."""
    admin = users["admin"]
    cluster = linux_cluster(admin, "cluster-x600", ("116rhel94", "117rhel94"))
    NetworkPartition.objects.create(
        cluster=cluster, kind="ping", name="pingnp1", priority=0, device_id=10200, parameters={"targets": ["10.0.0.1"]}
    )
    for n in (1, 2):
        group = services.add_failover_group(user=admin, cluster=cluster, name=f"failover{n}")
        services.add_group_resource(user=admin, group=group, type="exec", name=f"exec{n}")
    services.add_monitor_resource(user=admin, cluster=cluster, type="userw", name="userw")
    applied(cluster)
    return cluster


def test_a_stopped_cluster_as_clpstat_prints_it(x60):
    assert printed(x60) == sample("x60-clpaic-offline.txt")
    assert printed(x60, "-s") == sample("x60-clpaic-offline.txt")


def test_a_started_cluster_and_its_group_map(x60):
    started(x60, {"failover1": "116rhel94", "failover2": "116rhel94"})
    assert printed(x60) == sample("x60-clpaic-online.txt")
    state.record_state(x60, Kind.GROUP, "failover2", Status.ONLINE, server="117rhel94")  # as the group map shows
    assert printed(x60, "-g") == sample("x60-clpaic-groupmap.txt")


def test_the_tomcat_cluster_before_and_after_a_failover(users):
    """X 5.1.1's sample: a group of three resources, five monitors; after a failover only `current` changes."""
    admin = users["admin"]
    cluster = linux_cluster(admin, "TomcatCluster", ("server1", "server2"))
    group = services.add_failover_group(user=admin, cluster=cluster, name="failover")
    services.add_group_resource(user=admin, group=group, type="exec", name="exec")
    services.add_group_resource(
        user=admin, group=group, type="awsvip", name="fip", parameters={"ip": "10.1.0.20", "vpcid": "vpc-1"}
    )
    services.add_group_resource(user=admin, group=group, type="md", name="md")  # adds mdw1
    MonitorResource.objects.filter(cluster=cluster, type="awsvipw").update(name="fipw1")
    for name in ("jraw", "mdnw1"):
        services.add_monitor_resource(user=admin, cluster=cluster, type="genw", name=name)
    services.add_monitor_resource(user=admin, cluster=cluster, type="userw", name="userw")
    applied(cluster)
    started(cluster, {"failover": "server1"})
    expected = sample("x511-tomcat-before-failover.txt")
    assert printed(cluster) == expected
    started(cluster, {"failover": "server2"})
    after = printed(cluster)
    assert [i for i, (a, b) in enumerate(zip(after, expected, strict=True)) if a != b] == [9]
    assert after[9] == "      current        : server2"


def test_statuses_in_the_products_words_whatever_happened(x60):
    """A lost server, a suspended or dummy-failed monitor, a warning, a group in error: the product's words,
    the same in clpstat, its JSON and the RESTful API's function."""
    started(x60, {"failover1": "116rhel94", "failover2": "117rhel94"})
    state.set_server_dummy_failure(x60, "117rhel94", on=True)
    row = state.monitor_state(x60, "userw")
    row.status, row.server, row.message = Status.CAUTION, "116rhel94", "Monitor userw is in the warning status."
    state.save_monitor(row)
    state.record_state(x60, Kind.GROUP, "failover2", Status.ERROR, server="117rhel94")
    lines = printed(x60, "-h", "117rhel94")
    assert "   *117rhel94 .......: Offline" in lines and "    116rhel94 .......: Online" in lines
    assert lines[lines.index("   *117rhel94 .......: Offline") + 1].startswith("      lankhb1        : Error")
    assert "    failover2 .......: Error" in lines and "    userw            : Caution" in lines
    report = json.loads("\n".join(printed(x60, "--json")))
    assert report["monitors"][0]["servers"] == {"116rhel94": "Caution", "117rhel94": "Offline"}
    assert [s["status"] for s in report["servers"]] == ["Online", "Offline"]
    snap = productstatus.snapshot(x60)
    assert productstatus.product_status("monitor", "userw", snap=snap).label == "Caution"
    assert clpstat.group_map(snap).splitlines()[-3:-1] == [
        "    server0 [o] : failover1[o] ",
        "    server1 [x] : failover2[e] ",
    ]
    state.set_server_dummy_failure(x60, "117rhel94", on=False)
    operator = acting_user("test")
    recovery.control(user=operator, cluster=x60, action="dummy_on", monitors=["userw"], servers=["117rhel94"])
    assert next(line for line in printed(x60) if line.startswith("    userw")) == "    userw            : Error"
    recovery.control(user=operator, cluster=x60, action="suspend", monitors=["userw"])
    assert next(line for line in printed(x60) if line.startswith("    userw")) == "    userw            : Suspend"


def test_refusals(x60, users):
    with pytest.raises(CommandError, match="There is no server nope"):
        call_command("clpstat", x60.name, "-h", "nope", stdout=StringIO())
    bare = services.create_cluster(user=users["admin"], name="bare")
    with pytest.raises(CommandError, match="has no applied configuration"):
        call_command("clpstat", bare.name, stdout=StringIO())
    assert json.loads("\n".join(printed(bare, "--json"))) == {"cluster": "bare", "status": "not applied"}

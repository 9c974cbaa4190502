"""The cross-object rules of a configuration (clusters/configuration/validation.py): each rule finds what it
should, and problems come in the order of the rules, object by object for group and monitor resources."""

import dataclasses

from clusters.configuration import validation
from clusters.configuration.config import ClusterInfo, Config
from clusters.configuration.draft import from_models
from tests import guide


def where(problems) -> list[tuple[str, str, str]]:
    return [(p.object, p.field, p.server) for p in problems]


def test_an_empty_cluster_has_no_server_and_no_heartbeat():
    config = Config(cluster=ClusterInfo(name="cluster1"))
    assert where(validation.validate(config)) == [("cluster1", "Servers", ""), ("cluster1", "Interconnect", "")]


def test_problems_come_rule_by_rule_and_object_by_object(users):
    config = from_models(guide.build("vip", user=users["admin"], name="cluster1"))
    assert validation.validate(config) == []
    interconnect = config.interconnects[0]
    md, vip = config.resource("md"), config.resource("awsvip1")
    broken = dataclasses.replace(
        config,
        interconnects=(dataclasses.replace(interconnect, addresses={"server1": interconnect.addresses["server1"]}),),
        forced_stop=dataclasses.replace(config.forced_stop, servers={"server1": config.forced_stop.servers["server1"]}),
        resources=(
            dataclasses.replace(md, depends_on=("awsvip1",)),
            dataclasses.replace(vip, parameters={**vip.parameters, "ip": "10.1.0.20/32"}, depends_on=("md",)),
        ),
        monitors=tuple(m for m in config.monitors if m.type != vip.spec.monitor),
    )
    assert where(validation.validate(broken)) == [
        ("lankhb1", "IP Address", "server2"),
        ("Forced stop", "Instance ID", "server2"),
        ("awsvip1", "IP Address", ""),
        ("awsvip1", "Monitor Resource", ""),
        ("awsvip1", "Dependency", ""),
    ]
    assert [rule.__name__ for rule in validation.RULES][-3:] == ["each_resource", "dependency_cycles", "each_monitor"]


def test_a_dependency_on_another_groups_resource_is_a_problem(users):
    config = from_models(guide.build("vip", user=users["admin"], name="cluster1"))
    other = dataclasses.replace(config.groups[0], name="failover2", gid=1)
    moved = dataclasses.replace(config.resource("md"), group="failover2")
    broken = dataclasses.replace(
        config,
        groups=(*config.groups, other),
        resources=(moved, dataclasses.replace(config.resource("awsvip1"), depends_on=("md",))),
    )
    assert [(p.object, p.message) for p in validation.validate(broken) if p.field == "Dependency"] == [
        ("awsvip1", "md is in another failover group.")
    ]


def test_only_final_actions_the_console_carries_out_are_accepted(users):
    """An imported file may state a Final Action the forms don't offer for it: it is a problem, not a no-op."""
    config = from_models(guide.build("vip", user=users["admin"], name="cluster1"))
    vip, vipw = config.resource("awsvip1"), next(m for m in config.monitors if m.type == "awsvipw")
    azw = next(m for m in config.monitors if m.type == "awsazw")
    broken = dataclasses.replace(
        config,
        resources=tuple(
            dataclasses.replace(r, deact_final_action="2") if r.name == vip.name else r for r in config.resources
        ),
        monitors=tuple(
            dataclasses.replace(m, final_action="16" if m.name == azw.name else "9") if m.name != vipw.name else m
            for m in config.monitors
        ),
    )
    found = [(p.object, p.field, p.message) for p in validation.validate(broken)]
    assert (vip.name, "Final Action at Deactivation Failure", "'2' is not a Final Action here.") in found
    assert (azw.name, "Final Action", "Stop resource needs a group resource as Recovery Target.") in found
    assert [f for f in found if f[0] not in (vip.name, azw.name)] == [
        (m.name, "Final Action", "'9' is not a Final Action here.")
        for m in config.monitors
        if m.name not in (vipw.name, azw.name)
    ]

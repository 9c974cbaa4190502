"""The worst case of a failover, computed: each resource type's bound equals the one computed by hand here.

The engine's figures below (heartbeat timeout 90 s, rounds of 5 s, AWS connect 5 s / read 20 s, 4 attempts,
node calls 30 s) give, by hand:
- one AWS call bounded by AWS CLI Timeout 100 s: each attempt 5 + min(20, 100 / 4 / 2 = 12.5) = 17.5 s, x 4 =
  70 s, + botocore's back-off 1 + 2 + 4 = 7 s -> 77 s; the forced stop's calls have no AWS CLI Timeout:
  4 x (5 + 20) + 7 = 107 s;
- plus one token of the call's bucket (AWS's figures): EC2 mutating and network-interface calls and Route 53
  5 a second (0.2 s), filtered Describes 20 (0.05 s), unfiltered DescribeInstances 10 (0.1 s), StopInstances
  20 (0.05 s);
- detection of a lost server: 90 + 1 (S3 keeps whole seconds) + 5 = 96 s; forced stop: DescribeInstances
  107.1 + StopInstances 107.05 = 214.15 s. The guide's clusters' mirror disk acts on no AWS (0 s) beside the
  AWS resource.
"""

import pytest

from clusters.configuration import services
from clusters.configuration.draft import from_models
from clusters.operation import worstcase
from monitors.models import MonitorResource
from resources.models import GroupResource
from tests import guide

TIMING = worstcase.Timing(heartbeat_timeout=90, tick=5, connect=5, read=20, attempts=4, node_call=30)
FACTS = {
    "awsvip1": {"route_tables": 2},
    "awsdns1": {"negative_cache": 900},
    "lbpp1": {"interval": 30, "healthy": 5, "unhealthy": 2},
}
DETECTION, FORCED_STOP = 96, 107.1 + 107.05

# variant: (activation, deactivation, propagation when the server is lost, propagation after a move)
BY_HAND = {
    # DescribeRouteTables 77.05 + ReplaceRoute 77.2 in each of the 2 route tables holding the VIP; no deactivation
    "vip": (77.05 + 2 * 77.2, 0, 0, 0),
    # AssociateAddress 77.2; DescribeAddresses 77.05 + DisassociateAddress 77.2
    "eip": (77.2, 77.05 + 77.2, 0, 0),
    # DescribeNetworkInterfaces 77.05 + Unassign 77.2 (from the other ENI) + Assign 77.2; Describe + Unassign
    "sip": (77.05 + 77.2 + 77.2, 77.05 + 77.2, 0, 0),
    # UPSERT 77.2; DELETE 77.2 (Delete a resource record set at deactivation); INSYNC 60 + TTL 300; after a move:
    # the deletion's INSYNC 60 + the new record's INSYNC 60 + max(TTL 300, negative cache 900)
    "dns": (77.2, 77.2, 60 + 300, 60 + 60 + 900),
    # the node agent's call 30 s either way; the NLB: interval 30 x max(healthy 5, unhealthy 2)
    "nlb": (30, 30, 30 * 5, 30 * 5),
}


@pytest.mark.parametrize("variant", guide.VARIANTS)
def test_each_resource_types_bounds_equal_the_hand_computed_ones(users, variant):
    config = from_models(guide.build(variant, user=users["admin"]))
    found = worstcase.group_worst_case(config, "failover1", facts=FACTS, timing=TIMING)
    activation, deactivation, lost, moved = BY_HAND[variant]
    assert (found.source, found.target) == ("server1", "server2")
    assert found.server_lost == pytest.approx(DETECTION + FORCED_STOP + activation + lost)
    assert found.move == pytest.approx(deactivation + activation + moved)
    assert found.assumed == []


def test_a_monitors_bound_counts_its_retries_reactivations_and_the_move(users):
    config = from_models(guide.build("vip", user=users["admin"]))
    found = worstcase.group_worst_case(config, "failover1", facts=FACTS, timing=TIMING)
    move = 77.05 + 2 * 77.2
    # awsvipw1 (recovery target awsvip1): interval 60 x (Retry Count 1 + 1) + Timeout 180 + half a round 2.5, four
    # times (Maximum Reactivation Count 3 first), with three reactivations of awsvip1 between, then the move.
    assert found.monitor("awsvipw1") == pytest.approx(4 * (60 * 2 + 180 + 2.5) + 3 * move + move)
    # awsazw1 recovers the LocalServer: no reactivation, the groups fail over at once.
    assert found.monitor("awsazw1") == pytest.approx(60 * 2 + 180 + 2.5 + move)
    monitor = MonitorResource.objects.get(name="awsvipw1")
    monitor.failover_threshold = 0  # it never fails the group over: no bound of its own
    monitor.save()
    config = from_models(monitor.cluster)
    assert worstcase.group_worst_case(config, "failover1", timing=TIMING).monitor("awsvipw1") is None


def test_retry_count_and_aws_cli_timeout_change_the_bound(users):
    cluster = guide.build("eip", user=users["admin"])
    resource = GroupResource.objects.get(name="awseip1")
    resource.act_retry = 2
    resource.parameters = {**resource.parameters, "awsclitimeout": 8}  # 8 / 4 / 2: 1 s to connect, 1 to read
    resource.save()
    found = worstcase.group_worst_case(from_models(cluster), "failover1", timing=TIMING)
    assert found.activation[0].seconds == pytest.approx(3 * (4 * (1 + 1) + 7 + 0.2))
    assert "x 3 (Retry Count 2)" in found.activation[0].how


def test_unread_facts_take_the_types_defaults_and_say_so(users):
    config = from_models(guide.build("nlb", user=users["admin"]))
    found = worstcase.group_worst_case(config, "failover1", timing=TIMING)
    assert found.propagation_lost[0].seconds == 30 * 5  # the guide's 30 s interval, AWS's default thresholds
    assert found.assumed == ["lbpp1: not read from AWS; the LB probe port resource's defaults are assumed"]


def test_warnings_where_a_setting_makes_it_needlessly_long_or_unsafe(users):
    cluster = guide.build("nlb", user=users["admin"])
    config = from_models(cluster)
    found = worstcase.group_worst_case(config, "failover1", facts=FACTS, timing=TIMING)
    assert [w.check for w in found.warnings] == []
    lbpp = GroupResource.objects.get(name="lbpp1")
    lbpp.parameters = {**lbpp.parameters, "hctimeout": 30}  # not above the NLB's 30 s interval
    lbpp.save()
    found = worstcase.group_worst_case(from_models(cluster), "failover1", facts=FACTS, timing=TIMING)
    assert [w.check for w in found.warnings] == ["lbpp.health_check_timeout"]
    assert "Set the timeout duration to 31 seconds or more." in found.warnings[0].fix

    dns = guide.build("dns", user=users["admin"])
    monitor = MonitorResource.objects.get(cluster=dns, name="awsdnsw1")
    monitor.wait_to_start = 10
    monitor.save()
    zone = MonitorResource.objects.get(cluster=dns, name="awsazw1")
    zone.parameters = {**zone.parameters, "mode": "2"}  # Recovery action when AWS does not answer
    zone.save()
    found = worstcase.group_worst_case(from_models(dns), "failover1", facts=FACTS, timing=TIMING)
    assert sorted(w.check for w in found.warnings) == [
        "awsdns.monitor_wait",
        "awsdns.negative_cache",
        "worstcase.no_response_recovery",
    ]


def test_no_forced_stop_and_no_object_storage_heartbeat_are_warned(users):
    cluster, config = guide.linux_cluster(users, {"start.sh": "exit 0\n", "stop.sh": "exit 0\n"})
    found = worstcase.group_worst_case(config, "failover1", timing=TIMING)
    assert {w.check for w in found.warnings} == {"worstcase.forced_stop", "worstcase.heartbeat"}
    assert found.forced_stop == []
    # exec1's Start Script Timeout 2 s + the node agent's call 30 s; no object storage: the agents' heartbeat.
    assert found.activation[0].seconds == 2 + 30
    assert found.detection[0].seconds == 90 + 5
    services.add_object_storage_heartbeat(user=users["admin"], cluster=cluster, bucket="b")
    assert worstcase.group_worst_case(from_models(cluster), "failover1", timing=TIMING).detection[0].seconds == 96

"""On-premises -> AWS: each real on-premises clp.conf becomes an AWS configuration that passes Check AWS."""

from pathlib import Path

import pytest

from clusters.aws import checks, onprem
from clusters.clpconf import transfer
from clusters.clpconf.reader import parse_xml
from clusters.clpconf.xmlpath import get
from tests import guide

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "clpconf"
ONPREM = sorted(CORPUS.glob("*.conf"))
# The preview's conversion is rolled back, the conversion committed: on PostgreSQL too, for one file of them.
ON_POSTGRESQL = "createclusteronlinux-v2-template.conf"


def choices_for(cluster, sim, **overrides) -> onprem.Choices:
    """What a user picks from the simulated account: one instance per server, VIP then DNS per floating IP."""
    found = onprem.survey(cluster)
    instances = [s["instance_id"] for s in sim["servers"].values()]
    picks = [
        {"type": "awsvip", "ip": guide.IDS["vip"]},
        {"type": "awsdns", "hostedzoneid": sim["hosted_zone"]["id"], "recordset": sim["hosted_zone"]["record_name"]},
    ]
    return onprem.Choices(
        instances=dict(zip(found.servers, instances, strict=False)),
        floating_ips={fip.name: picks[i % 2] for i, fip in enumerate(found.floating_ips)},
        bucket=sim["bucket"],
        witness_host=guide.IDS["witness"],
        **overrides,
    )


@pytest.mark.parametrize(
    "path",
    [pytest.param(p, marks=pytest.mark.database) if p.name == ON_POSTGRESQL else p for p in ONPREM],
    ids=lambda p: p.name,
)
def test_each_onprem_file_converts_to_a_configuration_that_passes_check_aws(users, sim, path):
    admin = users["admin"]
    cluster = transfer.import_configuration(user=admin, data=path.read_bytes(), name="onprem").cluster
    found = onprem.survey(cluster)
    assert found.needed
    choices = choices_for(cluster, sim)
    before = transfer.export_conf(user=admin, cluster=cluster)

    shown = onprem.preview(user=admin, cluster=cluster, choices=choices)
    assert transfer.export_conf(user=admin, cluster=cluster) == before  # a preview changes nothing
    assert shown.diff.startswith("--- clp.conf (now)") and "+" in shown.diff

    changes = onprem.convert(user=admin, cluster=cluster, choices=choices)
    assert changes == shown.changes
    cluster.refresh_from_db()
    errors = [p for p in checks.run_checks(cluster) if p.severity == "error"]
    assert errors == [], [str(p) for p in errors]

    root, _ = parse_xml(transfer.export_conf(user=admin, cluster=cluster))
    assert root.find("resource/fip") is None and root.find("monitor/fipw") is None
    assert root.find("heartbeat/diskhb") is None and root.find("networkpartition/pingnp") is None
    assert root.find("heartbeat/objstorehb") is not None and root.find("heartbeat/witnesshb") is not None
    assert root.find("monitor/awsazw") is not None
    for name, server in zip(found.servers, sim["servers"].values(), strict=False):
        assert get(root, f"server@{name}/device@0/info") == server["private_ip"]
        assert get(root, f"forcestop/aws@forcestop1/server@{name}/parameters/instanceid") == server["instance_id"]
    if found.floating_ips:
        first = found.floating_ips[0]
        assert get(root, f"group@{first.group}/resource@awsvip@awsvip1") is not None
        assert get(root, "resource/awsvip@awsvip1/parameters/ip") == guide.IDS["vip"]
        assert root.find("monitor/awsvipw") is not None


def test_a_resource_that_depended_on_the_floating_ip_depends_on_its_replacement(users, sim):
    admin = users["admin"]
    data = (CORPUS / "createclusteronlinux-v2-template.conf").read_bytes()
    cluster = transfer.import_configuration(user=admin, data=data, name="onprem").cluster
    depending = [r for r in cluster.resources.all() if 'depend name="fip' in r.extra_xml]
    onprem.convert(user=admin, cluster=cluster, choices=choices_for(cluster, sim))
    for resource in depending:
        resource.refresh_from_db()
        assert "fip" not in resource.extra_xml
        assert {d.type for d in resource.depends_on.all()} & {"awsvip", "awsdns"}


@pytest.mark.database  # a failed conversion rolls back
def test_a_wrong_choice_names_the_field_and_changes_nothing(users, sim):
    admin = users["admin"]
    data = (CORPUS / "createcluster-conf-dll-win.conf").read_bytes()
    cluster = transfer.import_configuration(user=admin, data=data, name="onprem").cluster
    before = transfer.export_conf(user=admin, cluster=cluster)
    choices = choices_for(cluster, sim)
    server = next(iter(choices.instances))
    wrong = [
        (
            dict(choices.__dict__, instances={**choices.instances, server: "i-0000000000000dead"}),
            f"Instance ID of {server}: i-0000000000000dead does not exist",
        ),
        (
            dict(choices.__dict__, floating_ips={"fip": {"type": "awsvip", "ip": "not-an-ip"}}),
            "Floating IP resource fip -> AWS Virtual IP resource: fip: IP Address",
        ),
        (dict(choices.__dict__, floating_ips={"fip": {}}), "Floating IP resource fip: choose what replaces it"),
        (dict(choices.__dict__, bucket=""), "Bucket Name: is required"),
    ]
    for values, message in wrong:
        with pytest.raises(onprem.ConversionError, match=message.replace("(", r"\(")):
            onprem.convert(user=admin, cluster=cluster, choices=onprem.Choices(**values))
    assert transfer.export_conf(user=admin, cluster=cluster) == before

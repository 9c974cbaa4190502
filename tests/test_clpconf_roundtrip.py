"""Round trip: import -> export -> import gives equal models and equivalent XML, losing nothing."""

import base64
import io
import zipfile

import pytest

from clusters.clpconf import transfer
from clusters.clpconf.reader import parse_xml
from clusters.clpconf.xmlpath import get
from clusters.configuration import services
from clusters.configuration.draft import from_models
from clusters.configuration.validation import validate
from clusters.models import Cluster
from tests import guide
from tests.clpconf_helpers import CORPUS, HERE, INPUTS, canonical, dump


def test_the_real_corpus_is_read():
    # shared/ lies beside the clone (as in CI); without it the corpus cases would silently vanish.
    assert len(list(CORPUS.glob("**/*.conf"))) >= 7, f"no real clp.conf corpus at {CORPUS}"


@pytest.mark.database  # JSON fields keep the file's order and text (jsonb reorders keys)
@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.name)
def test_import_export_import(users, path):
    admin = users["admin"]
    original = path.read_bytes()
    first = transfer.import_configuration(user=admin, data=original, name="first")
    exported = transfer.export_conf(user=admin, cluster=first.cluster)
    assert canonical(exported, ignore_cluster_name=True) == canonical(original, ignore_cluster_name=True)
    assert exported.splitlines()[0] == original.splitlines()[0]  # the XML declaration as it was
    second = transfer.import_configuration(user=admin, data=exported, name="second")
    assert dump(second.cluster) == dump(first.cluster)
    again = transfer.export_conf(user=admin, cluster=second.cluster)
    assert canonical(again, ignore_cluster_name=True) == canonical(original, ignore_cluster_name=True)


@pytest.mark.database  # JSON fields keep what the file said
def test_the_kept_settings_of_a_mixed_file_survive(users):
    data = (HERE / "data" / "clpconf" / "mixed-euc-jp.conf").read_bytes()
    result = transfer.import_configuration(user=users["admin"], data=data)
    cluster = result.cluster
    assert cluster.name == "mixed"
    assert cluster.comment == "検証用クラスタ"
    assert (cluster.language, cluster.encoding, cluster.server_os) == ("ja", "EUC-JP", "linux")
    assert [i.heartbeat_name for i in cluster.interconnects.all()] == ["lanhb1", "lankhb1"]
    assert cluster.interconnects.get(heartbeat_name="lankhb1").mdc == "mdc2"
    assert result.warnings == [
        "Group resource fip1 has type fip, which this console does not support yet; it is kept as found and "
        "exported unchanged.",
        "Monitor resource fipw1 has type fipw, which this console does not support yet; it is kept as found and "
        "exported unchanged.",
    ]
    exported = transfer.export_conf(user=users["admin"], cluster=cluster).decode("euc_jp")
    assert '<fip name="fip1">' in exported and '<resource name="fip@fip1" />' in exported
    assert '<diskhb name="diskhb1">' in exported and "<objectnumber>31</objectnumber>" in exported
    exec1 = cluster.resources.get(name="exec1")
    assert [d.name for d in exec1.depends_on.all()] == ["md1"]
    ipw = cluster.monitors.get(name="ipw1")
    assert (ipw.interval, ipw.retry_count, ipw.wait_to_start, ipw.final_action) == (30, 2, 10, "3")
    assert ipw.parameters == {"ips": ["172.31.1.1", "172.31.1.2"]}
    assert ipw.recovery_group.name == "app"
    assert [s.server.name for s in cluster.groups.get(name="app").startup_servers.all()] == ["node-a", "node-b"]


@pytest.mark.database  # binary and JSON fields round trip
def test_export_zip_holds_clp_conf_and_scripts_and_imports_back(users):
    admin = users["admin"]
    cluster = guide.build("vip", user=admin, name="cluster1")
    group = cluster.groups.get()
    script = services.add_group_resource(user=admin, group=group, type="script", name="script1")
    script.scripts = {"start.bat": base64.b64encode(b"@echo start\r\n").decode(), "stop.bat": ""}
    script.save()
    Cluster.objects.filter(pk=cluster.pk).update(extra_files={"scripts/README.txt": base64.b64encode(b"x").decode()})
    cluster.refresh_from_db()
    data = transfer.export_zip(user=admin, cluster=cluster)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sorted(archive.namelist()) == [
            "clp.conf",
            "scripts/README.txt",
            "scripts/failover1/script1/start.bat",
            "scripts/failover1/script1/stop.bat",
        ]
        assert archive.read("scripts/failover1/script1/start.bat") == b"@echo start\r\n"
    copy = transfer.import_configuration(user=admin, data=data, name="copy").cluster
    assert dump(copy) == dump(cluster)
    with zipfile.ZipFile(io.BytesIO(transfer.export_zip(user=admin, cluster=copy))) as archive:
        assert archive.read("scripts/failover1/script1/start.bat") == b"@echo start\r\n"
        assert archive.read("scripts/README.txt") == b"x"


def test_import_and_export_query_counts_do_not_grow_with_the_configuration(users):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = users["admin"]
    counts = []
    for size in (1, 6):
        cluster = guide.build("vip", user=admin, name=f"size{size}")
        for g in range(size):
            group = services.add_failover_group(user=admin, cluster=cluster, name=f"extra{g}")
            for kind, params in (
                ("awsdns", {"hostedzoneid": "Z1", "recordset": f"r{g}.hz1.local.", "ip": "10.0.0.1"}),
                ("lbpp", {"port": 20000 + g}),
                ("service", {"name": "svc"}),
            ):
                services.add_group_resource(user=admin, group=group, type=kind, name=f"{kind}{g}", parameters=params)
        with CaptureQueriesContext(connection) as exported:
            data = transfer.export_zip(user=admin, cluster=cluster)
        with CaptureQueriesContext(connection) as imported:
            transfer.import_configuration(user=admin, data=data, name=f"copy{size}")
        counts.append((len(exported), len(imported)))
    assert counts[0] == counts[1], counts


def test_import_and_export_commands(db, tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    golden = (HERE / "golden" / "dns.conf").read_bytes()
    call_command("import_config", str(HERE / "golden" / "dns.conf"), name="c1", stdout=io.StringIO())
    call_command("export_config", "c1", output=str(tmp_path / "c1.conf"), stdout=io.StringIO())
    assert (tmp_path / "c1.conf").read_bytes() == golden.replace(b"cluster1", b"c1")
    call_command("export_config", "c1", output=str(tmp_path / "c1.zip"), stdout=io.StringIO())
    with zipfile.ZipFile(tmp_path / "c1.zip") as archive:
        assert archive.read("clp.conf") == golden.replace(b"cluster1", b"c1")
    with pytest.raises(CommandError, match="A cluster named c1 exists already"):
        call_command("import_config", str(tmp_path / "c1.zip"), stdout=io.StringIO())
    with pytest.raises(CommandError, match=r"use a name ending in \.zip"):
        call_command("export_config", "c1", output=str(tmp_path / "c1.txt"), stdout=io.StringIO())


def test_linux_mirror_disks_are_read_as_linux_and_pass_validation(users):
    data = (CORPUS / "clpcfdiff-current-lin-md.conf").read_bytes()
    cluster = transfer.import_configuration(user=users["admin"], data=data).cluster
    assert cluster.server_os == "linux"
    md1 = cluster.resources.get(name="md1")
    assert md1.parameters == {
        "mdc": "mdc1",
        "mdcdevice": 400,
        "mdcpriority": 0,
        "nmppath": "/dev/NMP1",
        "mountpoint": "/mnt/md1",
        "dppath": "/dev/md1/dp",
        "cppath": "/dev/md1/cp",
        "fs": "ext4",
    }
    assert md1.type_spec.param("dppath").label == "Data Partition Device Name"
    assert [p for p in validate(from_models(cluster)) if p.object.startswith("md")] == []


@pytest.mark.parametrize("name", ["basiccluster-x41-win-2nodesmirror.conf", "createclusteronlinux-src-win-md.conf"])
def test_windows_mirror_disks_take_the_drive_letters_the_product_writes(users, name):
    cluster = transfer.import_configuration(user=users["admin"], data=(CORPUS / name).read_bytes()).cluster
    md = cluster.resources.get(type="md")
    assert md.parameters["dpdrive"] in ("E", "G") and md.parameters["mdcpriority"] == 1
    # Both mirror disk connects are modelled, in priority order; nothing of them is left verbatim.
    assert (md.parameters["mdc"], md.parameters["mdc2"], md.parameters["mdc2device"]) == ("mdc1", "mdc2", 401)
    assert md.parameters["mdc2priority"] == 2 and "netdev" not in md.extra_xml
    assert [p for p in validate(from_models(cluster)) if p.object == md.name] == []


def test_each_os_offers_its_own_script_resource_and_windows_writes_script(users):
    from resources.registry import RESOURCE_TYPES

    windows, linux = dict(RESOURCE_TYPES.choices("windows")), dict(RESOURCE_TYPES.choices("linux"))
    assert "script" in windows and "exec" not in windows
    assert "exec" in linux and "script" not in linux
    cluster = guide.build("vip", user=users["admin"], name="cluster1")
    services.add_group_resource(user=users["admin"], group=cluster.groups.get(), type="script", name="script1")
    root, _ = parse_xml(transfer.export_conf(user=users["admin"], cluster=cluster))
    assert get(root, "group@failover1/resource@script@script1") is not None
    assert get(root, "resource/script@script1/parameters/act/path") == "start.bat"
    assert root.find("resource/exec") is None


@pytest.mark.database  # replace rows under unique constraints
def test_an_edited_import_keeps_the_files_order_and_puts_new_objects_beside_their_siblings(users):
    admin = users["admin"]
    original = (CORPUS / "clpcfdiff-current-lin-md.conf").read_bytes()
    cluster = transfer.import_configuration(user=admin, data=original).cluster
    group = cluster.groups.get(name="failover2")
    services.add_group_resource(user=admin, group=group, type="exec", name="exec2")
    cluster.monitors.get(name="genw").delete()
    root, _ = parse_xml(transfer.export_conf(user=admin, cluster=cluster))
    source, _ = parse_xml(original)
    assert [c.tag for c in root] == [c.tag for c in source]  # sections where the file had them
    assert [(c.tag, c.get("name")) for c in root.find("group[@name='failover2']")] == [
        ("comment", None),
        ("resource", "md@md2"),
        ("resource", "exec@exec2"),
        ("gid", None),
    ]
    resources = [(c.tag, c.get("name")) for c in root.find("resource")]
    assert resources == [
        ("types", "md"),
        ("types", "exec"),
        ("md", "md1"),
        ("md", "md2"),
        ("exec", "exec1"),
        ("exec", "exec2"),
    ]
    assert get(root, "resource/exec@exec2/parameters/act/path") == "start.sh"
    assert root.find("monitor/genw") is None and root.find("monitor/types[@name='genw']") is None
    assert root.find("monitor/userw/target") is not None  # the file's empty <target/> stays


TRICKY = """<monitor name="m"><comment>c</comment><comment>second comment</comment>
<polling><interval>30</interval><timing><nested>x</nested></timing><unknown>kept</unknown></polling>
<relation><type>rsc</type><name>r1</name></relation><relation><type>grp</type></relation>
<emergency><threshold><restart>1</restart></threshold></emergency><empty/><polling/>
<server name="s1"><parameters><ip>10.0.0.1</ip></parameters></server><device id="4"><info>i</info></device>
<parameters><ip>10.0.0.9</ip><ip>dup</ip><vpcid><x/></vpcid><vpcid>later</vpcid>
<list id="0"><ip>1</ip></list></parameters>
</monitor>"""


@pytest.mark.parametrize(
    "paths",
    [
        (
            "comment",
            "polling/interval",
            "polling/timing",
            "relation/type",
            "relation/name",
            "missing/x",
            "emergency/threshold/restart",
            "empty",
            "server@s1/parameters/ip",
            "device@4/info",
        ),
        ("parameters/ip", "parameters/vpcid", "parameters/list@0/ip", "polling/unknown"),
    ],
)
def test_one_walk_takes_what_a_take_per_path_takes(paths):
    """take_all (a monitor's and a resource's own settings) and the parameter plans read what `take` does,
    path by path, and leave the same tree behind: what is left is kept verbatim on export."""
    import xml.etree.ElementTree as ET

    from clusters.clpconf.reader_base import ParamPlan
    from clusters.clpconf.xmlpath import take, take_all
    from clusters.configuration.params import Param

    one, walked, planned = (ET.fromstring(TRICKY) for _ in range(3))  # noqa: S314 (our own text)
    expected = {path: value for path in paths if (value := take(one, path)) is not None}
    assert take_all(walked, paths) == expected
    assert ET.tostring(walked) == ET.tostring(one)
    params = tuple(Param(f"p{i}", path, path) for i, path in enumerate(paths))
    values = ParamPlan(params).take(planned)
    assert values == {p.name: expected[p.path].strip() for p in params if p.path in expected}
    assert ET.tostring(planned) == ET.tostring(one)

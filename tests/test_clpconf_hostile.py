"""Hostile and broken input: a clear message naming the problem, and nothing saved."""

import io
import stat
import zipfile
from pathlib import Path

import pytest

from clusters.clpconf import transfer
from clusters.clpconf.parsing import MAX_CONF_BYTES, ConfError
from clusters.models import Cluster, Server
from monitors.models import MonitorResource
from resources.models import GroupResource

GOOD = (Path(__file__).parent / "golden" / "vip.conf").read_bytes()


def zip_of(entries: dict[str, bytes], links: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            info = zipfile.ZipInfo(name)
            if name in links:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, content, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def mutate(old: str, new: str, data: bytes = GOOD) -> bytes:
    assert old.encode() in data, old
    return data.replace(old.encode(), new.encode(), 1)


def assert_refused(users, data: bytes, message: str, name: str | None = None):
    with pytest.raises(ConfError) as caught:
        transfer.import_configuration(user=users["admin"], data=data, name=name)
    assert message in str(caught.value), str(caught.value)
    assert "\n" not in str(caught.value)  # one line
    assert not Cluster.objects.filter(name__in=["cluster1", name or ""]).exists()
    assert Server.objects.count() == GroupResource.objects.count() == MonitorResource.objects.count() == 0


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE root [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>
<root><cluster><name>&c;</name></cluster></root>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE root [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<root><cluster><name>&secret;</name></cluster></root>"""

CASES = {
    "entity expansion": (BILLION_LAUGHS, "contains a DTD"),
    "external entity": (EXTERNAL_ENTITY, "contains a DTD"),
    "not XML": (b"this is not a configuration", "not well-formed XML"),
    "truncated XML": (GOOD[: len(GOOD) // 2], "not well-formed XML"),
    "wrong root": (b'<?xml version="1.0"?><config><cluster/></config>', "its top element is <config>, not <root>"),
    "unknown encoding": (mutate('encoding="SJIS"', 'encoding="KLINGON"'), "declares the unknown encoding 'KLINGON'"),
    "bytes not in the encoding": (
        mutate("<comment />", "<comment>\xff\xfe</comment>").replace("\xff\xfe".encode(), b"\xff\xfe"),
        "byte",
    ),
    "oversize clp.conf": (b"<root>" + b" " * MAX_CONF_BYTES + b"</root>", "the limit is"),
    "no cluster name": (mutate("<name>cluster1</name>", "<name />"), "has no cluster name"),
    "no server": (b'<?xml version="1.0"?><root><cluster><name>c</name></cluster></root>', "defines no server"),
    "duplicate server": (
        mutate('<server name="server2">', '<server name="server1">'),
        "Server server1 is defined twice",
    ),
    "duplicate resource": (mutate('<md name="md">', '<md name="awsvip1">'), "Two group resources are named awsvip1"),
    "group lists a missing resource": (
        mutate('<resource name="md@md" />', '<resource name="md@md9" />'),
        "Group failover1 lists resource md9 (md), which is not defined",
    ),
    "resource in no group": (mutate('<resource name="md@md" />', ""), "Resource md belongs to no failover group"),
    "monitor watches a missing resource": (
        mutate("<target>awsvip1</target>", "<target>awsvip9</target>"),
        "Monitor awsvipw1 watches resource awsvip9, which does not exist",
    ),
    "recovery target is a missing group": (
        mutate("<type>grp</type>\n\t\t\t\t<name>failover1</name>", "<type>grp</type>\n\t\t\t\t<name>nogroup</name>"),
        "its Recovery Target is group nogroup, which does not exist",
    ),
    "heartbeat on a missing device": (
        mutate("<device>0</device>", "<device>7</device>"),
        "Heartbeat lankhb1 uses LAN device 7, which no server has",
    ),
    "values for a missing server": (
        mutate(
            '<server name="server2">\n\t\t\t\t<parameters>\n\t\t\t\t\t<vpcid>',
            '<server name="server9">\n\t\t\t\t<parameters>\n\t\t\t\t\t<vpcid>',
        ),
        "has values for server server9, which is not a server of this cluster",
    ),
    "bad server name": (
        mutate('<server name="server2">', '<server name="bad name!">').replace(
            b'<server name="server2">', b'<server name="bad name!">'
        ),
        "Server bad name!: Server Name: Use 1 to 31",
    ),
    "bad address": (
        mutate("<info>10.0.120.10</info>", "<info>10.0.120.999</info>"),
        "Interconnect address of server2 (device 0): IP Address",
    ),
    "zip with ../": (zip_of({"clp.conf": GOOD, "scripts/../../evil.bat": b"x"}), "points outside the archive"),
    "zip with an absolute path": (zip_of({"clp.conf": GOOD, "/etc/cron.d/evil": b"x"}), "points outside the archive"),
    "zip with a link": (
        zip_of({"clp.conf": GOOD, "scripts/link": b"/etc/passwd"}, links=("scripts/link",)),
        "is a symbolic link",
    ),
    "zip bomb": (zip_of({"clp.conf": GOOD, "scripts/bomb.bat": b"\0" * (4 * 1024 * 1024)}), "expands"),
    "zip without clp.conf": (zip_of({"scripts/a.bat": b"x"}), "must hold exactly one clp.conf"),
    "broken zip": (b"PK\x03\x04 broken", "not a valid zip"),
}


@pytest.mark.parametrize("case", CASES)
def test_refused_with_a_clear_message(users, case):
    data, message = CASES[case]
    assert_refused(users, data, message)


@pytest.mark.database  # a unique name, in one transaction
def test_a_name_already_taken_is_refused_and_the_first_cluster_kept(users):
    first = transfer.import_configuration(user=users["admin"], data=GOOD).cluster
    with pytest.raises(ConfError, match="A cluster named cluster1 exists already; import under another name"):
        transfer.import_configuration(user=users["admin"], data=GOOD)
    assert list(Cluster.objects.values_list("pk", flat=True)) == [first.pk]
    assert Server.objects.filter(cluster=first).count() == 2


@pytest.mark.database  # rollback of rows already inserted
def test_a_failure_late_in_saving_leaves_nothing(users):
    # The last monitor is invalid only for the database row (name too long): earlier rows must roll back.
    data = mutate('<awsvipw name="awsvipw1">', f'<awsvipw name="{"m" * 40}">').replace(
        b"<name>awsvipw1</name>", b"<name>x</name>"
    )
    assert_refused(users, data, "Monitor " + "m" * 40 + ": Name:")


def test_unknown_types_are_kept_with_a_warning(users):
    fip = '<types name="fip" /><fip name="fip1"><parameters><ip>10.0.0.9</ip></parameters></fip>'
    data = mutate("\t</resource>\n\t<monitor>", f"{fip}\n\t</resource>\n\t<monitor>")
    data = mutate('<resource name="md@md" />', '<resource name="md@md" />\n\t\t<resource name="fip@fip1" />', data)
    result = transfer.import_configuration(user=users["admin"], data=data)
    assert result.warnings == [
        "Group resource fip1 has type fip, which this console does not support yet; it is kept as found and "
        "exported unchanged."
    ]
    exported = transfer.export_conf(user=users["admin"], cluster=result.cluster)
    assert b'<fip name="fip1">' in exported and b'<resource name="fip@fip1" />' in exported


def test_a_viewer_cannot_import(users):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        transfer.import_configuration(user=users["viewer"], data=GOOD)
    assert not Cluster.objects.exists()

"""clp.conf import and export of a large cluster: wall time and SQL queries.

Prints, for the full size (32 servers, 128 groups, 1,024 group resources, 1,024 monitor resources)
and for one eighth of it, the time and query count of importing the file and of exporting it, and
the XML work in them against the XML library's own floor measured in the same run: reading the file
into a Config against ElementTree's parse of the same text, writing a Config against ElementTree's
serialization of the same tree. Targets: query counts that do not grow with the size, reading and
writing within 3x of their floor; the rest of an import or export is the database's.
"""

import time
import xml.etree.ElementTree as ET

from _django import setup

# One resource type per slot, each with the monitor the product adds with it.
TYPES = [
    ("awsvip", "awsvipw", {"parameters/ip": "10.1.{g}.{r}", "parameters/vpcid": "vpc-0123"}),
    ("awseip", "awseipw", {"parameters/eipid": "eipalloc-{g}{r}"}),
    ("awssip", "awssipw", {"parameters/ip": "10.0.{g}.{r}"}),
    (
        "awsdns",
        "awsdnsw",
        {
            "parameters/hostedzoneid": "Z123",
            "parameters/recordset": "r{g}x{r}.hz1.local.",
            "parameters/ip": "10.0.{g}.{r}",
        },
    ),
    ("lbpp", "lbppw", {"parameters/port": "{port}"}),
    (
        "md",
        "mdw",
        {
            "parameters/volumemountpoint": "E",
            "parameters/cpvolumemountpoint": "R",
            "parameters/netdev@0/mdcname": "mdc1",
        },
    ),
]


def generate(servers: int, groups: int, per_group: int) -> bytes:
    from clusters.clpconf.xmlpath import set_value

    root = ET.Element("root")
    set_value(root, "all/charset", "ASCII")
    set_value(root, "all/serveros", "windows")
    set_value(root, "all/encode", "SJIS")
    set_value(root, "cluster/name", "big")
    for s in range(servers):
        server = ET.SubElement(root, "server", {"name": f"server{s}"})
        set_value(server, "priority", s)
        set_value(server, "device@0/type", "lan")
        set_value(server, "device@0/info", f"10.0.{s // 250}.{s % 250 + 1}")
        set_value(server, "device@400/type", "mdc")
        set_value(server, "device@400/info", f"10.0.{s // 250}.{s % 250 + 1}")
    set_value(root, "heartbeat/types@lankhb", "")
    set_value(root, "heartbeat/lankhb@lankhb1/priority", 0)
    set_value(root, "heartbeat/lankhb@lankhb1/device", 0)
    resource_section, monitor_section = ET.SubElement(root, "resource"), ET.SubElement(root, "monitor")
    for code, monitor, _ in TYPES:
        ET.SubElement(resource_section, "types", {"name": code})
        ET.SubElement(monitor_section, "types", {"name": monitor})
    port = 1000
    for g in range(groups):
        group = ET.SubElement(root, "group", {"name": f"group{g}"})
        set_value(group, "type", "failover")
        set_value(group, "gid", g)
        for s in range(min(servers, 2)):
            set_value(group, f"policy@server{(g + s) % servers}/order", s)
        for r in range(per_group):
            code, monitor, params = TYPES[r % len(TYPES)]
            name = f"{code}-{g}-{r}"
            port += 1
            ET.SubElement(group, "resource", {"name": f"{code}@{name}"})
            element = ET.SubElement(resource_section, code, {"name": name})
            for path, value in params.items():
                set_value(element, path, value.format(g=g, r=r, port=port))
            for s in range(servers):
                if code in ("awsvip", "awseip", "awssip"):
                    set_value(element, f"server@server{s}/parameters/eniid", f"eni-{g}-{r}-{s}")
            mon = ET.SubElement(monitor_section, monitor, {"name": f"{monitor}-{g}-{r}"})
            set_value(mon, "target", name)
            set_value(mon, "polling/timing", 1)
            set_value(mon, "relation/type", "rsc")
            set_value(mon, "relation/name", name)
    return b'<?xml version="1.0" encoding="SJIS"?>\n' + ET.tostring(root, encoding="shift_jis", xml_declaration=False)


def best(function, repeat: int = 3) -> tuple[float, object]:
    """The fastest of a few runs (seconds) and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return min(times), result


def measure(label: str, servers: int, groups: int, per_group: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from clusters.clpconf import reader, transfer, writer
    from clusters.clpconf.parsing import decode
    from clusters.clpconf.xmlpath import bulk
    from clusters.configuration.draft import from_models

    admin = get_user_model()(username="bench", is_superuser=True)
    data = generate(servers, groups, per_group)
    with CaptureQueriesContext(connection) as import_queries:
        started = time.perf_counter()
        cluster = transfer.import_configuration(user=admin, data=data, name=f"big-{groups}").cluster
        import_seconds = time.perf_counter() - started
    with CaptureQueriesContext(connection) as export_queries:
        started = time.perf_counter()
        exported = transfer.export_conf(user=admin, cluster=cluster)
        export_seconds = time.perf_counter() - started
    # The XML work against the XML library's own floor, on the same bytes, in this run.
    text = decode(exported)[0].split("\n", 1)[1]
    with bulk():  # the floor without the garbage collector's passes too, as reading and writing run
        parse_floor, tree = best(lambda: ET.fromstring(text))  # noqa: S314 (our own output)
        serialize_floor, _ = best(lambda: ET.tostring(tree, encoding="shift_jis"))
    read_seconds, config = best(lambda: reader.read(exported))
    write_seconds, _ = best(lambda: writer.render_config(config))
    load_seconds, _ = best(lambda: from_models(cluster))
    print(
        f"{label:>6}: {servers} servers, {groups} groups, {cluster.resources.count()} resources, "
        f"{cluster.monitors.count()} monitors, clp.conf {len(exported) / 1024:.0f} KiB\n"
        f"        import {import_seconds * 1000:7.1f} ms, {len(import_queries):3d} queries "
        f"(of which reading the file into a Config {read_seconds * 1000:.1f} ms: "
        f"{read_seconds / parse_floor:.1f}x ElementTree's parse, {parse_floor * 1000:.1f} ms)\n"
        f"        export {export_seconds * 1000:7.1f} ms, {len(export_queries):3d} queries "
        f"(loading the Config {load_seconds * 1000:.1f} ms; writing it {write_seconds * 1000:.1f} ms: "
        f"{write_seconds / serialize_floor:.1f}x ElementTree's serialization, {serialize_floor * 1000:.1f} ms)"
    )


if __name__ == "__main__":
    setup()
    measure("1/8", 32, 16, 8)
    measure("full", 32, 128, 8)

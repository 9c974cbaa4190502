"""Read clp.conf into a `Config`: the entry points (`read`, `parse_xml`).

Hostile input is refused before parsing (parsing.py). The parts of the reader (reader_cluster.py,
reader_groups.py) take what this console models out of the tree; what is left is kept verbatim, so that
an export writes it back.
"""

import xml.etree.ElementTree as ET

from clusters.configuration.config import (
    GROUP_DEFAULTS,
    ClusterInfo,
    Config,
    DeviceObject,
    ForcedStopConfig,
    GroupConfig,
    InterconnectConfig,
    MonitorConfig,
    ResourceConfig,
    ServerConfig,
    frozen,
    sealed,
)
from monitors.registry import MONITOR_TYPES
from resources.registry import RESOURCE_TYPES

from . import names as N
from . import reader_cluster, reader_groups
from .parsing import decode, parse_text
from .reader_base import Reading
from .xmlpath import bulk, leftovers


def parse_xml(data: bytes) -> tuple[ET.Element, str]:
    """Safely parse clp.conf bytes; return the root element and the declared encoding."""
    text, encoding = decode(data)
    return parse_text(text), encoding


def read(data: bytes, *, files: dict | None = None) -> Config:
    """The configuration a clp.conf (and, from an export zip, its scripts/ files) describes."""
    return read_with_warnings(data, files=files)[0]


def read_with_warnings(data: bytes, *, files: dict | None = None) -> tuple[Config, list[str]]:
    """The configuration, and what in the file this console keeps verbatim without modelling it."""
    text, encoding = decode(data)
    with bulk():
        reading = Reading(parse_text(text), encoding)
        reader_cluster.read(reading)
        reader_groups.read(reading)
        _keep_the_rest(reading)
        return _config(reading, text, dict(files or {})), reading.warnings


def _keep_the_rest(reading: Reading):
    """What no part took stays verbatim: each server's own, then the rest of the file."""
    root = reading.root
    for server in reading.servers:
        element = server.pop("element")
        server["extra_xml"] = leftovers(element)
        root.remove(element)
    for tag in (
        "all",
        "cluster",
        N.HEARTBEAT_SECTION,
        N.NP_SECTION,
        N.FORCED_STOP_SECTION,
        N.RESOURCE_SECTION,
        N.MONITOR_SECTION,
    ):
        section = root.find(tag)
        if section is not None and not len(section) and not (section.text or "").strip():
            root.remove(section)  # emptied by what we read: nothing of it is unknown
    reading.cluster["extra_xml"] = leftovers(root)


def _config(reading: Reading, source: str, files: dict) -> Config:
    """The read values as a Config: defaults resolved as the product resolves them, scripts with their
    objects (the rest of the zip's files stay with the cluster)."""
    server_os = reading.cluster["server_os"]

    def scripts(prefix: str) -> dict:
        found = {path[len(prefix) :]: files.pop(path) for path in [p for p in files if p.startswith(prefix)]}
        return frozen(found)

    def devices(rows: list) -> list[DeviceObject]:
        return [
            DeviceObject(
                kind=d["kind"],
                name=d["name"],
                priority=d["priority"],
                device_id=d["device_id"],
                parameters=frozen(d["parameters"]),
                servers=frozen(d["server_parameters"]),
                extra_xml=d["extra_xml"],
            )
            for d in rows
        ]

    resources = [
        ResourceConfig(
            type=r["type"],
            name=r["name"],
            spec=RESOURCE_TYPES.get_type(r["type"], server_os),
            comment=r["comment"],
            parameters=sealed(r["parameters"]),
            servers=sealed(r["server_parameters"]),
            scripts=scripts(f"{N.SCRIPTS_DIR}/{r['group']}/{r['name']}/"),
            extra_xml=r["extra_xml"],
            group=r["group"],
            order=r["order"],
            depends_on=tuple(r["depends_on"]),
            **{f: r[f] for f in N.RESOURCE_RECOVERY_PATHS if f in r},
        )
        for r in reading.resources
    ]
    type_of = {r.name: r.type for r in resources}
    monitors = []
    for m in reading.monitors:
        mspec = MONITOR_TYPES.get_type(m["type"], server_os)
        target = m.get("target", "")
        owned = bool(target) and RESOURCE_TYPES.get_type(type_of[target], server_os).monitor == m["type"]
        if m.get("monitor_timing") == "active" and not target:
            reading.fail(f"Monitor {m['name']}: Monitor Timing is Active but it names no Target Resource.")
        monitors.append(
            MonitorConfig(
                type=m["type"],
                name=m["name"],
                spec=mspec,
                comment=m["comment"],
                parameters=sealed(m["parameters"]),
                servers=sealed(m["server_parameters"]),
                extra_xml=m["extra_xml"],
                scripts=scripts(f"{N.SCRIPTS_DIR}/{N.MONITOR_SCRIPTS_DIR}/{m['name']}/"),
                target=target,
                recovery_target=m.get("recovery_target") or ("rsc" if target else "cls"),
                recovery_name=m.get("recovery_name") or target or N.LOCAL_SERVER,
                explicit_common=tuple(m["explicit_common"]),
                owner=target if owned else "",
                **{**mspec.common_defaults(), **{f: m[f] for f in N.MONITOR_COMMON_PATHS if f in m}},
            )
        )
    fs = reading.forced_stop
    return Config.build(
        cluster=ClusterInfo(**reading.cluster, source_conf=source, extra_files=frozen(files)),
        servers=[
            ServerConfig(name=s["name"], priority=s["priority"], extra_xml=s["extra_xml"]) for s in reading.servers
        ],
        interconnects=[
            InterconnectConfig(**{**row, "addresses": frozen(row["addresses"])}) for row in reading.interconnects
        ],
        heartbeats=devices(reading.heartbeats),
        network_partitions=devices(reading.network_partitions),
        forced_stop=ForcedStopConfig(
            kind=fs["kind"],
            parameters=frozen(fs["parameters"]),
            servers=frozen(fs["server_parameters"]),
            extra_xml=fs["extra_xml"],
        )
        if fs
        else None,
        groups=[
            GroupConfig(
                **{
                    **GROUP_DEFAULTS,
                    **g,
                    "startup_servers": tuple(g["startup_servers"]),
                    "explicit_attributes": tuple(g["explicit_attributes"]),
                }
            )
            for g in reading.groups
        ],
        resources=resources,
        monitors=monitors,
    )

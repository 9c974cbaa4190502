"""Reading clp.conf, the cluster-wide part: the cluster, its servers and their devices, interconnects,
heartbeats, network partition resolution and forced stop (see reader_base.Reading for what a part does)."""

import xml.etree.ElementTree as ET

from clusters.configuration.heartbeats import HEARTBEAT_BY_CODE, HEARTBEAT_KINDS, NP_BY_CODE, NP_KINDS

from . import names as N
from .reader_base import Reading
from .xmlpath import leftovers, take


def read(reading: Reading):
    """Servers first: their devices are the interconnects' and the heartbeats' addresses."""
    _cluster(reading)
    _servers(reading)
    _interconnects(reading)
    _heartbeats(reading)
    _network_partitions(reading)
    _forced_stop(reading)


def _cluster(reading: Reading):
    name = take(reading.root, "cluster/name")
    if not name:
        reading.fail("clp.conf has no cluster name (<cluster><name>); it is not a complete configuration.")
    charset = take(reading.root, "all/charset") or ""
    language = N.LANGUAGE_BY_CHARSET.get(charset.upper(), "en")
    encode = take(reading.root, "all/encode") or ""
    reading.cluster = {
        "name": name,
        "comment": (take(reading.root, "cluster/comment") or "").strip(),
        "language": language,
        # Kept only where they differ from what the language and the file's encoding give.
        "charset": "" if charset == N.CHARSET_BY_LANGUAGE.get(language) else charset,
        "encode": "" if encode == reading.encoding else encode,
        "server_os": take(reading.root, "all/serveros") or N.SERVER_OS,
        "encoding": reading.encoding,
    }


def _servers(reading: Reading):
    seen = set()
    for element in reading.root.findall("server"):
        name = element.get("name") or ""
        if not name:
            reading.fail('A <server> element has no name; every server needs name="...".')
        if name in seen:
            reading.fail(f"Server {name} is defined twice; server names must be unique.")
        seen.add(name)
        priority = take(element, "priority")
        if priority is None or not priority.strip().isdigit():
            reading.fail(f"Server {name} has no valid <priority>; give each server its order (0 is the master).")
        for device in element.findall("device"):
            try:
                device_id = int(device.get("id", ""))
            except ValueError:
                reading.fail(f"Server {name} has a device without a numeric id.")
            reading.devices.setdefault(device_id, {})[name] = device
        reading.servers.append({"name": name, "priority": int(priority), "element": element})
        reading.server_names.append(name)
        reading.server_set.add(name)
    if not reading.servers:
        reading.fail("clp.conf defines no server; a cluster needs at least one <server>.")
    priorities = [s["priority"] for s in reading.servers]
    if len(set(priorities)) != len(priorities):
        reading.fail("Two servers share a priority; each server needs its own order (0, 1, ...).")


def _device_type(device: ET.Element) -> str:
    node = device.find("type")
    return (node.text or "").strip() if node is not None else ""


def _consume_device(reading: Reading, server: str, device_id: int) -> ET.Element | None:
    device = reading.devices.get(device_id, {}).pop(server, None)
    if device is not None:
        _server_element(reading, server).remove(device)
    return device


def _server_element(reading: Reading, name: str) -> ET.Element:
    return next(s["element"] for s in reading.servers if s["name"] == name)


def _interconnects(reading: Reading):
    lan_ids = sorted(
        i
        for i, by_server in reading.devices.items()
        if any(_device_type(d) == N.DEVICE_LAN[0] for d in by_server.values())
    )
    rows = {}
    for device_id in lan_ids:
        addresses = {}
        for server in list(reading.devices[device_id]):
            device = reading.devices[device_id][server]
            if _device_type(device) != N.DEVICE_LAN[0]:
                continue
            info = (device.findtext("info") or "").strip()
            if len([c for c in device if c.tag not in ("type", "info")]):
                continue  # a LAN device with settings we do not model stays verbatim
            _consume_device(reading, server, device_id)
            addresses[server] = info
        if addresses:
            rows[device_id] = {
                "device_id": device_id,
                "addresses": addresses,
                "heartbeat": "",
                "heartbeat_name": "",
                "mdc": "",
                "mdc_device_id": None,
                "priority": None,
            }
    mdc_ids = sorted(
        i
        for i, by_server in reading.devices.items()
        if any(_device_type(d) == N.DEVICE_MDC[0] for d in by_server.values())
    )
    for device_id in mdc_ids:
        by_server = {s: (d.findtext("info") or "").strip() for s, d in reading.devices[device_id].items()}
        row = next(
            (
                r
                for r in rows.values()
                if not r["mdc"] and all(r["addresses"].get(s) == ip for s, ip in by_server.items())
            ),
            None,
        )
        if row is None:
            reading.warnings.append(
                f"Mirror disk connect device {device_id} uses addresses of no interconnect; it is kept as found."
            )
            continue
        row["mdc"] = f"mdc{device_id - N.DEVICE_MDC[1] + 1}"
        row["mdc_device_id"] = device_id
        for server in list(by_server):
            _consume_device(reading, server, device_id)
    reading.interconnect_rows = rows


def _device_object(reading: Reading, code: str, element: ET.Element, kind, kind_key: str) -> dict:
    name = element.get("name") or ""
    priority = reading.int_at(element, "priority", name)
    device_id = reading.int_at(element, "device", name)
    parameters, _ = reading.params(kind, element, name)
    server_parameters = {}
    if device_id is not None and kind.device_type:
        for server in reading.server_names:
            device = _consume_device(reading, server, device_id)
            if device is None:
                server_parameters[server] = {"use": False}
                continue
            values = {}
            for key in ("info", "extend"):
                node = device.find(key)
                value = None if node is None else node.text or ""
                if value != kind.device_default(key, parameters):  # only what differs from what we would write
                    values[f"device_{key}"] = value
            if values:
                server_parameters[server] = values
    return {
        "kind": kind_key,
        "name": name,
        "priority": priority if priority is not None else 0,
        "device_id": device_id,
        "parameters": parameters,
        "server_parameters": server_parameters,
        "extra_xml": leftovers(element),
    }


def _heartbeats(reading: Reading):
    section = reading.root.find(N.HEARTBEAT_SECTION)
    if section is None:
        return
    lan_codes = {N.HB_KERNEL_LAN, N.HB_USER_LAN}
    for code, element in reading.typed_objects(section, lan_codes | set(HEARTBEAT_BY_CODE)):
        name = element.get("name") or ""
        if code in lan_codes:
            priority = reading.int_at(element, "priority", name)
            device_id = reading.int_at(element, "device", name)
            row = reading.interconnect_rows.get(device_id)
            if row is None or row["heartbeat"] or len(element):
                reading.fail(
                    f"Heartbeat {name} uses LAN device {device_id}, which no server has; "
                    f"add that interconnect address to every server."
                )
            row.update(heartbeat=code, heartbeat_name=name, priority=priority)
            continue
        key = HEARTBEAT_BY_CODE[code]
        reading.heartbeats.append(_device_object(reading, code, element, HEARTBEAT_KINDS[key], key))
    reading.unique_names(reading.heartbeats, "heartbeat")
    # Interconnects without a heartbeat follow those with one.
    rows = sorted(
        reading.interconnect_rows.values(), key=lambda r: (r["priority"] is None, r["priority"] or 0, r["device_id"])
    )
    taken = {r["priority"] for r in rows if r["priority"] is not None}
    next_free = max(taken, default=-1) + 1
    for row in rows:
        if row["priority"] is None:
            row["priority"] = next_free
            next_free += 1
    reading.interconnects = rows


def _network_partitions(reading: Reading):
    section = reading.root.find(N.NP_SECTION)
    if section is None:
        return
    for code, element in reading.typed_objects(section, set(NP_BY_CODE)):
        key = NP_BY_CODE[code]
        reading.network_partitions.append(_device_object(reading, code, element, NP_KINDS[key], key))
    reading.unique_names(reading.network_partitions, "NP resolution resource")


def _forced_stop(reading: Reading):
    section = reading.root.find(N.FORCED_STOP_SECTION)
    if section is None:
        return
    for _, element in reading.typed_objects(section, {N.FORCED_STOP_AWS}):
        server_parameters = {}
        for server in reading.server_names:
            instance_id = take(element, f"server@{server}/{N.FORCED_STOP_INSTANCE_PATH}")
            if instance_id is not None:
                server_parameters[server] = {"instanceid": instance_id}
        for block in element.findall("server"):  # left: values for a server the cluster does not have
            reading.known_server(block.get("name"), "forced stop")
        name = element.get("name")  # kept where it is not the name the product gives it
        reading.forced_stop = {
            "kind": "aws",
            "parameters": {"object_name": name} if name and name != N.FORCED_STOP_OBJECT else {},
            "server_parameters": server_parameters,
            "extra_xml": leftovers(element),
        }

"""Read clp.conf into a plain description (names, not database ids) that the importer saves.

Hostile input is refused before parsing: DTDs, entities and external references are forbidden
and sizes are bounded. What we do not model is left in the tree and kept verbatim, so that an
export writes it back.
"""

import codecs
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from types import MappingProxyType

import defusedxml

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
from clusters.configuration.heartbeats import HEARTBEAT_BY_CODE, HEARTBEAT_KINDS, NP_BY_CODE, NP_KINDS
from monitors.registry import MONITOR_TYPES
from resources.registry import RESOURCE_TYPES

from . import names as N
from .xmlpath import bulk, leftovers, safe_fromstring, set_value, take, take_all

MAX_CONF_BYTES = 8 * 1024 * 1024
DECLARATION = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9_.:-]+)[\"'][^>]*\?>")


class ConfError(ValueError):
    """The file cannot be imported; the message names the problem and the fix."""


# A monitor's own settings (beside its type's parameters), those kept verbatim when it refers to a
# resource of a type this console does not support, and a resource's own settings.
HELD_PATHS = (N.MONITOR_TARGET, N.MONITOR_COMMON_PATHS["monitor_timing"], N.RELATION_TYPE, N.RELATION_NAME)
MONITOR_PATHS = ("comment", *HELD_PATHS, *N.MONITOR_COMMON_PATHS.values())
RESOURCE_PATHS = ("comment", *N.RESOURCE_RECOVERY_PATHS.values())


@dataclass
class _Parsed:
    """What the reader has taken from the tree so far (plain values; `Config` is made of them at the end)."""

    cluster: dict = field(default_factory=dict)
    servers: list = field(default_factory=list)
    interconnects: list = field(default_factory=list)
    heartbeats: list = field(default_factory=list)
    network_partitions: list = field(default_factory=list)
    forced_stop: dict | None = None
    groups: list = field(default_factory=list)
    resources: list = field(default_factory=list)
    monitors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)


def decode(data: bytes) -> tuple[str, str]:
    """clp.conf bytes as text (its XML declaration included) and the encoding it declares."""
    if len(data) > MAX_CONF_BYTES:
        raise ConfError(f"clp.conf is {len(data):,} bytes; the limit is {MAX_CONF_BYTES:,}. Is this the right file?")
    match = DECLARATION.match(data)
    encoding = match.group(1).decode("ascii") if match else "UTF-8"
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise ConfError(
            f"clp.conf declares the unknown encoding {encoding!r}; use SJIS, EUC-JP, GB2312 or UTF-8."
        ) from None
    try:
        return data.decode(codec), encoding
    except UnicodeDecodeError as exc:
        raise ConfError(
            f"clp.conf declares encoding {encoding} but byte {exc.start} is not valid {encoding}; "
            "save the file in the encoding it declares."
        ) from None


def declaration(text: str) -> str:
    """The XML declaration a clp.conf text starts with, or ""."""
    match = DECLARATION.match(text.lstrip()[:200].encode("ascii", "replace"))
    return match.group(0).decode("ascii") if match else ""


def parse_text(text: str) -> ET.Element:
    """Safely parse clp.conf text (decoded, its declaration allowed)."""
    text = text.lstrip()[len(declaration(text)) :]
    try:
        root = safe_fromstring(text)
    except defusedxml.DTDForbidden:
        raise ConfError("clp.conf contains a DTD (<!DOCTYPE ...>), which clp.conf never has; it is refused.") from None
    except defusedxml.EntitiesForbidden:
        raise ConfError("clp.conf declares XML entities, which clp.conf never has; it is refused.") from None
    except defusedxml.ExternalReferenceForbidden:
        raise ConfError("clp.conf refers to external files, which clp.conf never does; it is refused.") from None
    except ET.ParseError as exc:
        raise ConfError(f"clp.conf is not well-formed XML ({exc}); export it again from Cluster WebUI.") from None
    if root.tag != N.ROOT:
        raise ConfError(f"This is not a clp.conf: its top element is <{root.tag}>, not <{N.ROOT}>.")
    return root


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
        reader = Reader(parse_text(text), encoding)
        reader.read()
        return reader.config(text, dict(files or {})), reader.spec.warnings


class _ParamPlan:
    """How to take a type's parameters from its element: those at parameters/NAME (nearly all) in one pass
    over what is there, the others one by one."""

    def __init__(self, params: tuple):
        self.direct: dict = {}
        self.others: list = []
        for p in params:
            head, _, name = p.path.partition("/")
            if p.kind != "iplist" and head == "parameters" and name and "/" not in name and "@" not in name:
                self.direct.setdefault(name, p)
            else:
                self.others.append(p)

    def take(self, element: ET.Element) -> dict:
        """`take` of each parameter: their values by name."""
        values: dict = {}
        holder = element.find("parameters") if self.direct else None
        if holder is not None:
            seen, taken = set(), False
            for child in list(holder):
                p = self.direct.get(child.tag)
                if p is None or child.tag in seen:  # like take: the first element of a tag, if it is a value
                    continue
                seen.add(child.tag)
                if not len(child):
                    values[p.name] = p.from_text(child.text or "")
                    holder.remove(child)
                    taken = True
            if taken and not len(holder) and not (holder.text or "").strip():
                element.remove(holder)  # left empty by what was taken: it was ours too
        for p in self.others:
            if p.kind == "iplist":
                items, i = [], 0
                while (raw := take(element, p.path.format(i=i))) is not None:
                    items.append(raw.strip())
                    i += 1
                if items:
                    values[p.name] = tuple(items)
            elif (raw := take(element, p.path)) is not None:
                values[p.name] = p.from_text(raw)
        return values


class Reader:
    def __init__(self, root: ET.Element, encoding: str):
        self._plans: dict[int, tuple] = {}  # id(type) -> (type, its parameters' plan, its per-server ones')
        self.root = root
        self.encoding = encoding
        self.spec = _Parsed()
        self.server_names: list[str] = []
        self.server_set: set[str] = set()
        # device id -> {server name: device element}
        self.devices: dict[int, dict[str, ET.Element]] = {}

    def fail(self, message: str):
        raise ConfError(message)

    def read(self) -> _Parsed:
        self._cluster()
        self._servers()
        self._interconnects()
        self._heartbeats()
        self._network_partitions()
        self._forced_stop()
        self._groups()
        self._resources()
        self._monitors()
        self._check_memberships()
        for tag in (
            "all",
            "cluster",
            N.HEARTBEAT_SECTION,
            N.NP_SECTION,
            N.FORCED_STOP_SECTION,
            N.RESOURCE_SECTION,
            N.MONITOR_SECTION,
        ):
            section = self.root.find(tag)
            if section is not None and not len(section) and not (section.text or "").strip():
                self.root.remove(section)  # emptied by what we read: nothing of it is unknown
        self.spec.cluster["extra_xml"] = leftovers(self.root)
        return self.spec

    # --- cluster and servers -------------------------------------------------------------------
    def _cluster(self):
        name = take(self.root, "cluster/name")
        if not name:
            self.fail("clp.conf has no cluster name (<cluster><name>); it is not a complete configuration.")
        charset = take(self.root, "all/charset") or ""
        language = N.LANGUAGE_BY_CHARSET.get(charset.upper(), "en")
        encode = take(self.root, "all/encode") or ""
        self.spec.cluster = {
            "name": name,
            "comment": (take(self.root, "cluster/comment") or "").strip(),
            "language": language,
            # Kept only where they differ from what the language and the file's encoding give.
            "charset": "" if charset == N.CHARSET_BY_LANGUAGE.get(language) else charset,
            "encode": "" if encode == self.encoding else encode,
            "server_os": take(self.root, "all/serveros") or N.SERVER_OS,
            "encoding": self.encoding,
        }

    def _servers(self):
        seen = set()
        for element in self.root.findall("server"):
            name = element.get("name") or ""
            if not name:
                self.fail('A <server> element has no name; every server needs name="...".')
            if name in seen:
                self.fail(f"Server {name} is defined twice; server names must be unique.")
            seen.add(name)
            priority = take(element, "priority")
            if priority is None or not priority.strip().isdigit():
                self.fail(f"Server {name} has no valid <priority>; give each server its order (0 is the master).")
            for device in element.findall("device"):
                try:
                    device_id = int(device.get("id", ""))
                except ValueError:
                    self.fail(f"Server {name} has a device without a numeric id.")
                self.devices.setdefault(device_id, {})[name] = device
            self.spec.servers.append({"name": name, "priority": int(priority), "element": element})
            self.server_names.append(name)
            self.server_set.add(name)
        if not self.spec.servers:
            self.fail("clp.conf defines no server; a cluster needs at least one <server>.")
        priorities = [s["priority"] for s in self.spec.servers]
        if len(set(priorities)) != len(priorities):
            self.fail("Two servers share a priority; each server needs its own order (0, 1, ...).")

    def _device_type(self, device: ET.Element) -> str:
        node = device.find("type")
        return (node.text or "").strip() if node is not None else ""

    def _consume_device(self, server: str, device_id: int) -> ET.Element | None:
        device = self.devices.get(device_id, {}).pop(server, None)
        if device is not None:
            self._server_element(server).remove(device)
        return device

    def _server_element(self, name: str) -> ET.Element:
        return next(s["element"] for s in self.spec.servers if s["name"] == name)

    # --- interconnects ---------------------------------------------------------------------------
    def _interconnects(self):
        lan_ids = sorted(
            i
            for i, by_server in self.devices.items()
            if any(self._device_type(d) == N.DEVICE_LAN[0] for d in by_server.values())
        )
        rows = {}
        for device_id in lan_ids:
            addresses = {}
            for server in list(self.devices[device_id]):
                device = self.devices[device_id][server]
                if self._device_type(device) != N.DEVICE_LAN[0]:
                    continue
                info = (device.findtext("info") or "").strip()
                if len([c for c in device if c.tag not in ("type", "info")]):
                    continue  # a LAN device with settings we do not model stays verbatim
                self._consume_device(server, device_id)
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
            for i, by_server in self.devices.items()
            if any(self._device_type(d) == N.DEVICE_MDC[0] for d in by_server.values())
        )
        for device_id in mdc_ids:
            by_server = {s: (d.findtext("info") or "").strip() for s, d in self.devices[device_id].items()}
            row = next(
                (
                    r
                    for r in rows.values()
                    if not r["mdc"] and all(r["addresses"].get(s) == ip for s, ip in by_server.items())
                ),
                None,
            )
            if row is None:
                self.spec.warnings.append(
                    f"Mirror disk connect device {device_id} uses addresses of no interconnect; it is kept as found."
                )
                continue
            row["mdc"] = f"mdc{device_id - N.DEVICE_MDC[1] + 1}"
            row["mdc_device_id"] = device_id
            for server in list(by_server):
                self._consume_device(server, device_id)
        self.interconnect_rows = rows

    # --- heartbeats and NP resolution ------------------------------------------------------------
    def _typed_objects(self, section: ET.Element, codes: set[str]):
        """Yield (code, element) for objects of known codes; drop their <types> markers."""
        for child in list(section):
            if child.tag == N.TYPES_TAG and child.get("name") in codes:
                section.remove(child)
        for child in list(section):
            if child.tag in codes:
                section.remove(child)
                yield child.tag, child

    def _int(self, element: ET.Element, path: str, what: str) -> int | None:
        value = take(element, path)
        if value is None:
            return None
        try:
            return int(value)
        except ValueError:
            self.fail(f"{what}: <{path}> is {value!r}, not a number.")

    def _device_object(self, code: str, element: ET.Element, kind, kind_key: str) -> dict:
        name = element.get("name") or ""
        priority = self._int(element, "priority", name)
        device_id = self._int(element, "device", name)
        parameters, _ = self._params(kind, element, name)
        server_parameters = {}
        if device_id is not None and kind.device_type:
            for server in self.server_names:
                device = self._consume_device(server, device_id)
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

    def _heartbeats(self):
        section = self.root.find(N.HEARTBEAT_SECTION)
        if section is None:
            return
        lan_codes = {N.HB_KERNEL_LAN, N.HB_USER_LAN}
        for code, element in self._typed_objects(section, lan_codes | set(HEARTBEAT_BY_CODE)):
            name = element.get("name") or ""
            if code in lan_codes:
                priority = self._int(element, "priority", name)
                device_id = self._int(element, "device", name)
                row = self.interconnect_rows.get(device_id)
                if row is None or row["heartbeat"] or len(element):
                    self.fail(
                        f"Heartbeat {name} uses LAN device {device_id}, which no server has; "
                        f"add that interconnect address to every server."
                    )
                row.update(heartbeat=code, heartbeat_name=name, priority=priority)
                continue
            key = HEARTBEAT_BY_CODE[code]
            self.spec.heartbeats.append(self._device_object(code, element, HEARTBEAT_KINDS[key], key))
        self._unique_names(self.spec.heartbeats, "heartbeat")
        # Interconnects without a heartbeat follow those with one.
        rows = sorted(
            self.interconnect_rows.values(), key=lambda r: (r["priority"] is None, r["priority"] or 0, r["device_id"])
        )
        taken = {r["priority"] for r in rows if r["priority"] is not None}
        next_free = max(taken, default=-1) + 1
        for row in rows:
            if row["priority"] is None:
                row["priority"] = next_free
                next_free += 1
        self.spec.interconnects = rows

    def _network_partitions(self):
        section = self.root.find(N.NP_SECTION)
        if section is None:
            return
        for code, element in self._typed_objects(section, set(NP_BY_CODE)):
            key = NP_BY_CODE[code]
            self.spec.network_partitions.append(self._device_object(code, element, NP_KINDS[key], key))
        self._unique_names(self.spec.network_partitions, "NP resolution resource")

    def _forced_stop(self):
        section = self.root.find(N.FORCED_STOP_SECTION)
        if section is None:
            return
        for _, element in self._typed_objects(section, {N.FORCED_STOP_AWS}):
            server_parameters = {}
            for server in self.server_names:
                instance_id = take(element, f"server@{server}/{N.FORCED_STOP_INSTANCE_PATH}")
                if instance_id is not None:
                    server_parameters[server] = {"instanceid": instance_id}
            for block in element.findall("server"):  # left: values for a server the cluster does not have
                self._known_server(block.get("name"), "forced stop")
            name = element.get("name")  # kept where it is not the name the product gives it
            self.spec.forced_stop = {
                "kind": "aws",
                "parameters": {"object_name": name} if name and name != N.FORCED_STOP_OBJECT else {},
                "server_parameters": server_parameters,
                "extra_xml": leftovers(element),
            }

    # --- groups, resources, monitors -------------------------------------------------------------
    def _groups(self):
        self.memberships: dict[tuple[str, str], str] = {}
        for gid_default, element in enumerate(self.root.findall("group")):
            name = element.get("name") or ""
            if not name:
                self.fail("A <group> element has no name.")
            explicit = ["imported"]
            group = {"name": name}
            for field_name, default in (("type", N.GROUP_TYPE_FAILOVER), ("comment", ""), ("gid", None)):
                value = take(element, field_name)
                if value is not None:
                    explicit.append(field_name)
                group[field_name] = value if value is not None else default
            group["group_type"] = group.pop("type")
            group["comment"] = group["comment"].strip()
            try:
                group["gid"] = int(group["gid"]) if group["gid"] is not None else gid_default
            except ValueError:
                self.fail(f"Group {name}: <gid> is {group['gid']!r}, not a number.")
            for attribute, path in N.GROUP_ATTRIBUTE_PATHS.items():
                value = take(element, path)
                if value is not None:
                    explicit.append(attribute)
                    group[attribute] = value.strip()
            startup = []
            for policy in element.findall("policy"):
                server = policy.get("name")
                if server not in self.server_set:
                    self.fail(f"Group {name} lists startup server {server}, which is not a server of this cluster.")
                order = self._int(policy, "order", f"group {name}")
                startup.append((order if order is not None else len(startup), server))
                if not len(policy):
                    element.remove(policy)
            group["startup_servers"] = [server for _, server in sorted(startup)]
            order = 0
            for ref in element.findall("resource"):
                rtype, _, rname = (ref.get("name") or "").partition("@")
                if rtype in RESOURCE_TYPES.load() and not len(ref):
                    if (rtype, rname) in self.memberships:
                        self.fail(
                            f"Resource {rname} is listed in groups {self.memberships[(rtype, rname)]} "
                            f"and {name}; a resource belongs to one group."
                        )
                    self.memberships[(rtype, rname)] = name
                    self.resource_order = getattr(self, "resource_order", {})
                    self.resource_order[(rtype, rname)] = order
                    order += 1
                    element.remove(ref)
            group["explicit_attributes"] = explicit
            group["extra_xml"] = leftovers(element)
            self.root.remove(element)
            self.spec.groups.append(group)
        self._unique_names(self.spec.groups, "group")

    def _params(self, spec, element: ET.Element, name: str) -> tuple[dict, dict]:
        plans = self._plans.get(id(spec))
        if plans is None:  # types live in the registry (held here too): an id is theirs for the whole read
            per_server = tuple(p for p in spec.params if p.per_server)
            plans = self._plans[id(spec)] = (spec, _ParamPlan(spec.params), per_server and _ParamPlan(per_server))
        _, plan, server_plan = plans
        parameters = plan.take(element)
        server_parameters: dict = {}
        for block in element.findall("server"):  # server@NAME/...
            server = block.get("name")
            self._known_server(server, name)
            if not server_plan:
                continue
            values = server_plan.take(block)
            if values:
                server_parameters[server] = MappingProxyType(values)  # read-only already: sealed in place later
            if not len(block) and not (block.text or "").strip():
                element.remove(block)
        return parameters, server_parameters

    def _known_server(self, server: str | None, what: str):
        if server not in self.server_set:
            self.fail(f"{what} has values for server {server}, which is not a server of this cluster.")

    def _resources(self):
        section = self.root.find(N.RESOURCE_SECTION)
        known = set(RESOURCE_TYPES.load())
        # Resources of types we do not support stay verbatim; references to them stay verbatim too.
        self.unsupported_resources = {
            c.get("name")
            for c in (section if section is not None else [])
            if c.tag != N.TYPES_TAG and c.tag not in known
        }
        if section is not None:
            for code, element in self._typed_objects(section, known):
                spec = RESOURCE_TYPES.get_type(code, self.spec.cluster["server_os"])
                name = element.get("name") or ""
                parameters, server_parameters = self._params(spec, element, name)
                found = take_all(element, RESOURCE_PATHS)  # what every resource may have, in one walk
                resource = {
                    "type": code,
                    "name": name,
                    "comment": (found.get("comment") or "").strip(),
                    "parameters": parameters,
                    "server_parameters": server_parameters,
                    "group": self.memberships.get((code, name)),
                    "order": getattr(self, "resource_order", {}).get((code, name), 0),
                }
                for field_name, path in N.RESOURCE_RECOVERY_PATHS.items():
                    value = found.get(path)
                    if value is not None:
                        value = value.strip()
                        resource[field_name] = (
                            value if field_name.endswith("action") else self._number(value, name, path)
                        )
                resource["depends_on"] = []
                for depend in element.findall("depend"):
                    if not len(depend) and depend.get("name") not in self.unsupported_resources:
                        resource["depends_on"].append(depend.get("name"))
                        element.remove(depend)
                resource["extra_xml"] = leftovers(element)
                self.spec.resources.append(resource)
            self._warn_unsupported(section, "Group resource")
        self._unique_names(self.spec.resources, "group resource")
        names = {r["name"] for r in self.spec.resources}
        for resource in self.spec.resources:
            for dependency in resource["depends_on"]:
                if dependency not in names:
                    self.fail(f"Resource {resource['name']} depends on {dependency}, which does not exist.")

    def _number(self, value: str, name: str, path: str) -> int:
        try:
            return int(value)
        except ValueError:
            self.fail(f"{name}: <{path}> is {value!r}, not a number.")

    def _monitors(self):
        section = self.root.find(N.MONITOR_SECTION)
        known = set(MONITOR_TYPES.load())
        resources = {r["name"] for r in self.spec.resources}
        groups = {g["name"] for g in self.spec.groups}
        if section is None:
            return
        for code, element in self._typed_objects(section, known):
            spec = MONITOR_TYPES[code]
            name = element.get("name") or ""
            explicit = ["imported"]
            found = take_all(element, MONITOR_PATHS)  # what every monitor may have, in one walk
            monitor = {"type": code, "name": name, "comment": (found.get("comment") or "").strip()}
            held = []  # (path, value) kept verbatim
            if (found.get(N.MONITOR_TARGET) or "").strip() in self.unsupported_resources or (
                found.get(N.RELATION_NAME) or ""
            ).strip() in self.unsupported_resources:
                self.spec.warnings.append(
                    f"Monitor resource {name} refers to a resource this console does not support; "
                    "its target and recovery target are kept as found."
                )
                held = [(path, found.pop(path)) for path in HELD_PATHS if path in found]
            target = found.get(N.MONITOR_TARGET)
            if target is not None and target.strip():
                if target.strip() not in resources:
                    self.fail(f"Monitor {name} watches resource {target.strip()}, which does not exist.")
                monitor["target"] = target.strip()
            for field_name, path in N.MONITOR_COMMON_PATHS.items():
                value = found.get(path)
                if value is None:
                    continue
                explicit.append(field_name)
                value = value.strip()
                if field_name == "monitor_timing":
                    monitor[field_name] = "active" if value == "1" else "always"
                elif field_name == "final_action":
                    monitor[field_name] = value
                else:
                    monitor[field_name] = self._number(value, name, path)
            rtype, rname = found.get(N.RELATION_TYPE), found.get(N.RELATION_NAME)
            if rtype is not None or rname is not None:
                explicit.append("relation")
                rtype, rname = (rtype or "").strip(), (rname or "").strip()
                if rtype == "rsc" and rname not in resources:
                    self.fail(f"Monitor {name}: its Recovery Target is resource {rname}, which does not exist.")
                if rtype == "grp" and rname not in groups:
                    self.fail(f"Monitor {name}: its Recovery Target is group {rname}, which does not exist.")
                if rtype not in ("rsc", "grp", "cls"):
                    self.fail(f"Monitor {name}: Recovery Target type {rtype!r} is not rsc, grp or cls.")
                monitor["recovery_target"], monitor["recovery_name"] = rtype, rname
            monitor["parameters"], monitor["server_parameters"] = self._params(spec, element, name)
            monitor["explicit_common"] = explicit
            for path, value in held:
                set_value(element, path, value)
            monitor["extra_xml"] = leftovers(element)
            self.spec.monitors.append(monitor)
        self._warn_unsupported(section, "Monitor resource")
        self._unique_names(self.spec.monitors, "monitor resource")

    def _warn_unsupported(self, section: ET.Element, what: str):
        """What is left in a section after reading is of types we do not support: say so."""
        for child in section:
            if child.tag != N.TYPES_TAG:
                self.spec.warnings.append(
                    f"{what} {child.get('name')} has type {child.tag}, which this console does not support yet; "
                    "it is kept as found and exported unchanged."
                )

    def _check_memberships(self):
        names = {(r["type"], r["name"]) for r in self.spec.resources}
        for (rtype, rname), group in self.memberships.items():
            if (rtype, rname) not in names:
                self.fail(f"Group {group} lists resource {rname} ({rtype}), which is not defined under <resource>.")
        for resource in self.spec.resources:
            if resource["group"] is None:
                self.fail(f"Resource {resource['name']} belongs to no failover group; add it to a group.")
        for server in self.spec.servers:
            server["extra_xml"] = leftovers(server.pop("element"))
            self.root.remove(self._find_server(server["name"]))

    def _find_server(self, name):
        return next(e for e in self.root.findall("server") if e.get("name") == name)

    def _unique_names(self, items: list, what: str):
        seen = set()
        for item in items:
            if item["name"] in seen:
                self.fail(f"Two {what}s are named {item['name']}; names must be unique.")
            seen.add(item["name"])

    # --- the typed configuration -----------------------------------------------------------------
    def config(self, source: str, files: dict) -> Config:
        """The read values as a Config: defaults resolved as the product resolves them, scripts with their
        objects (the rest of the zip's files stay with the cluster)."""
        spec, server_os = self.spec, self.spec.cluster["server_os"]

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
            for r in spec.resources
        ]
        type_of = {r.name: r.type for r in resources}
        monitors = []
        for m in spec.monitors:
            mspec = MONITOR_TYPES.get_type(m["type"], server_os)
            target = m.get("target", "")
            owned = bool(target) and RESOURCE_TYPES.get_type(type_of[target], server_os).monitor == m["type"]
            if m.get("monitor_timing") == "active" and not target:
                self.fail(f"Monitor {m['name']}: Monitor Timing is Active but it names no Target Resource.")
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
        fs = spec.forced_stop
        return Config.build(
            cluster=ClusterInfo(**spec.cluster, source_conf=source, extra_files=frozen(files)),
            servers=[
                ServerConfig(name=s["name"], priority=s["priority"], extra_xml=s["extra_xml"]) for s in spec.servers
            ],
            interconnects=[
                InterconnectConfig(**{**row, "addresses": frozen(row["addresses"])}) for row in spec.interconnects
            ],
            heartbeats=devices(spec.heartbeats),
            network_partitions=devices(spec.network_partitions),
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
                for g in spec.groups
            ],
            resources=resources,
            monitors=monitors,
        )

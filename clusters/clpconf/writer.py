"""Write a cluster as clp.conf, in the element layout and encoding the product uses."""

import codecs
import xml.etree.ElementTree as ET

from clusters.configuration.config import GROUP_DEFAULTS, Config, InterconnectConfig
from clusters.configuration.draft import from_models
from clusters.configuration.heartbeats import HEARTBEAT_KINDS, NP_KINDS
from clusters.models import Cluster

from . import names as N
from .parsing import declaration, parse_text
from .reconcile import reconcile
from .xmlpath import bulk, ensure, merge, parse_leftovers, set_value


def render(cluster: Cluster) -> bytes:
    """The cluster's draft as clp.conf bytes, with the XML declaration the product writes."""
    return render_config(from_models(cluster))


def render_config(config: Config) -> bytes:
    with bulk():
        return _render(config)


def _render(config: Config) -> bytes:
    root = build_tree(config)
    info = config.cluster
    encoding = info.encoding or N.ENCODE_WINDOWS
    head = f'<?xml version="1.0" encoding="{encoding}"?>'  # as the product writes it
    if source := info.source_conf:  # imported: keep that file's order and declaration
        root = reconcile(parse_text(source), root)
        declared = declaration(source)
        if f'"{encoding}"' in declared or f"'{encoding}'" in declared:
            head = declared
    ET.indent(root, space="\t")
    body = ET.tostring(root, encoding=codecs.lookup(encoding).name, xml_declaration=False)
    return head.encode("ascii") + b"\n" + body + b"\n"


def _with_extra(element: ET.Element, extra_xml: str) -> ET.Element:
    extra = parse_leftovers(extra_xml)
    if extra is not None:
        merge(element, extra)
    return element


def _object(section: ET.Element, type_code: str, name: str, written_types: set) -> ET.Element:
    if type_code not in written_types:  # the product lists a section's <types> before its objects
        marker = ET.Element(N.TYPES_TAG, {"name": type_code})
        section.insert(len(written_types), marker)
        written_types.add(type_code)
    return ET.SubElement(section, type_code, {"name": name})


def _write_params(element: ET.Element, spec, parameters, servers, config: Config) -> None:
    for p in spec.params:
        if p.name in parameters:
            _write_param(element, p, parameters[p.name])
    for server in config.server_names:
        values = servers.get(server)
        if not values:
            continue
        block = ET.SubElement(element, "server", {"name": server})  # server@NAME/...
        for p in spec.params:
            if p.name in values:
                _write_param(block, p, values[p.name])


def _write_param(element: ET.Element, p, value) -> None:
    if p.kind == "iplist":
        for i, item in enumerate(value or []):
            set_value(element, p.path.format(i=i), item)
    else:
        set_value(element, p.path, p.to_text(value))


def build_tree(config: Config) -> ET.Element:
    info = config.cluster
    root = ET.Element(N.ROOT)
    set_value(root, "all/charset", info.charset or N.CHARSET_BY_LANGUAGE.get(info.language, "ASCII"))
    set_value(root, "all/serveros", info.server_os or N.SERVER_OS)
    set_value(root, "all/encode", info.encode or info.encoding or N.ENCODE_WINDOWS)
    set_value(root, "cluster/name", info.name)
    set_value(root, "cluster/comment", info.comment)
    _servers(root, config)
    _heartbeats(root, config)
    _network_partitions(root, config)
    _forced_stop(root, config)
    _groups(root, config)
    _resources(root, config)
    _monitors(root, config)
    return _with_extra(root, info.extra_xml)


def _servers(root: ET.Element, config: Config) -> None:
    devices = [(hb, HEARTBEAT_KINDS) for hb in config.heartbeats] + [(np, NP_KINDS) for np in config.network_partitions]
    for server in config.servers:
        element = ET.SubElement(root, "server", {"name": server.name})
        set_value(element, "priority", server.priority)
        for ic in config.interconnects:
            address = ic.addresses.get(server.name)
            if address is None:
                continue
            set_value(element, f"device@{ic.device_id}/type", N.DEVICE_LAN[0])
            set_value(element, f"device@{ic.device_id}/info", address)
            if ic.mdc and ic.mdc_device_id is not None:
                set_value(element, f"device@{ic.mdc_device_id}/type", N.DEVICE_MDC[0])
                set_value(element, f"device@{ic.mdc_device_id}/info", address)
                set_value(element, f"device@{ic.mdc_device_id}/mdc/info", address)
        for obj, kinds in devices:
            kind = kinds[obj.kind]
            values = obj.servers.get(server.name, {})
            if obj.device_id is None or values.get("use") is False:
                continue
            set_value(element, f"device@{obj.device_id}/type", kind.device_type)
            for key in ("info", "extend"):
                value = values.get(f"device_{key}", kind.device_default(key, obj.parameters))
                if value is not None:
                    set_value(element, f"device@{obj.device_id}/{key}", value)
        _with_extra(element, server.extra_xml)


def _heartbeats(root: ET.Element, config: Config) -> None:
    entries = [(ic.priority, ic) for ic in config.interconnects if ic.heartbeat]
    entries += [(hb.priority, hb) for hb in config.heartbeats]
    if not entries:
        return
    section = ensure(root, N.HEARTBEAT_SECTION)
    written: set = set()
    for priority, obj in sorted(entries, key=lambda e: e[0]):
        if isinstance(obj, InterconnectConfig):  # an interconnect's LAN heartbeat
            element = _object(section, obj.heartbeat, obj.heartbeat_name, written)
            set_value(element, "priority", priority)
            set_value(element, "device", obj.device_id)
            continue
        kind = HEARTBEAT_KINDS[obj.kind]
        element = _object(section, kind.code, obj.name, written)
        set_value(element, "priority", priority)
        if obj.device_id is not None:
            set_value(element, "device", obj.device_id)
        _write_params(element, kind, obj.parameters, {}, config)
        _with_extra(element, obj.extra_xml)


def _network_partitions(root: ET.Element, config: Config) -> None:
    if not config.network_partitions:
        return
    section = ensure(root, N.NP_SECTION)
    written: set = set()
    for np in config.network_partitions:
        kind = NP_KINDS[np.kind]
        element = _object(section, kind.code, np.name, written)
        set_value(element, "priority", np.priority)
        if np.device_id is not None:
            set_value(element, "device", np.device_id)
        _write_params(element, kind, np.parameters, {}, config)
        _with_extra(element, np.extra_xml)


def _forced_stop(root: ET.Element, config: Config) -> None:
    fs = config.forced_stop
    if fs is None or not fs.kind:
        return
    section = ensure(root, N.FORCED_STOP_SECTION)
    element = _object(section, N.FORCED_STOP_AWS, fs.parameters.get("object_name", N.FORCED_STOP_OBJECT), set())
    for server in config.server_names:
        if instance_id := fs.servers.get(server, {}).get("instanceid"):
            set_value(element, f"server@{server}/{N.FORCED_STOP_INSTANCE_PATH}", instance_id)
    _with_extra(element, fs.extra_xml)


def _groups(root: ET.Element, config: Config) -> None:
    members: dict[str, list] = {}
    for resource in config.resources:
        members.setdefault(resource.group, []).append(resource)
    for group in config.groups:
        element = ET.SubElement(root, "group", {"name": group.name})
        imported = "imported" in group.explicit_attributes
        for field, value in (("type", group.group_type), ("comment", group.comment), ("gid", group.gid)):
            if not imported or field in group.explicit_attributes:
                set_value(element, field, value)
        for order, server in enumerate(group.startup_servers):
            set_value(element, f"policy@{server}/order", order)
        for attribute, path in N.GROUP_ATTRIBUTE_PATHS.items():
            value = getattr(group, attribute)
            if attribute in group.explicit_attributes or value != GROUP_DEFAULTS[attribute]:
                set_value(element, path, value)
        for resource in sorted(members.get(group.name, []), key=lambda r: (r.order, r.name)):
            ET.SubElement(element, "resource", {"name": f"{resource.type}@{resource.name}"})
        _with_extra(element, group.extra_xml)


def _resources(root: ET.Element, config: Config) -> None:
    if not config.resources:
        return
    section = ensure(root, N.RESOURCE_SECTION)
    written: set = set()
    for resource in sorted(config.resources, key=lambda r: (r.type, r.name)):
        element = _object(section, resource.type, resource.name, written)
        set_value(element, "comment", resource.comment)
        _write_params(element, resource.spec, resource.parameters, resource.servers, config)
        for field, path in N.RESOURCE_RECOVERY_PATHS.items():
            value = getattr(resource, field)
            if value not in (None, ""):
                set_value(element, path, value)
        for dependency in resource.depends_on:
            ET.SubElement(element, "depend", {"name": dependency})
        _with_extra(element, resource.extra_xml)


def _monitors(root: ET.Element, config: Config) -> None:
    if not config.monitors:
        return
    section = ensure(root, N.MONITOR_SECTION)
    written: set = set()
    for monitor in config.monitors:  # by type, then name
        spec = monitor.spec
        element = _object(section, monitor.type, monitor.name, written)
        set_value(element, "comment", monitor.comment)
        if monitor.target:
            set_value(element, N.MONITOR_TARGET, monitor.target)
        imported = "imported" in monitor.explicit_common
        defaults = spec.common_defaults()  # what a file that leaves a value out means (Active is always stated)
        for field, path in N.MONITOR_COMMON_PATHS.items():
            value = getattr(monitor, field)
            if value in (None, ""):
                continue
            # Monitors made here state every Monitor (common) value; imported ones keep what they stated.
            if not imported or field in monitor.explicit_common or value != defaults[field]:
                set_value(element, path, ("1" if value == "active" else "0") if field == "monitor_timing" else value)
        if not imported or "relation" in monitor.explicit_common:
            set_value(element, N.RELATION_TYPE, monitor.recovery_target)
            set_value(element, N.RELATION_NAME, monitor.recovery_name)
        _write_params(element, spec, monitor.parameters, monitor.servers, config)
        _with_extra(element, monitor.extra_xml)

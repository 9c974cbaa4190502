"""Reading clp.conf: failover groups, group resources and monitor resources (see reader_base.Reading for what
a part does). Objects of types this console does not support, and what refers to them, stay verbatim."""

from monitors.registry import MONITOR_TYPES
from resources.registry import RESOURCE_TYPES

from . import names as N
from .reader_base import Reading
from .xmlpath import leftovers, set_value, take, take_all

# A monitor's own settings (beside its type's parameters), those kept verbatim when it refers to a
# resource of a type this console does not support, and a resource's own settings.
HELD_PATHS = (N.MONITOR_TARGET, N.MONITOR_COMMON_PATHS["monitor_timing"], N.RELATION_TYPE, N.RELATION_NAME)
MONITOR_PATHS = ("comment", *HELD_PATHS, *N.MONITOR_COMMON_PATHS.values())
RESOURCE_PATHS = ("comment", *N.RESOURCE_RECOVERY_PATHS.values())


def read(reading: Reading):
    """Groups first: a resource belongs to the group that lists it; then resources, then the monitors that
    watch and recover them."""
    _groups(reading)
    _resources(reading)
    _monitors(reading)
    _check_memberships(reading)


def _groups(reading: Reading):
    for gid_default, element in enumerate(reading.root.findall("group")):
        name = element.get("name") or ""
        if not name:
            reading.fail("A <group> element has no name.")
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
            reading.fail(f"Group {name}: <gid> is {group['gid']!r}, not a number.")
        for attribute, path in N.GROUP_ATTRIBUTE_PATHS.items():
            value = take(element, path)
            if value is not None:
                explicit.append(attribute)
                group[attribute] = value.strip()
        startup = []
        for policy in element.findall("policy"):
            server = policy.get("name")
            if server not in reading.server_set:
                reading.fail(f"Group {name} lists startup server {server}, which is not a server of this cluster.")
            order = reading.int_at(policy, "order", f"group {name}")
            startup.append((order if order is not None else len(startup), server))
            if not len(policy):
                element.remove(policy)
        group["startup_servers"] = [server for _, server in sorted(startup)]
        order = 0
        for ref in element.findall("resource"):
            rtype, _, rname = (ref.get("name") or "").partition("@")
            if rtype in RESOURCE_TYPES.load() and not len(ref):
                if (rtype, rname) in reading.memberships:
                    reading.fail(
                        f"Resource {rname} is listed in groups {reading.memberships[(rtype, rname)]} "
                        f"and {name}; a resource belongs to one group."
                    )
                reading.memberships[(rtype, rname)] = name
                reading.resource_order[(rtype, rname)] = order
                order += 1
                element.remove(ref)
        group["explicit_attributes"] = explicit
        group["extra_xml"] = leftovers(element)
        reading.root.remove(element)
        reading.groups.append(group)
    reading.unique_names(reading.groups, "group")


def _resources(reading: Reading):
    section = reading.root.find(N.RESOURCE_SECTION)
    known = set(RESOURCE_TYPES.load())
    # Resources of types we do not support stay verbatim; references to them stay verbatim too.
    reading.unsupported_resources = {
        c.get("name") for c in (section if section is not None else []) if c.tag != N.TYPES_TAG and c.tag not in known
    }
    if section is not None:
        for code, element in reading.typed_objects(section, known):
            spec = RESOURCE_TYPES.get_type(code, reading.cluster["server_os"])
            name = element.get("name") or ""
            parameters, server_parameters = reading.params(spec, element, name)
            found = take_all(element, RESOURCE_PATHS)  # what every resource may have, in one walk
            resource = {
                "type": code,
                "name": name,
                "comment": (found.get("comment") or "").strip(),
                "parameters": parameters,
                "server_parameters": server_parameters,
                "group": reading.memberships.get((code, name)),
                "order": reading.resource_order.get((code, name), 0),
            }
            for field_name, path in N.RESOURCE_RECOVERY_PATHS.items():
                value = found.get(path)
                if value is not None:
                    value = value.strip()
                    resource[field_name] = value if field_name.endswith("action") else reading.number(value, name, path)
            resource["depends_on"] = []
            for depend in element.findall("depend"):
                if not len(depend) and depend.get("name") not in reading.unsupported_resources:
                    resource["depends_on"].append(depend.get("name"))
                    element.remove(depend)
            resource["extra_xml"] = leftovers(element)
            reading.resources.append(resource)
        reading.warn_unsupported(section, "Group resource")
    reading.unique_names(reading.resources, "group resource")
    names = {r["name"] for r in reading.resources}
    for resource in reading.resources:
        for dependency in resource["depends_on"]:
            if dependency not in names:
                reading.fail(f"Resource {resource['name']} depends on {dependency}, which does not exist.")


def _monitors(reading: Reading):
    section = reading.root.find(N.MONITOR_SECTION)
    known = set(MONITOR_TYPES.load())
    resources = {r["name"] for r in reading.resources}
    groups = {g["name"] for g in reading.groups}
    if section is None:
        return
    for code, element in reading.typed_objects(section, known):
        spec = MONITOR_TYPES[code]
        name = element.get("name") or ""
        explicit = ["imported"]
        found = take_all(element, MONITOR_PATHS)  # what every monitor may have, in one walk
        monitor = {"type": code, "name": name, "comment": (found.get("comment") or "").strip()}
        held = []  # (path, value) kept verbatim
        if (found.get(N.MONITOR_TARGET) or "").strip() in reading.unsupported_resources or (
            found.get(N.RELATION_NAME) or ""
        ).strip() in reading.unsupported_resources:
            reading.warnings.append(
                f"Monitor resource {name} refers to a resource this console does not support; "
                "its target and recovery target are kept as found."
            )
            held = [(path, found.pop(path)) for path in HELD_PATHS if path in found]
        target = found.get(N.MONITOR_TARGET)
        if target is not None and target.strip():
            if target.strip() not in resources:
                reading.fail(f"Monitor {name} watches resource {target.strip()}, which does not exist.")
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
                monitor[field_name] = reading.number(value, name, path)
        rtype, rname = found.get(N.RELATION_TYPE), found.get(N.RELATION_NAME)
        if rtype is not None or rname is not None:
            explicit.append("relation")
            rtype, rname = (rtype or "").strip(), (rname or "").strip()
            if rtype == "rsc" and rname not in resources:
                reading.fail(f"Monitor {name}: its Recovery Target is resource {rname}, which does not exist.")
            if rtype == "grp" and rname not in groups:
                reading.fail(f"Monitor {name}: its Recovery Target is group {rname}, which does not exist.")
            if rtype not in ("rsc", "grp", "cls"):
                reading.fail(f"Monitor {name}: Recovery Target type {rtype!r} is not rsc, grp or cls.")
            monitor["recovery_target"], monitor["recovery_name"] = rtype, rname
        monitor["parameters"], monitor["server_parameters"] = reading.params(spec, element, name)
        monitor["explicit_common"] = explicit
        for path, value in held:
            set_value(element, path, value)
        monitor["extra_xml"] = leftovers(element)
        reading.monitors.append(monitor)
    reading.warn_unsupported(section, "Monitor resource")
    reading.unique_names(reading.monitors, "monitor resource")


def _check_memberships(reading: Reading):
    names = {(r["type"], r["name"]) for r in reading.resources}
    for (rtype, rname), group in reading.memberships.items():
        if (rtype, rname) not in names:
            reading.fail(f"Group {group} lists resource {rname} ({rtype}), which is not defined under <resource>.")
    for resource in reading.resources:
        if resource["group"] is None:
            reading.fail(f"Resource {resource['name']} belongs to no failover group; add it to a group.")

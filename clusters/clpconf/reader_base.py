"""What one reading of a clp.conf shares: the tree, what has been taken from it so far, and the helpers every
part of the reader uses (reader_cluster.py: the cluster-wide part; reader_groups.py: groups, group resources
and monitor resources). reader.py runs them in order and makes the `Config` of what they took.
"""

import xml.etree.ElementTree as ET
from types import MappingProxyType

from . import names as N
from .parsing import ConfError
from .xmlpath import take


class ParamPlan:
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


class Reading:
    """One clp.conf being read. Each part takes what it models out of `root` (what is left there is kept
    verbatim, so that an export writes it back) and adds plain values (names, not database ids) below."""

    def __init__(self, root: ET.Element, encoding: str):
        self.root = root
        self.encoding = encoding
        # What has been read, as plain values.
        self.cluster: dict = {}
        self.servers: list = []
        self.interconnects: list = []
        self.heartbeats: list = []
        self.network_partitions: list = []
        self.forced_stop: dict | None = None
        self.groups: list = []
        self.resources: list = []
        self.monitors: list = []
        self.warnings: list[str] = []
        # What the parts read later need from the earlier ones.
        self.server_names: list[str] = []
        self.server_set: set[str] = set()
        self.devices: dict[int, dict[str, ET.Element]] = {}  # device id -> {server name: device element}
        self.interconnect_rows: dict[int, dict] = {}  # device id -> interconnect (its heartbeat comes later)
        self.memberships: dict[tuple[str, str], str] = {}  # (resource type, name) -> its group
        self.resource_order: dict[tuple[str, str], int] = {}  # (resource type, name) -> its place in the group
        self.unsupported_resources: set = set()  # names of resources of types this console does not support
        self._plans: dict[int, tuple] = {}  # id(type) -> (type, its parameters' plan, its per-server ones')

    def fail(self, message: str):
        raise ConfError(message)

    def typed_objects(self, section: ET.Element, codes: set[str]):
        """Yield (code, element) for objects of known codes; drop their <types> markers."""
        for child in list(section):
            if child.tag == N.TYPES_TAG and child.get("name") in codes:
                section.remove(child)
        for child in list(section):
            if child.tag in codes:
                section.remove(child)
                yield child.tag, child

    def int_at(self, element: ET.Element, path: str, what: str) -> int | None:
        value = take(element, path)
        if value is None:
            return None
        try:
            return int(value)
        except ValueError:
            self.fail(f"{what}: <{path}> is {value!r}, not a number.")

    def number(self, value: str, name: str, path: str) -> int:
        try:
            return int(value)
        except ValueError:
            self.fail(f"{name}: <{path}> is {value!r}, not a number.")

    def params(self, spec, element: ET.Element, name: str) -> tuple[dict, dict]:
        """A type's parameters taken from `element`: the common values, and each server's own (server@NAME/...)."""
        plans = self._plans.get(id(spec))
        if plans is None:  # types live in the registry (held here too): an id is theirs for the whole read
            per_server = tuple(p for p in spec.params if p.per_server)
            plans = self._plans[id(spec)] = (spec, ParamPlan(spec.params), per_server and ParamPlan(per_server))
        _, plan, server_plan = plans
        parameters = plan.take(element)
        server_parameters: dict = {}
        for block in element.findall("server"):  # server@NAME/...
            server = block.get("name")
            self.known_server(server, name)
            if not server_plan:
                continue
            values = server_plan.take(block)
            if values:
                server_parameters[server] = MappingProxyType(values)  # read-only already: sealed in place later
            if not len(block) and not (block.text or "").strip():
                element.remove(block)
        return parameters, server_parameters

    def known_server(self, server: str | None, what: str):
        if server not in self.server_set:
            self.fail(f"{what} has values for server {server}, which is not a server of this cluster.")

    def unique_names(self, items: list, what: str):
        seen = set()
        for item in items:
            if item["name"] in seen:
                self.fail(f"Two {what}s are named {item['name']}; names must be unique.")
            seen.add(item["name"])

    def warn_unsupported(self, section: ET.Element, what: str):
        """What is left in a section after reading is of types we do not support: say so."""
        for child in section:
            if child.tag != N.TYPES_TAG:
                self.warnings.append(
                    f"{what} {child.get('name')} has type {child.tag}, which this console does not support yet; "
                    "it is kept as found and exported unchanged."
                )

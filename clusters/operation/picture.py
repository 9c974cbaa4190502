"""A picture of the cluster for operation mode: availability zones and subnets, servers with their
instance state, groups on their current server, and where each AWS resource points (the VIP route,
the EIP, the secondary IP, the DNS record, the probe port). Laid out here; drawn as SVG by a template."""

from dataclasses import dataclass, field

from clusters.runtime import Status

RUNS_THERE = (Status.ONLINE, Status.ONLINE_PENDING, Status.ERROR, Status.ONLINE_FAILURE)

SERVER_W, LINE, PAD, HEADER = 250, 18, 12, 26
MAX_LINES = 12  # lines in a server's box
CHAR_W = 7.2  # px a character takes at the picture's 12px, generously: a box is as wide as its longest line
# What AWS says of a target (an NLB target's health) as the picture's colours.
FACT_CLASS = {"healthy": "online", "unhealthy": "error", "unavailable": "error"}


@dataclass
class ServerBox:
    name: str
    state: str  # the instance state as the engine last read it
    status: str  # the server's status (online, offline, unknown): the colour
    ip: str
    lines: list[tuple[str, str]] = field(default_factory=list)  # (css class, text)
    x: int = 0
    y: int = 0

    @property
    def rows(self) -> list[tuple[str, str, int]]:
        """Each line with its baseline, under the server's name."""
        return [(css, text, self.y + HEADER + 14 + LINE * i) for i, (css, text) in enumerate(self.lines)]

    @property
    def h(self) -> int:
        return HEADER + LINE * len(self.lines) + PAD

    @property
    def title(self) -> str:
        return f"{self.name} {self.ip} · {self.state}"

    @property
    def text_width(self) -> int:
        """Room its longest line needs (the name line is bold: a little more)."""
        longest = max([len(self.title) * 1.1, *(len(text) + 1 for _, text in self.lines)])
        return int(longest * CHAR_W) + 2 * PAD


@dataclass
class SubnetBox:
    name: str
    servers: list[ServerBox]
    x: int = 0
    y: int = 0
    w: int = SERVER_W + 2 * PAD
    h: int = 0


@dataclass
class ZoneBox:
    name: str
    subnets: list[SubnetBox]
    x: int = 0
    w: int = SERVER_W + 4 * PAD
    h: int = 0


def layout(status: dict) -> dict:
    """Boxes with coordinates from the status operation mode shows (no AWS call)."""
    groups_on: dict[str, list] = {}
    for group, state, _ in status["groups"]:
        if state and state.server and state.status in RUNS_THERE:
            label = state.get_status_display()
            groups_on.setdefault(state.server, []).append((state.status, f"group {group.name} ({label})"))
    resources_on: dict[str, list] = {}
    for resource, state in status["resources"]:
        if state and state.server and state.status in RUNS_THERE and resource.spec.points_to:
            target = resource.parameters.get(resource.spec.points_to, "")
            line = f"{resource.name} -> {target}" if target != "" else resource.name
            resources_on.setdefault(state.server, []).append((state.status, line))
    zones: dict[str, dict[str, list]] = {}
    for name, instance, _service, _agent in status["servers"]:
        details = instance.details if instance else {}
        facts = [
            (FACT_CLASS.get(v, "online_pending" if "NLB" in k else "fact"), f"{k}: {v}")
            for k, v in details.get("facts", {}).items()
        ]
        lines = groups_on.get(name, []) + resources_on.get(name, []) + facts
        if len(lines) > MAX_LINES:  # a large cluster: the box stays readable, the lists tell the rest
            lines = [*lines[: MAX_LINES - 1], ("more", f"... and {len(lines) - MAX_LINES + 1} more")]
        box = ServerBox(
            name,
            instance.message if instance else "not read yet",
            instance.status if instance else Status.UNKNOWN,
            details.get("ip", ""),
            lines,
        )
        zones.setdefault(details.get("az") or "AZ unknown", {}).setdefault(details.get("subnet") or "subnet", [])
        zones[details.get("az") or "AZ unknown"][details.get("subnet") or "subnet"].append(box)
    boxes = [box for subnets in zones.values() for servers in subnets.values() for box in servers]
    width = max([SERVER_W, *(box.text_width for box in boxes)])  # every server box as wide as the widest text
    placed, x, height = [], PAD, 0
    for zone_name in sorted(zones):
        zone = ZoneBox(zone_name, [SubnetBox(subnet, servers) for subnet, servers in sorted(zones[zone_name].items())])
        zone.w = width + 4 * PAD
        zone.x, y = x, HEADER + PAD
        for subnet in zone.subnets:
            subnet.w = width + 2 * PAD
            subnet.x, subnet.y = x + PAD, y
            inner = y + HEADER
            for server in subnet.servers:
                server.x, server.y = subnet.x + PAD, inner
                inner += server.h + PAD
            subnet.h = inner - y
            y += subnet.h + PAD
        zone.h = y
        height = max(height, y)
        placed.append(zone)
        x += zone.w + PAD
    for zone in placed:
        zone.h = height
    return {"zones": placed, "width": x, "height": height + PAD, "line": LINE, "header": HEADER, "server_w": width}

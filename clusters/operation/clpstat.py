"""clpstat as the product prints it (`clpstat -s`, the default, and `clpstat -g`, the group map), from a snapshot of
the cluster (clusters.operation.productstatus), so that scripts reading the product's output read ours.

The layout is the real output's (../shared/corpus/clpstat/): the banner lines; `*` before the local server (the
product's is the server clpstat runs on; the console runs on none, so it is the master server, the first in
the server priority, unless `-h` names another); names padded with dots to a fixed width then ": "; the status
padded to 17 characters, then a heartbeat's or NP resolution's type label; `current : SERVER` (or `None`) under
each group, then its resources; the monitors in one list.
"""

import functools

from clusters.clpconf import names as N
from clusters.configuration.heartbeats import HEARTBEAT_KINDS, NP_KINDS
from clusters.operation.productstatus import Snapshot, current_server, product_status

BANNER = " ========================  CLUSTER STATUS  ==========================="
GROUPMAP_BANNER = " ======================  GROUPMAP INFORMATION  ======================="
RULE = " ====================================================================="
SEPARATOR = "  --------------------------------------------------------------------"
NAME_WIDTH, ITEM_WIDTH, STATUS_WIDTH = 17, 15, 17

TYPE_LABELS = {
    N.HB_KERNEL_LAN: "Kernel Mode LAN Heartbeat",  # SEEN (x60, x511 samples)
    N.HB_USER_LAN: "LAN Heartbeat",  # INFERRED (the product's name of the user-mode LAN heartbeat resource)
    N.HB_WITNESS: "Witness Heartbeat",  # SEEN (issue 27, the product's output)
    N.HB_OBJECT_STORAGE: "Object Storage Heartbeat",  # INFERRED
    N.NP_HTTP: "http resolution",  # SEEN (issue 27)
    N.NP_PING: "ping resolution",  # SEEN (x60 samples)
}
# The group map's one-letter states. INFERRED: the samples show only [o] (online).
SERVER_MARKS = {"Online": "o", "Offline": "x", "Caution": "c", "Unknown": "-"}
GROUP_MARKS = {"Online": "o", "Error": "e", "Online Pending": "p", "Offline Pending": "p"}


def local_server(snap: Snapshot, server: str = "") -> str:
    """The server clpstat reads as: `server`, or the master server."""
    return server or snap.config.server_names[0]


def _named(name: str, local: bool = False) -> str:
    """A server's or group's name column: '    NAME ........: ' (`*` in place of the last blank for the local one)."""
    lead = "   *" if local else "    "
    return f"{lead}{f'{name} '.ljust(NAME_WIDTH, '.')}: "


def _item(name: str, status: str, label: str = "") -> str:
    return f"      {name.ljust(ITEM_WIDTH)}: {status.ljust(STATUS_WIDTH)}{label}"


def heartbeats(snap: Snapshot, server: str) -> list[tuple[str, str]]:
    """The server's heartbeat resources, then its NP resolution resources: (name, clp.conf type), by priority."""
    config = snap.config
    found = [
        (ic.priority, ic.heartbeat_name, ic.heartbeat)
        for ic in config.interconnects
        if ic.heartbeat and server in ic.addresses
    ]
    found += [(hb.priority, hb.name, HEARTBEAT_KINDS[hb.kind].code) for hb in config.heartbeats]
    nps = [(np.priority, np.name, NP_KINDS[np.kind].code) for np in config.network_partitions]
    return [(name, code) for _, name, code in sorted(found)] + [(name, code) for _, name, code in sorted(nps)]


def _word(snap: Snapshot, kind: str, name: str = "", server: str = "") -> str:
    return product_status(kind, name, snap=snap, server=server).label


def cluster_status(snap: Snapshot, *, local: str = "") -> str:
    """`clpstat -s`."""
    config, local = snap.config, local_server(snap, local)
    word = functools.partial(_word, snap)
    lines = [BANNER, f"  Cluster : {config.cluster.name}", "  <server>"]
    for server in config.server_names:
        lines.append(_named(server, server == local) + word("server", server).ljust(STATUS_WIDTH))
        for name, code in heartbeats(snap, server):
            lines.append(_item(name, word("heartbeat", name, server), TYPE_LABELS.get(code, code)))
    lines.append("  <group>")
    for group in config.groups:
        lines.append(_named(group.name) + word("group", group.name).ljust(STATUS_WIDTH))
        lines.append(f"      {'current'.ljust(ITEM_WIDTH)}: {current_server(snap, 'group', group.name) or 'None'}")
        lines += [_item(r.name, word("resource", r.name)) for r in config.resources_of(group.name)]
    lines.append("  <monitor>")
    for monitor in sorted(config.monitors, key=lambda m: m.name):
        lines.append(f"    {monitor.name.ljust(NAME_WIDTH)}: {word('monitor', monitor.name).ljust(STATUS_WIDTH)}")
    lines.append(RULE)
    return "\n".join(lines) + "\n"


def group_map(snap: Snapshot, *, local: str = "") -> str:
    """`clpstat -g`: each server by its index, then the groups that run on each."""
    config, local = snap.config, local_server(snap, local)
    lines = [GROUPMAP_BANNER, f"  Cluster : {config.cluster.name}"]
    for index, server in enumerate(config.server_names):
        lines.append(f"{'   *' if server == local else '    '}server{index} : {server}")
    lines += ["", SEPARATOR]
    for index, server in enumerate(config.server_names):
        mark = SERVER_MARKS.get(_word(snap, "server", server), "-")
        running = [
            f"{g.name}[{GROUP_MARKS.get(_word(snap, 'group', g.name), '-')}] "
            for g in config.groups
            if current_server(snap, "group", g.name) == server
        ]
        lines.append(f"    server{index} [{mark}] : {''.join(running)}")
    lines.append(RULE)
    return "\n".join(lines) + "\n"


def report(snap: Snapshot) -> dict:
    """`clpstat --json`: the same statuses as data."""
    config = snap.config
    word = functools.partial(_word, snap)
    server_rows = {server: snap.states.get(("server", server)) for server in config.server_names}
    return {
        "cluster": config.cluster.name,
        "status": word("cluster"),
        "applied_version": snap.version.number,
        "servers": [
            {
                "name": server,
                "status": word("server", server),
                "instance_state": row.message if row else "unknown",
                "heartbeats": [
                    {"name": n, "status": word("heartbeat", n, server)} for n, _ in heartbeats(snap, server)
                ],
            }
            for server, row in server_rows.items()
        ],
        "groups": [
            {"name": g.name, "status": word("group", g.name), "current_server": current_server(snap, "group", g.name)}
            for g in config.groups
        ],
        "resources": [
            {
                "name": r.name,
                "type": r.type,
                "group": r.group,
                "status": word("resource", r.name),
                "server": current_server(snap, "resource", r.name),
            }
            for r in config.resources
        ],
        "monitors": [
            {
                "name": m.name,
                "type": m.type,
                "status": word("monitor", m.name),
                "servers": {server: word("monitor", m.name, server) for server in config.server_names},
            }
            for m in config.monitors
        ],
    }

"""The status poll's group rows and the cluster's tree, built in Python rather than by the template engine.

Every open Operation Mode tab re-renders the status every 2 s; Django's engine spends about 0.1 ms a
group row on them (12 of the 17 ms of a 128-group poll), `format_html` a fraction of that. The markup
is the rest of _status.html's: one form for the tables (#status-operations), buttons named by operation
and valued by group, the server chosen kept across polls (hx-preserve, keyed by the applied version and
where the group is, so a moved group offers its new choices). A bare data-confirm asks in the words of the
button's name (static/js/webui.js): "Are you sure you want to move failover1 to server2?".
"""

from collections import Counter

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from clusters.operation.productstatus import product_status
from clusters.runs.taskruns import KINDS
from clusters.runtime import Status

register = template.Library()

ROW = (
    '<tr data-group="{0}" id="group-{0}"><td>{0}</td><td><span class="status {1}">{2}</span></td>'
    '<td data-testid="current-server-{0}">{3}</td><td class="ops">{4}</td></tr>\n'
)
START = (
    '<label for="start-{0}-{1}" class="sr-only">Server to start {0} on</label> '
    '<select form="status-operations" name="server-{0}" id="start-{0}-{1}" hx-preserve>{2}</select> '
    '<button type="submit" form="status-operations" name="group_start" value="{0}" aria-label="Start {0}">'
    "Start</button>"
)
MOVE = (
    '<label for="move-{0}-{1}" class="sr-only">Move {0} to</label> '
    '<select form="status-operations" name="server-{0}" id="move-{0}-{1}" hx-preserve>{2}</select> '
    '<button type="submit" form="status-operations" name="group_move" value="{0}" aria-label="Move {0}" '
    'data-confirm data-choice="move-{0}-{1}">Move</button> '
)
NO_MOVE = '<span class="muted">no other startup server</span> '
STOP = (
    '<button type="submit" form="status-operations" name="group_stop" value="{0}" aria-label="Stop {0}" '
    "data-confirm>Stop</button>"
)
# A group that is (even partly) somewhere: it moves from there, or stops.
PLACED = {Status.ONLINE, Status.ONLINE_PENDING, Status.OFFLINE_PENDING, Status.ERROR}


def _options(servers) -> SafeString:
    return format_html_join("", "<option>{}</option>", ((server,) for server in servers))


@register.simple_tag
def group_rows(groups, can_operate: bool, version: int) -> SafeString:
    """The Groups table's rows: (group, its state or None, its startup servers) each. Move offers the group's
    other startup servers only; an offline group is started on the one chosen."""
    rows = []
    for group, state, startup in groups:
        status = Status(state.status) if state else Status.OFFLINE
        server = state.server if state and status in PLACED else ""
        operations = ""
        if can_operate and server:
            others = [s for s in startup if s != server]
            key = f"{version}-{server}"
            move = format_html(MOVE, group.name, key, _options(others)) if others else NO_MOVE
            operations = move + format_html(STOP, group.name)
        elif can_operate:
            operations = format_html(START, group.name, version, _options(startup))
        rows.append(format_html(ROW, group.name, status.value, status.label, server or "—", operations))
    return mark_safe("".join(rows))  # noqa: S308 (each row is format_html's: every value escaped)


@register.simple_tag(takes_context=True)
def status_of(context, kind: str, name: str) -> Status:
    """The product's status of an object (its word is .label), as clpstat and both APIs say it: from the
    page's snapshot (clusters.operation.productstatus)."""
    return product_status(kind, name, snap=context["snap"])


TREE_ITEM = '<li><a class="node" href="#{0}-{1}">{1}</a> <span class="status {2}">{3}</span>{4}</li>'


def _item(kind: str, name: str, status: Status, inner: SafeString | str = "") -> SafeString:
    return format_html(TREE_ITEM, kind, name, status.value, status.label, inner)


def _folder(label: str, items: list, more: str = "") -> SafeString:
    listed = mark_safe("".join(items)) if items else format_html('<li class="muted">{}</li>', more or "none")  # noqa: S308
    extra = format_html('<li class="muted">{}</li>', more) if items and more else ""
    return format_html('<li><span class="node folder">{}</span><ul>{}{}</ul></li>', label, listed, extra)


@register.simple_tag(takes_context=True)
def status_tree(context) -> SafeString:
    """Operation Mode's tree: the cluster, its servers, groups (with the resources listed) and monitors, each
    with the product's status word and its colour, linked to its row."""
    snap = context["snap"]
    servers = [_item("server", name, product_status("server", name, snap=snap)) for name, *_ in context["servers"]]
    by_group: dict[str, list] = {}
    for resource, _state in context["resources"]:
        by_group.setdefault(resource.group, []).append(
            _item("resource", resource.name, product_status("resource", resource.name, snap=snap))
        )
    # A large cluster (its status summarized) lists the groups that are not simply Online or Offline, and those
    # with a resource that needs attention, with counts: the poll stays small, and trouble is still in sight.
    summarized = "resources_total" in context
    groups, counted = [], Counter()
    for group, _state, _ in context["groups"]:
        status = product_status("group", group.name, snap=snap)
        counted[status.label] += 1
        listed = by_group.get(group.name)
        if summarized and not listed and status in (Status.ONLINE, Status.OFFLINE):
            continue
        inner = format_html("<ul>{}</ul>", mark_safe("".join(listed))) if listed else ""  # noqa: S308
        groups.append(_item("group", group.name, status, inner))
    monitors = [
        _item("monitor", monitor.name, product_status("monitor", monitor.name, snap=snap))
        for monitor, _state in context["monitors"]
    ]
    counts = ", ".join(f"{n} {label}" for label, n in sorted(counted.items()))
    cluster, cluster_status = context["cluster"], snap.cluster
    return format_html(
        '<ul><li><a class="node cluster" href="#status">{}</a> <span class="status {}">{}</span>'
        "<ul>{}{}{}</ul></li></ul>",
        cluster.name,
        cluster_status.value,
        cluster_status.label,
        _folder("Servers", servers),
        _folder("Groups", groups, f"{counts}; listed: those that need attention" if summarized else ""),
        _folder("Monitors", monitors, "listed: those that need attention" if summarized else ""),
    )


@register.filter
def run_title(run) -> str:
    """A run as a person names it: "Move group failover1", "Check AWS" (not group_move #7)."""
    kind = KINDS.get(run.kind)
    label = kind.label if kind else run.kind
    params = run.params if isinstance(run.params, dict) else {}
    subject = next((params[k] for k in ("group", "resource", "monitor", "server") if params.get(k)), "")
    if run.kind == "server_shutdown" and params.get("reboot"):
        label = "Reboot a server"
    if subject and " a server" in label:  # "Stop the cluster service on server1"
        return label.replace(" a server", f" {subject}")
    return f"{label} {subject}".strip()

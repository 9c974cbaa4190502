"""The status poll's group rows, built in Python rather than by the template engine.

Every open Operation Mode tab re-renders the status every 2 s; Django's engine spends about 0.1 ms a
group row on them (12 of the 17 ms of a 128-group poll), `format_html` a fraction of that. The markup
is the rest of _status.html's: one form for the tables (#status-operations), buttons named by operation
and valued by group, the server chosen kept across polls (hx-preserve, keyed by the applied version).
"""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

ROW = (
    '<tr data-group="{0}"><td>{0}</td><td><span class="status {1}">{2}</span></td>'
    '<td data-testid="current-server-{0}">{3}</td><td class="ops">{4}</td></tr>\n'
)
OPERATIONS = (
    '<label for="server-{0}-{1}" class="sr-only">Server for {0}</label> '
    '<select form="status-operations" name="server-{0}" id="server-{0}-{1}" hx-preserve>{2}</select> '
    '<button type="submit" form="status-operations" name="group_start" value="{0}">Start</button> '
    '<button type="submit" form="status-operations" name="group_move" value="{0}">Move</button> '
    '<button type="submit" form="status-operations" name="group_stop" value="{0}">Stop</button>'
)


@register.simple_tag
def group_rows(groups, can_operate: bool, version: int) -> SafeString:
    """The Groups table's rows: (group, its state or None, its startup servers) each."""
    rows = []
    for group, state, startup in groups:
        operations = ""
        if can_operate:
            options = format_html_join("", "<option>{}</option>", ((server,) for server in startup))
            operations = format_html(OPERATIONS, group.name, version, options)
        status, label, server = (state.status, state.get_status_display(), state.server) if state else ("", "", "")
        rows.append(format_html(ROW, group.name, status or "offline", label or "Offline", server or "—", operations))
    return mark_safe("".join(rows))  # noqa: S308 (each row is format_html's: every value escaped)

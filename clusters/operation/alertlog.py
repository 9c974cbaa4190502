"""The alert log: every alert kept, filtered, paged, exported as CSV; what each concerns, and for the
messages of the guide's Troubleshooting chapter (chapter 9), their possible cause and solution."""

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from clusters.runtime import Alert

# What an alert concerns, from the product's wording that every alert of this console follows.
SUBJECTS = (
    (re.compile(r"^Monitor (?!resource\(s\))(\S+?)[ .]"), "monitor"),
    (re.compile(r"^(?:Failed to (?:start|stop) the resource|Resource) (\S+?)[. ]"), "resource"),
    (re.compile(r"^Group (\S+) "), "group"),
    (re.compile(r"^(?:Server|Forced stop of) (\S+?)[ :]"), "server"),
)


def subject(message: str) -> tuple[str, str]:
    """(kind, name) of the object an alert message is about, or ("", "")."""
    for pattern, kind in SUBJECTS:
        if match := pattern.match(message):
            return kind, match.group(1)
    return "", ""


@dataclass(frozen=True)
class Explanation:
    cause: str
    solution: str


NO_RESPONSE = Explanation(
    "The regional endpoint cannot be reached (route table, NAT gateway or proxy), or the node is heavily loaded.",
    "Check the routing to the NAT gateway and that packets are not filtered; remove the load. If the warning is "
    "frequent, set 'Action when AWS CLI command failed to receive response' to Disable recovery action "
    "(Display warning).",
)
# The guide's chapter 9, by the words after the code in "(CODE : words)".
CATALOGUE = {
    "The routing for VIP was changed.": Explanation(
        "In the route table, the target of the VIP address has been changed to another ENI ID for some reason.",
        "The AWS Virtual IP resource is restarted automatically and the target set to the correct ENI ID. Check "
        "whether another HA cluster uses the same VIP address by mistake.",
    ),
    "The EIP address does not exist.": Explanation(
        "The ENI ID and the Elastic IP have been disassociated for some reason.",
        "The AWS Elastic IP resource is restarted automatically and associates them again. Check whether another "
        "HA cluster uses the same EIP allocation ID by mistake.",
    ),
    "Failed to process checking the secondary IP address on the OS side.": Explanation(
        "The secondary IP address has been deleted for some reason.",
        "The AWS Secondary IP resource is restarted automatically and assigns it again. Find out what deleted it, "
        "e.g. whether the address is used elsewhere.",
    ),
    "IP address different from the setting is registered in the resource record set of Amazon Route 53.": (
        Explanation(
            "The IP address of the resource record set has been changed or deleted for some reason.",
            "Check whether another HA cluster uses the same resource record set by mistake.",
        )
    ),
    "The resource record set in Amazon Route 53 does not exist.": Explanation(
        "The resource record set was deleted; or monitoring started before Route 53 propagated the change; or the "
        "IAM policy lacks route53:ChangeResourceRecordSets / ListResourceRecordSets; or the VPC is not associated "
        "with the hosted zone; or the record set name lacks its final dot.",
        "Check that no other cluster uses the record set, that Wait Time to Start Monitoring exceeds Route 53's "
        "propagation time, the IAM policy, the hosted zone's VPCs and the trailing dot.",
    ),
    "You are not authorized to perform this operation.": Explanation(
        "The IAM role lacks a permission the resource needs, e.g. ReplaceRoute on one of the route tables "
        "holding the VIP.",
        "Give the permission to the resource in the IAM policy (Config Mode > IAM policy lists it).",
    ),
    "Timeout occurred.": NO_RESPONSE,
    "Timeout occurred": NO_RESPONSE,
}
CODED = re.compile(r"\((\d+)\s*:\s*(.+?)\)\s*$")


def explain(message: str) -> Explanation | None:
    if match := CODED.search(message):
        return CATALOGUE.get(match.group(2).strip())
    return None


def filtered(
    cluster,
    *,
    server: str = "",
    level: str = "",
    about: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet:
    """The cluster's alerts, newest first, narrowed by server, level, object (name or words) and time."""
    alerts = Alert.objects.filter(cluster=cluster).order_by("-id")
    if server:
        alerts = alerts.filter(server=server)
    if level:
        alerts = alerts.filter(level=level)
    if about:
        alerts = alerts.filter(Q(object_name=about) | Q(message__icontains=about))
    if since:
        alerts = alerts.filter(at__gte=since)
    if until:
        alerts = alerts.filter(at__lte=until)
    return alerts


def to_csv(alerts: QuerySet) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["time", "level", "server", "object type", "object", "message"])
    for alert in alerts.iterator(chunk_size=2000):
        row = [alert.at.isoformat(), alert.level, alert.server, alert.object_kind, alert.object_name, alert.message]
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()


def _cell(value: str) -> str:
    """A spreadsheet must not run a message as a formula (AWS error texts end up in messages)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value

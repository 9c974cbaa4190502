"""Route 53 as it behaves: a change is PENDING until it has propagated (INSYNC), a record whose change is still
PENDING takes no second change (PriorRequestNotComplete), and names resolve only from what is INSYNC.

moto applies a change at once and answers INSYNC with one fixed change ID. The layer gives each change an ID
of its own, answers PENDING, answers GetChange itself, and keeps for each PENDING change the record sets as
they were before it: the DNS view is moto's records with those put back until the change is INSYNC.
"""

import re
import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.etree import ElementTree

from webui.awssim import answers

PRIOR_REQUEST_MESSAGE = "The request was rejected because Route 53 was still processing a prior request."
NS = {"r": answers.ROUTE53_NS}


def change_id() -> str:
    return "C" + "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(20))


@dataclass
class Change:
    id: str
    zone_id: str
    submitted_at: datetime
    insync_at: float  # time.monotonic()
    before: dict = field(default_factory=dict)  # (name, type) -> (ttl, values) or None, as published before

    @property
    def status(self) -> str:
        return "INSYNC" if time.monotonic() >= self.insync_at else "PENDING"


def _name(value: str) -> str:
    value = value.lower()
    return value if value.endswith(".") else value + "."


def changed_records(body: bytes) -> list[tuple[str, str]]:
    """(name, type) of every record a ChangeResourceRecordSets request body changes."""
    try:
        root = ElementTree.fromstring(body)  # noqa: S314 - botocore's own serialisation, on loopback
    except ElementTree.ParseError:
        return []
    found = []
    for record in root.iterfind(".//r:Change/r:ResourceRecordSet", NS):
        name, kind = record.findtext("r:Name", "", NS), record.findtext("r:Type", "", NS)
        found.append((_name(name), kind.upper()))
    return found


def _zones():
    """Every hosted zone moto holds, oldest first: (account, zone)."""
    from moto.route53.models import route53_backends

    for account, by_partition in list(route53_backends.items()):
        backend = by_partition.get("aws") if hasattr(by_partition, "get") else None
        if backend is None:
            continue
        for zone in list(backend.zones.values()):
            yield account, zone


def _zone(zone_id: str):
    return next((z for _, z in _zones() if z.id.split("/")[-1] == zone_id), None)


def _values(rrset) -> list[str]:
    return [r["Value"] if isinstance(r, dict) else str(r) for r in rrset.records or []]


def current(zone, name: str, kind: str):
    """What moto holds for (name, type) in `zone` now: (ttl, values), or None."""
    for rrset in zone.rrsets:
        if _name(rrset.name) == name and (rrset.type or "").upper() == kind and not rrset.alias_target:
            return int(rrset.ttl or 300), _values(rrset)
    return None


class Propagation:
    """The changes of one simulation, by ID; thread-safe."""

    def __init__(self):
        self.lock = threading.Lock()
        self.changes: dict[str, Change] = {}

    def pending(self, zone_id: str) -> list[Change]:
        return [c for c in self.changes.values() if c.zone_id == zone_id and c.status == "PENDING"]

    def blocked(self, zone_id: str, records: list[tuple[str, str]]) -> bool:
        """A record of this request has a change still PENDING: Route 53 refuses it (PriorRequestNotComplete)."""
        with self.lock:
            return any(key in c.before for c in self.pending(zone_id) for key in records)

    def before(self, zone_id: str, records: list[tuple[str, str]]) -> dict:
        zone = _zone(zone_id)
        return {key: current(zone, *key) if zone else None for key in records}

    def accepted(self, zone_id: str, before: dict, delay: float) -> Change:
        change = Change(change_id(), zone_id, datetime.now(UTC), time.monotonic() + delay, before)
        with self.lock:
            self.changes[change.id] = change
        return change

    def get(self, change: str) -> Change | None:
        return self.changes.get(change.split("/")[-1])

    def settle(self) -> int:
        """Every change INSYNC now (the tests' reset); returns how many were PENDING."""
        with self.lock:
            now, count = time.monotonic(), 0
            for change in self.changes.values():
                if change.insync_at > now:
                    change.insync_at, count = now, count + 1
            return count

    def published(self, zone, name: str, kind: str):
        """(ttl, values) of (name, type) as the DNS servers have it: before any change still PENDING."""
        key = (name, kind)
        with self.lock:
            for change in sorted(self.pending(zone.id.split("/")[-1]), key=lambda c: c.insync_at):
                if key in change.before:
                    return change.before[key]
        return current(zone, name, kind)

    def names(self, zone) -> set[str]:
        """Every name with a record set in the DNS view of `zone`."""
        names = {_name(r.name) for r in zone.rrsets}
        with self.lock:
            for change in self.pending(zone.id.split("/")[-1]):
                names |= {n for (n, _), was in change.before.items() if was is not None}
        return {n for n in names if any(self.published(zone, n, k) for k in self._kinds(zone, n))}

    def _kinds(self, zone, name: str) -> set[str]:
        kinds = {(r.type or "").upper() for r in zone.rrsets if _name(r.name) == name}
        for change in list(self.changes.values()):
            kinds |= {k for (n, k) in change.before if n == name}
        return kinds

    def rrsets(self, zone, name: str) -> dict[str, tuple]:
        """type -> (ttl, values) of `name` in the DNS view."""
        view = {kind: self.published(zone, name, kind) for kind in self._kinds(zone, name)}
        return {kind: value for kind, value in view.items() if value}


def zone_for(name: str):
    """The hosted zone that answers `name`: the longest zone name that ends it; among zones of the same name
    (the tests' isolated copies of the topology), the newest."""
    best = None
    for _, zone in _zones():
        zone_name = _name(zone.name)
        if (name == zone_name or name.endswith("." + zone_name)) and (
            best is None or len(zone_name) >= len(_name(best.name))
        ):
            best = zone
    return best


def rewrite(body: bytes, change: Change) -> bytes:
    """moto's ChangeInfo with the change's own ID and status (PENDING until it is INSYNC)."""
    text = body.decode()
    text = re.sub(r"<Id>/change/[^<]*</Id>", f"<Id>/change/{change.id}</Id>", text, count=1)
    text = re.sub(r"<Status>\w+</Status>", f"<Status>{change.status}</Status>", text, count=1)
    return text.encode()


def get_change_answer(change: Change) -> tuple[int, list, bytes]:
    submitted = change.submitted_at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{change.submitted_at.microsecond // 1000:03d}Z"
    return answers.xml(
        200,
        f'<?xml version="1.0" encoding="UTF-8"?>\n<GetChangeResponse xmlns="{answers.ROUTE53_NS}"><ChangeInfo>'
        f"<Id>/change/{change.id}</Id><Status>{change.status}</Status><SubmittedAt>{submitted}</SubmittedAt>"
        "</ChangeInfo></GetChangeResponse>",
    )

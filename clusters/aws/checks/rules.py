"""How security groups and network ACLs judge a flow, as AWS evaluates them, and the findings that name the rule
that is missing.

Security groups are stateful (the answers of an allowed flow pass): the sender's outbound rules and the
receiver's inbound rules must each allow it. Network ACLs are stateless, apply only between subnets, and the
first rule by number that matches decides, for the answers too (to the sender's ephemeral ports).
"""

import ipaddress
from dataclasses import dataclass, field

from clusters.aws.checks.codes import finding
from clusters.configuration.params import Problem

ANYWHERE = ipaddress.ip_network("0.0.0.0/0")
PROTOCOLS = {"tcp": "6", "udp": "17"}
# The ports a TCP client answers on: Windows' and Linux's default ephemeral ranges, an NLB's (AWS: 1024-65535).
EPHEMERAL = {"windows": (49152, 65535), "linux": (32768, 60999), "balancer": (1024, 65535)}


@dataclass(frozen=True)
class Endpoint:
    name: str  # as a finding says it, e.g. "server1 (10.0.110.10)"
    network: ipaddress.IPv4Network  # its address (/32), its subnet, or ANYWHERE
    groups: frozenset | None = None  # its security groups; None: beyond what the account says
    subnet: str | None = None
    server: str = ""  # the cluster's server it is, if any
    ephemeral: tuple[int, int] = EPHEMERAL["windows"]
    s3: bool = False  # Amazon S3: a rule to a prefix list (S3's) reaches it


@dataclass(frozen=True)
class Flow:
    object: str  # what the finding is about: "Interconnect", a heartbeat, a resource
    source: Endpoint
    target: Endpoint
    proto: str  # tcp, udp
    port: int
    purpose: str


def _covers(rule_ports: tuple[int, int] | None, low: int, high: int) -> bool:
    return rule_ports is None or (rule_ports[0] <= low and high <= rule_ports[1])


def _sg_ports(permission: dict) -> tuple[int, int] | None:
    if permission.get("IpProtocol") in ("-1", "all") or "FromPort" not in permission:
        return None
    return permission["FromPort"], permission["ToPort"]


def _sg_proto(permission: dict, proto: str) -> bool:
    return str(permission.get("IpProtocol")) in ("-1", proto, PROTOCOLS[proto])


def sg_allows(groups: list[dict], outbound: bool, proto: str, port: int, peer: Endpoint) -> bool:
    """Whether a rule of `groups` lets `proto` `port` out to (or in from) `peer`."""
    for group in groups:
        for permission in group.get("IpPermissionsEgress" if outbound else "IpPermissions", []):
            if not _sg_proto(permission, proto) or not _covers(_sg_ports(permission), port, port):
                continue
            if any(peer.network.subnet_of(ipaddress.ip_network(r["CidrIp"])) for r in permission.get("IpRanges", [])):
                return True
            if peer.groups and any(p.get("GroupId") in peer.groups for p in permission.get("UserIdGroupPairs", [])):
                return True
            if peer.s3 and permission.get("PrefixListIds"):
                return True
    return False


def acl_verdict(acl: dict, outbound: bool, proto: str, ports: tuple[int, int], peer: Endpoint) -> tuple[bool, int]:
    """(allowed, the deciding rule's number): the first rule by number that covers the flow, or that denies any
    part of it, decides."""
    entries = sorted((e for e in acl.get("Entries", []) if e.get("Egress") == outbound), key=lambda e: e["RuleNumber"])
    for entry in entries:
        if str(entry.get("Protocol")) not in ("-1", PROTOCOLS[proto]) or "CidrBlock" not in entry:
            continue
        cidr = ipaddress.ip_network(entry["CidrBlock"])
        span = entry.get("PortRange")
        span = (span["From"], span["To"]) if span and str(entry.get("Protocol")) != "-1" else None
        allow = entry.get("RuleAction") == "allow"
        if allow and peer.network.subnet_of(cidr) and _covers(span, *ports):
            return True, entry["RuleNumber"]
        overlaps = peer.network.overlaps(cidr) and (span is None or (span[0] <= ports[1] and ports[0] <= span[1]))
        if not allow and overlaps:
            return False, entry["RuleNumber"]
    return False, 32767  # the default rule "*": deny


def ports_text(ports) -> str:
    return ", ".join(f"{proto.upper()} {low}" + (f"-{high}" if high != low else "") for proto, low, high in ports)


@dataclass
class _Missing:
    ports: list = field(default_factory=list)
    purposes: list = field(default_factory=list)


class Judge:
    """Flows judged against the account's security groups and network ACLs (None: they could not be read)."""

    def __init__(self, groups: list[dict] | None, acls: list[dict] | None):
        self.groups = {g["GroupId"]: g for g in groups or []}
        self.by_subnet = {a["SubnetId"]: acl for acl in acls or [] for a in acl.get("Associations", [])}
        self.read_groups, self.read_acls = groups is not None, acls is not None

    def findings(self, flows: list[Flow]) -> list[Problem]:
        missing: dict[tuple, _Missing] = {}

        def note(key, proto, low, high, purpose):
            entry = missing.setdefault(key, _Missing())
            if (proto, low, high) not in entry.ports:
                entry.ports.append((proto, low, high))
            if purpose not in entry.purposes:
                entry.purposes.append(purpose)

        for flow in flows:
            for key in self._security_groups(flow):
                note(key, flow.proto, flow.port, flow.port, flow.purpose)
            for key, ports in self._acls(flow):
                note(key, *ports, flow.purpose)
        return [self._finding(key, entry) for key, entry in missing.items()]

    def _security_groups(self, flow: Flow):
        if not self.read_groups:
            return
        source, target = flow.source, flow.target
        if source.groups and not sg_allows(
            [self.groups[g] for g in source.groups if g in self.groups], True, flow.proto, flow.port, target
        ):
            yield ("sg", flow.object, source, target, "outbound")
        if target.groups and not sg_allows(
            [self.groups[g] for g in target.groups if g in self.groups], False, flow.proto, flow.port, source
        ):
            yield ("sg", flow.object, source, target, "inbound")

    def _acls(self, flow: Flow):
        source, target = flow.source, flow.target
        if not self.read_acls or (source.subnet and source.subnet == target.subnet):
            return  # within one subnet no network ACL applies
        port = (flow.port, flow.port)
        answers = (
            []
            if flow.proto != "tcp"
            else [(target, True, source, source.ephemeral), (source, False, target, source.ephemeral)]
        )
        for side, outbound, peer, ports in [(source, True, target, port), (target, False, source, port), *answers]:
            acl = self.by_subnet.get(side.subnet or "")
            if acl is None:
                continue
            allowed, number = acl_verdict(acl, outbound, flow.proto, ports, peer)
            if not allowed:
                label = (flow.proto, *ports)
                yield (
                    (
                        "acl",
                        flow.object,
                        acl["NetworkAclId"],
                        side,
                        peer,
                        "outbound" if outbound else "inbound",
                        number,
                        ports != port,
                    ),
                    label,
                )

    def _finding(self, key: tuple, entry: _Missing) -> Problem:
        ports, purpose = ports_text(entry.ports), ", ".join(entry.purposes)
        if key[0] == "sg":
            _, obj, source, target, direction = key
            side, peer = (target, source) if direction == "inbound" else (source, target)
            groups = ", ".join(sorted(side.groups))
            if direction == "inbound":
                also = f" or from security group {', '.join(sorted(peer.groups))}" if peer.groups else ""
                rule = f"inbound {ports} from {peer.network}{also} in {groups}"
            else:
                where = "anywhere (0.0.0.0/0)" if peer.network == ANYWHERE else peer.network
                rule = f"outbound {ports} to {where} in {groups}"
            return finding(
                "reachability.security_group",
                object=obj,
                field="Security group",
                server=side.server,
                source=source.name,
                target=target.name,
                ports=ports,
                purpose=purpose,
                direction=direction,
                groups=groups,
                rule=rule,
            )
        _, obj, acl, side, peer, direction, number, answers = key
        return finding(
            "reachability.network_acl",
            object=obj,
            field="Network ACL",
            server=side.server,
            acl=acl,
            subnet=side.subnet,
            verdict=f"denies (rule {number})" if number != 32767 else "has no rule allowing (rule *)",
            direction=direction,
            ports=ports + (" (the answers)" if answers else ""),
            towards="to" if direction == "outbound" else "from",
            peer=peer.name if peer.network == ANYWHERE else f"{peer.name}",
            purpose=purpose,
            rule_number=number if number != 32767 else "*",
        )

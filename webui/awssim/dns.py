"""The simulation's DNS server on loopback: the hosted zones' records as Route 53's DNS servers have them, that
is as of INSYNC. A name whose upsert is still PENDING answers its previous value (or NXDOMAIN); a deleted
name is NXDOMAIN once its delete is INSYNC. Negative answers carry the zone's SOA, whose TTL and minimum
bound how long a resolver caches them (RFC 2308), as Route 53's do. A name in no hosted zone is REFUSED:
this is the zones' server, not a recursive resolver.
"""

import logging
import socket

from dnslib import QTYPE, RCODE, RR
from dnslib.server import BaseResolver, DNSLogger, DNSServer

from webui.awssim.route53 import Propagation, zone_for

log = logging.getLogger(__name__)
MAX_CNAME_HOPS = 8


def _records(name: str, kind: str, ttl: int, values: list[str]) -> list:
    found = []
    for value in values:
        try:
            found += RR.fromZone(f"{name} {ttl} IN {kind} {value}")
        except Exception:
            log.warning("awssim DNS: cannot answer %s %s %s", name, kind, value)
    return found


class ZoneResolver(BaseResolver):
    def __init__(self, propagation: Propagation):
        self.propagation = propagation

    def resolve(self, request, handler):
        reply = request.reply()
        reply.header.aa, reply.header.ra = 1, 0  # authoritative for its zones, never recursive
        name, kind = str(request.q.qname).lower(), QTYPE[request.q.qtype]
        zone = zone_for(name)
        if zone is None:
            reply.header.rcode = RCODE.REFUSED
            return reply
        for _ in range(MAX_CNAME_HOPS):
            rrsets = self.propagation.rrsets(zone, name)
            if kind in rrsets or (kind == "ANY" and rrsets):
                for found_kind, (ttl, values) in rrsets.items():
                    if kind in (found_kind, "ANY"):
                        reply.add_answer(*_records(name, found_kind, ttl, values))
                return reply
            if "CNAME" in rrsets:
                ttl, values = rrsets["CNAME"]
                reply.add_answer(*_records(name, "CNAME", ttl, values))
                name = values[0].lower() if values[0].endswith(".") else values[0].lower() + "."
                zone = zone_for(name)
                if zone is None:
                    return reply  # outside our zones: the resolver follows the CNAME itself
                continue
            break
        exists = bool(rrsets) or any(n.endswith("." + name) for n in self.propagation.names(zone))
        if not exists:
            reply.header.rcode = RCODE.NXDOMAIN
        soa = self.propagation.rrsets(zone, zone.name.lower().rstrip(".") + ".").get("SOA")
        if soa:
            ttl, values = soa
            minimum = int(values[0].split()[-1]) if values and values[0].split()[-1].isdigit() else ttl
            reply.add_auth(*_records(zone.name.lower().rstrip(".") + ".", "SOA", min(ttl, minimum), values))
        return reply


class QuietLogger(DNSLogger):
    def __init__(self):
        super().__init__(log="-request,-reply,-truncated,-error,-recv,-send,-data", prefix=False)


def start(propagation: Propagation, port: int = 0, host: str = "127.0.0.1") -> tuple[list, int]:
    """A UDP and a TCP DNS server on `host`:`port` (0: a free port, the same for both); returns them and the port."""
    resolver = ZoneResolver(propagation)
    for _ in range(20):
        chosen = port or _free_udp_port(host)
        try:
            udp = DNSServer(resolver, address=host, port=chosen, logger=QuietLogger())
            tcp = DNSServer(resolver, address=host, port=chosen, tcp=True, logger=QuietLogger())
        except OSError:
            if port:
                raise
            continue
        udp.start_thread()
        tcp.start_thread()
        return [udp, tcp], chosen
    raise OSError("no free port for the simulation's DNS server")


def _free_udp_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]

"""A drill's probe: where a client reaching the group's addresses gets, every second, as seen from a server.

Each resource with an address a client uses (the VIP's route, the EIP's association, the secondary IP's ENI,
the DNS name as a resolver answers it, the LB probe port) says where it leads now (its type's `leads_to`).
The samples are judged afterwards against where the group was online (clusters.operation.drills). The node
agent of the other server runs it (`perform` action "probe"), with its own role and from its own network; a
server with no agent has the console stand in, and the evidence says so.
"""

import contextlib
import json
import socket
import time
from functools import cache
from pathlib import Path

import redis
from django.conf import settings

from clusters.configuration.config import Config
from resources.registry import ResourceType
from webui import aws

PROBE_INTERVAL = 1.0  # seconds between samples


def resolver() -> tuple[str, int] | None:
    """The DNS server a client asks: WEBUI_DNS_RESOLVER (host:port), the embedded simulation's own (as of INSYNC),
    or None for the system's resolver."""
    if settings.WEBUI_DNS_RESOLVER:
        host, _, port = settings.WEBUI_DNS_RESOLVER.rpartition(":")
        return host or "127.0.0.1", int(port)
    ids = Path(settings.VAR_DIR) / "awssim.json"
    if settings.AWS_ENDPOINT_URL and ids.exists():
        found = json.loads(ids.read_text()).get("dns") or {}
        if found.get("port"):
            return found.get("host", "127.0.0.1"), int(found["port"])
    return None


class Probe:
    """What `leads_to` hooks use: AWS reads (as the prober), the servers' addresses, a DNS resolver."""

    ANY = "*"  # one address answers for every server (the console stands in for them all)

    def __init__(self, config: Config, listen: dict[str, str], dns: tuple[str, int] | None):
        self.config, self.listen, self.dns = config, listen, dns
        self.server_names = config.server_names

    @staticmethod
    def client(service: str):
        return aws.client(service)

    def server_with(self, resource, name: str, value) -> str | None:
        return next((s for s in self.server_names if resource.value(name, s) == value), None)

    def listen_of(self, server: str) -> str:
        return self.listen.get(server) or settings.WEBUI_NODE_LISTEN

    @staticmethod
    def accepts(address: str, port: int) -> bool:
        with contextlib.suppress(OSError), socket.create_connection((address, port), timeout=0.5):
            return True
        return False

    def resolve(self, name: str) -> list[str]:
        """The A records a client gets for `name` now (none: NXDOMAIN, or no answer)."""
        if self.dns is None:
            with contextlib.suppress(OSError):
                return sorted({a[4][0] for a in socket.getaddrinfo(name, None, socket.AF_INET)})
            return []
        from dnslib import QTYPE, DNSRecord

        try:
            answer = DNSRecord.parse(DNSRecord.question(name, "A").send(*self.dns, timeout=0.5))
        except (OSError, ValueError):
            return []
        return sorted(str(r.rdata) for r in answer.rr if r.rtype == QTYPE.A)


def addressed(config: Config, group: str) -> list:
    """The group's resources a client reaches it through (their types say where they lead)."""
    return [r for r in config.resources_of(group) if type(r.spec).leads_to is not ResourceType.leads_to]


def sample(probe: Probe, resources: list) -> dict:
    """One look: where each address leads, and where the group's addresses lead together (None if they part)."""
    seen, where = {}, set()
    for resource in resources:
        try:
            server, detail = resource.spec.leads_to(resource, probe)
        except aws.AWS_ERRORS as exc:
            server, detail = None, f"not read: {aws.error_message(exc)}"
        seen[resource.name] = detail
        where.add(server)
    leads_to = where.pop() if len(where) == 1 else None
    return {"leads_to": leads_to, "seen": seen}


def watch(probe: Probe, resources: list, *, seconds: float, should_stop, on_sample=None) -> list[dict]:
    """A sample every second (`at`: Unix time) until told to stop or `seconds` pass; each also to `on_sample`."""
    samples, started = [], time.time()
    while True:
        now = time.time()
        samples.append({"at": round(now, 3), **sample(probe, resources)})
        if on_sample is not None:
            on_sample(samples[-1])
        if should_stop() or now - started > seconds:
            return samples
        time.sleep(max(0.0, PROBE_INTERVAL - (time.time() - now)))


# --- on a node agent ------------------------------------------------------------------------------------


@cache
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=5)


def _key(drill: str, what: str) -> str:
    return f"webui:drill:{drill}:{what}"


def stop(drill: str) -> None:
    """Tell the agent probing for `drill` to stop (it looks every second)."""
    _redis(settings.CELERY_BROKER_URL).set(_key(drill, "stop"), 1, ex=3600)


def latest(drill: str) -> dict | None:
    """The agent's last sample so far (it keeps them in Redis as it goes), or None."""
    found = _redis(settings.CELERY_BROKER_URL).lindex(_key(drill, "samples"), -1)
    return json.loads(found) if found else None


def serve(payload: dict, config: Config, listen: dict[str, str]) -> dict:
    """The agent's side: probe the group until the console says stop (or the time given runs out)."""
    connection = _redis(settings.CELERY_BROKER_URL)
    kept = _key(payload["drill"], "samples")

    def keep(found: dict) -> None:
        connection.rpush(kept, json.dumps(found))
        connection.expire(kept, 3600)

    samples = watch(
        Probe(config, listen, resolver()),
        addressed(config, payload["group"]),
        seconds=float(payload["seconds"]),
        should_stop=lambda: bool(connection.exists(_key(payload["drill"], "stop"))),
        on_sample=keep,
    )
    return {"ok": True, "samples": samples}

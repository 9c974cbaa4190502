"""A chat tool's webhook, reached without server-side request forgery.

The host is resolved when a destination is saved and again at each sending, and every address it resolves
to is judged: loopback, link-local (the instance metadata address among them), unspecified, multicast,
reserved addresses and the console's own are refused, whatever the spelling (`2130706433`, `0x7f.1`,
`[::1]`, `::ffff:127.0.0.1`, a name resolving to one); other non-public addresses only inside a network that
WEBUI_ALERT_WEBHOOK_NETWORKS lists (a chat server inside the VPC), the console's own only when listed one by
one. The POST then goes to the address that was judged (no second lookup to rebind), through no proxy,
follows no redirect, and ends within the delivery timeout.
"""

import base64
import contextlib
import http.client
import ipaddress
import itertools
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
# The instance metadata service (IPv4 and IPv6), the ECS task metadata and the Amazon Time Sync addresses.
METADATA = {ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "169.254.170.2", "169.254.169.123")}
NAT64 = ipaddress.ip_network("64:ff9b::/96")
OWN_FOR = 60.0  # seconds the console's own addresses are kept before they are read again


class Refused(ValueError):
    """The target may not be reached; the message says why, in words a person can act on."""


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str
    port: int
    path: str  # with its query
    authorization: str  # "Basic ..." from the URL's user:password, or ""
    addresses: tuple[Address, ...]


def _embedded_v4(address: Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (mapped, 6to4, Teredo, NAT64): each is judged too."""
    if address.version == 4:
        return []
    found = [address.ipv4_mapped, address.sixtofour, *(address.teredo or ())]
    if address in NAT64:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return [a for a in found if a is not None]


def _networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(n, strict=False) for n in settings.WEBUI_ALERT_WEBHOOK_NETWORKS]


_own: tuple[float, frozenset] = (0.0, frozenset())


def own_addresses() -> frozenset:
    """The console host's addresses: its interfaces', its host name's and those of the names it serves."""
    global _own
    if time.monotonic() - _own[0] < OWN_FOR:
        return _own[1]
    found = set()
    trie, inet6 = Path("/proc/net/fib_trie"), Path("/proc/net/if_inet6")
    if trie.exists():  # Linux: every local IPv4 address is a "/32 host LOCAL" leaf
        lines = trie.read_text().splitlines()
        found |= {line.split()[-1] for line, after in itertools.pairwise(lines) if "/32 host LOCAL" in after}
    if inet6.exists():
        found |= {
            ":".join(f[0][i : i + 4] for i in range(0, 32, 4)) for f in map(str.split, inet6.read_text().splitlines())
        }
    for name in {socket.gethostname(), *settings.ALLOWED_HOSTS}:
        if name and "*" not in name and not name.startswith("."):
            try:
                found |= {info[4][0] for info in socket.getaddrinfo(name.strip("[]"), None)}
            except (OSError, UnicodeError):
                continue
    own = frozenset(_normal(ipaddress.ip_address(a.split("%")[0])) for a in found)
    _own = (time.monotonic(), own)
    return own


def _normal(address: Address) -> Address:
    """An IPv4-mapped IPv6 address is the IPv4 address it maps."""
    return address.ipv4_mapped if address.version == 6 and address.ipv4_mapped else address


def refusal(address: Address) -> str:
    """Why the console will not send to this address ("" if it may)."""
    address = _normal(address)
    networks = _networks()
    for each in (address, *_embedded_v4(address)):
        if each in METADATA:
            return "the instance metadata address"
        for test, words in (
            (each.is_unspecified, "an unspecified address"),
            (each.is_multicast, "a multicast address"),
            (each.is_link_local, "a link-local address"),
            (each.is_reserved and not each.is_loopback, "a reserved address"),
        ):
            if test:
                return words
        one_by_one = any(net.num_addresses == 1 and each in net for net in networks)
        if (each.is_loopback or each in own_addresses()) and not one_by_one:
            return "the console's own host (loopback or one of its addresses)"
        if not each.is_global and not any(each in net for net in networks):
            return "a private address (list its network in WEBUI_ALERT_WEBHOOK_NETWORKS to allow it)"
    return ""


def resolve(url: str) -> Target:
    """The URL parsed and its host resolved, every address judged; Refused says why it may not be reached."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Refused("The URL is not valid: enter the webhook's http:// or https:// URL.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("Enter the webhook's http:// or https:// URL.")
    if any(c.isspace() or not c.isprintable() for c in url):
        raise Refused("The URL holds spaces or control characters; enter it as the chat tool gives it.")
    host = parts.hostname
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise Refused(f"The host {host} does not resolve from the console; check its name.") from None
    addresses = tuple(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in found))
    for address in addresses:
        if why := refusal(address):
            raise Refused(
                f"The host {host} resolves to {address}, {why}: alerts are sent to chat tools, not to the console "
                "or the network's internal services."
            )
    credentials = ""
    if parts.username is not None or parts.password is not None:
        pair = f"{unquote(parts.username or '')}:{unquote(parts.password or '')}"
        credentials = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(url, parts.scheme, host, port, path, credentials, addresses)


class _Pinned(http.client.HTTPConnection):
    """Connects to the address that was judged, not to whatever the name resolves to now."""

    def __init__(self, target: Target, address: Address, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((str(self.address), self.port), self.timeout)


class _PinnedTLS(_Pinned):
    def connect(self):
        super().connect()
        self.sock = ssl.create_default_context().wrap_socket(self.sock, server_hostname=self.host)


def post_json(url: str, body: bytes, *, timeout: float) -> None:
    """POST the JSON body to the webhook, resolved and judged now; raises OSError or Refused on failure."""
    target = resolve(url)
    last: Exception | None = None
    deadline = time.monotonic() + timeout
    for address in target.addresses:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        connection = (_PinnedTLS if target.scheme == "https" else _Pinned)(target, address, left)
        # The whole exchange ends by the deadline, however slowly the other side answers.
        stop = threading.Timer(left, _abort, [connection])
        stop.start()
        try:
            headers = {"Content-Type": "application/json", "User-Agent": "Cluster-WebUI-Alert-Service"}
            if target.authorization:
                headers["Authorization"] = target.authorization
            connection.request("POST", target.path, body=body, headers=headers)
            status = connection.getresponse().status
        except (OSError, http.client.HTTPException) as exc:
            last = exc
            continue
        finally:
            stop.cancel()
            connection.close()
        if 300 <= status < 400:
            raise OSError(f"the webhook answered HTTP {status}, a redirect, which the Alert Service does not follow")
        if status >= 300:
            raise OSError(f"the webhook answered HTTP {status}")
        return
    if time.monotonic() >= deadline:
        raise TimeoutError(f"no answer within {timeout:g} s")
    if isinstance(last, http.client.HTTPException):
        raise OSError(f"the webhook's answer was not HTTP ({type(last).__name__})")
    raise last or TimeoutError(f"no answer within {timeout:g} s")


def _abort(connection: http.client.HTTPConnection) -> None:
    """Unblock a connection's read from another thread (closing alone does not wake a blocked recv)."""
    with contextlib.suppress(OSError, AttributeError):
        connection.sock.shutdown(socket.SHUT_RDWR)

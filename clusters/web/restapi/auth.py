"""Who calls, and for which cluster: HTTP Basic with a console user. The product serves one cluster per address;
here the user name names the cluster, `USER@CLUSTER` (plain `USER` when the console manages one cluster).

- A browser cannot be made to call it from another site: NEC's clients send neither `Origin` nor
  `Sec-Fetch-Site`; a request whose headers name another site is refused (a browser may have Basic credentials
  cached for this console, and this API takes no CSRF token).
- A password hash costs tens of milliseconds by design: a client polling every second would pay it on every
  request. Accepted credentials are remembered for CACHE_SECONDS, per client address, under a keyed hash of
  the address, user name and password (never the password itself), and only while the user's password hash is
  the one they were checked against: a changed password drops them.
- Wrong passwords count towards the sign-in lock-out (django-axes, per user name and client address, the client's
  address behind a proxy too); a locked-out client gets the product's JSON shape, never the sign-in page.
"""

import base64
import binascii
import hashlib
import hmac
from urllib.parse import urlsplit

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.core.cache import cache

from clusters.models import Cluster
from clusters.web.restapi.answers import AUTH_FAILED, CROSS_SITE, LOCKED_OUT, NOT_APPLIED, NOT_FOUND, Refused

CACHE_SECONDS = 60
ASK = "Authentication is required: HTTP Basic with a console user as USER@CLUSTER."


def refuse_cross_site(request) -> None:
    """Refuse a request a browser sent from a page of another site."""
    if request.headers.get("Sec-Fetch-Site", "") == "cross-site":
        raise Refused(CROSS_SITE, "A page of another site cannot call this API (Sec-Fetch-Site: cross-site).", 403)
    origin = request.headers.get("Origin")
    if origin is None:
        return
    own = {f"{request.scheme}://{request.get_host()}", *settings.CSRF_TRUSTED_ORIGINS}
    parts = urlsplit(origin)
    if origin == "null" or f"{parts.scheme}://{parts.netloc}" not in own:
        raise Refused(
            CROSS_SITE,
            f"A page of another site ({origin}) cannot call this API; call it from a script or the console's host.",
            403,
        )


def _credentials(request) -> tuple[str, str]:
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        raise Refused(AUTH_FAILED, ASK, 401)
    try:
        login, sep, password = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise Refused(AUTH_FAILED, ASK, 401) from None
    if not sep or not login:
        raise Refused(AUTH_FAILED, ASK, 401)
    return login, password


def _keyed(*parts: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), "\0".join(parts).encode(), hashlib.sha256).hexdigest()


def _locked_out(name: str) -> Refused:
    minutes = settings.AXES_COOLOFF_TIME * 60
    return Refused(
        LOCKED_OUT,
        f"Too many wrong passwords for {name} from this address: it is refused for {minutes:.0f} minutes, "
        "the right password included. Wait, or ask an Administrator to reset the lock-out (Django admin, Axes).",
        429,
        {"Retry-After": str(int(minutes * 60))},
    )


def user_for(request, name: str, password: str):
    """The active user these credentials name (checked at most once per CACHE_SECONDS per client), or Refused."""
    address = get_client_ip_address(request) or ""
    key = "restapi:basic:" + _keyed(address, name, password)
    found = cache.get(key)
    if found is not None:
        user = get_user_model().objects.filter(pk=found[0], is_active=True).first()
        if user is not None and user.get_username() == name and _keyed(user.password) == found[1]:
            if not AxesProxyHandler.is_allowed(request, {"username": name}):
                raise _locked_out(name)
            return user
        cache.delete(key)  # the password (or the user) changed: check again
    user = authenticate(request, username=name, password=password)
    if user is None:
        if getattr(request, "axes_locked_out", False) or not AxesProxyHandler.is_allowed(request, {"username": name}):
            request.axes_locked_out = False  # answered here in the product's shape, not as the sign-in page
            raise _locked_out(name)
        raise Refused(AUTH_FAILED, "Authentication failed: check the user name and password (USER@CLUSTER).", 401)
    cache.set(key, (user.pk, _keyed(user.password)), CACHE_SECONDS)
    return user


def client(request):
    """(user, cluster) of a request (refuse_cross_site passed first), or Refused."""
    login, password = _credentials(request)
    name, _, cluster_name = login.rpartition("@") if "@" in login else (login, "", "")
    user = user_for(request, name, password)
    if not cluster_name:
        clusters = list(Cluster.objects.all()[:2])
        if len(clusters) != 1:
            raise Refused(NOT_APPLIED, "This console manages several clusters: name one as USER@CLUSTER.", 400)
        return user, clusters[0]
    cluster = Cluster.objects.filter(name=cluster_name).first()
    if cluster is None:
        raise Refused(NOT_FOUND, f"There is no cluster named {cluster_name}.", 404)
    return user, cluster

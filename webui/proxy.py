"""The client's address behind a reverse proxy (DJANGO_BEHIND_PROXY=1): the sign-in lock-out keys on it.

A proxy appends the address it saw to X-Forwarded-For; with WEBUI_PROXY_COUNT trusted proxies in a row (an ALB:
1), the client is that many entries from the right. Entries further left are whatever the client sent, so they
are never believed. Without the header (a health check from the proxy itself), the peer's address.
"""

from django.conf import settings


def client_address(request) -> str | None:
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if len(forwarded) >= settings.WEBUI_PROXY_COUNT:
        return forwarded[-settings.WEBUI_PROXY_COUNT]
    return request.META.get("REMOTE_ADDR")

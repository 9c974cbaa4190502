"""API tokens: created and revoked by their user in the console; a script sends one as `Authorization: Bearer`.

The token is shown once, at creation; only its SHA-256 digest is stored, so a database leak gives no
usable token. A token acts with its user's role, and stops working the moment it is revoked.
"""

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

from webui.models import ApiToken
from webui.roles import Role, require_role

PREFIX = "cwui_"
TOUCH_EVERY = timedelta(minutes=1)  # last use is recorded at most this often (a write per request costs)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(*, user, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the secret, which is never shown again."""
    require_role(user, Role.VIEWER)
    name = name.strip()
    if not name:
        raise ValueError("Name: enter what will use the token, e.g. lambda-failover-check.")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name[:60], prefix=secret[: len(PREFIX) + 6], digest=_digest(secret))
    return token, secret


def revoke_token(*, user, token: ApiToken) -> None:
    """Revoke one of the user's own tokens (an Administrator may revoke anyone's)."""
    if token.user_id != user.pk:
        require_role(user, Role.ADMINISTRATOR)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def user_for(secret: str):
    """The active user a token stands for, or None (unknown, revoked, or its user deactivated)."""
    if not secret.startswith(PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(digest=_digest(secret), revoked_at=None).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user

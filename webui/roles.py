"""The three roles of Cluster WebUI and their enforcement.

Administrator: everything. Operator: operation-mode actions, no configuration edits.
Viewer: reference only (the product's "reference-only" login): never a state change.
Roles are Django groups of the same names; a superuser is an Administrator; a user in no
role group gets the least privilege, Viewer.
"""

import enum
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpResponseForbidden


class Role(enum.IntEnum):
    VIEWER = 1
    OPERATOR = 2
    ADMINISTRATOR = 3

    @property
    def label(self) -> str:
        return self.name.capitalize()


ROLE_GROUPS = {role.label: role for role in Role}


def role_of(user) -> Role | None:
    if not getattr(user, "is_authenticated", False):
        return None
    if user.is_superuser:
        return Role.ADMINISTRATOR
    cached = getattr(user, "_webui_role", None)
    if cached is None:
        names = user.groups.values_list("name", flat=True)
        cached = max((ROLE_GROUPS[n] for n in names if n in ROLE_GROUPS), default=Role.VIEWER)
        user._webui_role = cached
    return cached


def require_role(user, role: Role) -> None:
    """Raise PermissionDenied unless `user` holds `role` or a higher one. Services call this too."""
    actual = role_of(user)
    if actual is None or actual < role:
        held = actual.label if actual else "no login"
        raise PermissionDenied(f"This needs the {role.label} role; you are signed in as {held}.")


def role_required(role: Role):
    """View decorator: the same rule as require_role, for views."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            require_role(request.user, role)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


class ReferenceOnlyMiddleware:
    """A Viewer's login is reference only: every state-changing request is refused, whatever the view.

    Per-view checks still apply on top; this is the backstop that no new view can forget.
    Signing out and managing one's own API tokens (which act with the Viewer role) are the POSTs a Viewer may make.
    """

    SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.urls import reverse

        if (
            request.method not in self.SAFE_METHODS
            and role_of(request.user) == Role.VIEWER
            and request.path not in (reverse("logout"), reverse("api_tokens"))
        ):
            return HttpResponseForbidden("Reference-only login: a Viewer cannot change anything.")
        return self.get_response(request)


def acting_user(name: str):
    """An unsaved Administrator that stands for who acts outside a login: the shell (manage.py), the cluster."""
    from django.contrib.auth import get_user_model

    return get_user_model()(username=name, is_superuser=True)

from typing import NamedTuple

from clusters.models import Cluster

from .roles import Role, role_of


class Mode(NamedTuple):
    label: str
    url_name: str  # its page, clusters/<pk>/<key>/


# The toolbar's mode selector, in its order.
MODES = {
    "operation": Mode("Operation Mode", "operation:home"),
    "config": Mode("Config Mode", "config:home"),
    "verification": Mode("Verification Mode", "verification:home"),
}


def console(request):
    """Toolbar data for every page: the cluster selector and the user's role (one query)."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    role = role_of(request.user)
    return {
        "all_clusters": Cluster.objects.only("pk", "name"),
        "modes": MODES,
        "user_role": role,
        "can_operate": role >= Role.OPERATOR,
        "can_configure": role >= Role.ADMINISTRATOR,
    }

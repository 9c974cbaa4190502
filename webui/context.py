from clusters.models import Cluster

from .roles import Role, role_of

MODES = {"operation": "Operation Mode", "config": "Config Mode", "verification": "Verification Mode"}


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

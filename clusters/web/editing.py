"""What the wizard's steps and the object pages share: the one chokepoint of every edit view, input
kept as typed when Back leaves a page that is not valid (PendingInput), and the AWS pick lists."""

from functools import wraps

from django.contrib import messages
from django.shortcuts import redirect

from clusters.aws.account import AwsAccount
from clusters.configuration import services
from clusters.models import PendingInput
from webui.roles import Role, require_role


def config_edit(view):
    """Every edit view: an Administrator, and the draft not being applied (services.require_config_mode)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        require_role(request.user, Role.ADMINISTRATOR)
        try:
            return view(request, *args, **kwargs)
        except services.ConfigLocked as exc:
            messages.error(request, str(exc))
            pk = kwargs.get("pk")
            return redirect("config:home", pk=pk) if pk else redirect("dashboard")

    return wrapper


def neighbours(pages, current):
    """The keys before and after `current` in (key, label) pages: None at either end."""
    keys = [key for key, _ in pages]
    i = keys.index(current)
    return (keys[i - 1] if i else None), (keys[i + 1] if i + 1 < len(keys) else None)


def pending_input(cluster, page, request):
    """The data to bind: this POST, else what Back kept as typed, else nothing (a fresh form)."""
    if request.method == "POST":
        return request.POST
    kept = PendingInput.objects.filter(cluster=cluster, page=page).first()
    return kept.data if kept else None


def keep_as_typed(cluster, page, post):
    """Back from a page that is not valid: its input, shown again with its errors when the user returns."""
    data = {k: v if len(v) > 1 else v[0] for k, v in post.lists() if k not in ("csrfmiddlewaretoken", "action")}
    PendingInput.objects.update_or_create(cluster=cluster, page=page, defaults={"data": data})


def drop_kept(cluster, page):
    """The page saved: what was kept as typed is no longer needed."""
    PendingInput.objects.filter(cluster=cluster, page=page).delete()


def pick_lists(lists):
    """Pick lists read live from the account (one call per kind), and what could not be read."""
    if not lists:
        return {"aws_lists": {}, "aws_errors": []}
    account = AwsAccount()
    return {"aws_lists": {name: account.choices(name) for name in sorted(lists)}, "aws_errors": account.errors}

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_POST

from clusters.models import TaskRun
from clusters.operation.state import at_a_glance
from clusters.runs import taskruns

from . import tokens
from .models import ApiToken
from .roles import Role, role_required


def dashboard(request):
    """Every cluster's status at a glance, the ones in trouble first (a fixed number of queries)."""
    recent_runs = TaskRun.objects.select_related("cluster", "user")[:10]
    return render(request, "dashboard.html", {"clusters": at_a_glance(), "recent_runs": recent_runs})


@login_not_required
def favicon(request):
    """/favicon.ico, which browsers and tools ask for by that name: the console's icon (the pages link it too)."""
    return redirect(static("img/favicon.svg"), permanent=True)


def cluster_home(request, pk):
    """A cluster opens in Operation Mode (the cluster selector's link)."""
    return redirect("operation:home", pk=pk)


@require_POST
@role_required(Role.OPERATOR)
def check_aws_connection(request):
    try:
        run = taskruns.start_run(kind="aws_connection", user=request.user)
    except taskruns.ClusterBusy as exc:
        messages.error(request, str(exc))
        return redirect("dashboard")
    return redirect("runs:detail", pk=run.pk)


def api_tokens(request):
    """API tokens: each user creates tokens for their scripts (shown once) and revokes them."""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            token = ApiToken.objects.filter(pk=request.POST.get("token")).first()
            if token is None:
                messages.error(request, "That token does not exist (any more).")
            else:
                tokens.revoke_token(user=request.user, token=token)
                messages.success(request, f"Token {token} is revoked: requests that send it are refused from now on.")
            return redirect("api_tokens")
        try:
            _, secret = tokens.create_token(user=request.user, name=request.POST.get("name", ""))
        except ValueError as exc:
            messages.error(request, str(exc))
        else:
            request.session["new_api_token"] = secret  # shown by the next page only: a reload shows it no more
        return redirect("api_tokens")
    context = {
        "tokens": ApiToken.objects.filter(user=request.user),
        "new_secret": request.session.pop("new_api_token", ""),
    }
    return render(request, "api_tokens.html", context)

"""The console's URLs: its own frame here (sign-in, dashboard, the toolbar's links), and each part of the web
layer from its own module and namespace (clusters/web/urls/): `wizard:`, `objects:`, `config:`, `operation:`,
`verification:`, `runs:`, `restapi:` (EXPRESSCLUSTER's RESTful API), and `webui-api:` (the console's own API).
"""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from clusters.web.api import api

from . import views


def authenticated_by_the_api(urls):
    """The API authenticates each request itself (a token, or the session with its CSRF header)."""
    for pattern in urls[0]:
        pattern.callback.login_required = False  # as django.contrib.auth.decorators.login_not_required marks it
    return urls


urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # What browsers and tools ask for by this name (the pages link the same picture).
    path("favicon.ico", views.favicon),
    path("", views.dashboard, name="dashboard"),
    path("aws/check/", views.check_aws_connection, name="check_aws_connection"),
    path("account/tokens/", views.api_tokens, name="api_tokens"),
    path("clusters/<int:pk>/", views.cluster_home, name="cluster_home"),
    path("", include("clusters.web.urls.wizard")),
    path("", include("clusters.web.urls.objects")),
    path("", include("clusters.web.urls.config")),
    path("", include("clusters.web.urls.operation")),
    path("", include("clusters.web.urls.verification")),
    path("", include("clusters.web.urls.runs")),
    path("", include("clusters.web.urls.failover")),
    # The console's own API (clusters/web/api/), its OpenAPI document and interactive page.
    path("api/webui/v1/", authenticated_by_the_api(api.urls)),
    path("", include("clusters.web.urls.restapi")),
    path("admin/", admin.site.urls),
]

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from clusters.web import object_views as objects
from clusters.web import operation_views as operation
from clusters.web import restapi
from clusters.web import views as cluster_views
from clusters.web import wizard_views as wizard
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
    path("", views.dashboard, name="dashboard"),
    path("aws/check/", views.check_aws_connection, name="check_aws_connection"),
    path("runs/<int:pk>/", cluster_views.run_detail, name="run_detail"),
    path("runs/<int:pk>/progress/", cluster_views.run_progress, name="run_progress"),
    path("runs/<int:pk>/retry/", cluster_views.run_retry, name="run_retry"),
    path("clusters/<int:pk>/", cluster_views.cluster_home, name="cluster_home"),
    path("clusters/import/", cluster_views.import_setting, name="import_setting"),
    path("wizard/", wizard.wizard_start, name="wizard_start"),
    path("clusters/<int:pk>/wizard/<slug:step>/", wizard.wizard_step, name="wizard_step"),
    path("clusters/<int:pk>/servers/add/", wizard.server_add, name="server_add"),
    path("clusters/<int:pk>/heartbeats/add/<slug:kind>/", wizard.heartbeat_add, name="heartbeat_add"),
    path("clusters/<int:pk>/groups/add/", objects.group_add, name="group_add"),
    path("clusters/<int:pk>/groups/<int:oid>/<slug:page>/", objects.object_page, {"kind": "group"}, name="group_page"),
    path("clusters/<int:pk>/groups/<int:gid>/resources/add/", objects.resource_add, name="resource_add"),
    path(
        "clusters/<int:pk>/resources/<int:oid>/<slug:page>/",
        objects.object_page,
        {"kind": "resource"},
        name="resource_page",
    ),
    path("clusters/<int:pk>/monitors/add/", objects.monitor_add, name="monitor_add"),
    path(
        "clusters/<int:pk>/monitors/<int:oid>/<slug:page>/",
        objects.object_page,
        {"kind": "monitor"},
        name="monitor_page",
    ),
    path("clusters/<int:pk>/remove/<slug:kind>/<int:oid>/", objects.remove, name="remove"),
    path("clusters/<int:pk>/config/export/", cluster_views.export_setting, name="export_setting"),
    path("clusters/<int:pk>/config/part/<slug:part>/", cluster_views.config_part, name="config_part"),
    path("clusters/<int:pk>/config/import/", cluster_views.import_setting, name="import_setting_into"),
    path("clusters/<int:pk>/config/move-to-aws/", cluster_views.move_to_aws, name="move_to_aws"),
    path("clusters/<int:pk>/config/check-aws/", cluster_views.check_aws, name="check_aws"),
    path("clusters/<int:pk>/config/iam-policy/", cluster_views.iam_policy, name="iam_policy"),
    path("clusters/<int:pk>/config/history/", cluster_views.cluster_history, name="cluster_history"),
    path("clusters/<int:pk>/config/history/compare/", cluster_views.history_compare, name="history_compare"),
    path(
        "clusters/<int:pk>/config/history/<int:number>/restore/", cluster_views.history_restore, name="history_restore"
    ),
    path("clusters/<int:pk>/config/apply/", operation.apply_configuration, name="apply_configuration"),
    path("clusters/<int:pk>/operation/alerts/", cluster_views.alert_log, name="alert_log"),
    path("clusters/<int:pk>/operation/alert-service/", cluster_views.alert_service, name="alert_service"),
    path("clusters/<int:pk>/operation/status/", operation.operation_status, name="operation_status"),
    path("clusters/<int:pk>/operation/list/<slug:kind>/", operation.operation_objects, name="operation_objects"),
    path("clusters/<int:pk>/operation/run/", operation.operate, name="operate"),
    path("clusters/<int:pk>/operation/monitors/", operation.monitor_control, name="monitor_control"),
    path("clusters/<int:pk>/<slug:mode>/", cluster_views.cluster_mode, name="cluster_mode"),
    path("account/tokens/", views.api_tokens, name="api_tokens"),
    # The console's own API (clusters/web/api.py), its OpenAPI document and interactive page.
    path("api/webui/v1/", authenticated_by_the_api(api.urls)),
    # EXPRESSCLUSTER's RESTful API (read side): Basic authentication, USER@CLUSTER (clusters/web/restapi.py)
    path("api/v1/cluster", restapi.cluster, name="api_cluster"),
    path("api/v1/servers", restapi.servers, name="api_servers"),
    path("api/v1/groups", restapi.groups, name="api_groups"),
    path("api/v1/groups/<str:name>", restapi.groups, name="api_group"),
    path("api/v1/resources", restapi.resources, name="api_resources"),
    path("api/v1/resources/<str:name>", restapi.resources, name="api_resource"),
    path("api/v1/monitors", restapi.monitors, name="api_monitors"),
    path("api/v1/<str:kind>/<str:name>/<str:action>", restapi.operate, name="api_operate"),
    path("api/v1/cluster/<str:action>", restapi.operate, {"kind": "cluster"}, name="api_cluster_operate"),
    path("admin/", admin.site.urls),
]

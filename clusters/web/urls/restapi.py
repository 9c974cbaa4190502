"""EXPRESSCLUSTER's RESTful API (clusters/web/restapi/): the product's own paths, which NEC's clients call as
written; HTTP Basic authentication with USER@CLUSTER. Any other path under api/v1/ answers the product's JSON."""

from django.urls import path, re_path

from clusters.web.restapi import operations as do
from clusters.web.restapi import reads as read
from clusters.web.restapi.base import by_method, unknown

V1 = "api/v1/"
CLUSTER = "start|stop|reboot|shutdown|suspend|resume"


app_name = "restapi"
urlpatterns = [
    path(f"{V1}cluster", read.cluster, name="cluster"),
    path(f"{V1}cluster/toratio", read.toratio, name="toratio"),
    path(f"{V1}cluster/toratio/set", do.toratio_set, name="toratio_set"),
    path(f"{V1}cluster/toratio/reset", do.toratio_reset, name="toratio_reset"),
    re_path(rf"^{V1}cluster/(?P<action>{CLUSTER})$", do.cluster, name="cluster_operate"),
    path(f"{V1}servers", read.servers, name="servers"),
    path(f"{V1}servers/<str:name>", read.servers, name="server"),
    re_path(rf"^{V1}servers/(?P<name>[^/]+)/(?P<action>start|stop|reboot|shutdown)$", do.server, name="server_operate"),
    re_path(
        rf"^{V1}servers/(?P<name>[^/]+)/dummy-failure/(?P<action>start|stop)$",
        do.server_dummy_failure,
        name="server_dummy_failure",
    ),
    path(f"{V1}groups", read.groups, name="groups"),
    re_path(  # a POST for every group on a server; a GET of a group named so
        rf"^{V1}groups/(?P<name>start|stop)$", by_method(get=read.groups, post=do.every_group), name="groups_operate"
    ),
    path(f"{V1}groups/<str:name>", read.groups, name="group"),
    re_path(rf"^{V1}groups/(?P<name>[^/]+)/(?P<action>start|stop|move)$", do.group, name="group_operate"),
    path(f"{V1}resources", read.resources, name="resources"),
    path(f"{V1}resources/<str:name>", read.resources, name="resource"),
    re_path(rf"^{V1}resources/(?P<name>[^/]+)/(?P<action>start|stop)$", do.resource, name="resource_operate"),
    path(f"{V1}monitors", read.monitors, name="monitors"),
    path(f"{V1}monitors/<str:name>", read.monitors, name="monitor"),
    re_path(
        rf"^{V1}monitors/(?P<name>[^/]+)/(?P<action>suspend|resume|dummy-failure/start|dummy-failure/stop)$",
        do.monitor,
        name="monitor_operate",
    ),
    path(f"{V1}scripts/run", do.run_script, name="scripts_run"),
    path(f"{V1}metrics/groups/uptime", read.uptime, name="uptime"),
    path(f"{V1}metrics/groups/<str:name>/uptime", read.uptime, name="group_uptime"),
    path(f"{V1}metrics/config/last-applied-date", read.last_applied, name="last_applied"),
    re_path(rf"^{V1}mirrors/(?P<what>backup|restore)/status$", do.mirror_status, name="mirror_status"),
    re_path(
        rf"^{V1}mirrors/(?P<what>backup|restore)/(?P<step>preaction|postaction)$",
        do.mirror_action,
        name="mirror_action",
    ),
    re_path(rf"^{V1}(?P<rest>.*)$", unknown, name="unknown"),
]

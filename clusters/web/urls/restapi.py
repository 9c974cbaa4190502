"""EXPRESSCLUSTER's RESTful API (clusters/web/restapi.py): the product's own paths, which its clients call as
written; HTTP Basic authentication with USER@CLUSTER."""

from django.urls import path

from clusters.web import restapi as views

app_name = "restapi"
urlpatterns = [
    path("api/v1/cluster", views.cluster, name="cluster"),
    path("api/v1/servers", views.servers, name="servers"),
    path("api/v1/groups", views.groups, name="groups"),
    path("api/v1/groups/<str:name>", views.groups, name="group"),
    path("api/v1/resources", views.resources, name="resources"),
    path("api/v1/resources/<str:name>", views.resources, name="resource"),
    path("api/v1/monitors", views.monitors, name="monitors"),
    path("api/v1/<str:kind>/<str:name>/<str:action>", views.operate, name="operate"),
    path("api/v1/cluster/<str:action>", views.operate, {"kind": "cluster"}, name="cluster_operate"),
]

"""The pages of a failover group, a group resource and a monitor resource (`objects:group` with the page's
key, ...), adding each, and removing anything."""

from django.urls import path

from clusters.web import object_views as views

app_name = "objects"
urlpatterns = [
    path("clusters/<int:pk>/groups/add/", views.group_add, name="group_add"),
    path("clusters/<int:pk>/groups/<int:oid>/<slug:page>/", views.object_page, {"kind": "group"}, name="group"),
    path("clusters/<int:pk>/groups/<int:gid>/resources/add/", views.resource_add, name="resource_add"),
    path(
        "clusters/<int:pk>/resources/<int:oid>/<slug:page>/",
        views.object_page,
        {"kind": "resource"},
        name="resource",
    ),
    path("clusters/<int:pk>/monitors/add/", views.monitor_add, name="monitor_add"),
    path("clusters/<int:pk>/monitors/<int:oid>/<slug:page>/", views.object_page, {"kind": "monitor"}, name="monitor"),
    path("clusters/<int:pk>/remove/<slug:kind>/<int:oid>/", views.remove, name="remove"),
]

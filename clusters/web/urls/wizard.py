"""The cluster generation wizard's steps: `wizard:step` with the step's key (cluster, servers, ...)."""

from django.urls import path

from clusters.web import wizard_views as views

app_name = "wizard"
urlpatterns = [
    path("wizard/", views.wizard_start, name="start"),
    path("clusters/<int:pk>/wizard/abandon/", views.wizard_abandon, name="abandon"),
    path("clusters/<int:pk>/wizard/<slug:step>/", views.wizard_step, name="step"),
    path("clusters/<int:pk>/servers/add/", views.server_add, name="server_add"),
    path("clusters/<int:pk>/heartbeats/add/<slug:kind>/", views.heartbeat_add, name="heartbeat_add"),
]

"""Failover you can prove (`failover:config`, `failover:operation`): the worst case, the rehearsal, drills and
their evidence, the game day's FIS template."""

from django.urls import path

from clusters.web import failover_views as views

app_name = "failover"
urlpatterns = [
    path("clusters/<int:pk>/config/failover/", views.failover_page, {"mode": "config"}, name="config"),
    path("clusters/<int:pk>/operation/failover/", views.failover_page, {"mode": "operation"}, name="operation"),
    path("clusters/<int:pk>/failover/rehearse/", views.rehearse, name="rehearse"),
    path("clusters/<int:pk>/failover/drills/start/", views.start_drill, name="start_drill"),
    path("clusters/<int:pk>/failover/drills/<int:drill>/", views.drill_report, name="drill"),
    path("clusters/<int:pk>/failover/schedules/add/", views.add_schedule, name="add_schedule"),
    path("clusters/<int:pk>/failover/schedules/<int:sid>/remove/", views.remove_schedule, name="remove_schedule"),
    path("clusters/<int:pk>/failover/fis-template/", views.fis_template, name="fis_template"),
]

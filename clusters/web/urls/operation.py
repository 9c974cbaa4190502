"""Operation mode (`operation:home`): the live status, the operations, monitors, the alert log and the
Alert Service."""

from django.urls import path

from clusters.web import operation_views as views

app_name = "operation"
urlpatterns = [
    path("clusters/<int:pk>/operation/", views.operation_mode, name="home"),
    path("clusters/<int:pk>/operation/status/", views.operation_status, name="status"),
    path("clusters/<int:pk>/operation/list/<slug:kind>/", views.operation_objects, name="objects"),
    path("clusters/<int:pk>/operation/run/", views.operate, name="operate"),
    path("clusters/<int:pk>/operation/monitors/", views.monitor_control, name="monitor_control"),
    path("clusters/<int:pk>/operation/alerts/", views.alert_log, name="alerts"),
    path("clusters/<int:pk>/operation/alert-service/", views.alert_service, name="alert_service"),
]

"""Verification mode (`verification:home`); its dummy failures are set through `operation:monitor_control`."""

from django.urls import path

from clusters.web import operation_views as views

app_name = "verification"
urlpatterns = [
    path("clusters/<int:pk>/verification/", views.verification_mode, name="home"),
]

"""A run's page (`runs:detail`), its live progress and Retry."""

from django.urls import path

from clusters.web import run_views as views

app_name = "runs"
urlpatterns = [
    path("runs/<int:pk>/", views.run_detail, name="detail"),
    path("runs/<int:pk>/progress/", views.run_progress, name="progress"),
    path("runs/<int:pk>/retry/", views.run_retry, name="retry"),
]

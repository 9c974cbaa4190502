"""Config mode (`config:home`) and its menus: File, Check AWS, IAM policy, Configuration History, Cluster scripts."""

from django.urls import path

from clusters.web import config_views as views
from clusters.web import script_views

app_name = "config"
urlpatterns = [
    path("clusters/<int:pk>/config/", views.config_mode, name="home"),
    path("clusters/<int:pk>/config/part/<slug:part>/", views.config_part, name="part"),
    path("clusters/import/", views.import_setting, name="import"),  # as a new cluster
    path("clusters/<int:pk>/config/import/", views.import_setting, name="import_into"),
    path("clusters/<int:pk>/config/export/", views.export_setting, name="export"),
    path("clusters/<int:pk>/config/move-to-aws/", views.move_to_aws, name="move_to_aws"),
    path("clusters/<int:pk>/config/check-aws/", views.check_aws, name="check_aws"),
    path("clusters/<int:pk>/config/iam-policy/", views.iam_policy, name="iam_policy"),
    path("clusters/<int:pk>/config/history/", views.cluster_history, name="history"),
    path("clusters/<int:pk>/config/history/compare/", views.history_compare, name="history_compare"),
    path("clusters/<int:pk>/config/history/<int:number>/restore/", views.history_restore, name="history_restore"),
    path("clusters/<int:pk>/config/apply/", views.apply_configuration, name="apply"),
    path("clusters/<int:pk>/config/delete/", views.delete_cluster, name="delete"),
    path("clusters/<int:pk>/config/scripts/", script_views.cluster_scripts, name="scripts"),
    path("clusters/<int:pk>/config/scripts/add/", script_views.script_add, name="script_add"),
    path("clusters/<int:pk>/config/scripts/<str:name>/remove/", script_views.script_remove, name="script_remove"),
]

from django.apps import AppConfig


class ClustersConfig(AppConfig):
    name = "clusters"
    verbose_name = "Clusters"

    def ready(self):
        from . import operations, server_operations, taskruns  # noqa: F401  (they register task kinds)

from django.apps import AppConfig


class ClustersConfig(AppConfig):
    name = "clusters"
    verbose_name = "Clusters"

    def ready(self):
        # Importing them registers their task kinds.
        from clusters.operation import apply, bulk, drills, operations, recovery, rehearsal, servers  # noqa: F401
        from clusters.runs import taskruns  # noqa: F401

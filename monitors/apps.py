from django.apps import AppConfig


class MonitorsConfig(AppConfig):
    name = "monitors"
    verbose_name = "Monitor resources"

    def ready(self):
        from . import engine  # noqa: F401  (registers the recovery and forced-stop task kinds)

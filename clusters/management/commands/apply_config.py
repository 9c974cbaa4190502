from django.core.management.base import BaseCommand

from ._runs import cluster_named, run_and_wait


class Command(BaseCommand):
    help = "Apply the Configuration File: validate, check AWS, store and distribute (the same run as the button)."

    def add_arguments(self, parser):
        parser.add_argument("cluster")
        parser.add_argument("--timeout", type=float, default=300)

    def handle(self, *args, cluster, timeout, **options):
        run_and_wait(self, kind="apply", cluster=cluster_named(cluster), timeout=timeout)

from django.core.management.base import BaseCommand

from ._runs import cluster_named, run_and_wait


class Command(BaseCommand):
    help = "Start (-s) or stop (-t) the cluster, as the product's clpcl does."

    def add_arguments(self, parser):
        parser.add_argument("cluster")
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("-s", dest="action", action="store_const", const="cluster_start", help="start")
        action.add_argument("-t", dest="action", action="store_const", const="cluster_stop", help="stop")
        parser.add_argument("--timeout", type=float, default=300)

    def handle(self, *args, cluster, action, timeout, **options):
        run_and_wait(self, kind=action, cluster=cluster_named(cluster), timeout=timeout)

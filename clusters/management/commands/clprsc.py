from ._runs import ProductCommand, cluster_named, run_and_wait


class Command(ProductCommand):
    help = "Start (-s) or stop (-t) one group resource without its group, as the product's clprsc does."

    def add_arguments(self, parser):
        parser.add_argument("cluster")
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("-s", dest="start", metavar="RESOURCE")
        action.add_argument("-t", dest="stop", metavar="RESOURCE")
        parser.add_argument("-h", dest="server", metavar="SERVER", help="where to start it when its group is offline")
        parser.add_argument("--timeout", type=float, default=300)

    def handle(self, *args, cluster, start, stop, server, timeout, **options):
        kind, resource = ("resource_start", start) if start else ("resource_stop", stop)
        params = {"resource": resource} | ({"server": server} if server else {})
        run_and_wait(self, kind=kind, cluster=cluster_named(cluster), params=params, timeout=timeout)

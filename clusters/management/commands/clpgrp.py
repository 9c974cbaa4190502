from ._runs import ProductCommand, cluster_named, run_and_wait


class Command(ProductCommand):
    help = "Start (-s), stop (-t) or move (-m) a group, optionally to server -h, as the product's clpgrp does."

    def add_arguments(self, parser):
        parser.add_argument("cluster")
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("-s", dest="start", metavar="GROUP")
        action.add_argument("-t", dest="stop", metavar="GROUP")
        action.add_argument("-m", dest="move", metavar="GROUP")
        parser.add_argument("-h", dest="server", metavar="SERVER", help="the server to start or move the group on")
        parser.add_argument("--timeout", type=float, default=300)

    def handle(self, *args, cluster, start, stop, move, server, timeout, **options):
        kind, group = next((k, g) for k, g in (("group_start", start), ("group_stop", stop), ("group_move", move)) if g)
        params = {"group": group} | ({"server": server} if server else {})
        run_and_wait(self, kind=kind, cluster=cluster_named(cluster), params=params, timeout=timeout)

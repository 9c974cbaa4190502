from ._runs import ProductCommand, cluster_named, run_and_wait


class Command(ProductCommand):
    help = (
        "Start (-s) or stop (-t) the cluster, or with -h SERVER the cluster service on that server (its groups "
        "move first); --suspend / --resume the cluster, as the product's clpcl does."
    )

    def add_arguments(self, parser):
        parser.add_argument("cluster")
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("-s", dest="action", action="store_const", const="start", help="start")
        action.add_argument("-t", dest="action", action="store_const", const="stop", help="stop")
        action.add_argument("--suspend", dest="action", action="store_const", const="suspend")
        action.add_argument("--resume", dest="action", action="store_const", const="resume")
        parser.add_argument("-h", dest="server", metavar="SERVER", help="only the cluster service on this server")
        parser.add_argument("--timeout", type=float, default=300)

    def handle(self, *args, cluster, action, server, timeout, **options):
        if server and action in ("start", "stop"):
            kind, params = f"server_{action}", {"server": server}
        else:
            kind, params = f"cluster_{action}", {}
        run_and_wait(self, kind=kind, cluster=cluster_named(cluster), params=params, timeout=timeout)

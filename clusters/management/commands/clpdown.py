from ._runs import ProductCommand, cluster_named, run_and_wait


class Command(ProductCommand):
    help = "Shut a server down (or reboot it with -r) through EC2 once its groups have moved, as clpdown does."

    def add_arguments(self, parser):
        parser.add_argument("cluster")
        parser.add_argument("-h", dest="server", metavar="SERVER", required=True)
        parser.add_argument("-r", dest="reboot", action="store_true", help="reboot instead of shutting down")
        parser.add_argument("--timeout", type=float, default=300)

    def handle(self, *args, cluster, server, reboot, timeout, **options):
        params = {"server": server} | ({"reboot": True} if reboot else {})
        run_and_wait(self, kind="server_shutdown", cluster=cluster_named(cluster), params=params, timeout=timeout)

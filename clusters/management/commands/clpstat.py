import json

from django.core.management.base import CommandError

from clusters.operation import clpstat, productstatus

from ._runs import ProductCommand, cluster_named


class Command(ProductCommand):
    help = (
        "The cluster's status as the product's clpstat prints it: -s (the default) servers with their heartbeats, "
        "groups with their current server and resources, monitors; -g the group map; --json as data."
    )

    def add_arguments(self, parser):
        parser.add_argument("cluster")
        shown = parser.add_mutually_exclusive_group()
        shown.add_argument("-s", dest="show", action="store_const", const="status", help="the cluster status")
        shown.add_argument("-g", dest="show", action="store_const", const="groupmap", help="the group map")
        shown.add_argument("--json", dest="show", action="store_const", const="json", help="the status as JSON")
        parser.add_argument(
            "-h", dest="server", default="", help="the server the status is read as (marked *); the master server"
        )

    def handle(self, *args, cluster, show, server, **options):
        target = cluster_named(cluster)
        snap = productstatus.snapshot(target)
        if snap is None:
            if show == "json":
                self.stdout.write(json.dumps({"cluster": target.name, "status": "not applied"}, indent=2))
                return
            raise CommandError(f"Cluster {target.name} has no applied configuration: Apply the Configuration File.")
        if server and server not in snap.config.server_names:
            raise CommandError(f"There is no server {server}; one of {', '.join(snap.config.server_names)}.")
        if show == "json":
            self.stdout.write(json.dumps(clpstat.report(snap), indent=2))
        elif show == "groupmap":
            self.stdout.write(clpstat.group_map(snap, local=server), ending="")
        else:
            self.stdout.write(clpstat.cluster_status(snap, local=server), ending="")

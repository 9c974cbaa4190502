"""`manage.py node_agent CLUSTER SERVER`: the node agent of one cluster server (clusters/node/agent.py).

Run it on the server itself, as a systemd unit on Linux or a Windows service on Windows (README,
"Running on AWS"), with the console's DATABASE_URL and REDIS_URL and the instance's own AWS role.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from clusters.node import agent
from clusters.operation.state import applied
from webui import aws

from ._runs import cluster_named


class Command(BaseCommand):
    help = "Run the node agent of SERVER in CLUSTER: its heartbeat, its scripts, services, LB probe port and monitors."

    def add_arguments(self, parser):
        parser.add_argument("cluster")
        parser.add_argument("server")
        parser.add_argument(
            "--listen",
            default="0.0.0.0",  # noqa: S104 - the NLB health-checks the server's address
            help="The address the LB probe port listens on (default: all of the server's addresses).",
        )
        parser.add_argument("--concurrency", type=int, default=4, help="Node-local tasks at once (threads).")
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help="Seconds between heartbeats (default WEBUI_HEARTBEAT_INTERVAL).",
        )

    def handle(self, *args, cluster, server, listen, concurrency, interval, **options):
        target = cluster_named(cluster)
        _, config = applied(target)
        if config is None:
            raise CommandError(
                f"Cluster {target.name} has no applied configuration: Apply the Configuration File "
                "first, then start its agents."
            )
        if server not in config.server_names:
            raise CommandError(
                f"{server} is not a server of {target.name}; its servers: {', '.join(config.server_names)}."
            )
        if aws.use_embedded_simulation():
            self.stdout.write(f"AWS: no account configured, so the embedded simulation at {settings.AWS_ENDPOINT_URL}.")
        self.stdout.write(
            f"Node agent of {server} in {target.name}: queue node.{target.name}.{server}, LB probe port on {listen}."
        )
        agent.serve(
            target,
            server,
            listen=listen,
            concurrency=concurrency,
            interval=interval or settings.WEBUI_HEARTBEAT_INTERVAL,
        )

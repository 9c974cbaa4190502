import contextlib
import json
import signal
import threading
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from webui import awssim


class Command(BaseCommand):
    help = (
        "Start the embedded AWS simulation (moto's server behind our AWS-like layer, on loopback) seeded with the "
        "guide's reference topology; or create an IAM principal with a policy on a running one (--principal)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=settings.EMBEDDED_AWS_PORT)
        parser.add_argument("--seed-only", action="store_true", help="Seed a server that already runs (--endpoint).")
        parser.add_argument("--endpoint", help="The running server to seed, e.g. http://127.0.0.1:5055")
        parser.add_argument("--ids-file", help="Also write the IDs made, as JSON, to this file.")
        parser.add_argument(
            "--state", help="Keep the simulation's changes in this file and replay them at the next start (same IDs)."
        )
        parser.add_argument(
            "--principal",
            metavar="NAME",
            help="Create an IAM user NAME (or with --role, a role assumed as an instance role) on the running "
            "server at --endpoint, whose only policy is --policy; prints its credentials as JSON.",
        )
        parser.add_argument("--policy", help="The policy document (a JSON file) of --principal.")
        parser.add_argument("--role", action="store_true", help="--principal is a role, as a server's instance role.")

    def handle(self, *args, port, seed_only, endpoint, ids_file, state, principal, policy, role, **options):
        if principal:
            return self.create_principal(principal, policy, role, endpoint)
        if seed_only and not endpoint:
            raise CommandError("--seed-only needs --endpoint URL of the running server.")
        try:
            rules = awssim.load(settings.AWSSIM)
        except awssim.SettingError as exc:
            raise CommandError(str(exc)) from None
        server = None
        try:
            if state and not seed_only:
                server, ids = awssim.start_persistent(port, settings.AWS_REGION, state, rules)
            else:
                if not seed_only:
                    server = awssim.start_server(port, rules=rules)
                    endpoint = server.endpoint
                ids = awssim.seed(endpoint, settings.AWS_REGION)
        except OSError as exc:
            raise CommandError(f"Cannot listen on 127.0.0.1:{port} ({exc.strerror}); pass another --port.") from None
        if server is not None:
            ids["endpoint_url"] = server.endpoint
            ids["dns"] = {"host": server.dns_address[0], "port": server.dns_address[1]}
            ids["mode"] = rules.mode
        text = json.dumps(ids, indent=2)
        if ids_file:  # whole or not at all: `serve` reads it as soon as it exists
            partial = Path(f"{ids_file}.partial")
            partial.write_text(text)
            partial.replace(ids_file)
        self.stdout.write(text)
        if server is None:
            return None
        self.stdout.write(
            f"The embedded AWS simulation serves {server.endpoint} (region {settings.AWS_REGION}, behaving like "
            f"{'an ideal AWS' if rules.ideal else 'AWS'}; its DNS on {server.dns_address[0]}:{server.dns_address[1]})."
            " Ctrl-C stops it."
        )
        self.stdout.flush()
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
        server.stop()
        return None

    def create_principal(self, name, policy, role, endpoint):
        if not endpoint or not policy:
            raise CommandError("--principal needs --endpoint URL of the running simulation and --policy FILE.")
        try:
            document = json.loads(Path(policy).read_text())
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read the policy {policy}: {exc}") from None
        made = awssim.create_principal(endpoint, name, document, role=role, region=settings.AWS_REGION)
        self.stdout.write(json.dumps(made, indent=2))

import contextlib
import json
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from webui import awssim


class Command(BaseCommand):
    help = "Start the embedded AWS simulation (moto's server on loopback) seeded with the guide's reference topology."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=settings.EMBEDDED_AWS_PORT)
        parser.add_argument("--seed-only", action="store_true", help="Seed a server that already runs (--endpoint).")
        parser.add_argument("--endpoint", help="The running server to seed, e.g. http://127.0.0.1:5055")
        parser.add_argument("--ids-file", help="Also write the IDs made, as JSON, to this file.")
        parser.add_argument(
            "--state", help="Keep the simulation's changes in this file and replay them at the next start (same IDs)."
        )

    def handle(self, *args, port, seed_only, endpoint, ids_file, state, **options):
        if seed_only and not endpoint:
            raise CommandError("--seed-only needs --endpoint URL of the running server.")
        server = None
        try:
            if state and not seed_only:
                server, ids = awssim.start_persistent(port, settings.AWS_REGION, state)
                endpoint = f"http://127.0.0.1:{port}"
            else:
                if not seed_only:
                    server = awssim.start_server(port)
                    endpoint = f"http://127.0.0.1:{port}"
                ids = awssim.seed(endpoint, settings.AWS_REGION)
        except OSError as exc:
            raise CommandError(f"Cannot listen on 127.0.0.1:{port} ({exc.strerror}); pass another --port.") from None
        text = json.dumps(ids, indent=2)
        if ids_file:
            with open(ids_file, "w") as fh:
                fh.write(text)
        self.stdout.write(text)
        if server is None:
            return
        self.stdout.write(
            f"The embedded AWS simulation serves {endpoint} (region {settings.AWS_REGION}). Ctrl-C stops it."
        )
        self.stdout.flush()
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
        server.stop()

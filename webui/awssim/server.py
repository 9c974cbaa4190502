"""Running the simulation: moto's dispatcher behind our layer, served threaded on loopback, with its DNS server;
and its persistence across restarts."""

import io
import logging
import threading
from pathlib import Path
from urllib.parse import parse_qs

from webui.awssim import dns
from webui.awssim.layer import Layer
from webui.awssim.rules import Rules
from webui.awssim.topology import seed


class Simulation:
    """One running simulation: `endpoint` (HTTP), `dns_address` (host, port), `layer`; stop() ends it."""

    def __init__(self, port: int, host: str, rules: Rules):
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
        from werkzeug.serving import make_server

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per simulated API call
        self.layer = Layer(DomainDispatcherApplication(create_backend_app), rules)
        self.http = make_server(host, port, self.layer, threaded=True, request_handler=MotoRequestHandler)
        try:
            self.dns_servers, dns_port = dns.start(self.layer.propagation, rules.dns_port, host)
        except OSError:
            self.http.server_close()
            raise
        self.layer.dns_port = dns_port
        self.host, self.port = host, self.http.server_port
        self.endpoint = f"http://{host}:{self.port}"
        self.dns_address = (host, dns_port)
        self.thread = threading.Thread(target=self.http.serve_forever, name="awssim", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.http.shutdown()
        self.http.server_close()
        self.thread.join(10)
        for server in self.dns_servers:
            server.stop()
            server.server.server_close()


def start_server(port: int, host: str = "127.0.0.1", rules: Rules | None = None) -> Simulation:
    """The simulation in this process on loopback, AWS-like unless `rules` say otherwise."""
    return Simulation(port, host, rules or Rules())


# --- persistence across restarts ------------------------------------------------------------------
# moto keeps its state in memory. The simulation survives a restart this way: its random IDs are
# seeded, so seeding the topology again makes the same VPC, ENI, instance and allocation IDs; and
# every change made after seeding (routes replaced, addresses moved, records upserted...) is
# recorded to a file and replayed at the next start. Reads are not recorded, nor heartbeat objects;
# the layer's own answers (throttled, DryRun, denied, PriorRequestNotComplete) never reach moto, so
# they are not recorded either, and the replay passes the layer with no rule (the world as it was).
SIM_RANDOM_SEED = 20261130
READ_ACTIONS = ("Describe", "List", "Get", "Simulate", "Head")


def start_persistent(port: int, region: str, state_file, rules: Rules | None = None) -> tuple[Simulation, dict]:
    """The simulation with the reference topology and every change recorded in `state_file` replayed."""
    from moto.moto_api import recorder
    from moto.moto_api._internal import mock_random

    sim = start_server(port, rules=rules)
    mock_random.seed(SIM_RANDOM_SEED)
    sim.layer.bypass = True
    try:
        ids = seed(sim.endpoint, region)
        state = Path(state_file)
        recorder._location = str(state)
        if state.exists() and state.stat().st_size:
            recorder.replay_recording(target_host=sim.endpoint)
    finally:
        sim.layer.bypass = False
    _record_changes_only(recorder)
    recorder.start_recording()
    return sim, ids


def _record_changes_only(recorder) -> None:
    if getattr(recorder, "_changes_only", False):
        return
    record = recorder._record_request

    def record_change(request, body=None):
        if request.method in ("GET", "HEAD", "OPTIONS") or "/heartbeat/" in request.path:
            return None
        if body is None:
            length = int(request.headers.get("Content-Length") or 0)
            body = request.environ["wsgi.input"].read(length) if length else b""
            request.environ["wsgi.input"] = io.BytesIO(body)
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
        action = (parse_qs(text).get("Action") or [request.args.get("Action", "")])[0]
        if action.startswith(READ_ACTIONS):
            return None
        return record(request, body=body)

    recorder._record_request = record_change
    recorder._changes_only = True

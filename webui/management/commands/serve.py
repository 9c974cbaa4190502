"""`manage.py serve`: everything the console needs, started with one command.

Checks the database, migrates, creates the first administrator, starts a private Redis when
REDIS_URL is unset, starts the embedded AWS simulation when no AWS account is configured, then a
Celery worker, Celery beat and the web server on http://127.0.0.1:8000: gunicorn, a production WSGI
server (static files through whitenoise, access log in var/log/); Django's runserver only with --dev.
Any failure at start is one clear line. Afterwards `serve` supervises: a child that exits is
logged and started again with back-off (1 s doubling to 30 s, reset once it has run a minute), so
the console stays up; the embedded simulation keeps its state across such restarts. With
--agents, it also runs a node agent for each server of each applied cluster (this machine plays
them all, each on a loopback address of its own).
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, close_old_connections, connections
from django.db.utils import OperationalError

from clusters.models import Cluster
from clusters.operation.state import applied
from webui import aws


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _wait_until(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise CommandError(f"{what} did not start within {seconds:.0f} s; see {settings.VAR_DIR / 'log'}.")


BACKOFF_FIRST, BACKOFF_MAX, STABLE_AFTER = 1.0, 30.0, 60.0
AGENTS_SYNC = 5.0  # seconds between looks for clusters applied or removed (serve --agents)


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict
    log: bool
    proc: subprocess.Popen | None = None
    started: float = 0.0
    backoff: float = BACKOFF_FIRST
    restart_at: float | None = None
    restarts: int = field(default=0)


def check_database() -> None:
    try:
        connections["default"].ensure_connection()
    except OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CommandError(
            f"Cannot connect to the database of DATABASE_URL: {reason}. Fix DATABASE_URL or start that database."
        ) from None


def check_redis(url: str) -> None:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
    except (redis.RedisError, ValueError) as exc:
        raise CommandError(
            f"Cannot reach Redis at REDIS_URL={url}: {exc}. "
            "Fix REDIS_URL, start that Redis, or unset REDIS_URL to use a private one."
        ) from None


def check_simulation_settings() -> None:
    """The embedded simulation's WEBUI_AWSSIM_* settings are in range, before anything starts."""
    from webui import awssim

    try:
        awssim.load(settings.AWSSIM)
    except awssim.SettingError as exc:
        raise CommandError(str(exc)) from None


class Command(BaseCommand):
    help = "Run the whole console: database, Redis, AWS simulation, Celery worker and beat, web server."

    def add_arguments(self, parser):
        parser.add_argument("--addrport", default=os.environ.get("WEBUI_ADDRPORT", "127.0.0.1:8000"))
        parser.add_argument("--check", action="store_true", help="Only check the database and Redis, then exit.")
        parser.add_argument("--dev", action="store_true", help="Django's development server instead of gunicorn.")
        parser.add_argument(
            "--agents",
            action="store_true",
            help="Also run a node agent for every server of every applied cluster here, each on a "
            "loopback address of its own: this machine plays all the servers.",
        )
        parser.add_argument(
            "--without-workers",
            action="store_true",
            help="No Celery worker or beat here: they run as their own services "
            "(`celery -A webui worker -B`, on one or more console hosts).",
        )

    def handle(self, *args, addrport, check, dev, without_workers, agents, **options):
        self.children: list[Child] = []
        self.agents: dict[tuple[str, str], Child] | None = {} if agents else None
        self.agents_started = 0
        self.log_dir = Path(settings.VAR_DIR) / "log"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        env = os.environ.copy()
        check_database()
        if "REDIS_URL" in os.environ:
            check_redis(settings.REDIS_URL)
        if check:
            self.stdout.write("Database and Redis are reachable.")
            return
        if not aws.account_configured():
            check_simulation_settings()
        try:
            call_command("migrate", interactive=False, verbosity=0)
            call_command("create_first_admin", stdout=self.stdout)
            if "REDIS_URL" not in os.environ:
                self.start_private_redis()
            if not aws.account_configured():
                env.update(self.start_aws_simulation())
            else:
                self.stdout.write(f"AWS: using the configured account (region {settings.AWS_REGION}).")
            celery = [sys.executable, "-m", "celery", "-A", "webui"]
            # One process, several threads: the work is AWS calls (I/O), and a server without a node agent has its
            # LB probe port's listener in this process, where its deactivation runs.
            if not without_workers:
                self.spawn(
                    "celery worker", [*celery, "worker", "--loglevel=INFO", "--pool=threads", "--concurrency=4"], env
                )
                # The schedule lives in Redis (celery-redbeat): a second console host's beat waits for its lock.
                self.spawn("celery beat", [*celery, "beat", "--loglevel=INFO"], env)
            runserver = [sys.executable, "manage.py", "runserver", addrport, "--noreload"]
            self.spawn("web server", runserver if dev else self.gunicorn(addrport), env, log=dev)
            self.stdout.write(
                self.style.SUCCESS(f"Cluster WebUI serves http://{addrport}/  (logs in {self.log_dir}; Ctrl-C stops)")
            )
            self.supervise(env)
        finally:
            self.stop_all()

    def spawn(self, name: str, argv: list[str], env: dict, log: bool = True) -> subprocess.Popen:
        child = Child(name, argv, env, log)
        self.children.append(child)
        return self._start(child)

    def _start(self, child: Child) -> subprocess.Popen:
        out = open(self.log_dir / f"{child.name.replace(' ', '-')}.log", "ab") if child.log else None  # noqa: SIM115 - the child keeps it
        child.proc = subprocess.Popen(
            child.argv,
            env=child.env,
            stdout=out,
            stderr=subprocess.STDOUT if child.log else None,
            cwd=settings.BASE_DIR,
        )
        child.started, child.restart_at = time.monotonic(), None
        return child.proc

    def gunicorn(self, addrport: str) -> list[str]:
        # Threads, not more processes: a request mostly waits on the database, and 2 cores serve
        # WEB_WORKERS x WEB_THREADS requests at once (the status polls of every open tab among them).
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "webui.wsgi:application",
            "--bind",
            addrport,
            "--workers",
            str(settings.WEB_WORKERS),
            "--threads",
            str(settings.WEB_THREADS),
            "--worker-class",
            "gthread",
            "--timeout",
            "60",
            "--graceful-timeout",
            "10",
            "--access-logfile",
            str(self.log_dir / "access.log"),
            "--error-logfile",
            str(self.log_dir / "web-server.log"),
        ]

    def start_private_redis(self) -> None:
        port = settings.EMBEDDED_REDIS_PORT
        if _port_open(port):
            check_redis(settings.REDIS_URL)  # ours from an earlier run, or another Redis: it must answer
            self.stdout.write(f"Redis: using the one already on 127.0.0.1:{port}.")
            return
        binary = shutil.which("redis-server")
        if not binary:
            raise CommandError(
                "redis-server is not installed: `make run` installs it (apt-get install redis-server), "
                "or set REDIS_URL."
            )
        argv = [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(settings.VAR_DIR),
        ]
        self.spawn("redis", argv, os.environ.copy())
        _wait_until(lambda: _port_open(port), 10, "The private Redis")
        self.stdout.write(f"Redis: private redis-server on 127.0.0.1:{port}.")

    def start_aws_simulation(self) -> dict:
        port = settings.EMBEDDED_AWS_PORT
        ids_file = Path(settings.VAR_DIR) / "awssim.json"
        ids_file.unlink(missing_ok=True)
        sim_env = os.environ.copy() | aws.simulation_env()
        state = Path(settings.VAR_DIR) / "awssim-state.jsonl"  # its changes, replayed at every start
        argv = [sys.executable, "manage.py", "awssim", "--port", str(port), "--ids-file", str(ids_file)]
        self.spawn("aws simulation", [*argv, "--state", str(state)], sim_env)
        _wait_until(ids_file.exists, 60, "The embedded AWS simulation")
        mode = json.loads(ids_file.read_text()).get("mode", "aws")
        self.stdout.write(
            f"AWS: no account configured, so the embedded simulation serves {aws.simulation_endpoint()} with the "
            f"guide's reference topology, behaving like {'an ideal AWS' if mode == 'ideal' else 'AWS'} "
            f"(IDs and its DNS server's address in {ids_file})."
        )
        return sim_env | {"AWS_ENDPOINT_URL": aws.simulation_endpoint()}

    def supervise(self, env: dict) -> None:
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        synced = 0.0
        try:
            while not stopping:
                if self.agents is not None and time.monotonic() - synced > AGENTS_SYNC:
                    self.sync_agents(env)
                    synced = time.monotonic()
                for child in self.children:
                    self._look_after(child)
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass

    def sync_agents(self, env: dict) -> None:
        """An agent for each server of each applied cluster (started as clusters are applied, stopped as they go)."""
        try:
            wanted = [
                (c.name, s)
                for c in Cluster.objects.filter(applied_versions__isnull=False).distinct()
                for s in applied(c)[1].server_names
            ]
        except DatabaseError as exc:  # the next sync tries again
            self.stderr.write(f"Node agents not synced: {exc}")
            return
        finally:
            close_old_connections()
        for key in wanted:
            if key not in self.agents:
                # Loopback, its own: counted over every agent started, so one started after another stopped
                # never takes a running agent's address.
                n, self.agents_started = self.agents_started, self.agents_started + 1
                address = f"127.0.{1 + n // 250}.{1 + n % 250}"
                argv = [sys.executable, "manage.py", "node_agent", *key, "--listen", address]
                self.agents[key] = child = Child(f"node agent {key[0]} {key[1]}", argv, env, True)
                self.children.append(child)
                self._start(child)
                self.stdout.write(f"Node agent of {key[1]} in {key[0]} started (LB probe port on {address}).")
        for key in [k for k in self.agents if k not in wanted]:
            child = self.agents.pop(key)
            self.children.remove(child)
            child.proc.terminate()

    def _look_after(self, child: Child) -> None:
        """Restart a child that exited, after its back-off; a child that ran a minute starts afresh."""
        now = time.monotonic()
        if child.proc.poll() is None:
            if now - child.started > STABLE_AFTER:
                child.backoff = BACKOFF_FIRST
            return
        if child.restart_at is None:
            child.restart_at = now + child.backoff
            self.stderr.write(
                f"{time.strftime('%H:%M:%S')} The {child.name} stopped (exit code {child.proc.returncode}); "
                f"restarting it in {child.backoff:.0f} s (see {self.log_dir})."
            )
            child.backoff = min(child.backoff * 2, BACKOFF_MAX)
        elif now >= child.restart_at:
            child.restarts += 1
            self._start(child)
            self.stdout.write(f"{time.strftime('%H:%M:%S')} The {child.name} was restarted ({child.restarts}).")

    def stop_all(self) -> None:
        procs = [child.proc for child in self.children if child.proc is not None]
        for proc in reversed(procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()

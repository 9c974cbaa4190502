"""The test command runs the suite on several pytest-xdist workers (gw0, gw1, ...) side by side: what a test
binds or writes at a fixed place must be this worker's own. Ports are free ports already; what is left is a
var/ of its own (node scripts, distributed files, the SQLite test database) and, for listeners on a fixed
port (the LB probe port, 12345 in the guide), a loopback network of its own: 127.0.<worker>.x.
Without xdist (and on gw0) everything is where it always was.
"""

import os

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
INDEX = int(WORKER.removeprefix("gw")) if WORKER else 0
SUFFIX = f"-{WORKER}" if WORKER else ""  # for a file of this worker's own under a shared folder


def loopback(host: int) -> str:
    """This worker's loopback address `host` (127.0.0.host without xdist and on gw0)."""
    return f"127.0.{INDEX}.{host}"


def isolate(settings, environ) -> None:
    """Give this worker its own var/ and node listen address, in the settings of this process and in the
    environment its subprocesses (Celery workers, serve, node agents) inherit."""
    from pathlib import Path

    if not WORKER:
        return
    var = Path(settings.VAR_DIR) / "xdist" / WORKER
    var.mkdir(parents=True, exist_ok=True)
    key = var / "secret_key"  # the same key as this process, for the subprocesses that read it from var/
    if not key.exists():
        key.write_text(settings.SECRET_KEY)
        key.chmod(0o600)
    settings.VAR_DIR = var
    environ["WEBUI_VAR_DIR"] = str(var)
    settings.WEBUI_NODE_LISTEN = environ["WEBUI_NODE_LISTEN"] = loopback(1)

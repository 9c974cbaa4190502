"""Node agents: where each cluster server's agent listens (its own Celery queue), and calling it.

The console sends node-local work (a script, a service, the LB probe port, a local monitor) to the
server's queue and waits for the answer through Celery's result store, with a timeout. A message
expires with its timeout, so an agent that comes back later never runs work that was given up on.
"""

import base64
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path, PureWindowsPath

from celery.exceptions import TimeoutError as CeleryTimeout
from django.conf import settings

from webui.celery import app

RUN_TASK = "node.run"  # the one task an agent serves (clusters.tasks.node_run)


class NodeUnreachable(Exception):
    """The server's agent did not answer in time: a server problem, as a lost server is."""


def queue(cluster: str, server: str) -> str:
    return f"node.{cluster}.{server}"


def heartbeat_key(cluster: str, server: str = "") -> str:
    """Where each server's agent writes its object storage heartbeat (one object per server)."""
    return f"clusterwebui/{cluster}/heartbeat/{server}"


def call(cluster: str, server: str, payload: dict, *, timeout: float) -> dict:
    """Run `payload` on the server's agent and return its answer; NodeUnreachable after `timeout` seconds."""
    timeout = max(1.0, float(timeout))
    try:
        result = app.send_task(
            RUN_TASK, args=[payload], queue=queue(cluster, server), expires=timeout, ignore_result=False
        )
    except Exception as exc:  # the broker itself is unreachable: not the server's fault, but no answer either
        raise NodeUnreachable(
            f"The request to the node agent of {server} could not be sent ({type(exc).__name__}: {exc})."
        ) from exc
    try:
        # The console's worker waits for another worker (the agent), never for itself: no deadlock.
        return result.get(timeout=timeout, disable_sync_subtasks=False, propagate=True)
    except CeleryTimeout:
        raise NodeUnreachable(
            f"The node agent of {server} did not answer within {timeout:.0f} s (queue {queue(cluster, server)})."
        ) from None
    finally:
        result.forget()


def call_timeout(seconds: float | None = None) -> float:
    return (seconds or 0) + settings.WEBUI_NODE_CALL_SECONDS


# --- what the agent does on its server ----------------------------------------------------------


def work_dir(*parts: str) -> Path:
    """Where a node keeps what it runs (the scripts of the applied version), under VAR_DIR/node/."""
    folder = Path(settings.VAR_DIR, "node", *parts)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def script_file(path: str, scripts: Mapping, *folder: str) -> tuple[str, Path | None]:
    """The script a parameter names, as (its file name, where it is here or None): the configuration's own
    copy (scripts/ of the export zip) written under work_dir(*folder), else the server's file at that full path."""
    filename = PureWindowsPath(path).name if "\\" in path else Path(path).name
    content = scripts.get(filename)
    if content is not None:
        script = work_dir(*folder) / filename
        script.write_bytes(base64.b64decode(content))
        return filename, script
    if Path(path).is_absolute() and Path(path).is_file():
        return filename, Path(path)
    return filename, None


def run_program(argv: list[str], *, timeout: float, env: dict | None = None, cwd: Path | None = None):
    """Run a program to its end or its timeout: (exit code, last output lines); exit code None on timeout."""
    try:
        done = subprocess.run(
            argv, capture_output=True, timeout=timeout, env=os.environ | (env or {}), cwd=cwd, check=False
        )
    except subprocess.TimeoutExpired as exc:
        return None, _tail(exc.stdout, exc.stderr)
    return done.returncode, _tail(done.stdout, done.stderr)


def _tail(*outputs) -> str:
    text = b"\n".join(o for o in outputs if o).decode("utf-8", "replace").strip()
    return " / ".join(text.splitlines()[-3:])[:300]


def script_argv(path: Path) -> list[str]:
    """How this server runs a script file: .bat through cmd.exe (Windows), .sh through sh (Linux)."""
    if path.suffix.lower() in (".bat", ".cmd"):
        if os.name != "nt":
            raise OSError(
                f"{path.name} is a Windows batch file and this server runs {sys.platform}: "
                "run the node agent on the Windows server."
            )
        return ["cmd.exe", "/c", str(path)]
    return ["/bin/sh", str(path)]

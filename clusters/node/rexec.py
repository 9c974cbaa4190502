"""Running a cluster script on a server (the RESTful API's scripts/run, the product's rexec): the node agent
runs it on its server, or the console's worker stands in for a server with no agent.

The script is the applied configuration's own copy (distributed with Apply), written under the node's work
folder and run there with its timeout; its exit code and last output lines are the answer. With `logdir`, its
whole output is appended to LOGDIR/SCRIPT.log on that server.
"""

import base64
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from webui import nodes

OUTPUT_LINES, OUTPUT_CHARS = 20, 4000  # what the answer carries of the output (the log keeps all of it)


class ScriptRefused(ValueError):
    """What was asked cannot be run here (a log folder outside what this node may write, a batch file on Linux)."""


def log_path(cluster: str, server: str, script: str, logdir: str, *, stand_in: bool) -> Path | None:
    """Where the output goes: LOGDIR/SCRIPT.log. A relative LOGDIR is under the node's work folder; an absolute
    one is taken as is on a server's own agent, and refused when the console stands in (it is not the server)."""
    if not logdir:
        return None
    path = PurePosixPath(logdir.replace("\\", "/"))
    if ".." in path.parts:
        raise ScriptRefused(f"The log folder {logdir!r} goes up with '..'; name a folder without it.")
    if Path(logdir).is_absolute() or path.is_absolute():
        if stand_in:
            raise ScriptRefused(
                f"The log folder {logdir!r} is absolute, but no node agent runs on {server}: the console stands in "
                "and writes only under its own work folder. Give a relative folder, or run the node agent there."
            )
        return Path(logdir) / f"{script}.log"
    return nodes.work_dir("rexec-log", cluster, server) / path / f"{script}.log"


def run_here(payload: dict, *, stand_in: bool) -> dict:
    """Run the script a payload carries (cluster, server, script, content, timeout, logdir): its answer as plain
    data, {"exitcode": N or None on timeout, "output": last lines, "log": where the output went}."""
    cluster, server, script = payload["cluster"], payload["server"], payload["script"]
    log = log_path(cluster, server, script, payload.get("logdir") or "", stand_in=stand_in)
    path = nodes.work_dir("rexec", cluster, server) / script
    path.write_bytes(base64.b64decode(payload["content"]))
    try:
        argv = nodes.script_argv(path)
    except OSError as exc:
        raise ScriptRefused(str(exc)) from None
    env = os.environ | {"CLP_SERVER": server, "CLP_SCRIPT": script}
    try:
        done = subprocess.run(
            argv, capture_output=True, timeout=payload["timeout"], env=env, cwd=path.parent, check=False
        )
        code, raw = done.returncode, done.stdout + done.stderr
    except subprocess.TimeoutExpired as exc:  # the script is killed at its timeout
        code, raw = None, (exc.stdout or b"") + (exc.stderr or b"")
    full = raw.decode("utf-8", "replace")
    output = "\n".join(full.strip().splitlines()[-OUTPUT_LINES:])[-OUTPUT_CHARS:]
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as file:
            ended = "timed out" if code is None else f"exit code {code}"
            at = datetime.now(UTC).isoformat(timespec="seconds")
            file.write(f"=== {at} {script} on {server}: {ended}\n{full.rstrip()}\n")
    return {"exitcode": code, "output": output, "log": str(log) if log else ""}

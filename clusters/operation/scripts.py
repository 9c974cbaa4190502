"""Cluster scripts: scripts an operator runs on a server on demand (the RESTful API's scripts/run; the product
keeps them in each server's work/rexec folder).

They belong to the configuration like script resources' scripts: added and removed in Config Mode (the draft's
files under rexec/), versioned and distributed with each Apply, exported and imported in the setting's zip. A run
takes the applied version's copy, on the target server's node agent, or on the console's worker standing in
for a server with no agent (and saying so).
"""

import base64
import re
from dataclasses import dataclass

from clusters.configuration import services
from clusters.models import Cluster
from clusters.node import remote, rexec
from clusters.operation import state
from webui import nodes
from webui.roles import Role, require_role

FOLDER = "rexec/"  # in the setting's zip and the distributed version, beside clp.conf and scripts/
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,62}$")
MAX_BYTES = 1024 * 1024
DEFAULT_TIMEOUT, MAX_TIMEOUT = 180, 900  # seconds: the product's default; a ceiling on the caller's wait


class ScriptError(ValueError):
    """A script that cannot be run or saved: the message says why and what to do. `missing`: an unknown name."""

    def __init__(self, message: str, *, missing: bool = False):
        super().__init__(message)
        self.missing = missing


@dataclass(frozen=True)
class ScriptRun:
    script: str
    server: str
    exitcode: int | None  # None: it did not end within its timeout
    output: str
    log: str
    by: str  # "node agent" or "console"

    @property
    def message(self) -> str:
        where = f"on {self.server}" + (
            "" if self.by == "node agent" else f" (by the console: no node agent on {self.server})"
        )
        ended = "did not end within its timeout" if self.exitcode is None else f"exited with code {self.exitcode}"
        return f"Script {self.script} {ended} {where}."


# --- the configuration's scripts (Config Mode) -------------------------------------------------------------


def draft_scripts(cluster: Cluster) -> dict[str, int]:
    """The draft's cluster scripts: name -> size in bytes."""
    return {
        path.removeprefix(FOLDER): len(base64.b64decode(content))
        for path, content in sorted(cluster.extra_files.items())
        if path.startswith(FOLDER)
    }


def applied_scripts(cluster: Cluster) -> list[str]:
    _, config = state.applied(cluster)
    files = config.cluster.extra_files if config is not None else {}
    return [path.removeprefix(FOLDER) for path in sorted(files) if path.startswith(FOLDER)]


def add_script(*, user, cluster: Cluster, name: str, content: bytes) -> None:
    """Add (or replace) a cluster script in the draft; Apply distributes it."""
    services.require_config_mode(user=user, cluster=cluster)
    if not NAME.match(name or ""):
        raise ScriptError(
            f"{name!r} is not a script name: use 1 to 63 letters, digits, '.', '_' or '-', e.g. backup.sh."
        )
    if len(content) > MAX_BYTES:
        raise ScriptError(f"{name} is {len(content):,} bytes; a cluster script may be {MAX_BYTES:,} bytes at most.")
    cluster.extra_files = {**cluster.extra_files, FOLDER + name: base64.b64encode(content).decode("ascii")}
    cluster.save(update_fields=["extra_files", "updated_at"])


def remove_script(*, user, cluster: Cluster, name: str) -> None:
    services.require_config_mode(user=user, cluster=cluster)
    if FOLDER + name not in cluster.extra_files:
        raise ScriptError(f"There is no cluster script {name} in the configuration.", missing=True)
    cluster.extra_files = {k: v for k, v in cluster.extra_files.items() if k != FOLDER + name}
    cluster.save(update_fields=["extra_files", "updated_at"])


# --- running one ---------------------------------------------------------------------------------------------


def target_server(cluster: Cluster, config, target: str) -> str:
    """The server a target names: its name, or one of its addresses (interconnect or EC2 private IP), as NEC's
    clients send either."""
    if target in config.server_names:
        return target
    for server in config.server_names:
        addresses = {ic.addresses.get(server) for ic in config.interconnects}
        if target in addresses:
            return server
    for server, row in state.states_of_kind(cluster, "server").items():
        if row.details.get("ip") == target and server in config.server_names:
            return server
    raise ScriptError(
        f"There is no server {target or '(none given)'} in the applied configuration; "
        f"name one of {', '.join(config.server_names)} (or its IP address).",
        missing=True,
    )


def run_script(*, user, cluster: Cluster, script: str, target: str, timeout: int, logdir: str = "") -> ScriptRun:
    """Run an applied cluster script on the target server and wait for its end (at most `timeout` seconds)."""
    require_role(user, Role.OPERATOR)
    _, config = state.applied(cluster)
    if config is None:
        raise ScriptError("The cluster has no applied configuration: Apply the Configuration File first.")
    server = target_server(cluster, config, target)
    content = config.cluster.extra_files.get(FOLDER + script) if script else None
    if content is None:
        known = applied_scripts(cluster)
        raise ScriptError(
            f"There is no cluster script {script or '(none given)'} in the applied configuration; "
            + (f"one of {', '.join(known)}." if known else "add it in Config Mode (Cluster scripts), then Apply."),
            missing=True,
        )
    payload = {"action": "rexec", "cluster": cluster.name, "server": server, "server_os": cluster.server_os}
    payload |= {"script": script, "content": content, "timeout": timeout, "logdir": logdir}
    try:
        agent = remote.live(remote.agents_of(cluster).get(server), server)
    except nodes.NodeUnreachable as exc:
        raise ScriptError(str(exc)) from None
    try:
        if agent is None:
            answer, by = rexec.run_here(payload, stand_in=True), "console"
        else:
            answer, by = nodes.call(cluster.name, server, payload, timeout=nodes.call_timeout(timeout)), "node agent"
    except (rexec.ScriptRefused, nodes.NodeUnreachable) as exc:
        raise ScriptError(str(exc)) from None
    if not answer.get("ok", True):
        raise ScriptError(answer.get("message", "The node agent refused the script."))
    done = ScriptRun(script, server, answer["exitcode"], answer["output"], answer["log"], by)
    level = "info" if done.exitcode == 0 else "warning"
    state.alert(cluster, f"{done.message} (run by {user.get_username()})", level, server)
    return done

"""Script resource: runs a start script and a stop script, kept in scripts/GROUP/RESOURCE/ of the export zip.

Its type name differs by OS: `script` on Windows (start.bat / stop.bat; SEEN: the vendor's clpcfset
ResourceParameters_Windows), `exec` on Linux (start.sh / stop.sh; SEEN: real X 5.3 and clpcreate files).
The scripts run on the server where the group starts (its node agent), with the product's
environment variables (CLP_EVENT, CLP_SERVER, CLP_GROUPNAME, CLP_RESOURCENAME).
"""

from dataclasses import dataclass, replace

from clusters.configuration.params import Change, Param
from resources.registry import ResourceFailed, ResourceType
from webui import nodes


def _params(start: str, stop: str) -> tuple[Param, ...]:
    return (
        # Written out as the product writes them (SEEN for exec; INFERRED for script).
        # Each script runs as it is at the next start or stop: a change needs no restart.
        Param("start", "parameters/act/path", "Start Script", default=start, required=True, change=Change.NOTHING),
        Param("stop", "parameters/deact/path", "Stop Script", default=stop, required=True, change=Change.NOTHING),
        Param(
            "starttimeout",
            "parameters/timeout/start",
            "Start Script Timeout",
            "int",
            default=1800,
            minimum=1,
            maximum=9999,
            section="Tuning",
            change=Change.NOTHING,
        ),
        Param(
            "stoptimeout",
            "parameters/timeout/stop",
            "Stop Script Timeout",
            "int",
            default=1800,
            minimum=1,
            maximum=9999,
            section="Tuning",
            change=Change.NOTHING,
        ),
    )


@dataclass(frozen=True)
class ScriptType(ResourceType):
    def activate(self, resource, server):
        return run_script(resource, server, "start", "starttimeout", "START")

    def deactivate(self, resource, server):
        return run_script(resource, server, "stop", "stoptimeout", "STOP")


def run_script(resource, server: str, which: str, timeout_name: str, event: str) -> str:
    """Run the resource's start or stop script here; its exit code decides, as in the product."""
    filename, script = nodes.script_file(str(resource.value(which)), resource.scripts, resource.group, resource.name)
    if script is None:
        where = f"scripts/{resource.group}/{resource.name}/{filename}"
        raise ResourceFailed(
            "", f"{filename} is not in the configuration: import the zip with {where}, or give its full path."
        )
    timeout = int(resource.value(timeout_name))
    try:
        argv = nodes.script_argv(script)
    except OSError as exc:
        raise ResourceFailed("", str(exc)) from None
    env = {"CLP_EVENT": event, "CLP_SERVER": server, "CLP_GROUPNAME": resource.group, "CLP_RESOURCENAME": resource.name}
    code, output = nodes.run_program(argv, timeout=timeout, env=env, cwd=script.parent)
    if code is None:
        raise ResourceFailed("", f"{filename} did not end within {timeout} s ({which} script timeout).")
    if code != 0:
        raise ResourceFailed(str(code), f"{filename} exited with code {code}." + (f" {output}" if output else ""))
    return f"{filename} exited with code 0"


WINDOWS = ScriptType(
    code="script",
    label="Script resource",
    server_os="windows",
    params=_params("start.bat", "stop.bat"),
    scripts=("start.bat", "stop.bat"),
    on_server=True,
)
LINUX = replace(
    WINDOWS, code="exec", server_os="linux", params=_params("start.sh", "stop.sh"), scripts=("start.sh", "stop.sh")
)

TYPES = (WINDOWS, LINUX)

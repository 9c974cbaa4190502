"""Custom monitor resource: runs its script (genw.bat), kept in scripts/monitor.s/MONITOR/ of the export zip.

The script runs on each server by its agent; exit code 0 is normal, anything else an error.
"""

from clusters.configuration.params import Param
from monitors.registry import MonitorType, Watch
from webui import nodes


class CustomMonitorType(MonitorType):
    def watch(self, monitor, target, server):
        path = str(monitor.value("path") or "genw.bat")
        filename, script = nodes.script_file(path, monitor.scripts, "monitor.s", monitor.name)
        if script is None:
            return Watch("error", "", f"{filename} is not in the configuration (scripts/monitor.s/{monitor.name}/).")
        try:
            argv = nodes.script_argv(script)
        except OSError as exc:
            return Watch("error", "", str(exc))
        code, output = nodes.run_program(
            argv,
            timeout=monitor.timeout,
            cwd=script.parent,
            env={"CLP_SERVER": server, "CLP_MONITORNAME": monitor.name},
        )
        if code is None:
            return Watch("error", "", f"{filename} did not end within the monitor's timeout ({monitor.timeout} s).")
        if code != 0:
            return Watch("error", str(code), f"{filename} exited with code {code}. {output}".strip())
        return Watch()


TYPE = CustomMonitorType(
    code="genw",
    label="Custom monitor resource",
    params=(Param("path", "parameters/path", "File", default="genw.bat", section="Monitor (special)"),),  # SEEN
    scripts=("genw.bat",),
    recovery="local",
    on_server=True,
)

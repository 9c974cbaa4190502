"""Custom monitor resource: runs its script (genw.bat), kept in scripts/monitor.s/MONITOR/ of the export zip.

The script runs on each server by its agent; exit code 0 is normal, anything else an error.
"""

import base64
from pathlib import Path, PureWindowsPath

from clusters.configuration.params import Param
from monitors.registry import MonitorType, Watch
from webui import nodes


class CustomMonitorType(MonitorType):
    def watch(self, monitor, target, server):
        path = str(monitor.value("path") or "genw.bat")
        filename = PureWindowsPath(path).name if "\\" in path else Path(path).name
        content = monitor.scripts.get(filename)
        if content is not None:
            script = nodes.work_dir("monitor.s", monitor.name) / filename
            script.write_bytes(base64.b64decode(content))
        elif Path(path).is_absolute() and Path(path).is_file():
            script = Path(path)
        else:
            return Watch("error", "", f"{filename} is not in the configuration (scripts/monitor.s/{monitor.name}/).")
        try:
            argv = nodes.script_argv(script)
        except OSError as exc:
            return Watch("error", "", str(exc))
        code, output = nodes.run_program(argv, timeout=monitor.timeout, cwd=script.parent,
                                         env={"CLP_SERVER": server, "CLP_MONITORNAME": monitor.name})  # fmt: skip
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

"""Custom monitor resource: runs genw.bat, kept in scripts/monitor.s/MONITOR/ of the export zip."""

from clusters.configuration.params import Param
from monitors.registry import MonitorType

TYPE = MonitorType(
    code="genw",
    label="Custom monitor resource",
    params=(Param("path", "parameters/path", "File", default="genw.bat", section="Monitor (special)"),),  # SEEN
    scripts=("genw.bat",),
    recovery="local",
)

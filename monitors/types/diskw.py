"""Disk RW monitor resource: writes a file on the disk to check it answers."""

from clusters.configuration.params import Param
from monitors.registry import MonitorType

TYPE = MonitorType(
    code="diskw",
    label="Disk RW monitor resource",
    params=(
        Param("object", "parameters/object", "File Name", required=True, section="Monitor (special)"),  # SEEN path
        Param("size", "parameters/size", "I/O Size", "int", default=2000000, minimum=1, section="Monitor (special)"),
    ),
    timeout=300,
    recovery="local",
)

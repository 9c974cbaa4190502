"""Disk RW monitor resource: writes a file on the disk to check it answers (on each server, by its agent)."""

import os

from clusters.configuration.params import Param
from monitors.registry import MonitorType, Watch

CHUNK = 64 * 1024


class DiskRwMonitorType(MonitorType):
    def watch(self, monitor, target, server):
        """Write I/O Size bytes to File Name and flush them to the disk, as the product's disk RW monitor does."""
        path, size = str(monitor.value("object")), int(monitor.value("size") or 2000000)
        try:
            with open(path, "wb") as file:
                block = b"\0" * CHUNK
                for start in range(0, size, CHUNK):
                    file.write(block[: min(CHUNK, size - start)])
                file.flush()
                os.fsync(file.fileno())
        except OSError as exc:
            return Watch("error", "", f"Writing {size} bytes to {path} failed ({exc.strerror or exc}).")
        return Watch()


TYPE = DiskRwMonitorType(
    code="diskw",
    label="Disk RW monitor resource",
    params=(
        Param("object", "parameters/object", "File Name", required=True, section="Monitor (special)"),  # SEEN path
        Param("size", "parameters/size", "I/O Size", "int", default=2000000, minimum=1, section="Monitor (special)"),
    ),
    timeout=300,
    recovery="local",
    on_server=True,
)

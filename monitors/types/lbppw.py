"""LB probe port monitor resource, added with each LB probe port resource."""

import socket

from monitors.registry import MonitorType, Watch
from resources.types.lbpp import PROBE_HOST


class LbProbePortMonitorType(MonitorType):
    def watch(self, monitor, target, server):
        """The probe port's listener answers on the active server."""

        port = int(target.parameters["port"])
        with socket.socket() as probe:
            probe.settimeout(min(5, monitor.timeout))
            if probe.connect_ex((PROBE_HOST, port)) != 0:
                return Watch("error", "", f"Port {port} is closed.")
        return Watch()


TYPE = LbProbePortMonitorType(
    code="lbppw", label="LB probe port monitor resource", monitor_timing="active", target_types=("lbpp",),
)  # fmt: skip

"""LB probe port monitor resource, added with each LB probe port resource; it probes on the active server."""

import socket

from monitors.registry import MonitorType, Watch
from resources.types.lbpp import probe_host


class LbProbePortMonitorType(MonitorType):
    def watch(self, monitor, target, server):
        """The probe port's listener answers on the active server."""

        port = int(target.parameters["port"])
        host = probe_host()
        with socket.socket() as probe:
            probe.settimeout(min(5, monitor.timeout))
            if probe.connect_ex(("127.0.0.1" if host == "0.0.0.0" else host, port)) != 0:  # noqa: S104 - all addresses
                return Watch("error", "", f"Port {port} is closed.")
        return Watch()


TYPE = LbProbePortMonitorType(
    code="lbppw",
    label="LB probe port monitor resource",
    monitor_timing="active",
    target_types=("lbpp",),
    on_server=True,
)

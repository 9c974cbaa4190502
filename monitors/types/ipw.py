"""IP monitor resource: pings a list of addresses (e.g. the gateway) from each server, by its agent."""

import os
import shutil

from clusters.configuration.params import Param
from monitors.registry import MonitorType, Watch
from webui import nodes


class IpMonitorType(MonitorType):
    def watch(self, monitor, target, server):
        """An error when none of the addresses answers a ping (one answering is enough, as in the product)."""
        tool = shutil.which("ping")
        if tool is None:
            return Watch("error", "", "ping is not on this server, so the IP monitor cannot ping.")
        addresses = [str(a) for a in monitor.value("ips") or ()]
        wait = max(1, min(5, monitor.timeout // max(1, len(addresses))))
        for address in addresses:
            argv = [tool, "-n", "1", "-w", str(wait * 1000)] if os.name == "nt" else [tool, "-c", "1", "-W", str(wait)]
            code, _ = nodes.run_program([*argv, address], timeout=wait + 2)
            if code == 0:
                return Watch()
        return Watch("error", "", f"No answer to ping from {', '.join(addresses) or 'any address'}.")


TYPE = IpMonitorType(
    code="ipw",
    label="IP monitor resource",
    # SEEN: parameters/list@N/ip, one element per address.
    params=(
        Param("ips", "parameters/list@{i}/ip", "IP Addresses", "iplist", required=True, section="Monitor (special)"),
    ),
    recovery="local",
    on_server=True,
)

"""IP monitor resource: pings a list of addresses (e.g. the gateway)."""

from clusters.configuration.params import Param
from monitors.registry import MonitorType

TYPE = MonitorType(
    code="ipw",
    label="IP monitor resource",
    # SEEN: parameters/list@N/ip, one element per address.
    params=(
        Param("ips", "parameters/list@{i}/ip", "IP Addresses", "iplist", required=True, section="Monitor (special)"),
    ),
    recovery="local",
)

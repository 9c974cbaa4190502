"""User mode monitor resource: detects a stalled user space."""

from clusters.configuration.params import Param
from monitors.registry import MonitorType

TYPE = MonitorType(
    code="userw",
    label="User mode monitor resource",
    params=(
        Param(
            "method",
            "parameters/method",
            "Method",
            "choice",
            default="keepalive",  # SEEN
            choices=(("keepalive", "keepalive"), ("softdog", "softdog")),
            section="Monitor (special)",
        ),
    ),
    interval=3,
    timeout=90,
    retry_count=0,
    recovery="local",
)

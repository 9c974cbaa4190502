"""AWS DNS monitor resource, added with each AWS DNS resource."""

from clusters.params import Param
from monitors.registry import AWS_NO_RESPONSE, MonitorType

TYPE = MonitorType(
    code="awsdnsw",
    label="AWS DNS monitor resource",
    params=(
        AWS_NO_RESPONSE,
        Param(
            "nscheck", "parameters/nscheck", "Check Name Resolution", "bool", default=True, section="Monitor (special)"
        ),  # INFERRED path
    ),
    aws=True,
    timeout=180,
    # Route 53 takes up to 60 s to propagate a change: start monitoring well after it.
    wait_to_start=300,
    monitor_timing="active",
    target_types=("awsdns",),
)

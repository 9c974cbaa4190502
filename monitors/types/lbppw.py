"""LB probe port monitor resource, added with each LB probe port resource."""

from monitors.registry import MonitorType

TYPE = MonitorType(
    code="lbppw",
    label="LB probe port monitor resource",
    monitor_timing="active",
    target_types=("lbpp",),
)

"""AWS Secondary IP monitor resource, added with each AWS Secondary IP resource."""

from monitors.registry import AWS_NO_RESPONSE, MonitorType

TYPE = MonitorType(
    code="awssipw",
    label="AWS Secondary IP monitor resource",
    params=(AWS_NO_RESPONSE,),
    aws=True,
    timeout=180,
    monitor_timing="active",
    target_types=("awssip",),
)

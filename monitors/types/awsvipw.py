"""AWS Virtual IP monitor resource, added with each AWS Virtual IP resource."""

from monitors.registry import AWS_NO_RESPONSE, MonitorType

TYPE = MonitorType(
    code="awsvipw",
    label="AWS Virtual IP monitor resource",
    params=(AWS_NO_RESPONSE,),
    aws=True,
    timeout=180,
    monitor_timing="active",
    target_types=("awsvip",),
)

"""AWS Elastic IP monitor resource, added with each AWS Elastic IP resource."""

from monitors.registry import AWS_NO_RESPONSE, MonitorType

TYPE = MonitorType(
    code="awseipw",
    label="AWS Elastic IP monitor resource",
    params=(AWS_NO_RESPONSE,),
    aws=True,
    timeout=180,
    monitor_timing="active",
    target_types=("awseip",),
)

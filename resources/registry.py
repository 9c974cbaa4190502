"""The registry of group resource types: one module per type in resources/types/."""

from dataclasses import dataclass

from clusters.params import ObjectType, Param, Registry

# Common to every AWS resource (SEEN for awsvip: parameters/awsclitimeout, 1-999, default 100).
AWS_CLI_TIMEOUT = Param(
    "awsclitimeout",
    "parameters/awsclitimeout",
    "AWS CLI Timeout",
    "int",
    default=100,
    minimum=1,
    maximum=999,
    section="Tuning",
)


# The ENI of each server's instance (SEEN for awsvip: parameters/eniid, per server); every server needs its own.
ENI_ID = Param(
    "eniid", "parameters/eniid", "ENI ID", "awsid", required=True, per_server=True, prefix="eni-",
    aws_list="network_interfaces",
)  # fmt: skip


@dataclass(frozen=True)
class ResourceType(ObjectType):
    monitor: str | None = None  # the monitor type the product adds with this resource
    aws: bool = False


RESOURCE_TYPES = Registry("resources.types", "group resource")

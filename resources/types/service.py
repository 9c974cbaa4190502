"""Service resource: starts and stops a Windows service on the active server."""

from clusters.configuration.params import Param
from resources.registry import ResourceType

TYPE = ResourceType(
    code="service",
    label="Service resource",
    params=(Param("name", "parameters/name", "Service Name", required=True),),  # INFERRED path
)

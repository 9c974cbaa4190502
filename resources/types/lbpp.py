"""LB probe port resource: opens the NLB health-check port on the active server (guide ch. 8)."""

from clusters.params import Param
from resources.registry import ResourceType

TYPE = ResourceType(
    code="lbpp",
    label="LB probe port resource",
    monitor="lbppw",
    params=(
        # INFERRED paths for the LB probe port resource.
        Param("port", "parameters/port", "Port Number", "int", required=True, minimum=1, maximum=65535),
        Param(
            "hctimeout",
            "parameters/hctimeout",
            "Health Check Timeout",
            "int",
            default=30,
            minimum=5,
            maximum=999999,
            section="Tuning",
            help="Must be greater than the interval of the NLB's health check (31 or more for 30 s).",
        ),
    ),
)

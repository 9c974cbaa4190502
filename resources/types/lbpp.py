"""LB probe port resource: opens the NLB health-check port on the active server (guide ch. 8)."""

from clusters.params import Param, Problem
from resources.registry import ResourceType


class LbProbePortType(ResourceType):
    def check_aws(self, name, parameters, server_parameters, account):
        port = str(parameters.get("port", ""))
        groups = [g for g in account.target_groups() if str(g.get("HealthCheckPort")) == port]
        if not groups:
            return []  # the AWS checks report a missing target group
        interval = max(g.get("HealthCheckIntervalSeconds", 30) for g in groups)
        timeout = parameters.get("hctimeout", self.param("hctimeout").default)
        if isinstance(timeout, int) and timeout <= interval:
            return [
                Problem(name, "Health Check Timeout",
                        f"This value must be greater than the interval of the NLB's health check ({interval} seconds).",
                        f"Set the timeout duration to {interval + 1} seconds or more.")
            ]  # fmt: skip
        return []


TYPE = LbProbePortType(
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

"""The registry of monitor resource types: one module per type in monitors/types/."""

from dataclasses import dataclass

from clusters.params import ObjectType, Param, Registry

# SEEN (awsazw, awsvipw): parameters/mode; 0 is the product's default for the AZ monitor.
AWS_NO_RESPONSE = Param(
    "mode",
    "parameters/mode",
    "Action when AWS CLI command failed to receive response",
    "choice",
    default="0",
    choices=(
        ("0", "Disable recovery action(Do nothing)"),
        ("1", "Disable recovery action(Display warning)"),
        ("2", "Recovery action"),
    ),
    section="Monitor (special)",
)


@dataclass(frozen=True)
class MonitorType(ObjectType):
    # Monitor (common) defaults of this type.
    interval: int = 60
    timeout: int = 60
    retry_count: int = 1
    wait_to_start: int = 0
    monitor_timing: str = "always"  # "always" or "active"
    target_types: tuple[str, ...] = ()  # resource types it watches when monitor timing is active
    recovery: str = "resource"  # default Recovery Target: "resource" (the target), "group" or "local"
    aws: bool = False


MONITOR_TYPES = Registry("monitors.types", "monitor resource")

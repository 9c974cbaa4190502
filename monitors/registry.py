"""The registry of monitor resource types: one module per type in monitors/types/."""

from dataclasses import dataclass

from clusters.configuration.params import Change, ObjectType, Param, Registry
from webui import aws

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
class Watch:
    """One monitoring of a monitor resource: normal, warning or error, with the guide's code and message."""

    status: str = "normal"  # normal, warning, error
    code: str = ""
    message: str = ""
    no_response: bool = False  # AWS did not answer: the monitor's "mode" decides what it means


def aws_failure(exc) -> Watch:
    """A failed AWS call, classified as the guide does (webui.aws.failure_kind).

    Only a call that got no answer is left to the monitor's no-response setting; an error answer is
    a detected error whatever that setting is; throttling that outlasted the retries is a warning.
    """

    message = aws.error_message(exc)
    kind = aws.failure_kind(exc)
    if kind == "throttled":
        return Watch("warning", "", f"AWS throttled the monitoring after retries ({message}).")
    if kind == "error":
        return Watch("error", "50", message)
    return Watch("error", "51" if message == aws.TIMEOUT_MESSAGE else "50", message, no_response=True)


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
    # The engine reads the applied version every round: a new value is used at the monitor's next watch.
    change: Change = Change.NOTHING

    def common_defaults(self) -> dict:
        """The Monitor (common) and Recovery Action values of a monitor of this type that states none (one being
        added, one whose clp.conf leaves them out): this type's own, watched Always (clp.conf's default; a new
        monitor with a Target Resource takes `monitor_timing`), and the product's thresholds and final action.
        The keys are clusters.configuration.config.MONITOR_COMMON_FIELDS."""
        return {
            "interval": self.interval,
            "timeout": self.timeout,
            "retry_count": self.retry_count,
            "wait_to_start": self.wait_to_start,
            "monitor_timing": "always",
            "restart_threshold": None,
            "failover_threshold": None,
            "final_action": "",
        }

    def watch(self, monitor, target, server: str) -> Watch:
        """Monitor once on `server`: `monitor` is the applied version's MonitorConfig (clusters.configuration.config),
        `target` the ResourceConfig it watches (or None). Types override this."""
        return Watch()


MONITOR_TYPES = Registry("monitors.types", "monitor resource")

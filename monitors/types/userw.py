"""User mode monitor resource: detects a stalled user space on each server.

keepalive: the check is the agent's answer itself. The console asks the server's agent within the
monitor's timeout; a stalled user space (or a hung agent) does not answer, and that is the error.
"""

import time

from clusters.configuration.params import Param
from monitors.registry import MonitorType, Watch


class UserModeMonitorType(MonitorType):
    def watch(self, monitor, target, server):
        started = time.monotonic()
        time.sleep(0.01)  # a scheduler that cannot wake this thread in time is a stalled user space
        late = time.monotonic() - started
        if late > monitor.timeout:
            return Watch("error", "", f"User space stalled for {late:.0f} s (timeout {monitor.timeout} s).")
        return Watch()


TYPE = UserModeMonitorType(
    code="userw",
    label="User mode monitor resource",
    params=(
        Param(
            "method",
            "parameters/method",
            "Method",
            "choice",
            default="keepalive",  # SEEN
            choices=(("keepalive", "keepalive"), ("softdog", "softdog")),
            section="Monitor (special)",
        ),
    ),
    interval=3,
    timeout=90,
    retry_count=0,
    recovery="local",
    on_server=True,
)

"""Script resource: runs a start script and a stop script, kept in scripts/GROUP/RESOURCE/ of the export zip.

Its type name differs by OS: `script` on Windows (start.bat / stop.bat; SEEN: the vendor's clpcfset
ResourceParameters_Windows), `exec` on Linux (start.sh / stop.sh; SEEN: real X 5.3 and clpcreate files).
"""

from dataclasses import replace

from clusters.configuration.params import Param
from resources.registry import ResourceType


def _params(start: str, stop: str) -> tuple[Param, ...]:
    return (
        # Written out as the product writes them (SEEN for exec; INFERRED for script).
        Param("start", "parameters/act/path", "Start Script", default=start, required=True),
        Param("stop", "parameters/deact/path", "Stop Script", default=stop, required=True),
        Param("starttimeout", "parameters/timeout/start", "Start Script Timeout", "int", default=1800,
              minimum=1, maximum=9999, section="Tuning"),
        Param("stoptimeout", "parameters/timeout/stop", "Stop Script Timeout", "int", default=1800,
              minimum=1, maximum=9999, section="Tuning"),
    )  # fmt: skip


WINDOWS = ResourceType(
    code="script",
    label="Script resource",
    server_os="windows",
    params=_params("start.bat", "stop.bat"),
    scripts=("start.bat", "stop.bat"),
)
LINUX = replace(WINDOWS, code="exec", server_os="linux", params=_params("start.sh", "stop.sh"),
                scripts=("start.sh", "stop.sh"))  # fmt: skip

TYPES = (WINDOWS, LINUX)

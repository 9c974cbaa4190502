"""Script resource: runs start.bat and stop.bat, kept in scripts/GROUP/RESOURCE/ of the export zip."""

from clusters.params import Param
from resources.registry import ResourceType

TYPE = ResourceType(
    code="exec",
    label="Script resource",
    params=(
        Param("start", "parameters/act/path", "Start Script", default="start.bat"),  # SEEN
        Param("stop", "parameters/deact/path", "Stop Script", default="stop.bat"),  # SEEN
        Param(
            "starttimeout",
            "parameters/timeout/start",
            "Start Script Timeout",
            "int",
            default=1800,
            minimum=1,
            maximum=9999,
            section="Tuning",
        ),
        Param(
            "stoptimeout",
            "parameters/timeout/stop",
            "Stop Script Timeout",
            "int",
            default=1800,
            minimum=1,
            maximum=9999,
            section="Tuning",
        ),
    ),
    scripts=("start.bat", "stop.bat"),
)

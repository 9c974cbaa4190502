"""Mirror disk monitor resource, added with each mirror disk resource."""

from clusters.configuration.params import Param
from monitors.registry import MonitorType

TYPE = MonitorType(
    code="mdw",
    label="Mirror disk monitor resource",
    params=(Param("object", "parameters/object", "Mirror Disk Resource", section="Monitor (special)"),),  # SEEN
    recovery="group",
)

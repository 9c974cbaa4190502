"""Mirror disk resource (Windows): mirrors a data partition between servers over a mirror disk connect."""

import re

from clusters.params import Param, Problem
from resources.registry import ResourceType

DRIVE = r"^[A-Za-z]:\\?$"


class MirrorDiskType(ResourceType):
    def check(self, name, parameters, server_parameters):
        problems = []
        data, cluster = parameters.get("dpdrive"), parameters.get("cpdrive")
        for label, value in (("Data Partition Drive Letter", data), ("Cluster Partition Drive Letter", cluster)):
            if value and not re.match(DRIVE, value):
                problems.append(
                    Problem(name, label, f"{value!r} is not a drive letter.", "Enter a letter and a colon, e.g. E:")
                )
        if data and cluster and data.upper() == cluster.upper():
            problems.append(
                Problem(
                    name,
                    "Cluster Partition Drive Letter",
                    f"{cluster} is also the data partition.",
                    "Use a different drive letter for the cluster partition.",
                )
            )
        return problems

    def derive(self, parameters, context):
        device = context.get("mdc_devices", {}).get(parameters.get("mdc", "mdc1"))
        return parameters | ({"mdcdevice": device} if device is not None else {})


TYPE = MirrorDiskType(
    code="md",
    label="Mirror disk resource",
    monitor="mdw",
    params=(
        # INFERRED Windows paths; the netdev@0 paths are SEEN (Linux clpcfset docs).
        Param("dpdrive", "parameters/volumemountpoint", "Data Partition Drive Letter", required=True),
        Param("cpdrive", "parameters/cpvolumemountpoint", "Cluster Partition Drive Letter", required=True),
        Param("dpguid", "parameters/volumeguid", "Data Partition", per_server=True, section="Selection of Partition"),
        Param(
            "cpguid", "parameters/cpvolumeguid", "Cluster Partition", per_server=True, section="Selection of Partition"
        ),
        Param("mdc", "parameters/netdev@0/mdcname", "MDC", "mdc", default="mdc1", required=True),
        Param("mdcdevice", "parameters/netdev@0/device", "MDC device", "int", default=400, required=True, hidden=True),
        Param(
            "mdcpriority", "parameters/netdev@0/priority", "MDC priority", "int", default=0, required=True, hidden=True
        ),
    ),
)

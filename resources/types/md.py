"""Mirror disk resource: mirrors a data partition between servers over a mirror disk connect.

Windows and Linux describe the partitions differently, so the type has a variant per OS:
Windows names drive letters and per-server volume GUIDs (SEEN: real X 4.2 files, `E`, `X`);
Linux names the mirror partition device, the mount point, the data and cluster partition devices
and the file system (SEEN: a real X 5.3 file and the vendor's clpcfset md.md).
"""

import re
from dataclasses import replace

from clusters.params import Param, Problem
from resources.registry import ResourceType

DRIVE = re.compile(r"^[A-Za-z]:?\\?$")  # the product writes "E"; "E:" and "E:\" are read as E too
FILE_SYSTEMS = (("ext3", "ext3"), ("ext4", "ext4"), ("xfs", "xfs"), ("none", "none"))


def _connect(priority: int) -> tuple[Param, ...]:
    """The first mirror disk connect (SEEN: parameters/netdev@0/{priority,device,mdcname}).

    Further connects (netdev@1, ...) are kept as found in the file.
    """
    return (
        Param("mdc", "parameters/netdev@0/mdcname", "MDC", "mdc", default="mdc1", required=True),
        Param("mdcdevice", "parameters/netdev@0/device", "MDC device", "int", default=400, required=True, hidden=True),
        Param("mdcpriority", "parameters/netdev@0/priority", "MDC priority", "int", default=priority,
              required=True, hidden=True),
    )  # fmt: skip


class MirrorDiskType(ResourceType):
    def check(self, name, parameters, server_parameters):
        if self.server_os == "linux":
            return self._check_linux(name, parameters)
        problems = []
        data, cluster = parameters.get("dpdrive"), parameters.get("cpdrive")
        for label, value in (("Data Partition Drive Letter", data), ("Cluster Partition Drive Letter", cluster)):
            if value and not DRIVE.match(value):
                problems.append(Problem(name, label, f"{value!r} is not a drive letter.", "Enter a letter, e.g. E"))
        if data and cluster and data[0].upper() == cluster[0].upper():
            problems.append(
                Problem(name, "Cluster Partition Drive Letter", f"{cluster} is also the data partition.",
                        "Use a different drive letter for the cluster partition.")
            )  # fmt: skip
        return problems

    def _check_linux(self, name, parameters):
        problems = []
        for key in ("nmppath", "mountpoint", "dppath", "cppath"):
            value = parameters.get(key)
            if value and not str(value).startswith("/"):
                label = self.param(key).label
                problems.append(Problem(name, label, f"{value!r} is not an absolute path.", f"Enter {label} from /."))
        if parameters.get("dppath") and parameters.get("dppath") == parameters.get("cppath"):
            problems.append(
                Problem(name, "Cluster Partition Device Name", f"{parameters['cppath']} is also the data partition.",
                        "Use a different partition for the cluster partition.")
            )  # fmt: skip
        return problems

    def derive(self, parameters, context):
        device = context.get("mdc_devices", {}).get(parameters.get("mdc", "mdc1"))
        return parameters | ({"mdcdevice": device} if device is not None else {})


WINDOWS = MirrorDiskType(
    code="md",
    label="Mirror disk resource",
    server_os="windows",
    monitor="mdw",
    params=(
        *_connect(priority=1),  # SEEN: the first connect is priority 1 in Windows files
        Param("dpdrive", "parameters/volumemountpoint", "Data Partition Drive Letter", required=True,
              help="A letter, as the product writes it (E)."),
        Param("cpdrive", "parameters/cpvolumemountpoint", "Cluster Partition Drive Letter", required=True,
              help="A letter, as the product writes it (X)."),
        Param("dpguid", "parameters/volumeguid", "Data Partition", per_server=True, section="Selection of Partition"),
        Param("cpguid", "parameters/cpvolumeguid", "Cluster Partition", per_server=True,
              section="Selection of Partition"),
    ),
)  # fmt: skip

LINUX = replace(
    WINDOWS,
    server_os="linux",
    params=(
        *_connect(priority=0),  # SEEN: priority 0 in the Linux file and clpcfset's example
        Param("nmppath", "parameters/nmppath", "Mirror Partition Device Name", default="/dev/NMP1", required=True),
        Param("mountpoint", "parameters/mount/point", "Mount Point", required=True),
        Param("dppath", "parameters/diskdev/dppath", "Data Partition Device Name", required=True),
        Param("cppath", "parameters/diskdev/cppath", "Cluster Partition Device Name", required=True),
        Param("fs", "parameters/fs", "File System", "choice", default="ext4", required=True, choices=FILE_SYSTEMS),
    ),
)

TYPES = (WINDOWS, LINUX)

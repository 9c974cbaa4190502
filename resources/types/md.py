"""Mirror disk resource: mirrors a data partition between servers over a mirror disk connect.

Windows and Linux describe the partitions differently, so the type has a variant per OS:
Windows names drive letters and per-server volume GUIDs (SEEN: real X 4.2 files, `E`, `X`);
Linux names the mirror partition device, the mount point, the data and cluster partition devices
and the file system (SEEN: a real X 5.3 file and the vendor's clpcfset md.md).
"""

import re
from dataclasses import replace

from clusters.configuration.params import Change, Param, Problem
from resources.registry import ResourceType

DRIVE = re.compile(r"^[A-Za-z]:?\\?$")  # the product writes "E"; "E:" and "E:\" are read as E too
FILE_SYSTEMS = (("ext3", "ext3"), ("ext4", "ext4"), ("xfs", "xfs"), ("none", "none"))
# The ports between the servers (Getting Started Guide > communication ports), INFERRED as remembered: the mirror
# agents', and each mirror disk's driver ports, the first one's here, the next one's each one more (SEEN: the X 5.3
# file's second mirror disk states <mddriver> hbport 29032, ack2port 29072, port 29052).
MIRROR_AGENT_PORT = 29004
MIRROR_DRIVER = (("port", 29051, "mirror data"), ("hbport", 29031, "mirror heartbeat"), ("ack2port", 29071, "ACK2"))


def _connect(priority: int) -> tuple[Param, ...]:
    """The mirror disk connects, in priority order (SEEN: parameters/netdev@N/{priority,device,mdcname};
    two of them in the Windows files). A third and further ones are kept as found in the file."""
    return (
        Param("mdc", "parameters/netdev@0/mdcname", "MDC", "mdc", default="mdc1", required=True),
        Param("mdcdevice", "parameters/netdev@0/device", "MDC device", "int", default=400, required=True, hidden=True),
        Param(
            "mdcpriority",
            "parameters/netdev@0/priority",
            "MDC priority",
            "int",
            default=priority,
            required=True,
            hidden=True,
        ),
        Param(
            "mdc2",
            "parameters/netdev@1/mdcname",
            "Second MDC",
            "mdc",
            help="A second mirror disk connect, used when the first fails.",
        ),
        Param("mdc2device", "parameters/netdev@1/device", "Second MDC device", "int", hidden=True),
        Param("mdc2priority", "parameters/netdev@1/priority", "Second MDC priority", "int", hidden=True),
    )


class MirrorDiskType(ResourceType):
    def check(self, name, parameters, server_parameters):
        problems = []
        if parameters.get("mdc2") and parameters.get("mdc2") == parameters.get("mdc", "mdc1"):
            problems.append(
                Problem(
                    name,
                    "Second MDC",
                    f"{parameters['mdc2']} is the first MDC already.",
                    "Choose another mirror disk connect, or Do Not Use.",
                )
            )
        if self.server_os == "linux":
            return problems + self._check_linux(name, parameters)
        data, cluster = parameters.get("dpdrive"), parameters.get("cpdrive")
        for label, value in (("Data Partition Drive Letter", data), ("Cluster Partition Drive Letter", cluster)):
            if value and not DRIVE.match(value):
                problems.append(Problem(name, label, f"{value!r} is not a drive letter.", "Enter a letter, e.g. E"))
        if data and cluster and data[0].upper() == cluster[0].upper():
            problems.append(
                Problem(
                    name,
                    "Cluster Partition Drive Letter",
                    f"{cluster} is also the data partition.",
                    "Use a different drive letter for the cluster partition.",
                )
            )
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
                Problem(
                    name,
                    "Cluster Partition Device Name",
                    f"{parameters['cppath']} is also the data partition.",
                    "Use a different partition for the cluster partition.",
                )
            )
        return problems

    def check_in(self, obj, config):
        mdcs = {ic.mdc for ic in config.interconnects if ic.mdc}
        mdc = obj.parameters.get("mdc", "mdc1")
        if mdc in mdcs:
            return []
        return [
            Problem(
                obj.name,
                "MDC",
                f"{mdc} is not an interconnect's MDC.",
                "Select an MDC for an interconnect in the Interconnect table.",
            )
        ]

    def server_ports(self, resource, index):
        driver = re.search(r"<mddriver>(.*?)</mddriver>", resource.extra_xml or "", re.S)
        ports = [("tcp", MIRROR_AGENT_PORT, "mirror agents")]
        for key, first, purpose in MIRROR_DRIVER:
            stated = re.search(rf"<{key}>\s*(\d+)\s*</{key}>", driver.group(1)) if driver else None
            ports.append(("tcp", int(stated.group(1)) if stated else first + index, f"{purpose} of {resource.name}"))
        return resource.parameters.get("mdc", "mdc1"), ports

    def data_partition(self, resource):
        return str(resource.parameters.get("dppath") or resource.parameters.get("dpdrive") or "")

    def derive(self, parameters, config):
        devices = {ic.mdc: ic.mdc_device_id for ic in config.interconnects if ic.mdc}
        derived = dict(parameters)
        if (device := devices.get(parameters.get("mdc", "mdc1"))) is not None:
            derived["mdcdevice"] = device
        if not parameters.get("mdc2"):  # Do Not Use: the second connect goes entirely
            for key in ("mdc2", "mdc2device", "mdc2priority"):
                derived.pop(key, None)
        elif (device := devices.get(parameters["mdc2"])) is not None:
            first = parameters.get("mdcpriority", self.param("mdcpriority").default)
            derived |= {"mdc2device": device, "mdc2priority": derived.get("mdc2priority", first + 1)}
        return derived


WINDOWS = MirrorDiskType(
    code="md",
    label="Mirror disk resource",
    server_os="windows",
    monitor="mdw",
    change=Change.RESTART_GROUP,  # its disks and connects change under what the group runs
    params=(
        *_connect(priority=1),  # SEEN: the first connect is priority 1 in Windows files
        Param(
            "dpdrive",
            "parameters/volumemountpoint",
            "Data Partition Drive Letter",
            required=True,
            help="A letter, as the product writes it (E).",
        ),
        Param(
            "cpdrive",
            "parameters/cpvolumemountpoint",
            "Cluster Partition Drive Letter",
            required=True,
            help="A letter, as the product writes it (X).",
        ),
        Param("dpguid", "parameters/volumeguid", "Data Partition", per_server=True, section="Selection of Partition"),
        Param(
            "cpguid", "parameters/cpvolumeguid", "Cluster Partition", per_server=True, section="Selection of Partition"
        ),
    ),
)

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

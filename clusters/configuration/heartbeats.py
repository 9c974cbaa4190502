"""Heartbeat and NP resolution kinds: their clp.conf type names, devices and parameters."""

from dataclasses import dataclass

from clusters.clpconf import names as N
from clusters.configuration.params import ObjectType, Param


@dataclass(frozen=True)
class DeviceKind(ObjectType):
    """A heartbeat or NP resolution type; each server uses it through a device of `device_type`."""

    device_type: str = ""
    device_base: int | None = None  # None: no per-server device

    def device_default(self, key: str, parameters: dict):
        """What each server's device holds unless set otherwise.

        SEEN (the vendor's clpcfset v2 samples): info "1" for ping, witness and http devices, and the
        witness device's extend is the witness server's "host:port".
        """
        if key == "info":
            return "1"
        if key == "extend" and self.device_type == N.DEVICE_WITNESS[0] and parameters.get("host"):
            return f"{parameters['host']}:{parameters.get('port', SERVICE_PORT.default)}"
        return None


# SEEN for witnesshb and httpnp: host and port below the object.
TARGET_HOST = Param("host", "host", "Target Host", required=True)
SERVICE_PORT = Param("port", "port", "Service Port", "int", default=80, minimum=1, maximum=65535)

HEARTBEAT_KINDS = {
    "witness": DeviceKind(
        code=N.HB_WITNESS,
        label="Witness",
        device_type=N.DEVICE_WITNESS[0],
        device_base=N.DEVICE_WITNESS[1],
        params=(
            TARGET_HOST,
            SERVICE_PORT,
        ),
    ),
    "object_storage": DeviceKind(
        code=N.HB_OBJECT_STORAGE,
        label="Object Storage",
        params=(  # INFERRED paths
            Param(
                "platform", "parameters/platform", "Platform", "choice", default="s3", choices=(("s3", "Amazon S3"),)
            ),
            Param("bucket", "parameters/bucket", "Bucket Name", required=True, aws_list="buckets"),
        ),
    ),
}

NP_KINDS = {
    "http": DeviceKind(
        code=N.NP_HTTP,
        label="HTTP",
        device_type=N.DEVICE_HTTP[0],
        device_base=N.DEVICE_HTTP[1],
        params=(
            TARGET_HOST,
            SERVICE_PORT,
        ),
    ),
    "ping": DeviceKind(
        code=N.NP_PING,
        label="PING",
        device_type=N.DEVICE_PING[0],
        device_base=N.DEVICE_PING[1],
        params=(Param("targets", "grp@0/list@{i}/ip", "IP Address", "iplist", required=True),),  # SEEN
    ),
}

HEARTBEAT_BY_CODE = {kind.code: key for key, kind in HEARTBEAT_KINDS.items()}
NP_BY_CODE = {kind.code: key for key, kind in NP_KINDS.items()}

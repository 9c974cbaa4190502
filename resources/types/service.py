"""Service resource: starts and stops an OS service on the active server (its node agent does it)."""

import os
import shutil
from dataclasses import dataclass

from clusters.configuration.params import Param
from resources.registry import ResourceFailed, ResourceType
from webui import nodes

SERVICE_TIMEOUT = 300  # how long starting or stopping a service may take


@dataclass(frozen=True)
class ServiceType(ResourceType):
    def activate(self, resource, server):
        return control(resource, "start")

    def deactivate(self, resource, server):
        return control(resource, "stop")


def control(resource, verb: str) -> str:
    """`net start|stop NAME` on Windows (waits for the service), `systemctl start|stop NAME` elsewhere."""
    name = str(resource.value("name"))
    tool = "net" if os.name == "nt" else "systemctl"
    if shutil.which(tool) is None:
        raise ResourceFailed("", f"{tool} is not on this server, so service {name} cannot be {verb}ed here.")
    code, output = nodes.run_program([tool, verb, name], timeout=SERVICE_TIMEOUT)
    if code is None:
        raise ResourceFailed("", f"{tool} {verb} {name} did not end within {SERVICE_TIMEOUT} s.")
    if code != 0:
        raise ResourceFailed(str(code), f"{tool} {verb} {name} failed (exit code {code}). {output}".strip())
    return f"service {name} {verb}ed"


TYPE = ServiceType(
    code="service",
    label="Service resource",
    params=(Param("name", "parameters/name", "Service Name", required=True),),  # INFERRED path
    on_server=True,
)

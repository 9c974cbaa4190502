"""What moto lacks and the console reads, answered by the layer in AWS's own shapes:

- instances' scheduled events (retirement, reboot, maintenance) in DescribeInstanceStatus: moto has none, so
  they are planted through the admin path POST /_awssim/events;
- EC2 automatic recovery: ModifyInstanceMaintenanceOptions, and each instance's MaintenanceOptions in
  DescribeInstances ("default", i.e. on, until turned off, as AWS has it);
- Route 53 ARC zonal shift (ListManagedResources, GetManagedResource): the load balancers planted through
  POST /_awssim/zonal-shift, with zonal autoshift and active zonal shifts; {"answered": false} there makes
  the service answer as an endpoint that does not offer it, {"answered": "unavailable"} as one that fails
  for now (503).

The layer's own answers never reach moto, so what is set here lives as long as the simulation (the seeding
sets it again at each start); a reset forgets what was planted.
"""

import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import defusedxml.ElementTree as SafeET

from webui.awssim import answers

EC2_NS = "http://ec2.amazonaws.com/doc/2016-11-15/"
EVENT_CODES = ("instance-reboot", "system-reboot", "system-maintenance", "instance-retirement", "instance-stop")


class PlantError(ValueError):
    """What an admin request to plant something got wrong."""


def _time(text: str | None) -> str:
    """An ISO 8601 time, as EC2 writes it (UTC, Z)."""
    when = datetime.fromisoformat(text.replace("Z", "+00:00")) if text else datetime.now(UTC) + timedelta(days=14)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class Extras:
    def __init__(self):
        self.lock = threading.Lock()
        self.events: dict[str, list[dict]] = {}  # instance ID -> its scheduled events
        self.auto_recovery: dict[str, str] = {}  # instance ID -> "default" (on) or "disabled"
        self.managed: dict[str, dict] = {}  # load balancer ARN -> its managed resource (ARC zonal shift)
        self.zonal_shift_answered: bool | str = True

    def reset(self) -> None:
        """Forget what was planted (events, zonal shifts); automatic recovery is the world's own setting."""
        with self.lock:
            self.events.clear()
            self.managed.clear()
            self.zonal_shift_answered = True

    # --- planting (admin paths) --------------------------------------------------------------------
    def plant_event(self, values: dict) -> dict:
        instance = values.get("instance_id") or ""
        if not instance.startswith("i-"):
            raise PlantError("instance_id: the ID of an instance, e.g. i-0123456789abcdef0")
        if values.get("clear"):
            with self.lock:
                self.events.pop(instance, None)
            return {"instance_id": instance, "events": []}
        code = values.get("code", "instance-retirement")
        if code not in EVENT_CODES:
            raise PlantError(f"code: one of {', '.join(EVENT_CODES)}")
        try:
            event = {
                "instanceEventId": f"instance-event-{uuid.uuid4().hex[:17]}",
                "code": code,
                "description": values.get("description") or _DESCRIPTIONS[code],
                "notBefore": _time(values.get("not_before")),
            }
            if values.get("not_after"):
                event["notAfter"] = _time(values["not_after"])
        except (ValueError, AttributeError) as exc:
            raise PlantError(f"not_before / not_after: an ISO 8601 time ({exc})") from None
        with self.lock:
            self.events.setdefault(instance, []).append(event)
            return {"instance_id": instance, "events": list(self.events[instance])}

    def plant_zonal_shift(self, values: dict) -> dict:
        if "answered" in values:
            with self.lock:
                answered = values["answered"]
                self.zonal_shift_answered = answered if answered == "unavailable" else bool(answered)
        arn = values.get("resource")
        if arn:
            if not str(arn).startswith("arn:aws:elasticloadbalancing:"):
                raise PlantError("resource: a load balancer's ARN")
            zones = [str(z) for z in values.get("availability_zones") or []]
            now = datetime.now(UTC)
            shifts = []
            if away := values.get("away_from"):
                expires = now + timedelta(seconds=float(values.get("expires_in", 3600)))
                shifts.append(
                    {
                        "appliedStatus": "APPLIED",
                        "zonalShiftId": str(uuid.uuid4()),
                        "resourceIdentifier": arn,
                        "awayFrom": away,
                        "startTime": now.timestamp(),
                        "expiryTime": expires.timestamp(),
                        "comment": values.get("comment", "planted in the simulation"),
                        "shiftType": "ZONAL_SHIFT",
                    }
                )
            resource = {
                "arn": arn,
                "name": arn.rsplit("/", 2)[-2],
                "availabilityZones": zones,
                "appliedWeights": {z: (0.0 if z == values.get("away_from") else 1.0) for z in zones},
                "zonalShifts": shifts,
                "autoshifts": [],
                "zonalAutoshiftStatus": "ENABLED" if values.get("autoshift") else "DISABLED",
                "practiceRunStatus": "DISABLED",
            }
            with self.lock:
                self.managed[arn] = resource
        with self.lock:
            return {"answered": self.zonal_shift_answered, "resources": list(self.managed.values())}

    # --- the calls ---------------------------------------------------------------------------------------
    def answer(self, call):
        """The layer's own answer to a call moto does not know, or None."""
        if call.service == "ec2" and call.action == "ModifyInstanceMaintenanceOptions":
            return self._modify_maintenance(call)
        if call.service == "arc-zonal-shift":
            return self._zonal_shift(call)
        return None

    def rewrites(self, call) -> bool:
        return call.service == "ec2" and call.action in ("DescribeInstances", "DescribeInstanceStatus")

    def rewrite(self, call, answer):
        """moto's answer with what it lacks added: automatic recovery, scheduled events."""
        status, headers, body = answer
        if status != 200:
            return answer
        root = SafeET.fromstring(body)  # moto's own answer, parsed safely all the same
        ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
        q = (lambda tag: f"{{{ns}}}{tag}") if ns else (lambda tag: tag)
        with self.lock:
            if call.action == "DescribeInstances":
                for item in root.iter(q("instancesSet")):
                    for instance in item.findall(q("item")):
                        setting = self.auto_recovery.get(instance.findtext(q("instanceId")), "default")
                        options = ElementTree.SubElement(instance, q("maintenanceOptions"))
                        ElementTree.SubElement(options, q("autoRecovery")).text = setting
            else:
                for item in root.iter(q("item")):
                    events = self.events.get(item.findtext(q("instanceId")) or "")
                    if events and item.find(q("instanceState")) is not None:
                        listed = ElementTree.SubElement(item, q("eventsSet"))
                        for event in events:
                            entry = ElementTree.SubElement(listed, q("item"))
                            for key, value in event.items():
                                ElementTree.SubElement(entry, q(key)).text = value
        if ns:
            ElementTree.register_namespace("", ns)
        body = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"] + [("Content-Length", str(len(body)))]
        return status, headers, body

    def _modify_maintenance(self, call):
        instance, setting = call.params.get("InstanceId", ""), call.params.get("AutoRecovery", "")
        if setting not in ("default", "disabled"):
            return answers.error("ec2", 400, "InvalidParameterValue", f"Invalid value '{setting}' for AutoRecovery")
        if not _instance_exists(call.account, call.region, instance):
            return answers.error(
                "ec2", 400, "InvalidInstanceID.NotFound", f"The instance ID '{instance}' does not exist"
            )
        with self.lock:
            self.auto_recovery[instance] = setting
        return answers.xml(
            200,
            f'<?xml version="1.0" encoding="UTF-8"?>\n<ModifyInstanceMaintenanceOptionsResponse xmlns="{EC2_NS}">'
            f"<requestId>{answers.request_id()}</requestId><instanceId>{instance}</instanceId>"
            f"<autoRecovery>{setting}</autoRecovery></ModifyInstanceMaintenanceOptionsResponse>",
        )

    def _zonal_shift(self, call):
        with self.lock:
            answered, managed = self.zonal_shift_answered, {k: dict(v) for k, v in self.managed.items()}
        if not answered:  # as an endpoint without the service: no AWS answer at all
            return 404, [("Content-Type", "text/html"), ("Content-Length", "9")], b"Not Found"
        if answered == "unavailable":
            return _json_answer(503, {"message": "Service unavailable"}, "InternalServerException")
        if call.action == "ListManagedResources":
            return _json_answer(200, {"items": list(managed.values())})
        if call.action == "GetManagedResource":
            found = managed.get(call.params.get("resourceIdentifier", ""))
            if found is None:
                return _json_answer(404, {"message": "The resource was not found."}, "ResourceNotFoundException")
            return _json_answer(200, {k: v for k, v in found.items() if k not in ("availabilityZones",)})
        return _json_answer(400, {"message": f"{call.action or 'This call'} is not simulated."}, "ValidationException")


_DESCRIPTIONS = {
    "instance-retirement": "The instance is running on degraded hardware",
    "instance-stop": "The instance is running on degraded hardware",
    "instance-reboot": "Scheduled reboot",
    "system-reboot": "Scheduled system reboot",
    "system-maintenance": "Scheduled system maintenance",
}


def _json_answer(status: int, value: dict, error_type: str = ""):
    body = json.dumps(value).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    if error_type:
        headers.append(("x-amzn-ErrorType", error_type))
    return status, [*headers, ("x-amzn-RequestId", answers.request_id())], body


def _instance_exists(account: str, region: str, instance_id: str) -> bool:
    from moto.ec2.models import ec2_backends

    try:
        ec2_backends[account][region].get_instance(instance_id)
    except Exception:  # moto's InvalidInstanceIdError
        return False
    return True

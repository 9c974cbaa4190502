"""The layer of ours in front of moto's server (moto itself unmodified) that makes it behave like AWS.

Each request is identified (service and Region from the SigV4 credential scope; the action from the query
`Action`, or for REST services from moto's own router; the caller from the access key) and then, in order:
1. IAM: a key of an IAM user or assumed role is judged against its policies for each resource the call
   touches (webui/awssim/iam.py); denied -> UnauthorizedOperation (EC2) or AccessDenied, nothing changed;
2. DryRun (EC2): answered here, DryRunOperation when allowed, and never forwarded, so nothing changes;
3. the rate buckets of webui/awssim/rules.py: past one, RequestLimitExceeded (EC2, 503) or Throttling (400);
4. the latency of the call;
5. moto; Route 53 answers are then given change IDs of their own, PENDING until INSYNC (route53.py); what
   moto lacks is answered or added here (extras.py: scheduled events, automatic recovery, ARC zonal shift).
The layer's own answers never reach moto, so moto's recorder (persistence) never records them.

Admin paths (the tests' and the operator's, like moto's /moto-api/): POST /_awssim/reset refills every
bucket, makes every change INSYNC and restores the start rules; GET /_awssim/rules shows the rules;
POST /_awssim/rules {"WEBUI_AWSSIM_...": value, ...} sets some on top of the start rules; POST /_awssim/events
plants a scheduled event on an instance and POST /_awssim/zonal-shift a load balancer's zonal autoshift or
shift (extras.py).
"""

import functools
import io
import json
import random
import threading
import time
from collections import Counter
from dataclasses import asdict
from urllib.parse import parse_qsl

from webui.awssim import answers, extras, iam, route53
from webui.awssim.rules import PER_ACTION, Rules, SettingError, bucket_of, latency_kind, load
from webui.awssim.topology import SETUP_HEADER

QUERY_SERVICES = {"ec2", "sts", "iam", "elasticloadbalancing", "sns", "sqs", "autoscaling", "cloudwatch"}
SETUP_ENVIRON = "HTTP_" + SETUP_HEADER.upper().replace("-", "_")


class Call:
    """What one request is: service, Region, action, parameters and who signs it."""

    def __init__(self, environ: dict, service: str, region: str, access_key: str):
        self.environ, self.service, self.region, self.access_key = environ, service, region, access_key
        self.session_token = environ.get("HTTP_X_AMZ_SECURITY_TOKEN")
        self.setup = environ.get(SETUP_ENVIRON) == "1"
        self.body = b""
        self.action, self.params = "", {}

    @property
    def account(self) -> str:
        from moto.iam.models import get_account_id_from

        return get_account_id_from(self.access_key)


def identify(environ: dict) -> Call | None:
    """The call a request makes, or None for what is not a signed AWS call (moto's own paths, unsigned)."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    if "Credential=" not in auth:
        return None
    try:
        access_key, _, region, service, _ = auth.split("Credential=", 1)[1].split(",")[0].split("/")
    except ValueError:
        return None
    call = Call(environ, service.lower(), region, access_key)
    if call.service in QUERY_SERVICES or call.service == "route53":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        call.body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(call.body)
    if call.service in QUERY_SERVICES:
        params = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            params.update(parse_qsl(call.body.decode("utf-8", "replace"), keep_blank_values=True))
        call.action, call.params = params.get("Action", ""), params
    elif call.service == "monitoring":  # CloudWatch's RPC v2 (CBOR): the operation is the path's last part
        path = environ.get("PATH_INFO", "")
        call.action = path.rsplit("/operation/", 1)[-1] if "/operation/" in path else ""
    elif call.service == "arc-zonal-shift":  # not in moto: its two reads, by path
        parts = environ.get("PATH_INFO", "").strip("/").split("/")
        if parts[0] == "managedresources":
            call.action = "GetManagedResource" if len(parts) > 1 else "ListManagedResources"
            call.params = {"resourceIdentifier": "/".join(parts[1:])} if len(parts) > 1 else {}
    else:
        call.action, call.params = _rest_operation(call.service, environ)
    return call


def _rest_operation(service: str, environ: dict) -> tuple[str, dict]:
    from moto.core.request import Request
    from moto.core.routing import get_service_router

    try:
        operation, params = get_service_router(service).match(Request(environ))
    except Exception:
        return "", {}
    return operation.name, {k: v for k, v in params.items() if isinstance(v, str)}


class Layer:
    """The WSGI application: our rules, then moto's dispatcher (`app`)."""

    def __init__(self, app, rules: Rules):
        self.app, self.start_rules, self.rules = app, rules, rules
        self.lock = threading.Lock()
        self.route53_lock = threading.Lock()  # one change at a time, as Route 53 processes a zone's requests
        self.buckets: dict[tuple, list[float]] = {}
        self.propagation = route53.Propagation()
        self.bypass = False  # replaying recorded changes at start: the world as it was, no rules
        self.dns_port: int | None = None
        self.stats: Counter = Counter()
        self.extras = extras.Extras()

    # --- WSGI --------------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_awssim/"):
            return self._send(start_response, self.admin(environ, path))
        call = identify(environ)
        if call is None:
            return self.app(environ, start_response)
        free = self.bypass or call.setup
        if not free:
            with self.lock:
                self.stats[f"{call.service}.{call.action}"] += 1
        answer = None if self.bypass else self.judge(call) or (None if free else self.throttle(call))
        if answer:
            return self._send(start_response, answer)
        if not free:
            self.wait(call)
        if call.service == "route53":
            return self._send(start_response, self.route53(call, free))
        if (own := self.extras.answer(call)) is not None:
            return self._send(start_response, own)
        if self.extras.rewrites(call):
            return self._send(start_response, self.extras.rewrite(call, self.forward(environ)))
        return self.app(environ, start_response)

    @staticmethod
    def _send(start_response, answer):
        status, headers, body = answer
        start_response(f"{status} {_reason(status)}", headers)
        return [body]

    def forward(self, environ) -> tuple[int, list, bytes]:
        captured = {}

        def start(status, headers, exc_info=None):
            captured["status"], captured["headers"] = int(status.split()[0]), list(headers)

        chunks = self.app(environ, start)
        try:
            body = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
        return captured["status"], captured["headers"], body

    # --- 1 and 2: IAM, DryRun ----------------------------------------------------------------------
    def judge(self, call: Call):
        account = call.account
        found = iam.principal(account, call.access_key, call.session_token)
        if found is False:
            code = "AuthFailure" if call.service == "ec2" else "InvalidClientTokenId"
            return answers.error(call.service, 403, code, "The security token included in the request is invalid.")
        if found is not None:
            action = iam.iam_action(call.service, call.action)
            resources = iam.resources(call.service, call.action, call.params, region=call.region, account=account)
            refused = iam.judge(found, action, resources)
            if refused is not None:
                return answers.denied(call.service, principal=found.arn, action=action, resource=refused)
        if call.service == "iam" and call.action == "SimulatePrincipalPolicy":  # moto has no IAM simulator
            return iam.simulate_principal_policy(account, call.params)
        if call.service == "ec2" and call.params.get("DryRun", "").lower() == "true":
            if not _has_dry_run(call.action):  # AWS: "The parameter DryRun is not recognized"
                return answers.error("ec2", 400, "UnknownParameter", "The parameter DryRun is not recognized")
            return answers.dry_run()
        return None

    # --- 3 and 4: rate buckets, latency ------------------------------------------------------------
    def throttle(self, call: Call):
        rules = self.rules
        name = None if rules.ideal else bucket_of(call.service, call.action, call.params)
        if name is None:
            return None
        size, refill = rules.buckets[name]
        where = "global" if call.service == "route53" else call.region
        key = (call.account, where, name, call.action if name in PER_ACTION else "")
        with self.lock:
            now = time.monotonic()
            tokens, last = self.buckets.get(key, (float(size), now))
            tokens = min(float(size), tokens + (now - last) * refill)
            if tokens < 1:
                self.buckets[key] = [tokens, now]
                self.stats[f"throttled {name}"] += 1
                return answers.throttled(call.service)
            self.buckets[key] = [tokens - 1, now]
        return None

    def wait(self, call: Call) -> None:
        rules = self.rules
        if rules.ideal or not rules.latency_scale:
            return
        low, high = rules.latency_ms[latency_kind(call.service, call.action)]
        time.sleep(random.uniform(low, high) / 1000 * rules.latency_scale)

    # --- 5: Route 53 propagation ------------------------------------------------------------------
    def route53(self, call: Call, free: bool):
        if call.action == "GetChange":
            change = self.propagation.get(call.params.get("Id", ""))
            if change is not None:
                return route53.get_change_answer(change)
            return self.forward(call.environ)  # made before a restart: long INSYNC
        delay = 0.0 if free or self.rules.ideal else self.rules.insync_seconds
        if call.action != "ChangeResourceRecordSets":
            return self._with_change_info(self.forward(call.environ), "", {}, delay)
        zone_id = (call.params.get("HostedZoneId") or call.params.get("Id", "")).split("/")[-1]
        records = route53.changed_records(call.body)
        with self.route53_lock:
            if not free and self.propagation.blocked(zone_id, records):
                return answers.error("route53", 400, "PriorRequestNotComplete", route53.PRIOR_REQUEST_MESSAGE)
            before = self.propagation.before(zone_id, records)
            return self._with_change_info(self.forward(call.environ), zone_id, before, delay)

    def _with_change_info(self, answer, zone_id: str, before: dict, delay: float):
        status, headers, body = answer
        if status != 200 or b"<ChangeInfo>" not in body:
            return answer
        body = route53.rewrite(body, self.propagation.accepted(zone_id, before, delay))
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"] + [("Content-Length", str(len(body)))]
        return status, headers, body

    # --- admin ---------------------------------------------------------------------------------------
    def reset(self) -> int:
        with self.lock:
            self.buckets.clear()
            self.stats.clear()
            self.rules = self.start_rules
        self.extras.reset()
        return self.propagation.settle()

    def admin(self, environ, path: str):
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/_awssim/reset" and method == "POST":
            return _json(200, {"settled": self.reset()})
        if path == "/_awssim/rules":
            if method == "POST":
                length = int(environ.get("CONTENT_LENGTH") or 0)
                try:
                    values = json.loads(environ["wsgi.input"].read(length) or b"{}")
                    self.rules = load(values, base=self.start_rules)
                except (SettingError, ValueError) as exc:
                    return _json(400, {"error": str(exc)})
                with self.lock:
                    self.buckets.clear()
            return _json(200, asdict(self.rules) | {"dns_port": self.dns_port})
        if path == "/_awssim/stats":
            return _json(200, dict(self.stats))
        plant = {"/_awssim/events": self.extras.plant_event, "/_awssim/zonal-shift": self.extras.plant_zonal_shift}
        if path in plant and method == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            try:
                return _json(200, plant[path](json.loads(environ["wsgi.input"].read(length) or b"{}")))
            except (extras.PlantError, ValueError, TypeError) as exc:
                return _json(400, {"error": str(exc)})
        return _json(404, {"error": f"no such path {path}"})


@functools.cache
def _has_dry_run(action: str) -> bool:
    """The action takes DryRun in EC2's API model (AssignPrivateIpAddresses, for one, does not)."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("ec2")
    try:
        return "DryRun" in model.operation_model(action).input_shape.members
    except Exception:
        return True


def _json(status: int, value: dict):
    body = json.dumps(value).encode()
    return status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))], body


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"

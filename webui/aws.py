"""The one place that makes boto3 clients, and where every AWS call is paced, ordered and waited for.

Credentials and region come from boto3's standard chain; AWS_ENDPOINT_URL (boto3's own variable)
points every client at another endpoint, such as the embedded simulation. Timeouts come from settings.

Each attempt of a call first takes a token of the account-wide budget (webui/awsbudget.py) at the priority
of what it is for (`priority`: FAILOVER, OPERATION, READ). A throttling answer (and Route 53's
PriorRequestNotComplete) is waited out and tried again with jitter until the call's deadline, so it is never a
failure by itself: only past the deadline does it raise, and `failure_kind` calls that "throttled", not an error.
Any other answer worth another try (no answer, an endpoint's 5xx) is botocore's standard retry mode, with
WEBUI_AWS_MAX_ATTEMPTS attempts in all.
"""

import contextlib
import contextvars
import os
import random
import threading
import time
from functools import lru_cache
from pathlib import Path

import boto3
import botocore.exceptions
import botocore.parsers
from botocore.config import Config
from botocore.retries import standard
from django.conf import settings

from webui import awsbudget
from webui.awsbudget import FAILOVER, OPERATION, READ
from webui.awslimits import THROTTLING_CODES

__all__ = ["FAILOVER", "OPERATION", "READ", "THROTTLING_CODES"]

_lock = threading.Lock()

TIMEOUT_MESSAGE = "Timeout occurred."  # the guide's wording for a call that got no answer

_bound: contextvars.ContextVar[float | None] = contextvars.ContextVar("aws_bound", default=None)
# When waiting for AWS's rate must end (time.monotonic()); None: each call's own, by its priority.
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("aws_deadline", default=None)
_priority: contextvars.ContextVar[int] = contextvars.ContextVar("aws_priority", default=READ)


@contextlib.contextmanager
def bounded(seconds: float, *, waits: bool = True):
    """Within this block, every AWS call with all its retries ends within about `seconds` (a monitor's
    Timeout, a resource's AWS CLI Timeout): botocore's own timeouts are shortened to fit, so no thread is ever
    left hanging. With `waits`, waiting for AWS's rate (the budget, throttling) ends then too."""
    token = _bound.set(seconds)
    until = _deadline.set(time.monotonic() + seconds) if waits else None
    try:
        yield
    finally:
        _bound.reset(token)
        if until is not None:
            _deadline.reset(until)


@contextlib.contextmanager
def patience(seconds: float):
    """Within this block, waiting for AWS's rate (the budget, throttling) ends after `seconds`: what cannot go now
    goes another time (awsbudget.Exhausted, or the throttling answer)."""
    until = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(until)


@contextlib.contextmanager
def priority(level: int):
    """AWS calls in this block go at `level` in the budget: FAILOVER, OPERATION or READ (the default)."""
    token = _priority.set(level)
    try:
        yield
    finally:
        _priority.reset(token)


def client(service: str, *, region: str | None = None):
    """A boto3 client for `service`; clients are cached and thread-safe."""
    connect, read = settings.AWS_CONNECT_TIMEOUT, settings.AWS_READ_TIMEOUT
    if (bound := _bound.get()) is not None:
        per_attempt = max(0.5, bound / settings.AWS_MAX_ATTEMPTS) / 2
        connect, read = min(connect, per_attempt), min(read, per_attempt)
    return _client(
        service, region or settings.AWS_REGION, settings.AWS_ENDPOINT_URL, connect, read, settings.AWS_MAX_ATTEMPTS
    )


def all_pages(service: str, operation: str, key: str, **kwargs) -> list[dict]:
    """Every page of a list call: one call stops at 100 hosted zones, 1,000 objects..."""
    pages = client(service).get_paginator(operation).paginate(**kwargs)
    return [item for page in pages for item in page.get(key, [])]


def region() -> str:
    return settings.AWS_REGION


class CallCounter:
    """Counts the AWS API calls made in this process while it is active (benchmarks, tests of batching), and the
    throttling answers waited out."""

    active: "CallCounter | None" = None

    def __init__(self):
        self.calls: list[str] = []
        self.throttled: list[str] = []

    def __enter__(self):
        CallCounter.active = self
        return self

    def __exit__(self, *exc):
        CallCounter.active = None

    def __len__(self) -> int:
        return len(self.calls)


class _Call:
    """What is kept of one API call across its attempts."""

    __slots__ = ("bucket", "deadline", "name", "priority")

    def __init__(self, name: str, bucket, level: int, deadline: float):
        self.name, self.bucket, self.priority, self.deadline = name, bucket, level, deadline


def _before_call(model, params, context, **kwargs):
    name = f"{model.service_model.service_name}.{model.name}"
    if CallCounter.active is not None:
        CallCounter.active.calls.append(name)
    level, deadline = _priority.get(), _deadline.get()
    if deadline is None:  # a run waits long for AWS's rate; a page or a check no longer than for an answer
        deadline = time.monotonic() + (
            settings.AWS_THROTTLE_WAIT_SECONDS if level < READ else settings.AWS_READ_TIMEOUT
        )
    body = params.get("body")
    found = awsbudget.bucket(model.service_model.service_name, model.name, body if isinstance(body, dict) else {})
    context["webui"] = _Call(name, found, level, deadline)


def _before_send(request, **kwargs):
    """Each attempt takes a token of the budget first (awsbudget.Exhausted past the call's deadline)."""
    call = request.context.get("webui")
    if call is None or call.bucket is None:
        return
    awsbudget.take(call.bucket, priority=call.priority, deadline=call.deadline)


def _error_code(response) -> str:
    if not response:
        return ""
    http, parsed = response
    code = (parsed or {}).get("Error", {}).get("Code", "")
    return code or ("TooManyRequestsException" if getattr(http, "status_code", 0) == 429 else "")


class _Retries:
    """botocore's needs-retry: throttling is waited out here until the call's deadline; the rest is standard
    mode's (its attempts, backoff and retry quota)."""

    def __init__(self, standard_handler):
        self.standard = standard_handler

    def needs_retry(self, **kwargs):
        if isinstance(kwargs.get("caught_exception"), awsbudget.Exhausted):
            return False
        code = _error_code(kwargs.get("response"))
        if code not in THROTTLING_CODES:
            return self.standard.needs_retry(**kwargs)
        call = kwargs["request_dict"]["context"].get("webui")
        if code == "PriorRequestNotComplete":  # the record's previous change is still PENDING: seconds, not a rate
            delay = random.uniform(1.0, 3.0)
        else:  # the budget paces the next attempt; the jitter keeps callers from coming back together
            if call is not None and call.bucket is not None:
                awsbudget.throttled(call.bucket)
            delay = random.uniform(0.05, min(5.0, 0.2 * 2 ** min(kwargs.get("attempts", 1), 5)))
        if CallCounter.active is not None:
            CallCounter.active.throttled.append(f"{call.name if call else '?'}: {code}")
        if call is not None and time.monotonic() + delay > call.deadline:
            return False  # past its deadline: failure_kind says "throttled" (a warning), never an error
        return delay


def _config(region, connect_timeout, read_timeout, max_attempts) -> Config:
    return Config(
        region_name=region,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        # total_max_attempts counts the first attempt (botocore's "max_attempts" would count retries only).
        retries={"mode": "standard", "total_max_attempts": max_attempts},
        user_agent_appid="ClusterWebUI",
    )


@lru_cache(maxsize=64)
def _client(service, region, endpoint, connect_timeout, read_timeout, max_attempts):
    config = _config(region, connect_timeout, read_timeout, max_attempts)
    with _lock:  # boto3 sessions are not thread-safe; clients are
        made = boto3.session.Session().client(service, endpoint_url=endpoint, config=config)
    return _paced(made, max_attempts)


def _paced(made, max_attempts: int):
    """The client's calls take the budget's tokens, wait out throttling and are counted (see the module)."""
    events = made.meta.events
    events.register("before-call", _before_call)
    events.register("before-send", _before_send)
    service_id = made.meta.service_model.service_id.hyphenize()
    unique = f"retry-config-{service_id}"
    events.unregister(f"needs-retry.{service_id}", unique_id=unique)  # standard mode's own, wrapped instead
    handler = standard.register_retry_handler(made, max_attempts=max_attempts)
    events.unregister(f"needs-retry.{service_id}", unique_id=unique)
    events.register(f"needs-retry.{service_id}", _Retries(handler).needs_retry, unique_id=unique)
    return made


def client_as(service: str, credentials: dict):
    """A client signed with other credentials (an assumed role's: the failover rehearsal acts as the server
    that would act); made anew, not cached: they expire."""
    config = _config(
        settings.AWS_REGION, settings.AWS_CONNECT_TIMEOUT, settings.AWS_READ_TIMEOUT, settings.AWS_MAX_ATTEMPTS
    )
    with _lock:
        session = boto3.session.Session(
            aws_access_key_id=credentials["access_key_id"],
            aws_secret_access_key=credentials["secret_access_key"],
            aws_session_token=credentials.get("session_token"),
        )
        made = session.client(service, endpoint_url=settings.AWS_ENDPOINT_URL, config=config)
    return _paced(made, settings.AWS_MAX_ATTEMPTS)


def reset_clients() -> None:
    """Forget cached clients (after the endpoint or credentials change, e.g. in tests)."""
    _client.cache_clear()


def account_configured() -> bool:
    """True when an endpoint is given or boto3 can find credentials of a real account."""
    if settings.AWS_ENDPOINT_URL:
        return True
    return boto3.session.Session().get_credentials() is not None


def simulation_env() -> dict[str, str]:
    """The environment of a process that talks to the embedded simulation (moto takes any key)."""
    return {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": settings.AWS_REGION}


def simulation_endpoint() -> str:
    return f"http://127.0.0.1:{settings.EMBEDDED_AWS_PORT}"


def use_embedded_simulation() -> bool:
    """With no account configured, talk to the simulation `manage.py serve` runs on this machine (as its own
    children do), if it runs; True if so. A node agent started beside `make run` needs nothing set."""
    if account_configured() or not (Path(settings.VAR_DIR) / "awssim.json").exists():
        return False
    os.environ.update(simulation_env())
    settings.AWS_ENDPOINT_URL = simulation_endpoint()
    reset_clients()
    return True


class Failed(Exception):
    """An AWS failure met by another worker and passed on classified (a monitor read shared by a round)."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind, self.message = kind, message


def error_message(exc: Exception) -> str:
    """One line for an AWS failure, in the words the guide's messages use."""
    if isinstance(exc, (awsbudget.Exhausted, Failed)):
        return str(exc)
    if isinstance(exc, (botocore.exceptions.ConnectTimeoutError, botocore.exceptions.ReadTimeoutError)):
        return TIMEOUT_MESSAGE
    if isinstance(exc, botocore.exceptions.ClientError):
        return exc.response.get("Error", {}).get("Message") or str(exc)
    if isinstance(exc, botocore.exceptions.NoCredentialsError):
        return "No AWS credentials were found; configure them (aws configure) or set AWS_ENDPOINT_URL."
    if isinstance(exc, botocore.parsers.ResponseParserError):
        return "The endpoint answered with something that is not an AWS response (an error page?)."
    if isinstance(exc, botocore.exceptions.EndpointConnectionError):
        return f"Could not connect to the endpoint URL: {exc.kwargs.get('endpoint_url', '')}"
    return str(exc)


# Everything an AWS call can raise: a check or a run reports it, never crashes on it. An answer that is
# not AWS's (a proxy's or a simulation's error page) is a ResponseParserError, outside BotoCoreError.
def failure_kind(exc: Exception) -> str:
    """How the guide treats an AWS failure (after botocore's retries).

    "no_response": no usable answer (timeouts, refused or dropped connections, an endpoint's own
    5xx error or unparseable answer): the monitor's "Action when AWS CLI command failed to receive
    response" decides. "throttled": the account's API rate limit. "error": AWS answered what is
    wrong (a released EIP, a revoked permission, a deleted route table): a detected error.
    """
    if isinstance(exc, awsbudget.Exhausted):
        return "throttled"
    if isinstance(exc, Failed):
        return exc.kind
    if isinstance(exc, botocore.exceptions.ClientError):
        error = exc.response.get("Error", {})
        if error.get("Code") in THROTTLING_CODES:
            return "throttled"
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return "no_response" if status >= 500 else "error"
    if isinstance(
        exc,
        (
            botocore.exceptions.NoCredentialsError,
            botocore.exceptions.PartialCredentialsError,
            botocore.exceptions.ParamValidationError,
        ),
    ):
        return "error"  # our own configuration is wrong: nothing was even sent
    return "no_response"


AWS_ERRORS = (
    botocore.exceptions.BotoCoreError,
    botocore.exceptions.ClientError,
    botocore.parsers.ResponseParserError,
    awsbudget.Exhausted,
    Failed,
)


def check_connection(log) -> dict:
    """Credentials and region work: who we are and which Availability Zones the region has."""
    identity = client("sts").get_caller_identity()
    log(f"Signed in to account {identity['Account']} as {identity['Arn']}.")
    zones = client("ec2").describe_availability_zones()["AvailabilityZones"]
    names = sorted(z["ZoneName"] for z in zones)
    log(f"Region {settings.AWS_REGION}: Availability Zones {', '.join(names)}.")
    return {"account": identity["Account"], "region": settings.AWS_REGION, "availability_zones": names}

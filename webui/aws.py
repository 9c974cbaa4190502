"""The one place that makes boto3 clients.

Credentials and region come from boto3's standard chain; AWS_ENDPOINT_URL (boto3's own variable)
points every client at another endpoint, such as the embedded simulation. Retries use botocore's
standard mode, which also retries throttling; timeouts come from settings.
"""

import contextlib
import contextvars
import os
import threading
from functools import lru_cache
from pathlib import Path

import boto3
import botocore.exceptions
import botocore.parsers
from botocore.config import Config
from django.conf import settings

_lock = threading.Lock()

TIMEOUT_MESSAGE = "Timeout occurred."  # the guide's wording for a call that got no answer
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
    }
)


_bound: contextvars.ContextVar[float | None] = contextvars.ContextVar("aws_bound", default=None)


@contextlib.contextmanager
def bounded(seconds: float):
    """Within this block, every AWS call with all its retries ends within about `seconds` (a monitor's
    Timeout): botocore's own timeouts are shortened to fit, so no thread is ever left hanging."""
    token = _bound.set(seconds)
    try:
        yield
    finally:
        _bound.reset(token)


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
    """Counts the AWS API calls made while it is active (for benchmarks and tests of batching)."""

    active: "CallCounter | None" = None

    def __init__(self):
        self.calls: list[str] = []

    def __enter__(self):
        CallCounter.active = self
        return self

    def __exit__(self, *exc):
        CallCounter.active = None

    def __len__(self) -> int:
        return len(self.calls)


def _count(model, **kwargs):
    if CallCounter.active is not None:
        CallCounter.active.calls.append(f"{model.service_model.service_name}.{model.name}")


@lru_cache(maxsize=64)
def _client(service, region, endpoint, connect_timeout, read_timeout, max_attempts):
    config = Config(
        region_name=region,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"mode": "standard", "max_attempts": max_attempts},
        user_agent_appid="ClusterWebUI",
    )
    with _lock:  # boto3 sessions are not thread-safe; clients are
        made = boto3.session.Session().client(service, endpoint_url=endpoint, config=config)
    made.meta.events.register("before-call", _count)  # once per attempt-independent API call
    return made


def client_as(service: str, credentials: dict):
    """A client signed with other credentials (an assumed role's: the failover rehearsal acts as the server
    that would act); made anew, not cached: they expire."""
    config = Config(
        region_name=settings.AWS_REGION,
        connect_timeout=settings.AWS_CONNECT_TIMEOUT,
        read_timeout=settings.AWS_READ_TIMEOUT,
        retries={"mode": "standard", "max_attempts": settings.AWS_MAX_ATTEMPTS},
        user_agent_appid="ClusterWebUI",
    )
    with _lock:
        session = boto3.session.Session(
            aws_access_key_id=credentials["access_key_id"],
            aws_secret_access_key=credentials["secret_access_key"],
            aws_session_token=credentials.get("session_token"),
        )
        made = session.client(service, endpoint_url=settings.AWS_ENDPOINT_URL, config=config)
    made.meta.events.register("before-call", _count)
    return made


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


def error_message(exc: Exception) -> str:
    """One line for an AWS failure, in the words the guide's messages use."""
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


AWS_ERRORS = (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError, botocore.parsers.ResponseParserError)


def check_connection(log) -> dict:
    """Credentials and region work: who we are and which Availability Zones the region has."""
    identity = client("sts").get_caller_identity()
    log(f"Signed in to account {identity['Account']} as {identity['Arn']}.")
    zones = client("ec2").describe_availability_zones()["AvailabilityZones"]
    names = sorted(z["ZoneName"] for z in zones)
    log(f"Region {settings.AWS_REGION}: Availability Zones {', '.join(names)}.")
    return {"account": identity["Account"], "region": settings.AWS_REGION, "availability_zones": names}

"""Monitor reads shared by every monitor of a kind in one account and scope (a VPC, a hosted zone, the Region):
one Describe call a round serves them all, whichever worker watches them, so AWS calls grow with VPCs and
zones, not with monitors.

A read is kept in Redis as a hash (one field a route, an address, a record...) for a round (`in_round`; or
WEBUI_TICK_SECONDS): the first monitor of the round that needs it reads AWS while the others wait for its
answer (one reader at a time per read, under a lock that runs out), and each takes only its own field. A read
older than what a monitor must see (`not_before`: its target's last change, so that a move just made is
never judged from a read made before it) is read again. An AWS failure is shared too, so a round of monitors
reports the one failure instead of each repeating the call. Without Redis each worker reads for itself.
"""

import contextlib
import contextvars
import json
import time
from collections.abc import Callable

import redis
from django.conf import settings

from webui import aws, awsbudget
from webui.aws import Failed

AT, FAILED = ":at", ":failed"  # fields of the hash beside the read's own
POLL = 0.05

_not_before: contextvars.ContextVar[float] = contextvars.ContextVar("awsreads_not_before", default=0.0)
_round: contextvars.ContextVar[float | None] = contextvars.ContextVar("awsreads_round", default=None)


@contextlib.contextmanager
def not_before(timestamp: float):
    """Reads used in this block were made at `timestamp` (time.time()) or later."""
    token = _not_before.set(timestamp)
    try:
        yield
    finally:
        _not_before.reset(token)


@contextlib.contextmanager
def in_round(started: float | None):
    """The watches in this block belong to the round beat started at `started` (time.time()): a read made since
    serves them all, however long the round takes. None: a read of the last WEBUI_TICK_SECONDS does."""
    token = _round.set(started)
    try:
        yield
    finally:
        _round.reset(token)


def lookup(kind: str, scope: str, key: str, read: Callable[[], dict[str, object]], *, wait: float = 30.0):
    """The value of `key` in the round's read of `kind` in `scope` (None when the read has no such key).

    `read` makes the read: one AWS call (or its pages), answering every key it found -> a JSON-able value.
    Raises the AWS error when this worker made the read and it failed, webui.aws.Failed (classified alike) when
    another did."""
    client = awsbudget.redis_client()
    if client is None:
        return read().get(key)
    name = f"webui:awsread:{awsbudget.namespace()}:{kind}:{scope}"
    started = _round.get()
    oldest = max(time.time() - settings.WEBUI_TICK_SECONDS if started is None else started, _not_before.get())
    deadline = time.monotonic() + wait
    try:
        while True:
            at, failed, value = client.hmget(name, AT, FAILED, key)
            if at is not None and float(at) >= oldest:
                if failed is not None:
                    found = json.loads(failed)
                    raise Failed(found["kind"], found["message"])
                return None if value is None else json.loads(value)
            lock = client.lock(f"{name}:reading", timeout=wait, blocking=False)
            if lock.acquire():
                try:
                    return _read(client, name, key, read)
                finally:
                    with contextlib.suppress(redis.exceptions.LockError):
                        lock.release()
            if time.monotonic() > deadline:
                return read().get(key)  # the reader holding the lock is lost: read alone
            time.sleep(POLL)
    except redis.RedisError as exc:
        awsbudget.out_of_reach(exc)
        return read().get(key)


def _read(client, name: str, key: str, read):
    started = time.time()
    try:
        found = read()
    except aws.AWS_ERRORS as exc:
        failure = {"kind": aws.failure_kind(exc), "message": aws.error_message(exc)}
        _store(client, name, {FAILED: json.dumps(failure)}, started)
        raise
    _store(client, name, {k: json.dumps(v) for k, v in found.items()}, started)
    return found.get(key)


def _store(client, name: str, fields: dict, started: float) -> None:
    with client.pipeline() as pipe:  # MULTI: a reader sees the whole read or the one before
        pipe.delete(name)
        pipe.hset(name, mapping={**fields, AT: repr(started)})
        pipe.expire(name, int(max(30, settings.WEBUI_TICK_SECONDS * 6)))  # a slow round still finds it
        pipe.execute()


def addresses() -> dict[str, dict]:
    """Every Elastic IP of the Region -> {"eni": the ENI it is associated with ("" for none), "ip": its public
    address}: the EIP monitors and operation mode's picture share it."""
    found = aws.client("ec2").describe_addresses()["Addresses"]
    return {
        a["AllocationId"]: {"eni": a.get("NetworkInterfaceId", ""), "ip": a.get("PublicIp", "")}
        for a in found
        if "AllocationId" in a
    }

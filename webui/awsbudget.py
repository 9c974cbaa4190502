"""The account-wide budget of AWS calls: token buckets in Redis shaped like AWS's own (webui/awslimits.py),
shared by every worker, beat and cluster of the console, so that its calls stay under AWS's and go in the
order of what they are for.

Priorities: FAILOVER (forced stops and failovers), then OPERATION (what an operator asked for), then READ
(monitor reads, server health, checks, pick lists). A lower priority takes a token only while no higher one
waits for that bucket and the bucket keeps a reserve for them (RESERVE: READ leaves half of it, OPERATION a
fifth): a failover storm drains a bucket to zero while reads wait for it to refill.

webui.aws takes a token before each attempt of a call (`take`), and a throttling answer from AWS empties the
bucket here too (`throttled`), so that every worker backs off at once and the count follows AWS's. Without
Redis, calls go unpaced (AWS's throttling is still waited out) and Redis is tried again RETRY_REDIS s later.
"""

import hashlib
import logging
import random
import threading
import time
from dataclasses import dataclass
from functools import cache

import redis
from django.conf import settings

from webui.awslimits import BUCKETS, PER_ACTION, bucket_of

logger = logging.getLogger(__name__)

FAILOVER, OPERATION, READ = 0, 1, 2
NAMES = {FAILOVER: "failover", OPERATION: "operation", READ: "read"}
RESERVE = {FAILOVER: 0.0, OPERATION: 0.2, READ: 0.5}  # the share of a bucket a priority leaves to higher ones
WAITING_MS = 1000  # a waiter's flag lives this long unless it renews it (each try, at most every POLL s)
POLL = 0.5
RETRY_REDIS = 10.0
SLACK = 1.0  # tokens of AWS's bucket the budget leaves unused

# One atomic try for a token. KEYS[1]: the bucket (tokens, at); KEYS[2]: this priority's waiting flag;
# KEYS[3..]: the higher priorities' flags. ARGV: size, refill a second, reserve, flag ms, drain (1: AWS
# throttled). Redis's clock is everyone's clock. Answers "0" (taken) or the seconds to wait before trying again.
TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local size, refill, reserve = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or size
local at = tonumber(state[2]) or now
tokens = math.min(size, tokens + math.max(0, now - at) * refill)
local full_ms = math.ceil((size - tokens) / refill * 1000) + 1000
if ARGV[5] == '1' then
  redis.call('HSET', KEYS[1], 'tokens', '0', 'at', tostring(now))
  redis.call('PEXPIRE', KEYS[1], math.ceil(size / refill * 1000) + 1000)
  return '0'
end
local ahead = 0
for i = 3, #KEYS do ahead = ahead + redis.call('EXISTS', KEYS[i]) end
if ahead == 0 and tokens >= reserve + 1 then
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - 1), 'at', tostring(now))
  redis.call('PEXPIRE', KEYS[1], full_ms + math.ceil(1000 / refill))
  return '0'
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], full_ms)
redis.call('SET', KEYS[2], '1', 'PX', ARGV[4])
return tostring(math.max(reserve + 1 - tokens, 0.05) / refill)
"""


class Exhausted(Exception):
    """No token came before the call's deadline: AWS's rate for it is spent on calls that go first."""

    def __init__(self, bucket: "Bucket", priority: int, waited: float):
        super().__init__(
            f"AWS's request rate for {bucket.label} is spent on calls that go first (waited {waited:.1f} s "
            f"as a {NAMES[priority]} call; {bucket.refill:g} a second)."
        )
        self.bucket, self.priority, self.waited = bucket, priority, waited


@dataclass(frozen=True)
class Bucket:
    name: str  # the table's name, e.g. "ec2_mutating"
    action: str  # the action whose bucket it is, or "" for one shared by a service
    size: float
    refill: float
    key: str

    @property
    def label(self) -> str:
        return f"{self.action} ({self.name})" if self.action else self.name


def figures() -> dict[str, tuple[float, float]]:
    """Each bucket's (size, refill a second): AWS's published ones times WEBUI_AWS_BUDGET_SHARE, or as
    WEBUI_AWS_BUDGET_RATES sets them (an account whose limits AWS raised)."""
    share = settings.AWS_BUDGET_SHARE
    found = {name: (max(1.0, row[0] * share), row[1] * share) for name, row in BUCKETS.items()}
    return found | dict(settings.AWS_BUDGET_RATES)


def bucket(service: str, action: str, params: dict) -> Bucket | None:
    """The budget's bucket for a call (None: not budgeted, as AWS publishes no bucket for it)."""
    name = bucket_of(service, action, params)
    if name is None:
        return None
    size, refill = figures()[name]
    scope = action if name in PER_ACTION else ""
    # A token kept back: calls granted a refill apart may reach AWS closer together than that.
    return Bucket(name, scope, max(1.0, size - SLACK), refill, f"webui:awsbudget:{namespace()}:{name}:{scope}")


def namespace() -> str:
    """One account and Region: the Region, and the endpoint when one is set (a simulation, a proxy)."""
    endpoint = settings.AWS_ENDPOINT_URL or "aws"
    return f"{settings.AWS_REGION}:{hashlib.sha1(endpoint.encode()).hexdigest()[:8]}"  # noqa: S324 - a name


def take(found: Bucket, *, priority: int, deadline: float) -> float:
    """Wait for a token of `found` (time.monotonic() `deadline`); the seconds waited. Exhausted past the deadline."""
    started = time.monotonic()
    while True:
        wait = _try(found, priority)
        if wait <= 0:
            return time.monotonic() - started
        now = time.monotonic()
        if now + wait > deadline:
            raise Exhausted(found, priority, now - started)
        time.sleep(min(wait, POLL) * random.uniform(1.0, 1.2))  # jitter: waiters do not all come back at once


def throttled(found: Bucket) -> None:
    """AWS answered that the bucket is empty: ours is emptied too, so every caller waits for the refill."""
    _try(found, FAILOVER, drain=True)


# --- Redis ---------------------------------------------------------------------------------------------

_down_until = 0.0
_lock = threading.Lock()


@cache
def _connect(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=1)


@cache
def _script(url: str):
    return _connect(url).register_script(TAKE)


def redis_client() -> redis.Redis | None:
    """The budget's Redis (the broker's), or None while it is out of reach."""
    if time.monotonic() < _down_until:
        return None
    return _connect(settings.CELERY_BROKER_URL)


def out_of_reach(exc: Exception) -> None:
    """Redis failed: go without it for RETRY_REDIS s (said once)."""
    global _down_until
    with _lock:
        if time.monotonic() >= _down_until:
            logger.warning("AWS calls go unpaced for %.0f s: Redis is out of reach (%s)", RETRY_REDIS, exc)
        _down_until = time.monotonic() + RETRY_REDIS


def _try(found: Bucket, priority: int, *, drain: bool = False) -> float:
    """One try: 0 when a token was taken (or the budget is off or out of reach), else the seconds to wait."""
    if not settings.AWS_BUDGET or redis_client() is None:
        return 0.0
    flags = [f"{found.key}:waiting:{p}" for p in range(priority + 1)]
    try:
        answer = _script(settings.CELERY_BROKER_URL)(
            keys=[found.key, flags[-1], *flags[:-1]],
            args=[found.size, found.refill, found.size * RESERVE[priority], WAITING_MS, "1" if drain else "0"],
        )
    except redis.RedisError as exc:
        out_of_reach(exc)
        return 0.0
    return float(answer)


def reset() -> None:
    """Forget that Redis was out of reach (tests, after they start one)."""
    global _down_until
    _down_until = 0.0
    _script.cache_clear()
    _connect.cache_clear()

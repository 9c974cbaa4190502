"""Monitoring on Celery: beat's tick sends a task per cluster, which sends one per due monitor.

Any worker may take any of them; a lease in Redis (a lock that runs out) keeps two workers off the
same cluster or monitor, and a worker killed while holding one holds it only until it runs out.
"""

import contextlib
import time
from functools import cache

import redis
from celery import shared_task
from django.conf import settings

from clusters.operation import drift

from . import engine


@cache
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=5)


@contextlib.contextmanager
def lease(name: str, seconds: float):
    """Yields whether this worker holds the lease `name`; given back at the end (it runs out anyway)."""
    lock = _redis(settings.CELERY_BROKER_URL).lock(f"webui:lease:{name}", timeout=seconds, blocking=False)
    held = lock.acquire()
    try:
        yield held
    finally:
        if held:
            with contextlib.suppress(redis.exceptions.LockError):  # it ran out: someone may hold it anew
                lock.release()


@shared_task(name="monitors.tick", ignore_result=True)
def tick() -> None:
    """Beat's round (one beat acts at a time: celery-redbeat): a task per cluster, skipped by the worker that
    takes it while another still holds that cluster's lease."""
    round_start = time.time()  # the round's monitors share their AWS reads (webui.awsreads)
    for pk in engine.clusters_to_watch():
        watch_cluster.apply_async(args=[pk, round_start], expires=settings.WEBUI_CLUSTER_LEASE_SECONDS)


@shared_task(name="monitors.watch_cluster", ignore_result=True)
def watch_cluster(pk: int, round_start: float | None = None) -> None:
    with lease(f"cluster:{pk}", settings.WEBUI_CLUSTER_LEASE_SECONDS) as held:
        if not held:
            return
        _, due = engine.watch_cluster(pk)
    for name in due:
        watch_monitor.apply_async(args=[pk, name, round_start], expires=settings.WEBUI_CLUSTER_LEASE_SECONDS)


@shared_task(name="monitors.watch_monitor", ignore_result=True)
def watch_monitor(pk: int, name: str, round_start: float | None = None) -> None:
    engine.watch_monitor(
        pk,
        name,
        lease=lambda seconds: lease(f"monitor:{pk}:{name}", seconds + settings.WEBUI_MONITOR_LEASE_SLACK_SECONDS),
        round_start=round_start,
    )


@shared_task(name="clusters.watch_drift", ignore_result=True)
def watch_drift() -> None:
    """Beat's drift round (WEBUI_DRIFT_WATCH_SECONDS): Check AWS on each applied cluster, a task each."""
    for pk in drift.clusters_to_watch():
        watch_drift_of.apply_async(args=[pk], expires=settings.WEBUI_DRIFT_WATCH_SECONDS)


@shared_task(name="clusters.watch_drift_of", ignore_result=True)
def watch_drift_of(pk: int) -> None:
    # A round holds its cluster for at most an interval: a second worker never watches it at the same time.
    with lease(f"drift:{pk}", settings.WEBUI_DRIFT_WATCH_SECONDS) as held:
        if held:
            drift.watch_cluster(pk)

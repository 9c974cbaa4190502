import contextlib

import redis
from celery import shared_task
from django.conf import settings

from . import engine


@shared_task(name="monitors.tick", ignore_result=True)
def tick() -> None:
    """Beat's round. One at a time across every worker: a round slower than beat's period is not doubled."""
    lock = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=5).lock(
        "webui:monitors.tick", timeout=settings.WEBUI_TICK_LOCK_SECONDS, blocking=False
    )
    if not lock.acquire():
        return
    try:
        engine.tick()
    finally:
        with contextlib.suppress(redis.exceptions.LockError):  # it outlived its timeout: the next round takes anew
            lock.release()

from celery import shared_task

from . import engine


@shared_task(name="monitors.tick", ignore_result=True)
def tick() -> None:
    engine.tick()

"""An AZ lost under AWS's rates, for real: three clusters of ten groups in one account, run by two Celery worker
processes (each with its beat) against the AWS simulation with small rate buckets. Every group ends online on
server 2, none in error, no monitor errs, and the account-wide budget kept the engine under the buckets
(tests/azloss.py; bench/failover.py azloss measures 20 x 10 with AWS's own buckets)."""

import pytest
import redis
from django.db import connection

from tests.azloss import Fleet, Workers, budget_rates, rates
from tests.conftest import ARTIFACTS, point_celery_at

pytestmark = [pytest.mark.worker]

# Buckets a tenth of AWS's, so that three clusters' failovers need more than a burst of each.
RULES = {
    "WEBUI_AWSSIM_EC2_MUTATING_SIZE": 5,
    "WEBUI_AWSSIM_EC2_MUTATING_REFILL": 3,
    "WEBUI_AWSSIM_EC2_NETWORK_INTERFACE_SIZE": 5,
    "WEBUI_AWSSIM_EC2_NETWORK_INTERFACE_REFILL": 3,
    "WEBUI_AWSSIM_ROUTE53_SIZE": 3,
    "WEBUI_AWSSIM_ROUTE53_REFILL": 3,
}


@pytest.fixture
def workers(redis_url, moto_server, transactional_db, settings, awssim_rules):
    """Two Celery workers with their beats on the test database, a Redis database of their own and the session's
    simulation with RULES; the budget of this process and theirs sized as the simulation's buckets."""
    broker = redis_url.rsplit("/", 1)[0] + "/7"  # its beats' schedule and lock, and what is left queued, stay here
    redis.Redis.from_url(broker).flushdb()
    point_celery_at(broker)
    settings.CELERY_BROKER_URL, settings.AWS_BUDGET_RATES = broker, rates(RULES)
    awssim_rules(**RULES)
    db = connection.settings_dict
    env = {
        "REDIS_URL": broker,
        "AWS_ENDPOINT_URL": moto_server["endpoint_url"],
        "WEBUI_TICK_SECONDS": "1",
        "WEBUI_SCHEDULER_LOCK_SECONDS": "6",
        "WEBUI_CLUSTER_LEASE_SECONDS": "5",
        "WEBUI_AWS_BUDGET_RATES": budget_rates(RULES),
    }
    if connection.vendor == "sqlite":
        env["WEBUI_SQLITE_PATH"] = str(db["NAME"])
    else:
        env["DATABASE_URL"] = (
            f"{connection.vendor}://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        )
    running = Workers(env, count=2, concurrency=4, logs=ARTIFACTS / "azloss")
    yield running
    running.stop()
    redis.Redis.from_url(broker).flushdb()


def test_an_az_lost_under_the_buckets_ends_with_every_group_online_and_none_in_error(workers, sim, users):
    fleet = Fleet(sim, users["admin"], clusters=3, groups=10, sip_every=3)
    started = fleet.start_all(seconds=120)
    assert (started["on_server1"], started["on_server2"]) == (30, 0)  # no group failed over for no fault
    loss = fleet.lose_az(rates(RULES), seconds=120)
    assert loss.online_on_server2 == loss.groups == 30
    assert loss.in_error == []
    assert loss.monitor_errors == []
    assert loss.floor > 0, loss.calls  # the failovers needed more than the buckets' bursts
    assert sum(loss.throttled.values()) <= 3, loss.throttled  # paced under them by the budget

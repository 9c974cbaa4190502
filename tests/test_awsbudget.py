"""The engine holds under AWS's rates: every call paced by one account-wide budget in Redis, failovers first; a
throttled call waited out and tried again, never a failure by itself; botocore's attempts counted as attempts."""

import http.server
import threading
import time

import pytest
import redis
from botocore.exceptions import ClientError

from monitors.registry import aws_failure
from webui import aws, awsbudget

VIP = "10.1.0.20/32"


@pytest.fixture
def budget(redis_url, settings):
    """The budget on the tests' Redis, emptied; `rates` sets its buckets as the simulation's are set."""
    settings.CELERY_BROKER_URL = redis_url
    settings.AWS_BUDGET = True
    redis.Redis.from_url(redis_url).flushdb()
    awsbudget.reset()

    def rates(**buckets):
        settings.AWS_BUDGET_RATES = buckets

    yield rates
    awsbudget.reset()


def replace_route(sim):
    table, eni = sim["route_tables"]["Private-AB"], sim["servers"]["server1"]["eni_id"]
    return aws.client("ec2").replace_route(RouteTableId=table, DestinationCidrBlock=VIP, NetworkInterfaceId=eni)


def test_max_attempts_counts_every_attempt_the_first_included(settings):
    """WEBUI_AWS_MAX_ATTEMPTS=N is N requests for an answer worth retrying (botocore's max_attempts would be N+1)."""
    seen = []

    class Failing(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            seen.append(self.path)
            self.send_response(500)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Failing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.AWS_ENDPOINT_URL, settings.AWS_MAX_ATTEMPTS, settings.AWS_BUDGET = (
        f"http://127.0.0.1:{server.server_address[1]}",
        3,
        0,
    )
    aws.reset_clients()
    try:
        with pytest.raises(ClientError) as caught:
            aws.client("sts").get_caller_identity()
        assert len(seen) == 3
        assert aws.failure_kind(caught.value) == "no_response"
    finally:
        server.shutdown()
        aws.reset_clients()


def test_a_throttled_call_is_waited_out_and_tried_again_until_it_succeeds(sim, awssim_rules, settings):
    settings.AWS_BUDGET = False  # nothing paces: AWS's own throttling is what the calls meet
    awssim_rules(WEBUI_AWSSIM_EC2_MUTATING_SIZE=2, WEBUI_AWSSIM_EC2_MUTATING_REFILL=4)
    started = time.monotonic()
    with aws.CallCounter() as counter, aws.priority(aws.OPERATION):
        for _ in range(6):
            replace_route(sim)  # each one succeeds, however many throttling answers it met
    assert counter.calls == ["ec2.ReplaceRoute"] * 6
    assert counter.throttled and set(counter.throttled) == {"ec2.ReplaceRoute: RequestLimitExceeded"}
    assert time.monotonic() - started >= (6 - 2) / 4 * 0.8  # the bucket's refill, not botocore's retry budget


def test_throttling_past_the_deadline_is_a_warning_never_an_error(sim, awssim_rules, settings):
    settings.AWS_BUDGET = False
    awssim_rules(WEBUI_AWSSIM_EC2_MUTATING_SIZE=1, WEBUI_AWSSIM_EC2_MUTATING_REFILL=0.01)
    replace_route(sim)
    started = time.monotonic()
    with pytest.raises(ClientError) as caught, aws.bounded(1.5):
        replace_route(sim)
    assert time.monotonic() - started < 5
    assert caught.value.response["Error"]["Code"] == "RequestLimitExceeded"
    assert aws.failure_kind(caught.value) == "throttled"
    watch = aws_failure(caught.value)
    assert (watch.status, watch.no_response) == ("warning", False)


def test_the_budget_paces_calls_under_the_bucket_so_aws_throttles_none(sim, awssim_rules, budget):
    awssim_rules(WEBUI_AWSSIM_EC2_MUTATING_SIZE=3, WEBUI_AWSSIM_EC2_MUTATING_REFILL=5)
    budget(ec2_mutating=(3, 5))
    errors = []

    def calls():
        with aws.priority(aws.FAILOVER):
            for _ in range(4):
                try:
                    replace_route(sim)
                except Exception as exc:
                    errors.append(exc)

    started = time.monotonic()
    with aws.CallCounter() as counter:
        threads = [threading.Thread(target=calls) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not errors
    assert len(counter.calls) == 12
    assert counter.throttled == []  # paced under AWS's bucket: AWS never had to say so
    assert time.monotonic() - started >= (12 - 3) / 5 * 0.9


def test_failovers_take_a_drained_bucket_before_operations_and_reads(budget):
    found = awsbudget.Bucket("ec2_mutating", "ReplaceRoute", 4, 10, "webui:awsbudget:test:priority")
    taken: dict[int, list[float]] = {awsbudget.FAILOVER: [], awsbudget.OPERATION: [], awsbudget.READ: []}

    def caller(level: int, count: int):
        for _ in range(count):
            awsbudget.take(found, priority=level, deadline=time.monotonic() + 30)
            taken[level].append(time.monotonic())

    failover = threading.Thread(target=caller, args=(awsbudget.FAILOVER, 20))
    failover.start()
    time.sleep(0.05)  # the storm has begun: the bucket is drained and failovers wait for each token
    others = [threading.Thread(target=caller, args=(level, 3)) for level in (awsbudget.READ, awsbudget.OPERATION)]
    for thread in others:
        thread.start()
    for thread in [failover, *others]:
        thread.join()
    last_failover = taken[awsbudget.FAILOVER][-1]
    assert min(taken[awsbudget.OPERATION]) > last_failover
    assert min(taken[awsbudget.READ]) > last_failover
    # Then operations before reads: a read waits for the reserve it must leave to the others.
    assert max(taken[awsbudget.OPERATION]) <= max(taken[awsbudget.READ])
    # 20 failover tokens: 4 in the bucket, the other 16 at 10 a second.
    assert 1.2 < last_failover - (taken[awsbudget.FAILOVER][0]) < 3.5


def test_a_read_that_gets_no_token_in_time_is_throttled_not_failed(budget):
    found = awsbudget.Bucket("route53", "", 1, 0.1, "webui:awsbudget:test:exhausted")
    awsbudget.take(found, priority=awsbudget.FAILOVER, deadline=time.monotonic() + 1)
    with pytest.raises(awsbudget.Exhausted) as caught:
        awsbudget.take(found, priority=awsbudget.READ, deadline=time.monotonic() + 0.5)
    assert aws.failure_kind(caught.value) == "throttled"
    assert "AWS's request rate for route53 is spent on calls that go first" in aws.error_message(caught.value)


def test_without_redis_calls_go_unpaced(settings):
    settings.CELERY_BROKER_URL, settings.AWS_BUDGET = "redis://127.0.0.1:9/0", True
    awsbudget.reset()
    found = awsbudget.Bucket("route53", "", 1, 0.01, "webui:awsbudget:test:down")
    started = time.monotonic()
    for _ in range(5):
        assert awsbudget.take(found, priority=awsbudget.READ, deadline=time.monotonic() + 1) < 0.5
    assert time.monotonic() - started < 2
    awsbudget.reset()


def test_dry_run_answers_are_neither_throttling_nor_retried(sim, principal, settings):
    """DryRun: DryRunOperation (allowed) and UnauthorizedOperation (not) come back at once, changing nothing."""
    table, eni2 = sim["route_tables"]["Private-AB"], sim["servers"]["server2"]["eni_id"]
    with pytest.raises(ClientError) as allowed:
        aws.client("ec2").replace_route(
            RouteTableId=table, DestinationCidrBlock=VIP, NetworkInterfaceId=eni2, DryRun=True
        )
    assert allowed.value.response["Error"]["Code"] == "DryRunOperation"
    assert allowed.value.response["ResponseMetadata"]["RetryAttempts"] == 0
    reader = principal(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}]}
    )
    with pytest.raises(ClientError) as denied:
        reader("ec2").replace_route(RouteTableId=table, DestinationCidrBlock=VIP, NetworkInterfaceId=eni2, DryRun=True)
    assert denied.value.response["Error"]["Code"] == "UnauthorizedOperation"
    assert aws.failure_kind(denied.value) == "error"
    routes = aws.client("ec2").describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]
    assert {r.get("NetworkInterfaceId") for r in routes if r.get("DestinationCidrBlock") == VIP} == {
        sim["servers"]["server1"]["eni_id"]
    }

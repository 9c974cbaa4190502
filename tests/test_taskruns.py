"""TaskRun: created by a service, dispatched on commit, one active per cluster, logged while it runs."""

import pytest
from django.db import IntegrityError, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clusters.models import TaskRun, TaskRunLine
from clusters.runs import taskruns
from tests.factories import ClusterFactory, TaskRunFactory
from webui.roles import Role


@taskruns.task_kind("test_crash", label="A handler with a bug", role=Role.OPERATOR)
def _crashing_handler(context):
    context.log("about to fail")
    raise KeyError("boom")


@taskruns.task_kind("test_refusal", label="A handler that refuses", role=Role.OPERATOR)
def _refusing_handler(context):
    context.progress(40)
    raise taskruns.TaskFailed("The vpc ID 'vpc-0' does not exist")


@pytest.mark.database  # a conditional unique constraint
def test_one_active_run_per_cluster_is_enforced_by_the_database(db):
    cluster = ClusterFactory()
    TaskRunFactory(cluster=cluster, status=TaskRun.Status.RUNNING)
    with pytest.raises(IntegrityError), transaction.atomic():
        TaskRunFactory(cluster=cluster, status=TaskRun.Status.PENDING)
    TaskRunFactory(cluster=cluster, status=TaskRun.Status.SUCCEEDED)  # ended runs do not count
    TaskRunFactory(cluster=ClusterFactory(), status=TaskRun.Status.PENDING)  # other clusters are free


@pytest.mark.database  # IntegrityError inside an atomic block
def test_start_run_refuses_a_busy_cluster_with_a_clear_message(users, django_capture_on_commit_callbacks):
    cluster = ClusterFactory(name="cluster1")
    with django_capture_on_commit_callbacks(execute=False):
        first = taskruns.start_run(kind="aws_connection", user=users["operator"], cluster=cluster)
        with pytest.raises(
            taskruns.ClusterBusy, match=rf"cluster1 is busy with Check the AWS connection \(run #{first.pk}\)"
        ):
            taskruns.start_run(kind="aws_connection", user=users["operator"], cluster=cluster)
    assert TaskRun.objects.filter(cluster=cluster).count() == 1


def test_start_run_rejects_unknown_kinds(users):
    with pytest.raises(ValueError, match="Unknown task kind 'nope'"):
        taskruns.start_run(kind="nope", user=users["admin"])


def test_execute_runs_the_aws_connection_check_against_moto(users, aws_endpoint):
    run = TaskRun.objects.create(kind="aws_connection", user=users["operator"])
    taskruns.execute(run.pk)
    run.refresh_from_db()
    assert run.status == TaskRun.Status.SUCCEEDED
    assert run.progress == 100
    assert run.result["region"] == "ap-northeast-1"
    assert "ap-northeast-1a" in run.result["availability_zones"]
    messages = list(run.lines.values_list("message", flat=True))
    assert messages[0] == "Connecting to AWS..."
    assert messages[-1] == "The AWS connection works."
    assert run.started_at and run.finished_at


@pytest.mark.database  # the claim is a conditional UPDATE
def test_execute_is_idempotent(users, aws_endpoint):
    run = TaskRun.objects.create(kind="aws_connection", user=users["operator"])
    taskruns.execute(run.pk)
    lines = run.lines.count()
    taskruns.execute(run.pk)  # a redelivered task finds the run ended and leaves it alone
    assert run.lines.count() == lines


def test_an_unreachable_endpoint_fails_the_run_with_one_clear_line(users, settings):
    from webui import aws

    settings.AWS_ENDPOINT_URL = "http://127.0.0.1:9"
    settings.AWS_MAX_ATTEMPTS = 1
    settings.AWS_CONNECT_TIMEOUT = 1
    aws.reset_clients()
    try:
        run = TaskRun.objects.create(kind="aws_connection", user=users["operator"])
        taskruns.execute(run.pk)
    finally:
        aws.reset_clients()
    run.refresh_from_db()
    assert run.status == TaskRun.Status.FAILED
    assert run.error == "Could not connect to the endpoint URL: http://127.0.0.1:9/"
    assert run.lines.last().level == TaskRunLine.Level.ERROR


def test_expected_and_unexpected_failures_both_end_the_run(users):
    refusal = TaskRun.objects.create(kind="test_refusal", cluster=ClusterFactory())
    taskruns.execute(refusal.pk)
    refusal.refresh_from_db()
    assert (refusal.status, refusal.error, refusal.progress) == ("failed", "The vpc ID 'vpc-0' does not exist", 40)

    crash = TaskRun.objects.create(kind="test_crash", cluster=refusal.cluster)  # the cluster is free again
    taskruns.execute(crash.pk)
    crash.refresh_from_db()
    assert crash.status == "errored"  # a fault of ours, told apart from a refused or failed operation
    assert crash.error == "Unexpected error: KeyError: 'boom' (the traceback is kept with the run)"
    assert list(crash.lines.values_list("message", flat=True)) == ["about to fail", crash.error]
    assert 'raise KeyError("boom")' in crash.traceback and crash.traceback.rstrip().endswith("KeyError: 'boom'")


def test_an_errored_runs_traceback_is_shown_to_administrators_only(client, users):
    crash = TaskRun.objects.create(kind="test_crash", cluster=ClusterFactory(), user=users["operator"])
    taskruns.execute(crash.pk)
    for role, shown in (("admin", True), ("operator", False), ("viewer", False)):
        client.force_login(users[role])
        page = client.get(reverse("runs:detail", args=[crash.pk])).content.decode()
        assert "Errored" in page and "Unexpected error: KeyError" in page
        assert ("Traceback (most recent call last)" in page) is shown, role
        assert ("Retry" in page) is (role != "viewer"), role


def test_progress_partial_polls_while_active_and_stops_with_286(client, users):
    client.force_login(users["viewer"])
    run = TaskRunFactory(status=TaskRun.Status.RUNNING, progress=30)
    TaskRunLine.objects.create(run=run, message="Checking the route tables...")
    url = reverse("runs:progress", args=[run.pk])

    active = client.get(url, headers={"HX-Request": "true"})
    assert active.status_code == 200
    assert 'hx-trigger="every 1s"' in active.text
    assert "Checking the route tables..." in active.text
    assert "HX-Request" in active["Vary"]

    TaskRun.objects.filter(pk=run.pk).update(status=TaskRun.Status.SUCCEEDED, progress=100)
    ended = client.get(url, headers={"HX-Request": "true"})
    assert ended.status_code == 286  # htmx stops polling
    assert "hx-trigger" not in ended.text
    assert client.get(url).status_code == 200  # a plain GET (no htmx) is a normal page fragment


def test_progress_partial_query_count_does_not_grow_with_log_lines(client, users):
    client.force_login(users["viewer"])
    counts = []
    for lines in (2, 50):
        run = TaskRunFactory(status=TaskRun.Status.RUNNING)
        TaskRunLine.objects.bulk_create(TaskRunLine(run=run, message=f"line {i}") for i in range(lines))
        from django.db import connection

        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("runs:progress", args=[run.pk])).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.database  # select_for_update, times compared
def test_a_run_whose_worker_was_lost_fails_gives_back_what_it_held_and_frees_the_cluster(users):
    from datetime import timedelta

    from django.utils import timezone

    from clusters.runtime import Alert, ObjectState

    cluster = ClusterFactory(name="cluster1")
    paused = ObjectState.objects.create(cluster=cluster, kind="monitor", name="awsvipw1", status="suspend")
    lost = TaskRunFactory(
        cluster=cluster,
        kind="apply",
        status=TaskRun.Status.RUNNING,
        lease_until=timezone.now() - timedelta(seconds=1),
        held={"paused_monitors": [paused.pk]},
    )
    healthy = TaskRunFactory(status=TaskRun.Status.RUNNING, lease_until=timezone.now() + timedelta(seconds=30))
    # A run orphaned before leases existed: no lease, started long ago.
    legacy = TaskRunFactory(status=TaskRun.Status.RUNNING, started_at=timezone.now() - timedelta(hours=1))
    assert sorted(taskruns.reap()) == [lost.pk, legacy.pk]
    lost.refresh_from_db()
    assert lost.status == TaskRun.Status.FAILED and lost.held == {}
    assert lost.error.startswith("The worker running this run was lost")
    assert list(lost.lines.values_list("message", flat=True)) == [lost.error]
    paused.refresh_from_db()
    assert paused.status == "normal"  # the monitors the Apply suspended are watched again
    assert Alert.objects.filter(cluster=cluster, message__contains="suspended are resumed").exists()
    healthy.refresh_from_db()
    assert healthy.status == TaskRun.Status.RUNNING
    # The cluster takes the next operation, and the old worker's late result cannot overwrite the failure.
    taskruns.start_run(kind="aws_connection", user=users["operator"], cluster=cluster)
    TaskRun.objects.filter(pk=lost.pk, status=TaskRun.Status.RUNNING).update(status="succeeded")
    lost.refresh_from_db()
    assert lost.status == TaskRun.Status.FAILED


@pytest.mark.database  # times compared in SQL
def test_a_run_no_worker_took_fails_after_the_pickup_timeout_and_start_run_reaps_first(users, settings):
    from datetime import timedelta

    from django.utils import timezone

    cluster = ClusterFactory(name="cluster1")
    stuck = TaskRunFactory(cluster=cluster, status=TaskRun.Status.PENDING)
    TaskRun.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - timedelta(seconds=61))
    run = taskruns.start_run(kind="aws_connection", user=users["operator"], cluster=cluster)  # no ClusterBusy
    stuck.refresh_from_db()
    assert stuck.status == TaskRun.Status.FAILED
    assert stuck.error.startswith("No worker took this run within 60 s")
    assert run.status == TaskRun.Status.PENDING


def test_an_unreachable_broker_fails_the_run_at_once_and_the_page_says_so(
    client, users, django_capture_on_commit_callbacks
):
    from tests.conftest import free_port, point_celery_at
    from webui.celery import app

    cluster = ClusterFactory(name="cluster1")
    client.force_login(users["operator"])
    original = app.conf.broker_url
    point_celery_at(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("config:check_aws", args=[cluster.pk]))
    finally:
        point_celery_at(original)
    run = TaskRun.objects.get(cluster=cluster)
    assert response.status_code == 302 and response.url == reverse("runs:detail", args=[run.pk])
    assert run.status == TaskRun.Status.FAILED
    assert run.error.startswith("The broker was unreachable")
    page = client.get(response.url).content.decode()
    assert "The broker was unreachable" in page and ">Retry</button>" in page
    with django_capture_on_commit_callbacks(execute=False):
        again = client.post(reverse("runs:retry", args=[run.pk]))
    retried = TaskRun.objects.filter(cluster=cluster).exclude(pk=run.pk).get()
    assert again.url == reverse("runs:detail", args=[retried.pk])
    assert (retried.kind, retried.status, retried.params) == (run.kind, TaskRun.Status.PENDING, run.params)

"""Role enforcement on every view: anonymous -> login, Viewer -> 403 on every POST."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from clusters.runs import taskruns
from tests.factories import TaskRunFactory
from webui.roles import Role, require_role, role_of


def named_urls(patterns=None, namespace=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in ("admin", "webui-api", "restapi"):
                # Django's admin has its own staff login; the console's API its tokens (tests/test_api.py);
                # EXPRESSCLUSTER's RESTful API HTTP Basic instead of the session (tests/test_restapi*.py).
                continue
            yield from named_urls(entry.url_patterns, entry.namespace or namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}:{entry.name}" if namespace else entry.name


# Views that change the configuration: only an Administrator may even open them.
CONFIG_EDIT_VIEWS = {
    "config:import",
    "config:import_into",
    "wizard:start",
    "wizard:step",
    "wizard:server_add",
    "wizard:heartbeat_add",
    "objects:group_add",
    "objects:group",
    "objects:resource_add",
    "objects:resource",
    "objects:monitor_add",
    "objects:monitor",
    "objects:remove",
    "config:move_to_aws",
    "config:history_restore",
    "config:delete",
    "wizard:abandon",
    "config:script_add",
    "config:script_remove",
}


@pytest.fixture
def url_of(db):
    """A concrete URL for every named view; a new view without an entry here fails the test."""
    from clusters.runtime import Drill
    from tests import guide
    from tests.factories import UserFactory

    cluster = guide.build("vip", user=UserFactory(username="builder", role="Administrator"), name="cluster1")
    group, resource, monitor = cluster.groups.get(), cluster.resources.get(name="awsvip1"), cluster.monitors.first()
    run = TaskRunFactory(cluster=cluster)
    samples = {
        "login": {},
        "logout": {},
        "dashboard": {},
        "api_tokens": {},
        "config:part": {"pk": cluster.pk, "part": "monitors"},
        "operation:objects": {"pk": cluster.pk, "kind": "resources"},
        "check_aws_connection": {},
        "runs:detail": {"pk": run.pk},
        "runs:progress": {"pk": run.pk},
        "runs:retry": {"pk": run.pk},
        "cluster_home": {"pk": cluster.pk},
        "config:home": {"pk": cluster.pk},
        "operation:home": {"pk": cluster.pk},
        "verification:home": {"pk": cluster.pk},
        "config:import": {},
        "config:import_into": {"pk": cluster.pk},
        "config:export": {"pk": cluster.pk},
        "wizard:start": {},
        "wizard:step": {"pk": cluster.pk, "step": "servers"},
        "wizard:server_add": {"pk": cluster.pk},
        "wizard:heartbeat_add": {"pk": cluster.pk, "kind": "witness"},
        "objects:group_add": {"pk": cluster.pk},
        "objects:group": {"pk": cluster.pk, "oid": group.pk, "page": "attributes"},
        "objects:resource_add": {"pk": cluster.pk, "gid": group.pk},
        "objects:resource": {"pk": cluster.pk, "oid": resource.pk, "page": "details"},
        "objects:monitor_add": {"pk": cluster.pk},
        "objects:monitor": {"pk": cluster.pk, "oid": monitor.pk, "page": "common"},
        "objects:remove": {"pk": cluster.pk, "kind": "resource", "oid": resource.pk},
        "config:check_aws": {"pk": cluster.pk},
        "config:move_to_aws": {"pk": cluster.pk},
        "config:history": {"pk": cluster.pk},
        "operation:alerts": {"pk": cluster.pk},
        "operation:alert_service": {"pk": cluster.pk},
        "config:history_compare": {"pk": cluster.pk},
        "config:history_restore": {"pk": cluster.pk, "number": 1},
        "config:iam_policy": {"pk": cluster.pk},
        "config:apply": {"pk": cluster.pk},
        "operation:status": {"pk": cluster.pk},
        "operation:operate": {"pk": cluster.pk},
        "operation:monitor_control": {"pk": cluster.pk},
        "config:delete": {"pk": cluster.pk},
        "wizard:abandon": {"pk": cluster.pk},
        "failover:config": {"pk": cluster.pk},
        "failover:operation": {"pk": cluster.pk},
        "failover:rehearse": {"pk": cluster.pk},
        "failover:start_drill": {"pk": cluster.pk},
        "failover:drill": {"pk": cluster.pk, "drill": Drill.objects.create(cluster=cluster).pk},
        "failover:add_schedule": {"pk": cluster.pk},
        "failover:remove_schedule": {"pk": cluster.pk, "sid": 1},
        "failover:fis_template": {"pk": cluster.pk},
    }
    samples |= {
        "config:scripts": {"pk": cluster.pk},
        "config:script_add": {"pk": cluster.pk},
        "config:script_remove": {"pk": cluster.pk, "name": "backup.sh"},
    }
    missing = set(named_urls()) - set(samples)
    assert not missing, f"add sample arguments for the new views {sorted(missing)} to this fixture"
    return {name: reverse(name, kwargs=kwargs) for name, kwargs in samples.items()}


def test_anonymous_get_of_every_view_goes_to_login(client, url_of):
    for name, url in url_of.items():
        if name in {"login", "logout"}:
            continue
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name


def test_anonymous_post_of_every_view_goes_to_login(client, url_of):
    for name, url in url_of.items():
        if name in {"login", "logout"}:
            continue
        response = client.post(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name


# A Viewer's own API tokens act with the Viewer role: managing them changes nothing of a cluster.
VIEWER_MAY_POST = {"logout", "api_tokens"}


def test_viewer_post_to_every_view_is_forbidden(client, users, url_of):
    client.force_login(users["viewer"])
    for name, url in url_of.items():
        if name in VIEWER_MAY_POST:
            continue
        assert client.post(url).status_code == 403, name


def test_viewer_can_read_every_page(client, users, url_of):
    client.force_login(users["viewer"])
    for name, url in url_of.items():
        if name in {
            "login",
            "logout",
            "check_aws_connection",
            "config:check_aws",
            "cluster_home",
            "config:apply",
            "runs:retry",
            "operation:operate",
            "operation:monitor_control",
            "failover:rehearse",
            "failover:start_drill",
            "failover:add_schedule",
            "failover:remove_schedule",
            "failover:fis_template",  # reads AWS (tests/test_failover_web.py)
        }:
            continue
        expected = 403 if name in CONFIG_EDIT_VIEWS else 200
        assert client.get(url).status_code == expected, name


def test_viewer_can_sign_out(client, users):
    client.force_login(users["viewer"])
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("dashboard")).status_code == 302


def test_viewer_sees_no_operation_buttons(client, users):
    client.force_login(users["viewer"])
    assert "Check the AWS connection" not in client.get(reverse("dashboard")).text
    client.force_login(users["operator"])
    assert "Check the AWS connection" in client.get(reverse("dashboard")).text


@pytest.mark.parametrize("who", ["operator", "admin"])
def test_operator_and_administrator_may_start_an_aws_check(client, users, who, django_capture_on_commit_callbacks):
    client.force_login(users[who])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("check_aws_connection"))
    assert response.status_code == 302
    assert response["Location"].startswith("/runs/")
    assert len(callbacks) == 1  # dispatched to Celery only once the row is committed


def test_roles_come_from_groups_and_superuser(users, django_user_model):
    assert role_of(users["admin"]) == Role.ADMINISTRATOR
    assert role_of(users["operator"]) == Role.OPERATOR
    assert role_of(users["viewer"]) == Role.VIEWER
    nobody = django_user_model.objects.create_user("nogroup", password="x")
    assert role_of(nobody) == Role.VIEWER  # least privilege
    root = django_user_model.objects.create_superuser("root", password="x")
    assert role_of(root) == Role.ADMINISTRATOR


def test_services_enforce_roles_too(users):
    with pytest.raises(PermissionDenied, match="needs the Operator role; you are signed in as Viewer"):
        taskruns.start_run(kind="aws_connection", user=users["viewer"])
    with pytest.raises(PermissionDenied, match="needs the Administrator role"):
        require_role(users["operator"], Role.ADMINISTRATOR)
    require_role(users["admin"], Role.OPERATOR)


@pytest.mark.parametrize("who", ["viewer", "operator", "admin"])
def test_only_an_administrator_may_change_the_configuration(client, users, url_of, who):
    client.force_login(users[who])
    for name in sorted(CONFIG_EDIT_VIEWS):
        status = client.get(url_of[name]).status_code
        if who == "admin":
            assert status in (200, 405), name  # 405: add endpoints take POST only
        else:
            assert status == 403, name
            assert client.post(url_of[name]).status_code == 403, name

"""Every page of the console passes axe-core's WCAG 2.1 A and AA rules (injected from tests/node_modules), and
works by keyboard: one page load of each, as an Administrator sees them (the most controls)."""

import pytest
from django.urls import reverse

from tests.guide import build_on_sim
from tests.runs import ok, run

pytestmark = pytest.mark.browser


def test_every_page_passes_axe_core_wcag_21_aa(page, login, users, sim, accessible):
    from clusters.operation.state import alert

    cluster = build_on_sim("vip", users, sim)
    check = ok(run("aws_check", users, cluster))
    ok(run("apply", users, cluster))
    ok(run("cluster_start", users, cluster))
    alert(cluster, "Monitor awsvipw1 detected an error. (56 : The routing for VIP was changed.)", "error", "server1")
    group, resource, monitor = cluster.groups.get(), cluster.resources.get(name="awsvip1"), cluster.monitors.first()
    pk = cluster.pk
    login(users["admin"])
    base = page.url.rstrip("/")
    pages = [
        reverse("dashboard"),
        reverse("api_tokens"),
        reverse("wizard:start"),
        *(reverse("wizard:step", args=[pk, step]) for step in ("cluster", "servers", "interconnect", "fencing")),
        *(reverse("wizard:step", args=[pk, step]) for step in ("groups", "monitors")),
        *(reverse("objects:group", args=[pk, group.pk, p]) for p in ("definition", "startup", "attributes")),
        reverse("objects:group", args=[pk, group.pk, "resources"]),
        *(reverse("objects:resource", args=[pk, resource.pk, p]) for p in ("definition", "dependency")),
        *(reverse("objects:resource", args=[pk, resource.pk, p]) for p in ("recovery", "details")),
        *(reverse("objects:monitor", args=[pk, monitor.pk, p]) for p in ("definition", "common", "special")),
        reverse("objects:monitor", args=[pk, monitor.pk, "recovery"]),
        reverse("objects:resource_add", args=[pk, group.pk]),
        reverse("objects:remove", args=[pk, "resource", resource.pk]),
        reverse("config:home", args=[pk]),
        reverse("config:import"),
        reverse("config:move_to_aws", args=[pk]),
        reverse("config:iam_policy", args=[pk]),
        reverse("config:history", args=[pk]),
        reverse("config:history_compare", args=[pk]),
        reverse("config:apply", args=[pk]),
        reverse("config:delete", args=[pk]),
        reverse("operation:home", args=[pk]),
        reverse("operation:objects", args=[pk, "resources"]),
        reverse("operation:objects", args=[pk, "monitors"]),
        reverse("operation:alerts", args=[pk]),
        reverse("operation:alert_service", args=[pk]),
        reverse("verification:home", args=[pk]),
        reverse("runs:detail", args=[check.pk]),
        "/clusters/999999/operation/",  # Not Found, in the console's frame
    ]
    failures = []
    for path in pages:  # every page's violations, then one failure that lists them all
        page.goto(base + path)
        try:
            accessible(page, path)
        except AssertionError as exc:
            failures.append(str(exc))
    assert not failures, "\n".join(failures)
    page.get_by_role("button", name="Sign out").click()
    page.goto(base + reverse("login"))
    accessible(page, "login")

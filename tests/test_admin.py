"""Django admin: every model has its pages, and clusters can be exported from the list."""

import io
import zipfile

import pytest
from django.contrib import admin
from django.urls import reverse

from tests import guide


@pytest.fixture
def superuser_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="x"))
    return client


def test_every_model_of_the_apps_is_in_the_admin_and_its_pages_load(superuser_client, users):
    guide.build("vip", user=users["admin"], name="cluster1")
    ours = [m for m in admin.site._registry if m._meta.app_label in {"clusters", "resources", "monitors"}]
    from django.apps import apps

    for app in ("clusters", "resources", "monitors"):
        for model in apps.get_app_config(app).get_models():
            if model._meta.auto_created:
                continue
            assert model in ours or model.__name__ in {"InterconnectAddress", "GroupStartupServer", "TaskRunLine"}, (
                f"{model.__name__} is not in the admin"
            )
    for model in ours:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        assert superuser_client.get(reverse(f"{prefix}_changelist")).status_code == 200, model
        first = model.objects.first()
        if first is not None:
            assert superuser_client.get(reverse(f"{prefix}_change", args=[first.pk])).status_code == 200


def test_export_selected_clusters(superuser_client, users):
    one = guide.build("vip", user=users["admin"], name="one")
    two = guide.build("eip", user=users["admin"], name="two")
    url = reverse("admin:clusters_cluster_changelist")
    single = superuser_client.post(url, {"action": "export_selected", "_selected_action": [one.pk]})
    assert single["Content-Disposition"] == 'attachment; filename="one.zip"'
    both = superuser_client.post(url, {"action": "export_selected", "_selected_action": [one.pk, two.pk]})
    with zipfile.ZipFile(io.BytesIO(both.content)) as archive:
        assert sorted(archive.namelist()) == ["one.zip", "two.zip"]
        with zipfile.ZipFile(io.BytesIO(archive.read("two.zip"))) as inner:
            assert b"<awseip" in inner.read("clp.conf")

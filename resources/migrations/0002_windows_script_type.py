"""On Windows the script resource's type is `script` (`exec` is Linux's); rename what was saved as exec."""

from django.db import migrations


def forwards(apps, schema_editor):
    GroupResource = apps.get_model("resources", "GroupResource")
    GroupResource.objects.filter(type="exec", cluster__server_os="windows").update(type="script")


def backwards(apps, schema_editor):
    GroupResource = apps.get_model("resources", "GroupResource")
    GroupResource.objects.filter(type="script").update(type="exec")


class Migration(migrations.Migration):
    dependencies = [
        ("resources", "0001_initial"),
        ("clusters", "0006_imported_source"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]

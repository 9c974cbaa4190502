"""Alert texts written before destinations were masked: a webhook's URL masked as the console shows it now, and a
failed delivery's reason (what the target answered) dropped, since every Viewer reads the alert log."""

import re

from django.db import migrations

from clusters.runtime import masked_url

WEBHOOK = re.compile(r"(Webhook \(chat tools\) )(\S+?)(,? |$| failed)")
REASON = re.compile(r" failed: .*$", re.DOTALL)


def mask(apps, schema_editor):
    Alert = apps.get_model("clusters", "Alert")
    for alert in Alert.objects.filter(message__startswith="Alert Service", message__contains="Webhook (chat tools) "):
        message = WEBHOOK.sub(lambda m: m.group(1) + masked_url(m.group(2)) + m.group(3), alert.message)
        message = REASON.sub(" failed.", message)
        if message != alert.message:
            Alert.objects.filter(pk=alert.pk).update(message=message)


class Migration(migrations.Migration):
    dependencies = [("clusters", "0014_product_statuses")]
    operations = [migrations.RunPython(mask, migrations.RunPython.noop)]

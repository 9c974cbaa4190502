from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from clusters import services


class Command(BaseCommand):
    help = "Import a configuration (an exported .zip or a bare clp.conf) as a new cluster, all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", help="FILE.zip or clp.conf")
        parser.add_argument("--name", help="Cluster Name to use instead of the one in clp.conf")

    def handle(self, *args, file, name, **options):
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from None
        system = get_user_model()(username="manage.py", is_superuser=True)
        try:
            result = services.import_configuration(user=system, data=data, name=name)
        except services.ConfError as exc:
            raise CommandError(f"{file}: {exc} Nothing was imported.") from None
        for warning in result.warnings:
            self.stderr.write(f"Warning: {warning}")
        cluster = result.cluster
        self.stdout.write(
            f"Imported cluster {cluster.name}: {cluster.servers.count()} servers, {cluster.groups.count()} groups, "
            f"{cluster.resources.count()} group resources, {cluster.monitors.count()} monitor resources."
        )

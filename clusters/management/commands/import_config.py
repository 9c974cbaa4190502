from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from clusters.clpconf import transfer
from webui.roles import acting_user


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
        system = acting_user("manage.py")
        try:
            result = transfer.import_configuration(user=system, data=data, name=name)
        except transfer.ConfError as exc:
            raise CommandError(f"{file}: {exc} Nothing was imported.") from None
        for warning in result.warnings:
            self.stderr.write(f"Warning: {warning}")
        cluster = result.cluster
        self.stdout.write(
            f"Imported cluster {cluster.name}: {cluster.servers.count()} servers, {cluster.groups.count()} groups, "
            f"{cluster.resources.count()} group resources, {cluster.monitors.count()} monitor resources."
        )

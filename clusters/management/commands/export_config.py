from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from clusters.clpconf import transfer
from clusters.models import Cluster
from webui.roles import acting_user


class Command(BaseCommand):
    help = "Export a cluster's configuration: a .zip (clp.conf and scripts/) or a bare .conf, by the file's extension."

    def add_arguments(self, parser):
        parser.add_argument("cluster", help="Cluster Name")
        parser.add_argument("-o", "--output", required=True, help="FILE.zip or FILE.conf")

    def handle(self, *args, cluster, output, **options):
        try:
            target = Cluster.objects.get(name=cluster)
        except Cluster.DoesNotExist:
            names = ", ".join(Cluster.objects.values_list("name", flat=True)) or "none yet"
            raise CommandError(f"There is no cluster named {cluster}; the clusters are: {names}.") from None
        path = Path(output)
        system = acting_user("manage.py")
        if path.suffix == ".zip":
            data = transfer.export_zip(user=system, cluster=target)
        elif path.suffix == ".conf":
            data = transfer.export_conf(user=system, cluster=target)
        else:
            raise CommandError(f"{output}: use a name ending in .zip (clp.conf and scripts/) or .conf (clp.conf only).")
        try:
            path.write_bytes(data)
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror}.") from None
        self.stdout.write(f"Exported cluster {target.name} to {output} ({len(data):,} bytes).")

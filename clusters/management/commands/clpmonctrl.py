from django.core.management.base import BaseCommand, CommandError

from clusters.operation import recovery
from webui.roles import acting_user

from ._runs import cluster_named


class Command(BaseCommand):
    help = "Suspend (-s) or resume (-r) monitor resources, all or one (-m), as the product's clpmonctrl does."

    def add_arguments(self, parser):
        parser.add_argument("cluster")
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("-s", dest="action", action="store_const", const="suspend", help="suspend")
        action.add_argument("-r", dest="action", action="store_const", const="resume", help="resume")
        parser.add_argument("-m", dest="monitor", help="one monitor resource (default: all)")

    def handle(self, *args, cluster, action, monitor, **options):

        user = acting_user("manage.py")
        try:
            names = recovery.control(
                user=user, cluster=cluster_named(cluster), action=action, monitors=[monitor] if monitor else None
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{'Suspended' if action == 'suspend' else 'Resumed'}: {', '.join(names)}.")

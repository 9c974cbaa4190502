from django.core.management.base import BaseCommand, CommandError

from clusters.aws.checks import iam_policy_json
from clusters.models import Cluster


class Command(BaseCommand):
    help = "Print the least-privilege IAM policy (JSON) the cluster's servers need."

    def add_arguments(self, parser):
        parser.add_argument("cluster", help="Cluster Name")

    def handle(self, *args, cluster, **options):
        try:
            target = Cluster.objects.get(name=cluster)
        except Cluster.DoesNotExist:
            raise CommandError(f"There is no cluster named {cluster}.") from None
        self.stdout.write(iam_policy_json(target))

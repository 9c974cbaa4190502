import json as jsonlib
import sys

from django.core.management.base import BaseCommand, CommandError

from clusters.aws.checks import run_checks
from clusters.models import Cluster


class Command(BaseCommand):
    help = "Check a cluster's configuration against AWS (the guide's Troubleshooting cases); exits 1 on an error."

    def add_arguments(self, parser):
        parser.add_argument("cluster", help="Cluster Name")
        parser.add_argument("--json", action="store_true", help="Print the findings as a JSON list.")

    def handle(self, *args, cluster, json: bool, **options):
        try:
            target = Cluster.objects.get(name=cluster)
        except Cluster.DoesNotExist:
            raise CommandError(f"There is no cluster named {cluster}.") from None
        findings = run_checks(target, log=(lambda m: None) if json else (lambda m: self.stderr.write(m)))
        if json:
            self.stdout.write(_dumps([f.as_dict() for f in findings]))
        else:
            for f in findings:
                where = f"{f.object} · {f.field}" + (f" ({f.server})" if f.server else "")
                self.stdout.write(f"{f.severity.upper():7} {where}: {f.message}\n        -> {f.fix}")
            self.stdout.write(f"{len(findings)} finding(s).")
        if any(f.severity == "error" for f in findings):
            sys.exit(1)


def _dumps(value) -> str:
    return jsonlib.dumps(value, indent=2, ensure_ascii=False)

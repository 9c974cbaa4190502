import json as jsonlib
import sys

from django.core.management.base import BaseCommand

from clusters.management.commands._runs import cluster_named
from clusters.operation import rehearsal
from clusters.runs.taskruns import TaskFailed


class Command(BaseCommand):
    help = (
        "What if SERVER failed now? Rehearse the failover: every AWS call with DryRun as the server that would act, "
        "and what DryRun cannot show; nothing in AWS changes. Exits 1 when a group's failover would fail."
    )

    def add_arguments(self, parser):
        parser.add_argument("cluster", help="Cluster Name")
        parser.add_argument("--from", dest="server", required=True, help="the server that fails")
        parser.add_argument("--draft", action="store_true", help="rehearse the configuration being edited")
        parser.add_argument(
            "--json",
            action="store_true",
            help='print {"groups": [{"name", "target", "ok", "findings": [{"code", "message", "fix"}]}]}',
        )

    def handle(self, *args, cluster, server: str, draft: bool, json: bool, **options):
        target = cluster_named(cluster)
        config, which = rehearsal.configuration_of(target, draft=draft)
        log = (lambda m: None) if json else (lambda m: self.stderr.write(m))
        try:
            results, notes = rehearsal.rehearse(target, config, server, log=log)
        except TaskFailed as exc:
            self.stderr.write(str(exc))
            sys.exit(2)
        if json:
            answer = rehearsal.as_json(results, notes, server=server, configuration=which)
            answer.pop("findings")  # each group lists its own
            self.stdout.write(jsonlib.dumps(answer, indent=2, ensure_ascii=False))
        else:
            for note in notes:
                self.stdout.write(f"NOTE    {note}")
            for group in results:
                verdict = "would succeed" if group.ok else "would FAIL"
                to = group.target or "nowhere"
                self.stdout.write(f"Group {group.name}: {group.source} -> {to} {verdict}")
                for f in group.findings:
                    self.stdout.write(f"  {f.severity.upper():7} {f.object}: {f.message}\n          -> {f.fix}")
        if any(not g.ok for g in results):
            sys.exit(1)

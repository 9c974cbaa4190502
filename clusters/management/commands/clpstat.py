import json

from django.core.management.base import BaseCommand

from clusters.operation.status import status_context

from ._runs import cluster_named


class Command(BaseCommand):
    help = "The cluster's status: servers, groups with their current server, resources, monitors (like clpstat)."

    def add_arguments(self, parser):
        parser.add_argument("cluster")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, cluster, **options):
        target = cluster_named(cluster)
        status = status_context(target)
        if status["version"] is None:
            report = {"cluster": target.name, "status": "not applied"}
        else:
            report = {
                "cluster": target.name,
                "status": status["cluster_status"],
                "applied_version": status["version"].number,
                "servers": [
                    {"name": s, "instance_state": state.message if state else "unknown"}
                    for s, state, _, _ in status["servers"]
                ],
                "groups": [
                    {
                        "name": g.name,
                        "status": st.status if st else "offline",
                        "current_server": st.server if st else "",
                    }
                    for g, st, _ in status["groups"]
                ],
                "resources": [
                    {
                        "name": r.name,
                        "type": r.type,
                        "group": r.group,
                        "status": st.status if st else "offline",
                        "server": st.server if st else "",
                    }
                    for r, st in status["resources"]
                ],
                "monitors": [
                    {"name": m.name, "type": m.type, "status": st.status if st else "-"} for m, st in status["monitors"]
                ],
            }
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2))
            return
        self.stdout.write(f" Cluster : {report['cluster']} ({report['status']})")
        for key in ("servers", "groups", "resources", "monitors"):
            self.stdout.write(f" <{key[:-1]}>")
            for item in report.get(key, []):
                detail = item.get("current_server") or item.get("server") or item.get("instance_state") or ""
                self.stdout.write(f"   {item['name']:<16}: {item.get('status', '')} {detail}".rstrip())

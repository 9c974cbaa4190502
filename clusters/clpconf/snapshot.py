"""A cluster's whole configuration loaded in a fixed number of queries, whatever its size."""

from dataclasses import dataclass

from clusters.models import Cluster, FailoverGroup, ForcedStop, Interconnect, Server
from monitors.models import MonitorResource
from resources.models import GroupResource


@dataclass
class Snapshot:
    cluster: Cluster
    servers: list[Server]
    interconnects: list[Interconnect]
    heartbeats: list
    network_partitions: list
    forced_stop: ForcedStop | None
    groups: list[FailoverGroup]
    resources: list[GroupResource]
    monitors: list[MonitorResource]

    def __post_init__(self):
        self.server_name = {s.pk: s.name for s in self.servers}
        self.resource_by_pk = {r.pk: r for r in self.resources}
        self.group_by_pk = {g.pk: g for g in self.groups}

    def by_server_name(self, server_parameters: dict) -> dict[str, dict]:
        """Per-server values keyed by server name, in server order, every server present."""
        return {s.name: server_parameters.get(str(s.pk), {}) for s in self.servers}


def load(cluster: Cluster) -> Snapshot:
    return Snapshot(
        cluster=cluster,
        servers=list(cluster.servers.all()),
        interconnects=list(cluster.interconnects.prefetch_related("addresses")),
        heartbeats=list(cluster.heartbeats.all()),
        network_partitions=list(cluster.network_partitions.all()),
        forced_stop=ForcedStop.objects.filter(cluster=cluster).first(),
        groups=list(cluster.groups.prefetch_related("startup_servers")),
        # Through the cluster's managers: each row knows its cluster (its type's OS variant) without a query.
        resources=list(cluster.resources.prefetch_related("depends_on")),
        monitors=list(cluster.monitors.select_related("target_resource")),
    )

"""Deleting a cluster (Config Mode's File menu) and abandoning a half-finished cluster generation wizard.

The cluster goes with everything of its own: the draft, its applied versions, runs, alert log, Alert Service
destinations and runtime state (the models' cascades). A cluster that runs, or has a run in progress, is
refused: deleting it would leave its AWS resources acting with no console watching them.
"""

from django.db import transaction

from clusters.models import Cluster, TaskRun
from clusters.operation import state
from clusters.runs.taskruns import KINDS
from clusters.runtime import Status
from webui.roles import Role, require_role


class Refused(Exception):
    """The cluster cannot be deleted now; the message says why and what to do."""


def delete_cluster(*, user, cluster: Cluster) -> str:
    """Delete `cluster` with its versions, runs and alerts; its name. Refused while it runs."""
    require_role(user, Role.ADMINISTRATOR)
    with transaction.atomic():
        locked = Cluster.objects.select_for_update().filter(pk=cluster.pk).first()
        if locked is None:
            raise Refused(f"Cluster {cluster.name} does not exist (any more).")
        status = state.cluster_status(locked)
        if status != Status.OFFLINE:
            raise Refused(
                f"Cluster {locked.name} is {status.label}: stop the cluster in Operation Mode first, then delete it."
            )
        active = TaskRun.objects.filter(cluster=locked, status__in=TaskRun.ACTIVE).first()
        if active is not None:
            label = KINDS[active.kind].label if active.kind in KINDS else active.kind
            raise Refused(
                f"{label} (run #{active.pk}) is in progress on cluster {locked.name}: delete it when it ends."
            )
        name = locked.name
        locked.delete()
    return name


def abandon_wizard(*, user, cluster: Cluster) -> str:
    """Cancel a cluster generation wizard that is not finished: the cluster it was creating is deleted."""
    if not cluster.wizard_step:
        raise Refused(f"The wizard of cluster {cluster.name} is finished: delete the cluster from Config Mode.")
    return delete_cluster(user=user, cluster=cluster)

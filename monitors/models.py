from django.db import models
from django.db.models import Q

from clusters.models import Cluster, FailoverGroup, TypedPart, object_name
from resources.models import GroupResource

from .registry import MONITOR_TYPES


class MonitorResource(TypedPart):
    class Timing(models.TextChoices):
        ALWAYS = "always", "Always"
        ACTIVE = "active", "Active"

    class RecoveryTarget(models.TextChoices):  # SEEN relation/type values
        RESOURCE = "rsc", "Group resource"
        GROUP = "grp", "Failover group"
        LOCAL_SERVER = "cls", "LocalServer"

    class FinalAction(models.TextChoices):  # SEEN values of emergency/action
        NO_OPERATION = "1", "No operation"
        STOP_GROUP = "2", "Stop group"
        STOP_CLUSTER = "3", "Stop the cluster service"
        SHUTDOWN = "4", "Stop the cluster service and shutdown OS"
        REBOOT = "5", "Stop the cluster service and reboot OS"
        STOP_RESOURCE = "16", "Stop resource"

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="monitors")
    type = models.CharField("Type", max_length=20)
    name = models.CharField("Name", max_length=31, validators=[object_name])
    comment = models.CharField("Comment", max_length=127, blank=True)
    # Monitor (common)
    interval = models.PositiveIntegerField("Interval", default=60)
    timeout = models.PositiveIntegerField("Timeout", default=60)
    retry_count = models.PositiveSmallIntegerField("Retry Count", default=1)
    wait_to_start = models.PositiveIntegerField("Wait Time to Start Monitoring", default=0)
    monitor_timing = models.CharField("Monitor Timing", max_length=6, choices=Timing, default=Timing.ALWAYS)
    target_resource = models.ForeignKey(
        GroupResource,
        verbose_name="Target Resource",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="watched_by",
    )
    # Recovery Action
    recovery_target = models.CharField(
        "Recovery Target", max_length=3, choices=RecoveryTarget, default=RecoveryTarget.LOCAL_SERVER
    )
    recovery_resource = models.ForeignKey(
        GroupResource, null=True, blank=True, on_delete=models.CASCADE, related_name="recovered_by"
    )
    recovery_group = models.ForeignKey(
        FailoverGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="recovered_by"
    )
    restart_threshold = models.PositiveSmallIntegerField("Maximum Reactivation Count", null=True, blank=True)
    failover_threshold = models.PositiveSmallIntegerField("Maximum Failover Count", null=True, blank=True)
    final_action = models.CharField("Final Action", max_length=2, choices=FinalAction, blank=True)
    # Which Monitor (common) values clp.conf stated explicitly (written back as found).
    explicit_common = models.JSONField(default=list, blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    server_parameters = models.JSONField(default=dict, blank=True)  # server pk -> values
    # The resource whose addition added this monitor ("automatically added"); removed with it.
    owner_resource = models.ForeignKey(
        GroupResource, null=True, blank=True, on_delete=models.CASCADE, related_name="auto_monitors"
    )
    scripts = models.JSONField(default=dict, blank=True)  # file name -> base64 content (custom monitors)

    class Meta:
        ordering = ["cluster", "name"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "name"], name="monitor_unique_name"),
            models.CheckConstraint(
                condition=(
                    Q(recovery_target="rsc", recovery_resource__isnull=False, recovery_group__isnull=True)
                    | Q(recovery_target="grp", recovery_group__isnull=False, recovery_resource__isnull=True)
                    | Q(recovery_target="cls", recovery_resource__isnull=True, recovery_group__isnull=True)
                ),
                name="monitor_recovery_target_consistent",
            ),
            models.CheckConstraint(
                condition=Q(monitor_timing="always") | Q(target_resource__isnull=False),
                name="monitor_active_timing_has_target",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def registry(cls):

        return MONITOR_TYPES

from django.db import models
from django.db.models import Q

from clusters.models import Cluster, FailoverGroup, TypedPart, object_name

from .registry import RESOURCE_TYPES


class GroupResource(TypedPart):
    """A group resource: its type's values live in JSON, cross-type settings in columns."""

    class FinalAction(models.TextChoices):  # SEEN values of act/action and deact/action
        NO_OPERATION_NEXT = "0", "No operation (activate next resource)"
        NO_OPERATION = "1", "No operation (not activate next resource)"
        STOP_GROUP = "2", "Stop group"
        STOP_CLUSTER = "3", "Stop the cluster service"
        SHUTDOWN = "4", "Stop the cluster service and shutdown OS"
        REBOOT = "5", "Stop the cluster service and reboot OS"

    class DeactivationFinalAction(models.TextChoices):  # what the product offers at a deactivation failure
        NO_OPERATION_NEXT = "0", "No operation (deactivate next resource)"
        NO_OPERATION = "1", "No operation (not deactivate next resource)"
        SHUTDOWN = "4", "Stop the cluster service and shutdown OS"
        REBOOT = "5", "Stop the cluster service and reboot OS"

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="resources")
    group = models.ForeignKey(FailoverGroup, on_delete=models.CASCADE, related_name="resources")
    type = models.CharField("Type", max_length=20)
    name = models.CharField("Name", max_length=31, validators=[object_name])
    comment = models.CharField("Comment", max_length=127, blank=True)
    order = models.PositiveSmallIntegerField(default=0, help_text="Position in the group's resource list.")
    parameters = models.JSONField(default=dict, blank=True)
    server_parameters = models.JSONField(default=dict, blank=True)  # server pk -> values
    # Recovery Operation (None: the product's default, not written to clp.conf).
    act_retry = models.PositiveSmallIntegerField("Retry Count", null=True, blank=True)
    act_failover = models.PositiveSmallIntegerField("Failover Threshold", null=True, blank=True)
    act_final_action = models.CharField("Final Action", max_length=2, choices=FinalAction, blank=True)
    deact_retry = models.PositiveSmallIntegerField("Retry Count at Deactivation Failure", null=True, blank=True)
    deact_final_action = models.CharField(
        "Final Action at Deactivation Failure", max_length=2, choices=DeactivationFinalAction, blank=True
    )
    # Dependency: empty follows the default dependency.
    depends_on = models.ManyToManyField("self", symmetrical=False, related_name="dependents", blank=True)
    scripts = models.JSONField(default=dict, blank=True)  # file name -> base64 content (script resources)

    class Meta:
        ordering = ["group", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "name"], name="resource_unique_name"),
            models.CheckConstraint(condition=~Q(type=""), name="resource_has_type"),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def registry(cls):

        return RESOURCE_TYPES

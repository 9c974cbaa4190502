"""What operation mode shows: the applied configuration and the cluster's live state.

State is kept by name (a group, resource or server of the applied version), never by the draft's
rows, so editing in config mode cannot change what operation mode shows until it is applied.
"""

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.utils import timezone


class AppliedVersion(models.Model):
    """A configuration that "Apply the Configuration File" accepted: its clp.conf, who and when."""

    cluster = models.ForeignKey("clusters.Cluster", on_delete=models.CASCADE, related_name="applied_versions")
    number = models.PositiveIntegerField()
    conf = models.BinaryField(help_text="clp.conf as applied, in its own encoding.")
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    applied_at = models.DateTimeField(auto_now_add=True)
    distributed_to = models.CharField(max_length=500, blank=True)
    operations = models.JSONField(default=list, blank=True)
    # The scripts/ folder of the export zip (path -> base64): script resources and custom monitors run them.
    files = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["cluster", "-number"]
        get_latest_by = "number"
        constraints = [models.UniqueConstraint(fields=["cluster", "number"], name="applied_version_unique")]

    def __str__(self) -> str:
        return f"{self.cluster} v{self.number}"


class NodeAgent(models.Model):
    """A server's node agent (`manage.py node_agent CLUSTER SERVER`), as it registered and last reported.

    Node-local work of a server with an agent goes to the agent's queue; a server without one has it
    done by the console's worker (a single machine, the embedded simulation), and says so.
    """

    cluster = models.ForeignKey("clusters.Cluster", on_delete=models.CASCADE, related_name="node_agents")
    server = models.CharField(max_length=63)
    host = models.CharField(max_length=255, help_text="The machine and process the agent runs as.")
    listen = models.CharField(max_length=45, help_text="The address the LB probe port listens on.")
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(help_text="Its last heartbeat.")

    class Meta:
        ordering = ["cluster", "server"]
        constraints = [models.UniqueConstraint(fields=["cluster", "server"], name="node_agent_unique")]

    def __str__(self) -> str:
        return f"{self.cluster} {self.server} ({self.host})"

    def silent_for(self) -> float:
        """Seconds since its last heartbeat."""
        return (timezone.now() - self.seen_at).total_seconds()

    def lost(self) -> bool:
        """Silent for longer than the heartbeat timeout: a server problem, as a lost server is."""
        return self.silent_for() > settings.WEBUI_HEARTBEAT_TIMEOUT


class Status(models.TextChoices):
    """A state in the product's words, as clpstat, its RESTful API and Cluster WebUI print them. Each kind of
    object takes some of them: a cluster Online, Offline or Suspend; a server Online, Offline, Caution or
    Unknown; a group Online, Offline, Online Pending, Offline Pending or Error; a group resource those and
    Online Failure, Offline Failure; a monitor resource Normal, Caution, Error, Suspend or Offline."""

    UNKNOWN = "unknown", "Unknown"
    NORMAL = "normal", "Normal"
    CAUTION = "caution", "Caution"
    ERROR = "error", "Error"
    UNUSED = "unused", "Unused"
    SUSPEND = "suspend", "Suspend"
    ONLINE = "online", "Online"
    OFFLINE = "offline", "Offline"
    ONLINE_PENDING = "online_pending", "Online Pending"
    OFFLINE_PENDING = "offline_pending", "Offline Pending"
    ONLINE_FAILURE = "online_failure", "Online Failure"
    OFFLINE_FAILURE = "offline_failure", "Offline Failure"


class ClusterState(models.Model):
    """Online (started), Offline (stopped or never started) or Suspend (monitoring paused; groups stay)."""

    cluster = models.OneToOneField("clusters.Cluster", on_delete=models.CASCADE, related_name="state")
    status = models.CharField(max_length=15, choices=Status, default=Status.OFFLINE)
    updated_at = models.DateTimeField(auto_now=True)
    # The timeout ratio (clptoratio, the RESTful API's cluster/toratio): every monitor resource's timeout and the
    # heartbeat timeout are multiplied by it until it expires.
    toratio = models.PositiveIntegerField(default=1)
    toratio_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.cluster}: {self.status}"


class ObjectState(models.Model):
    """The state of a group, a group resource or a monitor resource of the applied version."""

    class Kind(models.TextChoices):
        GROUP = "group", "Group"
        RESOURCE = "resource", "Group resource"
        MONITOR = "monitor", "Monitor resource"
        HEALTH = "health", "Server health judgement"  # one per source: "instances", "heartbeat"
        SERVER = "server", "Server"  # its EC2 instance state (message), as the engine last read it
        SERVICE = "service", "Cluster service"  # offline: stopped on that server by an operator
        FINDING = "finding", "Check AWS finding"  # as the drift watch last saw it (clusters.operation.drift)

    cluster = models.ForeignKey("clusters.Cluster", on_delete=models.CASCADE, related_name="object_states")
    kind = models.CharField(max_length=8, choices=Kind)
    name = models.CharField(max_length=31)
    status = models.CharField(max_length=15, choices=Status, default=Status.OFFLINE)
    server = models.CharField(max_length=63, blank=True, help_text="Where it is online.")
    message = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Monitors: when last checked, consecutive failures, recoveries done, verification mode's dummy failure.
    checked_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)
    restarts = models.PositiveIntegerField(default=0)
    failovers = models.PositiveIntegerField(default=0)
    dummy_failure = models.BooleanField(default=False)
    # Servers: where the instance is (availability zone, subnet, private IP, instance ID), for the picture.
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["cluster", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["cluster", "kind", "name"], name="object_state_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.name}: {self.status}"


class Alert(models.Model):
    """The alert log: every state change and error, in the product's words."""

    class Level(models.TextChoices):
        INFO = "info", "Info"
        WARNING = "warning", "Warning"
        ERROR = "error", "Error"

    cluster = models.ForeignKey("clusters.Cluster", on_delete=models.CASCADE, related_name="alerts")
    at = models.DateTimeField(auto_now_add=True)
    level = models.CharField(max_length=7, choices=Level, default=Level.INFO)
    server = models.CharField(max_length=63, blank=True)
    message = models.CharField(max_length=1000)
    # What it concerns (clusters.operation.alertlog.subject): a monitor, resource, group or server, by name.
    object_kind = models.CharField(max_length=8, blank=True)
    object_name = models.CharField(max_length=63, blank=True)
    # False for the alerts about the Alert Service itself (a failed delivery): they are not sent on.
    notify = models.BooleanField(default=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.message


MASK = "***"
PLAIN_SEGMENT = re.compile(r"[A-Za-z][A-Za-z_-]{0,19}")  # "services", "hooks", "api": a path's fixed words


def masked_url(url: str) -> str:
    """A webhook URL with its secrets masked: credentials, the path after its first plain word (a chat tool's
    token is there) and the query; e.g. https://***@hooks.example.com/services/***."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return MASK
    host = f"[{host}]" if ":" in host else host
    credentials = f"{MASK}@" if "@" in parts.netloc else ""
    segments = [s for s in parts.path.split("/") if s]
    path = ""
    if segments:
        keep = segments[:1] if len(segments) > 1 and PLAIN_SEGMENT.fullmatch(segments[0]) else []
        path = "/" + "/".join([*keep, MASK])
    query = f"?{MASK}" if parts.query else ""
    fragment = f"#{MASK}" if parts.fragment else ""
    return f"{parts.scheme}://{credentials}{host}{port}{path}{query}{fragment}"


class AlertDestination(models.Model):
    """Alert Service: where a cluster's alerts reach people (an SNS topic, an e-mail address, a chat webhook)."""

    class Kind(models.TextChoices):
        SNS = "sns", "Amazon SNS topic"
        EMAIL = "email", "E-mail"
        WEBHOOK = "webhook", "Webhook (chat tools)"

    LEVELS = {"info": 0, "warning": 1, "error": 2}

    cluster = models.ForeignKey("clusters.Cluster", on_delete=models.CASCADE, related_name="alert_destinations")
    kind = models.CharField("Destination", max_length=8, choices=Kind)
    target = models.CharField("Topic ARN, address or URL", max_length=500)
    min_level = models.CharField("From level", max_length=7, choices=Alert.Level, default=Alert.Level.WARNING)
    about = models.CharField(
        "Only alerts about",
        max_length=63,
        blank=True,
        help_text="An object name (e.g. failover1, awsvipw1); empty: every alert.",
    )

    class Meta:
        ordering = ["cluster", "kind", "target"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.shown_target}"

    @property
    def shown_target(self) -> str:
        """The target as every page, API, export and alert shows it once saved: a webhook's secrets masked."""
        return masked_url(self.target) if self.kind == self.Kind.WEBHOOK else self.target

    def wants(self, alert: "Alert") -> bool:
        """The rule: at least its level, and about its object when it names one."""
        if self.LEVELS[alert.level] < self.LEVELS[self.min_level]:
            return False
        return not self.about or self.about in (alert.object_name, alert.server)


class DrillSchedule(models.Model):
    """When a cluster's failover drills run by themselves: a weekly or monthly window (UTC)."""

    class Every(models.TextChoices):
        WEEK = "week", "Weekly"
        MONTH = "month", "Monthly"

    cluster = models.ForeignKey("clusters.Cluster", on_delete=models.CASCADE, related_name="drill_schedules")
    group = models.CharField(max_length=31, blank=True, help_text="Empty: every group.")
    every = models.CharField(max_length=8, choices=Every.choices, default=Every.WEEK)
    weekday = models.PositiveSmallIntegerField(default=6, help_text="0 Monday to 6 Sunday (weekly).")
    day = models.PositiveSmallIntegerField(default=1, help_text="Day of the month, 1 to 28 (monthly).")
    hour = models.PositiveSmallIntegerField(default=3, help_text="Hour the window opens, 0 to 23 (UTC).")
    window_hours = models.PositiveSmallIntegerField(default=2, help_text="How long the window stays open.")
    enabled = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    last_started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["cluster", "pk"]

    def __str__(self) -> str:
        return f"{self.cluster} drill {self.get_every_display().lower()} {self.group or 'every group'}"


class Drill(models.Model):
    """One failover drill and its evidence: who or which schedule, when, every step with its time, what the
    probes saw, measured against computed, passed or failed."""

    cluster = models.ForeignKey("clusters.Cluster", on_delete=models.CASCADE, related_name="drills")
    run = models.ForeignKey("clusters.TaskRun", null=True, blank=True, on_delete=models.SET_NULL)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    schedule = models.ForeignKey(DrillSchedule, null=True, blank=True, on_delete=models.SET_NULL)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(null=True, blank=True, help_text="The applied version drilled.")
    passed = models.BooleanField(null=True)
    summary = models.TextField(blank=True)
    evidence = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.cluster} drill #{self.pk}"

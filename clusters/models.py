from django.conf import settings
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from clusters.configuration.heartbeats import HEARTBEAT_KINDS, NP_KINDS

# EXPRESSCLUSTER object names: letters, digits, '-', '_' and '.', starting with a letter or digit.
object_name = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,30}$",
    "Use 1 to 31 letters, digits, '-', '_' or '.', starting with a letter or digit.",
)


class Cluster(models.Model):
    class Language(models.TextChoices):
        ENGLISH = "en", "English"
        JAPANESE = "ja", "Japanese"
        CHINESE = "zh", "Chinese"

    name = models.CharField("Cluster Name", max_length=31, unique=True, validators=[object_name])
    comment = models.CharField("Comment", max_length=127, blank=True)
    language = models.CharField("Language", max_length=2, choices=Language, default=Language.ENGLISH)
    server_os = models.CharField("Server OS", max_length=10, default="windows", editable=False)
    # The XML encoding clp.conf is written in ("SJIS" as Cluster WebUI on Windows writes it).
    encoding = models.CharField(max_length=20, default="SJIS")
    # <all><charset> and <all><encode> as found on import; empty: derived from language and encoding.
    charset = models.CharField(max_length=20, blank=True)
    encode = models.CharField(max_length=20, blank=True)
    # Settings of clp.conf we do not model, kept verbatim so a round trip loses nothing.
    extra_xml = models.TextField(blank=True)
    # The clp.conf this configuration was imported from (text, declaration included): export keeps
    # its element order, empty elements and declaration; the content comes from the model.
    source_conf = models.TextField(blank=True, editable=False)
    # Files of the export zip that belong to no object we model (path -> base64 content).
    extra_files = models.JSONField(default=dict, blank=True)
    # The generation wizard's step to continue at; empty once the wizard is finished.
    wizard_step = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ClusterPart(models.Model):
    """Base of everything that belongs to one cluster and keeps its unknown clp.conf settings."""

    extra_xml = models.TextField(blank=True)

    class Meta:
        abstract = True


class TypedPart(ClusterPart):
    """A group resource or monitor resource: its `type` names a module of a type registry."""

    class Meta:
        abstract = True

    @classmethod
    def registry(cls):
        raise NotImplementedError

    @property
    def type_spec(self):
        return self.registry().get_type(self.type, self.cluster.server_os)

    @property
    def settings_display(self) -> str:
        return self.type_spec.describe(self.parameters)


class Server(ClusterPart):
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="servers")
    name = models.CharField("Server Name", max_length=63, validators=[object_name])
    priority = models.PositiveSmallIntegerField("Order", help_text="0 is the master server.")

    class Meta:
        ordering = ["cluster", "priority"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "name"], name="server_unique_name"),
            models.UniqueConstraint(fields=["cluster", "priority"], name="server_unique_priority"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_master(self) -> bool:
        return self.priority == 0


class Interconnect(ClusterPart):
    """One row of the Interconnect table: an address per server, its heartbeat use and MDC use."""

    class Heartbeat(models.TextChoices):
        KERNEL = "lankhb", "Kernel Mode"
        USER = "lanhb", "User Mode"
        NONE = "", "Do Not Use"

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="interconnects")
    priority = models.PositiveSmallIntegerField("Priority")
    device_id = models.PositiveSmallIntegerField(help_text="The clp.conf device id of the LAN (0, 1, ...).")
    heartbeat = models.CharField("Type", max_length=8, choices=Heartbeat, default=Heartbeat.KERNEL, blank=True)
    heartbeat_name = models.CharField(max_length=31, blank=True, help_text="e.g. lankhb1")
    mdc = models.CharField("MDC", max_length=31, blank=True, help_text="e.g. mdc1; empty: Do Not Use")
    mdc_device_id = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["cluster", "priority"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "priority"], name="interconnect_unique_priority"),
            models.UniqueConstraint(fields=["cluster", "device_id"], name="interconnect_unique_device"),
        ]

    def __str__(self) -> str:
        return self.heartbeat_name or self.mdc or f"interconnect {self.priority + 1}"


class InterconnectAddress(models.Model):
    interconnect = models.ForeignKey(Interconnect, on_delete=models.CASCADE, related_name="addresses")
    server = models.ForeignKey(Server, on_delete=models.CASCADE, related_name="interconnect_addresses")
    address = models.GenericIPAddressField("IP Address", protocol="IPv4")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["interconnect", "server"], name="interconnect_address_unique_server")
        ]

    def __str__(self) -> str:
        return self.address


class Heartbeat(ClusterPart):
    """A heartbeat resource other than the LAN ones: Witness, Object Storage (on Amazon S3)."""

    class Kind(models.TextChoices):
        WITNESS = "witness", "Witness"
        OBJECT_STORAGE = "object_storage", "Object Storage"

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="heartbeats")
    kind = models.CharField("Type", max_length=16, choices=Kind)
    name = models.CharField(max_length=31, validators=[object_name])
    priority = models.PositiveSmallIntegerField("Priority")
    device_id = models.PositiveIntegerField(null=True, blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    server_parameters = models.JSONField(default=dict, blank=True)  # server pk -> values

    class Meta:
        ordering = ["cluster", "priority"]
        constraints = [models.UniqueConstraint(fields=["cluster", "name"], name="heartbeat_unique_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def settings_display(self) -> str:

        return HEARTBEAT_KINDS[self.kind].describe(self.parameters)


class NetworkPartition(ClusterPart):
    """An NP resolution resource: HTTP (Witness server or S3 website) or PING."""

    class Kind(models.TextChoices):
        HTTP = "http", "HTTP"
        PING = "ping", "PING"

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="network_partitions")
    kind = models.CharField("Type", max_length=8, choices=Kind)
    name = models.CharField(max_length=31, validators=[object_name])
    priority = models.PositiveSmallIntegerField("Priority")
    device_id = models.PositiveIntegerField(null=True, blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    server_parameters = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["cluster", "priority"]
        constraints = [models.UniqueConstraint(fields=["cluster", "name"], name="np_unique_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def settings_display(self) -> str:

        return NP_KINDS[self.kind].describe(self.parameters)


class ForcedStop(ClusterPart):
    """The cluster's forced stop: type AWS stops a lost server's instance (StopInstances)."""

    class Kind(models.TextChoices):
        NONE = "", "Do not use"
        AWS = "aws", "AWS"

    cluster = models.OneToOneField(Cluster, on_delete=models.CASCADE, related_name="forced_stop")
    kind = models.CharField("Type", max_length=8, choices=Kind, default=Kind.NONE, blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    server_parameters = models.JSONField(default=dict, blank=True)  # server pk -> {"instanceid": "i-..."}

    def __str__(self) -> str:
        return f"forced stop ({self.get_kind_display()})"


class FailoverGroup(ClusterPart):
    class Startup(models.TextChoices):
        AUTO = "1", "Auto Startup"
        MANUAL = "0", "Manual Startup"

    class Failover(models.TextChoices):
        PRIORITY = "0", "Auto Failover (startup server priority)"
        DYNAMIC = "1", "Auto Failover (dynamic)"
        MANUAL = "2", "Manual Failover"

    class Failback(models.TextChoices):
        MANUAL = "0", "Prohibit Failback"
        AUTO = "1", "Auto Failback"

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField("Name", max_length=31, validators=[object_name])
    gid = models.PositiveSmallIntegerField(help_text="The group's order in clp.conf (gid).")
    group_type = models.CharField(max_length=20, default="failover")
    comment = models.CharField("Comment", max_length=127, blank=True)
    startup = models.CharField("Startup Attribute", max_length=1, choices=Startup, default=Startup.AUTO)
    failover = models.CharField("Failover Attribute", max_length=1, choices=Failover, default=Failover.PRIORITY)
    failback = models.CharField("Failback Attribute", max_length=1, choices=Failback, default=Failback.MANUAL)
    # Which group attributes clp.conf stated explicitly (written back as found).
    explicit_attributes = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["cluster", "gid"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "name"], name="group_unique_name"),
            models.UniqueConstraint(fields=["cluster", "gid"], name="group_unique_gid"),
        ]

    def __str__(self) -> str:
        return self.name


class GroupStartupServer(models.Model):
    """Startup Servers of a failover group, in order; none listed means all servers."""

    group = models.ForeignKey(FailoverGroup, on_delete=models.CASCADE, related_name="startup_servers")
    server = models.ForeignKey(Server, on_delete=models.CASCADE, related_name="startup_for")
    order = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["group", "order"]
        constraints = [
            models.UniqueConstraint(fields=["group", "server"], name="startup_server_unique"),
            models.UniqueConstraint(fields=["group", "order"], name="startup_server_unique_order"),
        ]

    def __str__(self) -> str:
        return f"{self.group}: {self.server} ({self.order})"


class PendingInput(models.Model):
    """What was typed on a wizard page that could not be saved yet (Back keeps it, invalid as it is)."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="pending_inputs")
    page = models.CharField(max_length=80)  # e.g. "resource:12:details"
    data = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cluster", "page"], name="pending_input_unique_page")]

    def __str__(self) -> str:
        return f"{self.cluster}: {self.page}"


class TaskRun(models.Model):
    """One background job (apply, AWS check, group move...): the truth of its Celery task."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"  # refused or failed as the operation foresees, with the reason
        ERRORED = "errored", "Errored"  # ended by an unexpected error of the console: its traceback is kept

    ACTIVE = (Status.PENDING, Status.RUNNING)

    kind = models.CharField(max_length=40)
    cluster = models.ForeignKey(Cluster, null=True, blank=True, on_delete=models.CASCADE, related_name="task_runs")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    traceback = models.TextField(blank=True, help_text="An unexpected error's traceback, shown to Administrators.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The worker running it renews this; a run whose lease ran out lost its worker (taskruns.reap).
    lease_until = models.DateTimeField(null=True, blank=True)
    # What the run holds that must be given back however it ends, e.g. {"paused_monitors": [ids]}.
    held = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # A cluster runs one apply or operation at a time.
            models.UniqueConstraint(
                fields=["cluster"],
                condition=Q(status__in=["pending", "running"]),
                name="taskrun_one_active_per_cluster",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="taskrun_progress_lte_100"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


class TaskRunLine(models.Model):
    """A log line of a run, written while it runs so the page can show progress."""

    class Level(models.TextChoices):
        INFO = "info", "Info"
        WARNING = "warning", "Warning"
        ERROR = "error", "Error"

    run = models.ForeignKey(TaskRun, on_delete=models.CASCADE, related_name="lines")
    at = models.DateTimeField(auto_now_add=True)
    level = models.CharField(max_length=7, choices=Level, default=Level.INFO)
    message = models.TextField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.message


from .runtime import (  # noqa: E402, F401  (models of this app)
    Alert,
    AlertDestination,
    AppliedVersion,
    ClusterState,
    Drill,
    DrillSchedule,
    NodeAgent,
    ObjectState,
)

from django.conf import settings
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TaskRun(models.Model):
    """One background job (apply, AWS check, group move...): the truth of its Celery task."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    ACTIVE = (Status.PENDING, Status.RUNNING)

    kind = models.CharField(max_length=40)
    cluster = models.ForeignKey(Cluster, null=True, blank=True, on_delete=models.CASCADE, related_name="task_runs")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

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

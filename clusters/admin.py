import io
import zipfile

from django.contrib import admin
from django.http import HttpResponse

from .clpconf import transfer
from .models import (
    Alert,
    AlertDestination,
    AppliedVersion,
    Cluster,
    ClusterState,
    Drill,
    DrillSchedule,
    FailoverGroup,
    ForcedStop,
    GroupStartupServer,
    Heartbeat,
    Interconnect,
    InterconnectAddress,
    NetworkPartition,
    NodeAgent,
    ObjectState,
    PendingInput,
    Server,
    TaskRun,
    TaskRunLine,
)
from .web.forms import AlertDestinationForm


@admin.action(description="Export selected clusters")
def export_selected(modeladmin, request, queryset):
    clusters = list(queryset)
    if len(clusters) == 1:
        data, filename = transfer.export_zip(user=request.user, cluster=clusters[0]), f"{clusters[0].name}.zip"
    else:  # one export zip per cluster, inside one zip
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for cluster in clusters:
                archive.writestr(f"{cluster.name}.zip", transfer.export_zip(user=request.user, cluster=cluster))
        data, filename = buffer.getvalue(), "clusters.zip"
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class ServerInline(admin.TabularInline):
    model = Server
    extra = 0
    fields = ("name", "priority")


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = ("name", "comment", "language", "encoding")
    search_fields = ("name", "comment")
    inlines = [ServerInline]
    actions = [export_selected]


@admin.register(Server)
class ServerAdmin(admin.ModelAdmin):
    list_display = ("name", "cluster", "priority")
    list_filter = ("cluster",)
    list_select_related = ("cluster",)


class InterconnectAddressInline(admin.TabularInline):
    model = InterconnectAddress
    extra = 0


@admin.register(Interconnect)
class InterconnectAdmin(admin.ModelAdmin):
    list_display = ("__str__", "cluster", "priority", "heartbeat", "mdc")
    list_filter = ("cluster",)
    list_select_related = ("cluster",)
    inlines = [InterconnectAddressInline]


@admin.register(Heartbeat, NetworkPartition)
class DeviceObjectAdmin(admin.ModelAdmin):
    list_display = ("name", "cluster", "kind", "priority")
    list_filter = ("cluster", "kind")
    list_select_related = ("cluster",)


@admin.register(ForcedStop)
class ForcedStopAdmin(admin.ModelAdmin):
    list_display = ("cluster", "kind")
    list_select_related = ("cluster",)


class GroupStartupServerInline(admin.TabularInline):
    model = GroupStartupServer
    extra = 0


@admin.register(FailoverGroup)
class FailoverGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "cluster", "gid", "startup", "failover", "failback")
    list_filter = ("cluster",)
    list_select_related = ("cluster",)
    inlines = [GroupStartupServerInline]


@admin.register(PendingInput)
class PendingInputAdmin(admin.ModelAdmin):
    list_display = ("cluster", "page", "updated_at")
    list_select_related = ("cluster",)


class TaskRunLineInline(admin.TabularInline):
    model = TaskRunLine
    extra = 0
    readonly_fields = ("at", "level", "message")


@admin.register(TaskRun)
class TaskRunAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "cluster", "status", "progress", "user", "created_at", "finished_at")
    list_filter = ("kind", "status")
    list_select_related = ("cluster", "user")
    inlines = [TaskRunLineInline]


@admin.register(AppliedVersion)
class AppliedVersionAdmin(admin.ModelAdmin):
    list_display = ("cluster", "number", "applied_by", "applied_at", "distributed_to")
    list_select_related = ("cluster", "applied_by")
    exclude = ("conf", "files")
    readonly_fields = ("operations",)


@admin.register(NodeAgent)
class NodeAgentAdmin(admin.ModelAdmin):
    """Deleting a server's agent here (a server retired) hands its node-local work back to the console."""

    list_display = ("cluster", "server", "host", "listen", "started_at", "seen_at")
    list_select_related = ("cluster",)


@admin.register(ClusterState)
class ClusterStateAdmin(admin.ModelAdmin):
    list_display = ("cluster", "status", "updated_at")
    list_select_related = ("cluster",)


@admin.register(ObjectState)
class ObjectStateAdmin(admin.ModelAdmin):
    list_display = ("cluster", "kind", "name", "status", "server", "failures", "dummy_failure", "updated_at")
    list_filter = ("kind", "status")
    list_select_related = ("cluster",)


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("at", "cluster", "level", "server", "message")
    list_filter = ("level",)
    list_select_related = ("cluster",)


@admin.register(AlertDestination)
class AlertDestinationAdmin(admin.ModelAdmin):
    form = AlertDestinationForm  # a saved target is never shown again, only typed anew to replace it
    fields = ("cluster", "kind", "target", "min_level", "about")
    list_display = ("cluster", "kind", "shown_target", "min_level", "about")
    list_filter = ("kind", "min_level")
    list_select_related = ("cluster",)


@admin.register(DrillSchedule)
class DrillScheduleAdmin(admin.ModelAdmin):
    list_display = ("cluster", "group", "every", "weekday", "day", "hour", "window_hours", "enabled", "last_started_at")
    list_select_related = ("cluster",)


@admin.register(Drill)
class DrillAdmin(admin.ModelAdmin):
    """A drill's evidence is kept as it was found: read here, downloaded from the Failover page."""

    list_display = ("started_at", "cluster", "passed", "summary")
    list_filter = ("passed",)
    list_select_related = ("cluster",)
    readonly_fields = ("evidence",)

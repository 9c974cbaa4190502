from django.contrib import admin

from .models import Cluster, TaskRun, TaskRunLine


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = ("name", "comment", "language")
    search_fields = ("name", "comment")


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

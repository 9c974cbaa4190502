from django.contrib import admin

from .models import MonitorResource


@admin.register(MonitorResource)
class MonitorResourceAdmin(admin.ModelAdmin):
    list_display = ("name", "type", "cluster", "monitor_timing", "target_resource", "recovery_target")
    list_filter = ("cluster", "type")
    list_select_related = ("cluster", "target_resource")
    raw_id_fields = ("target_resource", "recovery_resource", "recovery_group", "owner_resource")

from django.contrib import admin

from .models import GroupResource


@admin.register(GroupResource)
class GroupResourceAdmin(admin.ModelAdmin):
    list_display = ("name", "type", "group", "cluster")
    list_filter = ("cluster", "type")
    list_select_related = ("group", "cluster")
    filter_horizontal = ("depends_on",)

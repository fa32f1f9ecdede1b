from django.contrib import admin

from .models import Download


@admin.register(Download)
class DownloadAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "view", "path"]
    list_filter = ["view"]
    date_hierarchy = "at"

    # A trace is evidence: nobody edits or removes it through the admin.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

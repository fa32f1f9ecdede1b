from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from .models import Region


@admin.register(Region)
class RegionAdmin(LeafletGeoAdmin):
    """Read-only: regions come from the Kemendagri files (load_regions), which would undo edits."""

    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    ordering = ("code",)
    list_select_related = ("parent",)
    fields = ("code", "name", "level", "parent", "boundary", "centroid")
    readonly_fields = ("code", "name", "level", "parent", "centroid")
    # The boundary shows on a Leaflet map (vendored, no CDN) that cannot be edited.
    modifiable = False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from .models import ChecklistItem, PendingChange, ReviewEvent, ServiceType, Site, SiteLink


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    fields = ("order", "code", "text")
    extra = 0
    ordering = ("order",)


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = ("order", "name", "code", "sector", "icon", "color")
    list_display_links = ("name",)
    list_filter = ("sector", "clusters")
    search_fields = ("name", "code")
    list_select_related = ("sector",)
    filter_horizontal = ("clusters", "indicators")
    inlines = [ChecklistItemInline]

    def get_readonly_fields(self, request, obj=None):
        # The code is referenced by the import and the scoring policy: fixed once created.
        return ("code",) if obj else ()


# Sites and links are changed through the portal, which checks scope, keeps the version for
# optimistic locking and writes the history; the admin only shows them (and may delete).
@admin.register(Site)
class SiteAdmin(LeafletGeoAdmin):
    list_display = (
        "name",
        "kelurahan",
        "type_list",
        "operating_status",
        "review_state",
        "source",
        "is_demo",
    )
    list_filter = ("review_state", "operating_status", "types", "source", "is_demo")
    search_fields = ("name", "source_id", "kelurahan__name", "kelurahan__code")
    list_select_related = ("kelurahan",)
    modifiable = False
    fields = (
        "name",
        "types",
        "kelurahan",
        "location",
        "address",
        "contact",
        "operating_status",
        "review_state",
        "verified_at",
        "source",
        "source_id",
        "source_note",
        "is_demo",
        "version",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
    )
    readonly_fields = tuple(f for f in fields if f != "location")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("types")

    @admin.display(description=_("jenis layanan"))
    def type_list(self, obj):
        return ", ".join(t.name for t in obj.types.all())

    def has_add_permission(self, request):
        return False


@admin.register(SiteLink)
class SiteLinkAdmin(admin.ModelAdmin):
    list_display = ("site_a", "site_b", "kind", "start_date", "end_date", "is_demo")
    list_filter = ("kind", "is_demo")
    search_fields = ("site_a__name", "site_b__name")
    list_select_related = ("site_a", "site_b")
    readonly_fields = (
        "site_a",
        "site_b",
        "kind",
        "start_date",
        "end_date",
        "evidence",
        "note",
        "is_demo",
        "created_at",
        "created_by",
    )

    def has_add_permission(self, request):
        return False


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Review records are written by the review workflow only: the admin shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PendingChange)
class PendingChangeAdmin(_ReadOnlyAdmin):
    list_display = ("site", "state", "proposed_by", "submitted_at", "reviewed_by", "reviewed_at")
    list_filter = ("state", "is_demo")
    search_fields = ("site__name",)
    list_select_related = ("site", "proposed_by", "reviewed_by")


@admin.register(ReviewEvent)
class ReviewEventAdmin(_ReadOnlyAdmin):
    list_display = ("at", "site", "action", "from_state", "to_state", "user", "reason")
    list_filter = ("action", "is_demo")
    search_fields = ("site__name", "reason")
    list_select_related = ("site", "user")
    date_hierarchy = "at"

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from .models import Kawasan, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ("site", "added_at", "added_by")
    readonly_fields = ("added_at", "added_by")
    # Thousands of sites: a search box, never a dropdown.
    autocomplete_fields = ("site",)
    extra = 0


@admin.register(Kawasan)
class KawasanAdmin(admin.ModelAdmin):
    list_display = ("name", "region", "hub", "member_count", "is_base", "is_demo")
    list_filter = ("is_base", "is_demo", "region__level")
    search_fields = ("name", "region__name", "region__code")
    list_select_related = ("region", "hub")
    autocomplete_fields = ("region", "hub")
    readonly_fields = ("created_at", "updated_at")
    inlines = [MembershipInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    @admin.display(description=_("anggota"), ordering="member_count")
    def member_count(self, obj):
        return obj.member_count

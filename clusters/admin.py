from django.contrib import admin

from .models import Cluster, Indicator, IndicatorSet


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = ("code", "short_name", "name", "order", "has_sites")
    ordering = ("order",)


class IndicatorInline(admin.TabularInline):
    model = Indicator
    fields = ("number", "cluster", "title", "uncertain")
    extra = 0
    ordering = ("number",)


@admin.register(IndicatorSet)
class IndicatorSetAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "valid_from_year", "is_current")
    inlines = [IndicatorInline]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "cluster", "indicator_set", "uncertain")
    list_filter = ("indicator_set", "cluster", "uncertain")
    search_fields = ("title",)
    list_select_related = ("cluster", "indicator_set")

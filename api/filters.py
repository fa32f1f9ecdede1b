"""Filters of the API's lists that the pages have no filterset for.

Sites use the pages' own SiteFilter (sites.filters), kawasan the kawasan list's form
(kawasan.forms.KawasanFilterForm) and rankings the rankings page's RankingFilter: the same
parameters, choices and validation as the pages. Regions have no list page, hence this.
"""

import django_filters
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend

from regions.models import Level, Region, subtree_q


class RegionFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(label=_("Tingkat"), choices=Level.choices)
    parent = django_filters.CharFilter(label=_("Kode induk"), field_name="parent_id")
    within = django_filters.CharFilter(
        label=_("Di dalam wilayah (kode, termasuk wilayah itu)"), method="filter_within"
    )

    class Meta:
        model = Region
        fields: list[str] = []

    def filter_within(self, queryset, name, value):
        return queryset.filter(subtree_q("code", value.strip()))


class FilterWhenAsked(DjangoFilterBackend):
    """django-filter's backend, skipped when the query names none of the filterset's filters.

    Nothing is filtered then anyway, and building SiteFilter is not free: its region choices
    are the user's territory (~310 rows for provincial staff), read on every construction.
    """

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not set(request.query_params) & set(
            filterset_class.base_filters
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)

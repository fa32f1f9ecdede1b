"""The site list and map filter. Region choices are scoped: a lurah never sees other names."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Sector
from clusters.models import Cluster
from regions.models import subtree_q

from . import selectors
from .models import OperatingStatus, ReviewState, ServiceType, Site

_SiteTypes = Site.types.through


def _has_type(**lookups):
    # Exists keeps one row per site when several of its types match.
    return Exists(_SiteTypes.objects.filter(site_id=OuterRef("pk"), **lookups))


class SiteFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Cari nama atau alamat"),
        method="filter_q",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Nama atau alamat")}),
    )
    type = django_filters.ModelChoiceFilter(
        label=_("Jenis layanan"),
        queryset=ServiceType.objects.order_by("order", "name"),
        method="filter_type",
        empty_label=_("Semua jenis"),
    )
    cluster = django_filters.ModelChoiceFilter(
        label=_("Klaster"),
        queryset=Cluster.objects.filter(has_sites=True).order_by("order"),
        method="filter_cluster",
        empty_label=_("Semua klaster"),
    )
    sector = django_filters.ModelChoiceFilter(
        label=_("Sektor"),
        queryset=Sector.objects.order_by("name"),
        method="filter_sector",
        empty_label=_("Semua sektor"),
    )
    region = django_filters.ChoiceFilter(
        label=_("Wilayah"),
        method="filter_region",
        empty_label=_("Semua wilayah"),
    )
    review_state = django_filters.ChoiceFilter(
        label=_("Status verifikasi"), choices=ReviewState.choices, empty_label=_("Semua")
    )
    operating_status = django_filters.ChoiceFilter(
        label=_("Status operasional"), choices=OperatingStatus.choices, empty_label=_("Semua")
    )
    stale = django_filters.BooleanFilter(
        label=_("Belum diverifikasi lebih dari 12 bulan"),
        method="filter_stale",
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = Site
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        user = getattr(request, "user", None)
        self.filters["region"].extra["choices"] = selectors.region_choices_for(user)

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(address__icontains=value))

    def filter_type(self, queryset, name, value):
        return queryset.filter(_has_type(servicetype=value))

    def filter_cluster(self, queryset, name, value):
        return queryset.filter(_has_type(servicetype__clusters=value))

    def filter_sector(self, queryset, name, value):
        return queryset.filter(_has_type(servicetype__sector=value))

    def filter_region(self, queryset, name, value):
        return queryset.filter(subtree_q("kelurahan__code", value))

    def filter_stale(self, queryset, name, value):
        if value:
            return queryset.filter(selectors.stale_q())
        return queryset

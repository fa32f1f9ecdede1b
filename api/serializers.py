"""What the API writes about each object. Only what the portal's pages show the same user:
no officer names, no pending work, a hidden site only as HIDDEN_SITE (never its id)."""

import json

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from dashboards.rankings import confidence_mark
from kawasan.models import Kawasan
from regions.models import Region
from scoring.models import KawasanScore
from sites.models import Site
from sites.selectors import site_link_rows

from . import selectors

# --- fields -------------------------------------------------------------------------------


class LonLatPointField(GeometryField):
    """A site's point from the lon/lat the query annotated (no GEOS object per row)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value):
        lon, lat = getattr(value, "lon", None), getattr(value, "lat", None)
        if lon is None or lat is None:
            point = getattr(value, "location", None)  # a site read without the annotation
            if point is None:
                return None
            lon, lat = point.x, point.y
        return {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}


class GeoJsonTextField(GeometryField):
    """A geometry the database already wrote as GeoJSON text (selectors.region_rows)."""

    def to_representation(self, value):
        return json.loads(value) if isinstance(value, str) else value


class RegionRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class TypeRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    sector_id = serializers.IntegerField()


class KawasanRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class SiteRefSerializer(serializers.Serializer):
    """Another site as the user may know of it: its id and name, or only that it is hidden."""

    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    hidden = serializers.BooleanField()


def _type_ref(t) -> dict:
    return {"code": t.code, "name": t.name, "sector_id": t.sector_id}


def _site_page(pk: int) -> str:
    return reverse("services:site_detail", args=[pk])


# --- sites --------------------------------------------------------------------------------


class SiteFeatureSerializer(GeoFeatureModelSerializer):
    location = LonLatPointField()
    types = serializers.SerializerMethodField()
    kelurahan = serializers.SerializerMethodField()
    kecamatan = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Site
        geo_field = "location"
        fields: tuple[str, ...] = (
            "id",
            "name",
            "types",
            "kelurahan",
            "kecamatan",
            "address",
            "operating_status",
            "review_state",
            "verified_at",
            "updated_at",
            "url",
        )
        read_only_fields: tuple[str, ...] = fields

    @extend_schema_field(TypeRefSerializer(many=True))
    def get_types(self, site):
        # Prefetched (sites.selectors.site_detail): the catalogue's order, no query.
        return [_type_ref(t) for t in site.types.all()]

    @extend_schema_field(RegionRefSerializer)
    def get_kelurahan(self, site):
        return {"code": site.kelurahan.code, "name": site.kelurahan.name}

    @extend_schema_field(RegionRefSerializer(allow_null=True))
    def get_kecamatan(self, site):
        parent = site.kelurahan.parent
        return {"code": parent.code, "name": parent.name} if parent is not None else None

    @extend_schema_field(OpenApiTypes.STR)
    def get_url(self, site):
        return _site_page(site.pk)


def _datetime(value) -> str | None:
    # As DRF's DateTimeField writes it: ISO 8601 in the portal's time zone.
    if value is None:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def site_features(rows, types_of: dict[int, list[tuple]]) -> list[dict]:
    """SiteFeatureSerializer's output for plain rows (selectors.site_feature_rows), written out.

    The list is the API's busiest page: DRF's field-by-field representation costs ~0.25 ms a
    site (25 ms a page of 100, measured), this a small fraction of it. The serializer stays
    the description (the OpenAPI schema, the detail); a test holds the two to the same output.
    """
    marker = 987654321
    page_url = _site_page(marker).replace(str(marker), "{}")
    features = []
    for (
        pk,
        name,
        address,
        operating_status,
        review_state,
        verified_at,
        updated_at,
        kelurahan_code,
        kelurahan_name,
        kecamatan_code,
        kecamatan_name,
        lon,
        lat,
    ) in rows:
        features.append(
            {
                "id": pk,
                "type": "Feature",
                "geometry": (
                    {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}
                    if lon is not None and lat is not None
                    else None
                ),
                "properties": {
                    "name": name,
                    "types": [
                        {"code": code, "name": type_name, "sector_id": sector_id}
                        for _order, type_name, code, sector_id in types_of.get(pk, ())
                    ],
                    "kelurahan": {"code": kelurahan_code, "name": kelurahan_name},
                    "kecamatan": (
                        {"code": kecamatan_code, "name": kecamatan_name}
                        if kecamatan_code is not None
                        else None
                    ),
                    "address": address,
                    "operating_status": operating_status,
                    "review_state": review_state,
                    "verified_at": _datetime(verified_at),
                    "updated_at": _datetime(updated_at),
                    "url": page_url.format(pk),
                },
            }
        )
    return features


class SiteLinkSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    active = serializers.BooleanField()
    other = SiteRefSerializer()


class SiteDetailSerializer(SiteFeatureSerializer):
    """One site as its page shows it: the list's facts, contact and source, its links (the
    far end named only if the user may see it) and the kawasan it belongs to."""

    links = serializers.SerializerMethodField()
    kawasan = serializers.SerializerMethodField()

    class Meta(SiteFeatureSerializer.Meta):
        fields = (
            *SiteFeatureSerializer.Meta.fields,
            "contact",
            "source",
            "source_id",
            "created_at",
            "links",
            "kawasan",
        )
        read_only_fields = fields

    @extend_schema_field(SiteLinkSerializer(many=True))
    def get_links(self, site):
        rows = site_link_rows(self.context["request"].user, site)
        return [
            {
                "kind": row.link.kind,
                "kind_label": str(row.link.get_kind_display()),
                "start_date": row.link.start_date.isoformat(),
                "end_date": row.link.end_date.isoformat() if row.link.end_date else None,
                "active": row.active,
                "other": {
                    "id": row.other.pk if row.other_visible else None,
                    "name": row.other_label,
                    "hidden": not row.other_visible,
                },
            }
            for row in rows
        ]

    @extend_schema_field(KawasanRefSerializer(many=True))
    def get_kawasan(self, site):
        # Kawasan are public facts to signed-in users; the site is visible (it was fetched
        # through the rule), so its memberships may be told.
        return [
            {"id": pk, "name": name}
            for pk, name in Kawasan.objects.filter(memberships__site=site)
            .order_by("name", "pk")
            .values_list("pk", "name")
        ]


# --- kawasan ------------------------------------------------------------------------------


class KawasanRegionSerializer(RegionRefSerializer):
    level = serializers.CharField()


class KawasanSerializer(serializers.ModelSerializer):
    region = serializers.SerializerMethodField()
    hub = serializers.SerializerMethodField()
    member_count = serializers.IntegerField(
        read_only=True, help_text="Anggota yang boleh dilihat pengguna ini."
    )
    url = serializers.SerializerMethodField()

    class Meta:
        model = Kawasan
        fields: tuple[str, ...] = (
            "id",
            "name",
            "region",
            "is_base",
            "hub",
            "member_count",
            "updated_at",
            "url",
        )
        read_only_fields: tuple[str, ...] = fields

    @extend_schema_field(KawasanRegionSerializer)
    def get_region(self, kawasan):
        r = kawasan.region
        return {"code": r.code, "name": r.name, "level": r.level}

    @extend_schema_field(SiteRefSerializer(allow_null=True))
    def get_hub(self, kawasan):
        # kawasan.selectors.kawasan_list annotates hub_visible through the visibility rule.
        return selectors.hub_of(kawasan, bool(getattr(kawasan, "hub_visible", False)))

    @extend_schema_field(OpenApiTypes.STR)
    def get_url(self, kawasan):
        return reverse("kawasan:detail", args=[kawasan.pk])


class KawasanMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    types = TypeRefSerializer(many=True)
    operating_status = serializers.CharField()
    review_state = serializers.CharField()
    lon = serializers.FloatField()
    lat = serializers.FloatField()
    hub_distance_m = serializers.FloatField(allow_null=True)


class KawasanLinkSerializer(serializers.Serializer):
    a = serializers.IntegerField()
    b = serializers.IntegerField()
    kind = serializers.CharField()


class KawasanDetailSerializer(KawasanSerializer):
    """A kawasan with the members the user may see and the active links between them.

    Hidden members are neither listed nor counted (as on the page); a hidden hub's place is
    not told either, so no distance to it is given.
    """

    members = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    class Meta(KawasanSerializer.Meta):
        fields = (*KawasanSerializer.Meta.fields, "members", "links")
        read_only_fields = fields

    def _view(self, kawasan):
        return self.context["kawasan_view"]

    @extend_schema_field(KawasanMemberSerializer(many=True))
    def get_members(self, kawasan):
        view = self._view(kawasan)
        hub_visible = view.hub_visible
        return [
            {
                "id": s.pk,
                "name": s.name,
                "types": [_type_ref(t) for t in s.types.all()],
                "operating_status": s.operating_status,
                "review_state": s.review_state,
                "lon": round(s.location.x, 6),
                "lat": round(s.location.y, 6),
                "hub_distance_m": (
                    round(s.hub_distance_m, 1)
                    if hub_visible and s.hub_distance_m is not None
                    else None
                ),
            }
            for s in view.members
        ]

    @extend_schema_field(KawasanLinkSerializer(many=True))
    def get_links(self, kawasan):
        return [
            {"a": link.site_a_id, "b": link.site_b_id, "kind": link.kind}
            for link in self._view(kawasan).links
        ]


# --- scores -------------------------------------------------------------------------------


class PolicyRefSerializer(serializers.Serializer):
    version = serializers.CharField()
    name = serializers.CharField()


class ScoreComponentsSerializer(serializers.Serializer):
    coverage = serializers.FloatField()
    connectivity = serializers.FloatField()
    proximity = serializers.FloatField()
    freshness = serializers.FloatField()
    coverage_by_cluster = serializers.DictField(child=serializers.FloatField())


class ScoreKawasanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    region = KawasanRegionSerializer()


class KawasanScoreSerializer(serializers.ModelSerializer):
    """The stored score (as the last recompute left it), the policy version that made it.

    Its member count and details (site ids of the shortfalls) are left out: they count and
    name members the user may not see.
    """

    kawasan = serializers.SerializerMethodField()
    policy = serializers.SerializerMethodField()
    components = serializers.SerializerMethodField()

    class Meta:
        model = KawasanScore
        fields = ("kawasan", "total", "band", "components", "confidence", "policy", "computed_at")
        read_only_fields = fields

    @extend_schema_field(ScoreKawasanSerializer)
    def get_kawasan(self, score):
        k = score.kawasan
        region = {"code": k.region.code, "name": k.region.name, "level": k.region.level}
        return {"id": k.pk, "name": k.name, "region": region}

    @extend_schema_field(PolicyRefSerializer)
    def get_policy(self, score):
        return {"version": score.policy.version, "name": score.policy.name}

    @extend_schema_field(ScoreComponentsSerializer)
    def get_components(self, score):
        return {
            "coverage": score.coverage,
            "connectivity": score.connectivity,
            "proximity": score.proximity,
            "freshness": score.freshness,
            "coverage_by_cluster": score.coverage_by_cluster,
        }


# --- regions and rankings -----------------------------------------------------------------


class RegionFeatureSerializer(GeoFeatureModelSerializer):
    boundary = GeoJsonTextField(source="boundary_geojson", read_only=True)

    class Meta:
        model = Region
        geo_field = "boundary"
        id_field = "code"
        fields = ("code", "name", "level", "parent")
        read_only_fields = fields


class RankingRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()
    rank = serializers.IntegerField()
    score = serializers.FloatField()
    band = serializers.CharField()
    kawasan_count = serializers.IntegerField()
    confidence = serializers.FloatField()
    confidence_mark = serializers.SerializerMethodField()
    previous = serializers.FloatField(allow_null=True)
    change = serializers.FloatField(allow_null=True)

    @extend_schema_field(OpenApiTypes.STR)
    def get_confidence_mark(self, row):
        return confidence_mark(row.confidence)

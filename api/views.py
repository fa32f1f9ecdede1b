"""The read API at /api/v1/: thin views over api.selectors and the pages' filters.

Every view is for signed-in users only, by session or personal token (401 without either),
sees what its user sees on the pages (the same querysets and rules: out of scope 404, in
reach without the right 403), is throttled per user and answers a repeated GET with 304
when its body has not changed (an ETag over the body, as Django's ConditionalGetMiddleware).
"""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import conditional_page
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import exceptions, generics, routers, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.reverse import reverse

from accounts import scoping
from dashboards.access import grants_key
from dashboards.rankings import LEVELS, ranking_rows
from kawasan import selectors as kawasan_selectors
from kawasan.forms import KawasanFilterForm
from kawasan.models import Kawasan
from regions.models import Region, subtree_q
from scoring.models import KawasanScore
from sites import selectors as site_selectors
from sites.data_version import site_data_version
from sites.filters import SiteFilter
from sites.models import Site
from web.fragments import cache_get_many, cache_key, cache_set_many

from . import selectors, serializers
from .authentication import BearerTokenAuthentication
from .filters import FilterWhenAsked, RegionFilter
from .pagination import PortalGeoJsonPagination, PortalPagination
from .throttling import PortalUserRateThrottle


class PortalApi:
    """What every API view shares: who may call it, how often, and how it is cached."""

    authentication_classes = [BearerTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes = [PortalUserRateThrottle]

    @classmethod
    def as_view(cls, *args, **kwargs):
        view = super().as_view(*args, **kwargs)  # type: ignore[misc]
        # The API authenticates itself (a token request has no session): the portal's
        # LoginRequiredMiddleware would send it to the login page instead of a 401.
        return login_not_required(conditional_page(view))

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(  # type: ignore[misc]
            request, response, *args, **kwargs
        )
        # What a user may see is theirs: never a shared cache, always asked again (with
        # the ETag, answered 304 while the body is the same).
        patch_vary_headers(response, ["Authorization", "Cookie"])
        patch_cache_control(response, private=True, no_cache=True)
        return response


class ReadOnlyApi(PortalApi, viewsets.ReadOnlyModelViewSet):
    renderer_classes = [JSONRenderer]
    # Ids in paths are digits (Router(use_regex_path=False): path converters, as the portal's
    # own URLs; an id beyond the column's range finds nothing, 404).
    lookup_value_converter = "int"


# --- sites --------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Situs layanan (GeoJSON)",
        description="Situs yang boleh dilihat pengguna, sebagai FeatureCollection berhalaman. "
        "Filter sama dengan halaman daftar situs.",
    ),
    retrieve=extend_schema(summary="Satu situs layanan dengan keterhubungan dan kawasannya"),
)
class SiteViewSet(ReadOnlyApi):
    filter_backends = [FilterWhenAsked]
    filterset_class = SiteFilter
    pagination_class = PortalGeoJsonPagination
    serializer_class = serializers.SiteFeatureSerializer
    queryset = Site.objects.none()  # for the schema; get_queryset scopes every request

    def get_queryset(self):
        return selectors.site_rows(self.request.user)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.SiteDetailSerializer
        return serializers.SiteFeatureSerializer

    def list(self, request, *args, **kwargs):
        # The API's busiest page, kept whole in the cache (web.fragments) under the version
        # of the sites and the user's grants: a page read again before either changes is
        # one version query and a cache read, where building it is a count, the rows and
        # their types (~45 ms of queries a page of 100 for the province on PostGIS,
        # measured). Its ETag stays the digest of the body (conditional_page), so the
        # same body keeps the same ETag, cached or not.
        key = self._page_key(request)
        body = cache_get_many([key]).get(key) if key else None
        if body is None:
            response = self._page(request)
            body = request.accepted_renderer.render(
                response.data, request.accepted_media_type, self.get_renderer_context()
            ).decode()
            if key:
                cache_set_many({key: body})
        return HttpResponse(body, content_type=request.accepted_renderer.media_type)

    def _page_key(self, request) -> str | None:
        """The page's cache key: what the page is made of, and nothing per user beyond it.

        The site data's version (sites.data_version) is one for every scope: whatever moves
        a site into or out of a scope moves it too. Users whose grants are equal see the
        same sites and the same filter choices (every scoped read is a function of the
        grants: dashboards.access.grants_key, as the pages' fragments), so they share the
        entry; a grant given or revoked changes the key. The query (normalised: the links
        to the next and previous pages are written with their parameters sorted), the
        absolute URL (the links carry the host), the media type asked for (an indent
        changes the text) and the language are parts too.
        """
        user = request.user
        if not user.is_authenticated or not user.is_active:
            return None
        params = sorted(request.query_params.lists())
        # "Not verified for 12 months" moves with time: such a page is kept a minute at most.
        minute = (
            timezone.localtime().strftime("%Y%m%d%H%M") if "stale" in request.query_params else ""
        )
        return cache_key(
            "api-sites",
            site_data_version(),
            grants_key(user),
            request.build_absolute_uri(request.path),
            params,
            request.accepted_media_type,
            minute,
        )

    def _page(self, request) -> Response:
        # A page of plain rows and their types in one more query, written out as the
        # serializer would (serializers.site_features: the measured reason).
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(selectors.site_feature_rows(queryset))
        rows = list(page or [])
        types_of = selectors.types_of_sites(row[0] for row in rows)
        features = serializers.site_features(rows, types_of)
        return self.get_paginated_response({"features": features})

    def retrieve(self, request, *args, **kwargs):
        # The site page's own read: the same scope and the links as the page names them.
        try:
            site = site_selectors.site_detail(request.user, kwargs["pk"])
        except Site.DoesNotExist:
            raise exceptions.NotFound from None
        return Response(self.get_serializer(site).data)


# --- kawasan ------------------------------------------------------------------------------


def _region_filter(request) -> str | None:
    """The `wilayah` parameter of the kawasan list, checked by the page's own form."""
    form = KawasanFilterForm(
        request.query_params or None, regions=kawasan_selectors.kawasan_filter_regions()
    )
    if form.is_bound and not form.is_valid():
        raise exceptions.ValidationError(form.errors)
    region = form.cleaned_data.get("wilayah") if form.is_bound else None
    return region.code if region is not None else None


WILAYAH = OpenApiParameter(
    "wilayah", str, description="Kode kota atau kecamatan: kawasan di wilayah itu."
)


@extend_schema_view(
    list=extend_schema(summary="Kawasan", parameters=[WILAYAH]),
    retrieve=extend_schema(summary="Satu kawasan dengan anggota dan keterhubungannya"),
)
class KawasanViewSet(ReadOnlyApi):
    pagination_class = PortalPagination
    serializer_class = serializers.KawasanSerializer
    queryset = Kawasan.objects.none()

    def get_queryset(self):
        # Kawasan are public facts to signed-in users; member counts and the hub's name
        # follow the visibility rule (kawasan.selectors.kawasan_list).
        region = _region_filter(self.request) if self.action == "list" else None
        return kawasan_selectors.kawasan_list(
            self.request.user, region_codes=[region] if region else ()
        )

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.KawasanDetailSerializer
        return serializers.KawasanSerializer

    def retrieve(self, request, *args, **kwargs):
        kawasan = self.get_queryset().filter(pk=kwargs["pk"]).first()
        if kawasan is None:
            raise exceptions.NotFound
        view = kawasan_selectors.kawasan_view(kawasan, request.user)
        context = {**self.get_serializer_context(), "kawasan_view": view}
        return Response(serializers.KawasanDetailSerializer(kawasan, context=context).data)


# --- scores -------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Skor kawasan tersimpan",
        description="Skor kawasan di wilayah tugas teritorial pengguna (staf provinsi: semua), "
        "dengan komponen dan versi kebijakan.",
        parameters=[WILAYAH],
    ),
    retrieve=extend_schema(summary="Skor tersimpan satu kawasan (id kawasan)"),
)
class ScoreViewSet(ReadOnlyApi):
    pagination_class = PortalPagination
    serializer_class = serializers.KawasanScoreSerializer
    queryset = KawasanScore.objects.none()
    lookup_url_kwarg = "kawasan"

    def get_queryset(self):
        qs = selectors.scores_in_reach(self.request.user)
        region = _region_filter(self.request)
        if region:
            qs = qs.filter(subtree_q("kawasan__region__code", region))
        return qs

    def retrieve(self, request, *args, **kwargs):
        try:
            score = selectors.score_for(request.user, kwargs["kawasan"])
        except PermissionError:
            raise PermissionDenied from None
        if score is None:
            raise exceptions.NotFound
        return Response(self.get_serializer(score).data)


# --- regions ------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Wilayah dengan batasnya (GeoJSON, disederhanakan ±5 m)"),
    retrieve=extend_schema(summary="Satu wilayah dengan batasnya"),
)
class RegionViewSet(ReadOnlyApi):
    filter_backends = [FilterWhenAsked]
    filterset_class = RegionFilter
    pagination_class = PortalGeoJsonPagination
    serializer_class = serializers.RegionFeatureSerializer
    lookup_field = "code"
    lookup_value_converter = "str"
    queryset = Region.objects.none()

    def get_queryset(self):
        # Regions are public facts to every signed-in user (as the region pages).
        return selectors.region_rows()


# --- rankings -----------------------------------------------------------------------------


@extend_schema(
    summary="Peringkat wilayah",
    description="Peringkat kota, kecamatan atau kelurahan seperti halaman peringkat "
    "(hanya staf provinsi). Filter dan urutan sama dengan halaman itu.",
    parameters=[
        OpenApiParameter("tingkat", str, enum=list(LEVELS), description="Bawaan: kelurahan."),
        OpenApiParameter("kota", str, description="Kode kota."),
        OpenApiParameter("predikat", str, description="Nama predikat, atau - (tanpa kawasan)."),
        OpenApiParameter("keyakinan", str, enum=["tinggi", "sedang", "rendah"]),
        OpenApiParameter("urut", str, description="peringkat, nama, -perubahan, ..."),
    ],
)
class RankingView(PortalApi, generics.ListAPIView):
    renderer_classes = [JSONRenderer]
    pagination_class = PortalPagination
    serializer_class = serializers.RankingRowSerializer

    def get_queryset(self):
        # The rankings page is provincial (accounts.decorators.provincial_required).
        if not scoping.is_provincial(self.request.user):
            raise PermissionDenied
        level = self.request.query_params.get("tingkat", "kelurahan")
        if level not in LEVELS:
            raise exceptions.ValidationError({"tingkat": [", ".join(LEVELS)]})
        filterset, rows = ranking_rows(level, self.request.query_params)
        if filterset.is_bound and not filterset.is_valid():
            raise exceptions.ValidationError(filterset.errors)
        return rows


# --- the API's own description ------------------------------------------------------------


class SchemaView(PortalApi, SpectacularAPIView):
    pass


class DocsView(PortalApi, SpectacularSwaggerView):
    """Swagger UI from our static files (drf-spectacular-sidecar), under the portal's CSP:
    the template carries the request's nonce on its one inline script."""

    template_name = "api/docs.html"
    url_name = "api:schema"

    def handle_exception(self, exc):
        # A refusal (401, 403 on CSRF, 429) as JSON, like every other answer of the API, not
        # as an HTML error page the portal does not have.
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response


class RootView(PortalApi, routers.APIRootView):
    renderer_classes = [JSONRenderer]

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        # What the router does not list: the views outside it.
        for name in ("rankings", "schema", "docs"):
            url_name = "api:ranking-list" if name == "rankings" else f"api:{name}"
            response.data[name] = reverse(url_name, request=request)
        return response


class Router(routers.DefaultRouter):
    include_format_suffixes = False
    APIRootView = RootView

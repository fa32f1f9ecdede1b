"""Pages that compose several apps: the home dashboards, rankings, maps, exports, reports.

Every view starts with its access check (dashboards.access): an area or kawasan outside all
of the user's grants is 404, one inside without the territorial right is 403; provincial
pages need a provincial grant (403 otherwise). The reads are in the modules of each page:
area, sector, province, rankings, choropleth and reports.

The dashboards and rankings are read far more often than their data changes: their main
content is rendered from fragments cached under the versions of the data they show (see
versions.data_version and area.area_region), and a fragment that depends on the user's
scope is keyed by the user's grants too (web.fragments). The data reach the templates as
lazy objects, so a page whose fragments are cached reads none of it. Fragments are rendered
without the request: nothing per request (CSRF token, CSP nonce, user) can end up cached.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_GET

from accounts import scoping
from accounts.decorators import provincial_required
from kawasan.models import Kawasan
from regions.models import Level, Region
from scoring import explain
from scoring.selectors import policy_active
from sites.review import queue
from web.fragments import LazyHtml, cache_key, cached_html
from web.validators import parse_id

from .access import grants_key, region_in_reach, region_territorial, sector_grants, territory_codes
from .area import AREA_LEVELS, AreaDashboard, area_region, kawasan_in_region
from .choropleth import (
    GEOJSON_CONTENT_TYPE,
    choropleth_cached,
    choropleth_etag,
    choropleth_key,
    legend,
)
from .comparison import comparison_sort, has_changes, sorted_comparison
from .province import province_overview
from .rankings import CONFIDENCE_LABELS, LEVEL_LABELS, LEVELS, RankingPage, ranking_page_key
from .reports import kawasan_reports
from .sector import sector_dashboard, sector_version
from .versions import data_version


@require_GET
def home(request):
    """Each role's own dashboard: province, territory (lurah, camat), or sector (suku dinas)."""
    user = request.user
    if scoping.is_provincial(user):
        return _province(request)
    codes = territory_codes(user)
    if len(codes) == 1:
        return _area(request, codes[0])
    if codes:
        regions = _area_regions().filter(code__in=codes)
        return render(request, "dashboard/choose.html", {"regions": regions})
    if sector_grants(user):
        return _sector(request)
    return render(request, "home.html", {"regions": []})


_ASSETS: dict[tuple[str, str], dict[str, SafeString]] = {}


def _assets(script: str) -> dict[str, SafeString]:
    """Leaflet's stylesheets and scripts, the dashboard styles and the page's own script.

    The same for every request in a language (static URLs and translated labels), yet
    their template tags cost as much as a tenth of a cached dashboard: rendered once per
    process and language.
    """
    key = (script, translation.get_language() or "")
    assets = _ASSETS.get(key)
    if assets is None:
        assets = _ASSETS[key] = {
            "head": mark_safe(render_to_string("dashboard/_map_head.html")),  # noqa: S308
            "scripts": mark_safe(  # noqa: S308 - our templates, no request data
                render_to_string("dashboard/_map_scripts.html", {"script": script})
            ),
        }
    return assets


# --- territorial dashboard --------------------------------------------------------------


def _area_regions():
    return Region.objects.filter(level__in=AREA_LEVELS).only("code", "name", "level", "parent_id")


def _area_region(request, code) -> Region:
    # Out of every grant: the area does not exist for the user. In reach of a sector grant
    # only (suku dinas): no right to the territorial view.
    if not region_in_reach(request.user, code):
        raise Http404
    region = get_object_or_404(_area_regions(), code=code)
    if not region_territorial(request.user, code):
        raise PermissionDenied
    return region


@require_GET
def dashboard_area(request, code):
    # As _area_region, with the region read together with its dashboard's versions.
    if not region_in_reach(request.user, code):
        raise Http404
    return _area(request, code)


def _area(request, code: str):
    kawasan_pk = request.GET.get("kawasan", "")
    chosen = parse_id(kawasan_pk) if kawasan_pk else None
    if kawasan_pk and chosen is None:
        raise Http404
    user = request.user
    found = area_region(user, code, chosen)
    if found is None:
        raise Http404
    region, versions = found
    if not region_territorial(user, code):
        raise PermissionDenied
    if kawasan_pk and versions.kawasan_pk is None:  # not a kawasan of this area
        raise Http404
    dash = AreaDashboard(user, region, kawasan_pk=versions.kawasan_pk)
    may_change = scoping.may_change(user, region_code=region.code)
    grants = grants_key(user)
    today = dash.today.isoformat()
    # The texts before the first snapshot name the date the next one is due.
    due = explain.next_snapshot(dash.now).isoformat()
    sort = comparison_sort(request.GET.get("urut", ""))
    key = cache_key
    parts = [("dashboard/_area_head.html", key("area-head", versions.data, region.code, due))]
    if region.level == Level.KECAMATAN:
        # Near the top of the camat's home; its sort links keep the kawasan asked for.
        parts.append(
            (
                "dashboard/_area_comparison.html",
                key("area-cmp", versions.data, region.code, sort, kawasan_pk, due),
            )
        )
    parts.append(
        (
            "dashboard/_area_cards.html",
            key("area-cards", versions.data, region.code, versions.kawasan_pk, may_change),
        )
    )
    if versions.kawasan_pk is not None:
        parts.append(
            (
                "dashboard/_kawasan.html",
                key("area-kawasan", versions.kawasan, grants, may_change, today, due),
            )
        )
    parts.append(
        ("dashboard/_area_sites.html", key("area-sites", versions.territory, grants, region.code))
    )
    comparison = SimpleLazyObject(lambda: sorted_comparison(dash.comparison, sort, dash.policy))
    ctx = {
        "dash": dash,
        "comparison": comparison,
        "comparison_sort": sort,
        "comparison_changes": SimpleLazyObject(lambda: has_changes(dash.comparison)),
        "kawasan_param": kawasan_pk,
        "region": region,
        "report": SimpleLazyObject(lambda: dash.selected),
        "selected_pk": versions.kawasan_pk,
        "may_change": may_change,
        "assets": _assets("js/kawasan_map.js"),
    }
    ctx["body"] = cached_html(parts, ctx)
    return render(request, "dashboard/area.html", ctx)


# --- suku dinas dashboard ----------------------------------------------------------------


@require_GET
def dashboard_sector(request):
    if not sector_grants(request.user):
        raise PermissionDenied
    return _sector(request)


def _sector(request):
    user = request.user
    key = cache_key("sector", sector_version(user), grants_key(user))
    ctx = {
        "panels": SimpleLazyObject(lambda: sector_dashboard(user)),
        "queue_url": reverse("services:review_queue"),
        "overdue_days": queue.overdue_days(),
    }
    ctx["body"] = cached_html([("dashboard/_sector_body.html", key)], ctx)
    return render(request, "dashboard/sector.html", ctx)


# --- provincial view ---------------------------------------------------------------------


@require_GET
@provincial_required
def province(request):
    return _province(request)


def _province(request):
    # The same for every provincial user: keyed by the data (and, for the texts before the
    # first snapshot, the date the next one is due) alone.
    now = timezone.now()
    key = cache_key("province", data_version(), explain.next_snapshot(now).isoformat())
    ctx = {
        "overview": SimpleLazyObject(lambda: province_overview(now=now)),
        "levels": LEVEL_LABELS,
        "assets": _assets("js/choropleth.js"),
    }
    ctx["body"] = cached_html([("rankings/_province_body.html", key)], ctx)
    return render(request, "rankings/province.html", ctx)


def _level_key(request) -> str:
    level = request.GET.get("tingkat", "kelurahan")
    return level if level in LEVELS else "kelurahan"


@require_GET
@provincial_required
def ranking_list(request):
    level = _level_key(request)
    now = timezone.now()
    page = RankingPage(level, request.GET, now=now)
    query = request.GET.copy()
    query.pop("urut", None)
    ctx = {
        "level": level,
        "level_label": LEVEL_LABELS[level],
        "levels": LEVEL_LABELS,
        "filter": SimpleLazyObject(lambda: page.filterset),
        "rows": SimpleLazyObject(lambda: page.rows),
        "confidence_labels": CONFIDENCE_LABELS,
        "sort": request.GET.get("urut") or "peringkat",
        "query_without_sort": query.urlencode(),
        "export_query": request.GET.urlencode(),
        "page": page,
    }
    # Before the first snapshot, the page names the date the next one is due.
    due = explain.next_snapshot(now).isoformat()
    key = ranking_page_key(f"{data_version()}/{due}", request.GET)
    if key is None:  # parameters of our own links only: anything else renders uncached
        ctx["body"] = LazyHtml(
            lambda: mark_safe(render_to_string("rankings/_list_body.html", ctx))  # noqa: S308
        )
    else:
        ctx["body"] = cached_html([("rankings/_list_body.html", key)], ctx)
    return render(request, "rankings/list.html", ctx)


@require_GET
@provincial_required
def choropleth(request):
    level = request.GET.get("tingkat", "kelurahan")
    policy = policy_active().as_policy()
    ctx = {
        "level": level if level in ("kelurahan", "kecamatan", "kota") else "kelurahan",
        "levels": LEVEL_LABELS,
        "legend": legend(policy),
        "explanation": explain.explanation(policy),
        "assets": _assets("js/choropleth.js"),
    }
    return render(request, "rankings/map.html", ctx)


def _map_data(request) -> tuple[str, int, str]:
    """(level, detail, cache key) of a map data request, read once per request: by the
    ETag check and, when that does not answer 304, by the view."""
    found = getattr(request, "_kaltara_map_data", None)
    if found is None:
        detail = request.GET.get("detail", "0")
        detail = int(detail) if detail in ("0", "1") else 0
        level = LEVELS[_level_key(request)]
        found = (level, detail, choropleth_key(level, detail=detail))
        request._kaltara_map_data = found
    return found


def _map_data_etag(request) -> str:
    return choropleth_etag(_map_data(request)[2])


@require_GET
@provincial_required
# Scores change with every recompute: a browser may keep it for a few minutes, then asks
# again with the ETag (the version of scores and boundaries it was built from), and a
# match is answered 304 without the body.
@cache_control(private=True, max_age=300)
@condition(etag_func=_map_data_etag)
def choropleth_data(request):
    level, detail, key = _map_data(request)
    body = choropleth_cached(key, level, detail=detail)
    return HttpResponse(body, content_type=GEOJSON_CONTENT_TYPE)


# --- printable kawasan reports -----------------------------------------------------------


@require_GET
def kawasan_report(request, pk):
    kawasan = (
        Kawasan.objects.select_related("region", "hub")
        .defer("region__boundary")
        .filter(pk=pk)
        .first()
    )
    if kawasan is None or not region_in_reach(request.user, kawasan.region_id):
        raise Http404
    if not region_territorial(request.user, kawasan.region_id):
        raise PermissionDenied
    return _reports(request, [kawasan], kawasan.region)


@require_GET
def area_report(request, code):
    """Every kawasan of a kelurahan or kecamatan, one printed page each (the KLA dossier)."""
    region = _area_region(request, code)
    return _reports(request, list(kawasan_in_region(region.code)), region)


def _reports(request, kawasans: list[Kawasan], region: Region):
    policy = policy_active().as_policy()  # read once: for the scores and their explanation
    reports = kawasan_reports(kawasans, request.user, policy=policy, with_outline=True)
    ctx = {"reports": reports, "region": region, "explanation": explain.explanation(policy)}
    return render(request, "reports/kawasan.html", ctx)

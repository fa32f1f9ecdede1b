"""Every page of the portal, from the URL resolver: the matrices walk these, so a new page
cannot be left out (a URL name missing here fails tests/visibility/test_every_page.py).

GET_PAGES maps each URL name that answers GET to a function of the test world giving the
paths to fetch (with real ids); WRITE_ONLY lists the names that only take POST. The admin
is Django's and reached only with is_staff: left out here, tested in its own module.
"""

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from opendata import hsds, ids
from opendata.downloads import DATASETS


def url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace
                walk(p.url_patterns, f"{namespace}:{ns}" if namespace and ns else ns or namespace)
            elif isinstance(p, URLPattern) and p.name:
                names.add(f"{namespace}:{p.name}" if namespace else p.name)

    walk(get_resolver().url_patterns, None)
    return {n for n in names if not n.startswith("admin:")}


def _site_pages(name):
    return lambda w: [reverse(name, args=[s.pk]) for s in w.sites]


def _r(name, *args):
    return lambda w: [reverse(name, args=args)]


def _policies(w):
    """The active scoring policy and a draft (made once per world: the pages need ids)."""
    from scoring import selectors, services
    from scoring.models import ScoringPolicy

    active = selectors.policy_active()
    draft = ScoringPolicy.objects.filter(activated_at__isnull=True, is_active=False).first()
    if draft is None:
        draft = services.policy_create(
            version="uji-halaman", name="Uji halaman", params=active.params
        )
    return [active, draft]


def _policy_pages(name):
    return lambda w: [reverse(name, args=[p.pk]) for p in _policies(w)]


# Open data (public): the lists plain, full and streamed, and the HSDS ids of every site of
# the world (a draft's id answers 404).
_HSDS_LISTS = (
    "",
    "?full=true",
    "?full_service=true",
    "?search=RAHASIA",
    "?format=ndjson&full=true",
)


def _hsds_list(name):
    return lambda w: [reverse(name) + query for query in _HSDS_LISTS]


def _hsds_service(name, kind):
    return lambda w: [
        reverse(name, args=[ids.encode(kind, s.pk, t.pk)]) for s in w.sites for t in s.types.all()
    ]


def _hsds_organizations(w):
    return [
        reverse("hsds:organization", args=[hsds.organization_id(t.sector_id, s.kelurahan_id[:5])])
        + "?full_service=true"
        for s in w.sites
        for t in s.types.all()
    ]


GET_PAGES = {
    "home": _r("home"),
    "healthz": _r("healthz"),
    "ping": _r("ping"),
    "favicon": _r("favicon"),
    "kaltara:dashboard_area": lambda w: (
        [reverse("kaltara:dashboard_area", args=[c]) for c in w.area_codes]
        + [
            reverse("kaltara:dashboard_area", args=[w.kawasan.region_id])
            + f"?kawasan={w.kawasan.pk}"
        ]
    ),
    "kaltara:dashboard_sector": _r("kaltara:dashboard_sector"),
    "kaltara:province": _r("kaltara:province"),
    "kaltara:rankings": lambda w: [
        reverse("kaltara:rankings") + f"?tingkat={t}" for t in ("kelurahan", "kecamatan", "kota")
    ],
    "kaltara:choropleth": _r("kaltara:choropleth"),
    "kaltara:choropleth_data": _r("kaltara:choropleth_data"),
    "kaltara:kawasan_report": lambda w: [
        reverse("kaltara:kawasan_report", args=[k.pk]) for k in w.kawasans
    ],
    "kaltara:area_report": lambda w: [
        reverse("kaltara:area_report", args=[c]) for c in w.area_codes
    ],
    "kaltara:export_list": _r("kaltara:export_list"),
    "kaltara:export_rankings": lambda w: [
        reverse("kaltara:export_rankings", args=[f]) for f in ("csv", "xlsx")
    ],
    "kaltara:export_areas": _r("kaltara:export_areas"),
    "kaltara:export_detail": lambda w: [
        reverse("kaltara:export_detail", args=[e.pk]) for e in w.exports
    ],
    "kaltara:export_status": lambda w: [
        reverse("kaltara:export_status", args=[e.pk]) for e in w.exports
    ],
    "kaltara:export_download": lambda w: [
        reverse("kaltara:export_download", args=[e.pk]) for e in w.exports
    ],
    "accounts:login": _r("accounts:login"),
    "regions:root": _r("regions:root"),
    "regions:detail": lambda w: [reverse("regions:detail", args=[c]) for c in w.area_codes],
    "regions:boundary": lambda w: [reverse("regions:boundary", args=[c]) for c in w.area_codes],
    "spreadsheet:export": _r("spreadsheet:export"),
    "spreadsheet:upload": _r("spreadsheet:upload"),
    # A dry run's token (the page walk makes one; the spreadsheet tests walk the rest).
    "spreadsheet:confirm": lambda w: [
        reverse("spreadsheet:confirm", args=[t]) for t in getattr(w, "dry_runs", [])
    ],
    "services:site_list": lambda w: [
        reverse("services:site_list"),
        reverse("services:site_list") + "?q=RAHASIA",
        reverse("services:site_list") + "?state=draft",
    ],
    "services:site_map": _r("services:site_map"),
    "services:site_map_data": lambda w: [
        reverse("services:site_map_data"),
        # Zoomed out (clusters: counts only) and close up over all Jakarta (names).
        reverse("services:site_map_data") + "?bbox=106.3,-6.5,107.2,-5.1&zoom=11",
        reverse("services:site_map_data") + "?bbox=106.3,-6.5,107.2,-5.1&zoom=18",
    ],
    "services:site_create": _r("services:site_create"),
    "services:site_detail": _site_pages("services:site_detail"),
    "services:site_edit": _site_pages("services:site_edit"),
    "services:site_document_add": _site_pages("services:site_document_add"),
    "services:link_create": _site_pages("services:link_create"),
    "services:document_download": lambda w: [
        reverse("services:document_download", args=[d.pk]) for d in w.documents
    ],
    "services:link_evidence": lambda w: [
        reverse("services:link_evidence", args=[link.pk]) for link in w.links
    ],
    "services:checklist_edit": _site_pages("services:checklist_edit"),
    "services:site_review": _site_pages("services:site_review"),
    "services:review_queue": _r("services:review_queue"),
    "services:review_stale": _r("services:review_stale"),
    "services:pending_change": lambda w: [
        reverse("services:pending_change", args=[c.pk]) for c in w.pending_changes
    ],
    "kawasan:list": lambda w: [
        reverse("kawasan:list"),
        reverse("kawasan:list") + f"?wilayah={w.kawasan.region_id}",
    ],
    "kawasan:create": _r("kawasan:create"),
    "kawasan:detail": lambda w: [reverse("kawasan:detail", args=[k.pk]) for k in w.kawasans],
    "kawasan:edit": lambda w: [reverse("kawasan:edit", args=[k.pk]) for k in w.kawasans],
    "kawasan:member_add_preview": lambda w: [
        reverse("kawasan:member_add_preview", args=[k.pk]) + f"?site={s.pk}"
        for k in w.kawasans
        for s in w.sites
    ],
    "kawasan:member_remove_preview": lambda w: [
        reverse("kawasan:member_remove_preview", args=[k.pk, s.pk])
        for k in w.kawasans
        for s in w.sites
    ],
    "kawasan:hub_preview": lambda w: [
        reverse("kawasan:hub_preview", args=[k.pk]) + f"?hub={s.pk}"
        for k in w.kawasans
        for s in w.sites
    ],
    # A next step "add a site of this type near the hub" (an RPTRA is in every catalogue).
    "kawasan:add_type": lambda w: [
        reverse("kawasan:add_type", args=[k.pk]) + "?jenis=rptra" for k in w.kawasans
    ],
    "notifications:inbox": _r("notifications:inbox"),
    "audit:list": lambda w: [reverse("audit:list"), reverse("audit:list") + "?q=RAHASIA"],
    "scoring:policy_list": _r("scoring:policy_list"),
    "scoring:policy_create": lambda w: [
        reverse("scoring:policy_create"),
        *[reverse("scoring:policy_create") + f"?dari={p.pk}" for p in _policies(w)],
    ],
    "scoring:policy_edit": _policy_pages("scoring:policy_edit"),
    "scoring:policy_preview": _policy_pages("scoring:policy_preview"),
    # The read API (session here; tests/api walks the same paths with tokens too).
    "api:api-root": _r("api:api-root"),
    "api:site-list": lambda w: [
        reverse("api:site-list") + query
        for query in ("", "?page_size=500", "?q=RAHASIA", "?review_state=draft")
    ],
    "api:site-detail": _site_pages("api:site-detail"),
    "api:kawasan-list": lambda w: [
        reverse("api:kawasan-list"),
        reverse("api:kawasan-list") + "?wilayah=31.75.03",
    ],
    "api:kawasan-detail": lambda w: [
        reverse("api:kawasan-detail", args=[k.pk]) for k in w.kawasans
    ],
    "api:score-list": _r("api:score-list"),
    "api:score-detail": lambda w: [reverse("api:score-detail", args=[k.pk]) for k in w.kawasans],
    "api:region-list": lambda w: [reverse("api:region-list") + "?within=31.75.03&page_size=20"],
    "api:region-detail": lambda w: [reverse("api:region-detail", args=[c]) for c in w.area_codes],
    "api:ranking-list": lambda w: [
        reverse("api:ranking-list") + f"?tingkat={t}" for t in ("kelurahan", "kecamatan", "kota")
    ],
    "api:schema": lambda w: [reverse("api:schema") + "?format=json"],
    "api:docs": _r("api:docs"),
    "tokens:list": _r("tokens:list"),
    "tokens:revoke": lambda w: [reverse("tokens:revoke", args=[t.pk]) for t in w.tokens],
    "opendata:index": _r("opendata:index"),
    "opendata:dictionary": _r("opendata:dictionary"),
    "opendata:download": lambda w: [
        reverse("opendata:download", args=[d.slug, fmt]) for d in DATASETS for fmt in d.formats
    ],
    "hsds:root": _r("hsds:root"),
    "hsds:openapi": _r("hsds:openapi"),
    "hsds:services": _hsds_list("hsds:services"),
    "hsds:service": _hsds_service("hsds:service", ids.SERVICE),
    "hsds:service_at_locations": _hsds_list("hsds:service_at_locations"),
    "hsds:service_at_location": _hsds_service("hsds:service_at_location", ids.SERVICE_AT_LOCATION),
    "hsds:organizations": _hsds_list("hsds:organizations"),
    "hsds:organization": _hsds_organizations,
    "hsds:taxonomies": _hsds_list("hsds:taxonomies"),
    "hsds:taxonomy": lambda w: [
        reverse("hsds:taxonomy", args=[hsds.taxonomy_id(n)]) for n in hsds.TAXONOMIES
    ],
    "hsds:taxonomy_terms": _hsds_list("hsds:taxonomy_terms"),
    "hsds:taxonomy_term": lambda w: [
        reverse("hsds:taxonomy_term", args=[hsds.term_id(hsds.TYPES, t.pk)])
        for s in w.sites
        for t in s.types.all()
    ],
}

WRITE_ONLY = {
    "accounts:logout",
    "set_language",
    "services:site_close",
    "services:site_close_preview",
    "services:link_end",
    "services:link_end_preview",
    "services:link_create_preview",
    "services:site_submit",
    "services:site_reverify_request",
    "services:site_verify",
    "services:site_return",
    "services:site_reverify",
    "services:review_bulk_verify",
    "services:pending_change_approve",
    "services:pending_change_return",
    "kawasan:member_add",
    "kawasan:member_remove",
    "kawasan:member_undo",
    "notifications:open",
    "notifications:read_all",
    "scoring:policy_activate",
}

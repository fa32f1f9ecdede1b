"""Next steps that act: each step of a kawasan's score opens its action prefilled, and the
user lands back on the score with what the action changed ("+33,1 poin: 405,7 → 438,8").

The step links are built here, with the user's rights: a step opens its action only when
the user may take it (change the kawasan, change the site, review it), else the site's page
(when the user may see it) or nothing. Hidden sites stay unnamed (sites.selectors.HIDDEN_SITE).

Landing back. The actions live in lower apps (sites, kawasan) that may not read scores, so
the link carries `kembali`: the kawasan page's path with the score the user saw, signed
(`sebelum`). The action views follow a same-site `kembali` after a successful write
(web.returning) and know nothing of scores; the kawasan page (kawasan_pages.kawasan_detail)
then reads the signed score, compares it with the live one it computes anyway (the same
pure function) and says what changed. "Before" is therefore the score the step was read
from: what the user saw, not a value anyone can type into a URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _

from kawasan import selectors as kawasan_selectors
from kawasan.models import Kawasan
from scoring import core, explain
from sites import selectors as site_selectors
from sites.models import ReviewState, ServiceType, Site
from sites.review import selectors as review_selectors
from web.returning import PARAM as KEMBALI

BEFORE = "sebelum"  # the signed score in the kembali path
_SALT = "kaltara.next_steps.before"


# ---- the score before, carried in the kembali path ----


def return_path(kawasan: Kawasan, total: float) -> str:
    """The kawasan page with the score shown now, signed: where a step's action lands."""
    token = signing.Signer(salt=_SALT).sign_object({"k": kawasan.pk, "t": total})
    return f"{kawasan.get_absolute_url()}?{urlencode({BEFORE: token})}"


def signed_before(raw: str, kawasan: Kawasan) -> float | None:
    """The score carried by `raw` (from return_path) for this kawasan; None if not genuine."""
    if not raw or len(raw) > 200:
        return None
    try:
        data = signing.Signer(salt=_SALT).unsign_object(raw)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("k") != kawasan.pk:
        return None
    total = data.get("t")
    return float(total) if isinstance(total, int | float) else None


def gain_message(before: float, after: float) -> str:
    """ "+33,1 poin: 405,7 → 438,8", or plainly that the score did not change."""
    points = core.round_total(after - before)
    if points == 0:
        return _("Skor kawasan tidak berubah: %(total)s.") % {"total": explain.number(after)}
    sign = "+" if points > 0 else "−"
    return _("%(sign)s%(points)s poin: %(before)s → %(after)s") % {
        "sign": sign,
        "points": explain.number(abs(points)),
        "before": explain.number(before),
        "after": explain.number(after),
    }


# ---- the step links ----


@dataclass
class StepContext:
    """What a kawasan's step links need: the user, the kawasan, its visible members."""

    user: object
    kawasan: Kawasan
    total: float  # the live score the steps were read from
    members: dict[int, Site]  # the members the user may see, with types prefetched
    may_change_kawasan: bool

    def url(self, name: str, *args, **params) -> str:
        """The action with its prefill and `kembali` (the score page, the score signed)."""
        query = {**params, KEMBALI: return_path(self.kawasan, self.total)}
        return f"{reverse(name, args=args)}?{urlencode(query)}"


def add_type_url(ctx: StepContext, type_code: str) -> str | None:
    """The kawasan's "add a site of this type" page (existing sites nearby first, then the
    site form); without the right to change the kawasan, only the site form with the type
    chosen (the new site then joins no kawasan but its base one); else nothing."""
    if ctx.may_change_kawasan:
        return ctx.url("kawasan:add_type", ctx.kawasan.pk, jenis=type_code)
    if site_selectors.user_may_create_sites(ctx.user):
        return f"{reverse('services:site_create')}?{urlencode({'jenis': type_code})}"
    return None


def set_hub_url(ctx: StepContext, site_id: int) -> str | None:
    if site_id not in ctx.members:
        return None
    if ctx.may_change_kawasan:
        return ctx.url("kawasan:hub_preview", ctx.kawasan.pk, hub=site_id)
    return reverse("services:site_detail", args=[site_id])


def verify_url(ctx: StepContext, site_id: int) -> str | None:
    """A submitted site: its page (with "Tinjau pengajuan" for the officer). Any other: the
    checklist page, whose "Simpan dan ajukan untuk verifikasi" is the submission, for who may
    change it."""
    site = ctx.members.get(site_id)
    if site is None:
        return None
    if site.review_state == ReviewState.SUBMITTED:
        # The site page, for everyone: it offers "Tinjau" to an officer who may review it and
        # did not submit it (four eyes). The steps are cached by the grants alone
        # (dashboards.access.grants_key), so a link here cannot depend on who submitted.
        return ctx.url("services:site_detail", site_id)
    if site_selectors.site_may_change(ctx.user, site):
        return ctx.url("services:checklist_edit", site_id)
    return site.get_absolute_url()


def reverify_url(ctx: StepContext, site_id: int) -> str | None:
    # The site page holds both buttons: "Verifikasi ulang" for its suku dinas officer, "minta
    # verifikasi ulang" for those who may change it; its forms carry `kembali` on.
    site = ctx.members.get(site_id)
    if site is None:
        return None
    if review_selectors.site_may_review(ctx.user, site) or site_selectors.site_may_change(
        ctx.user, site
    ):
        return ctx.url("services:site_detail", site_id)
    return site.get_absolute_url()


def link_url(ctx: StepContext, a: int, b: int) -> str | None:
    """The link form of an end the user may change, the other end chosen; both visible."""
    site_a, site_b = ctx.members.get(a), ctx.members.get(b)
    if site_a is None or site_b is None:
        return site_a.get_absolute_url() if site_a is not None else None
    for this, other in ((site_a, site_b), (site_b, site_a)):
        if site_selectors.site_may_change(ctx.user, this):
            return ctx.url("services:link_create", this.pk, dengan=other.pk)
    return site_a.get_absolute_url()


def step_url(step: core.Step, ctx: StepContext) -> str | None:
    if step.kind == "add_type":
        return add_type_url(ctx, step.type_code or "")
    if step.kind == "set_hub":
        return set_hub_url(ctx, step.site_ids[0])
    if step.kind == "verify_site":
        return verify_url(ctx, step.site_ids[0])
    if step.kind == "reverify_site":
        return reverify_url(ctx, step.site_ids[0])
    if step.kind == "link_sites":
        return link_url(ctx, *step.site_ids)
    return None


# ---- the add_type page: existing sites nearby first, then the site form ----


@dataclass
class AddTypePage:
    service_type: ServiceType
    hub: Site | None  # the kawasan's hub if the user may see it
    radius_m: float  # policy.hub_distance_m: "near the hub" is within this walk
    nearby: list[Site]  # existing sites of the type near the hub, not members, visible

    @property
    def circle(self) -> dict | None:
        """The hub's walking circle for the map picker (static/js/hub_circle.js)."""
        if self.hub is None:
            return None
        return {
            "lat": self.hub.location.y,
            "lon": self.hub.location.x,
            "radius": self.radius_m,
            "name": self.hub.name,
        }


def add_type_page(user, kawasan: Kawasan, type_code: str, policy) -> AddTypePage | None:
    """What the add_type page shows; None for a type code that is not in the catalogue."""
    service_type = ServiceType.objects.filter(code=type_code[:40]).first() if type_code else None
    if service_type is None:
        return None
    hub = (
        Site.objects.visible_to(user).filter(pk=kawasan.hub_id).first()
        if kawasan.hub_id is not None
        else None
    )
    radius = policy.hub_distance_m
    nearby = (
        kawasan_selectors.kawasan_nearby_of_type(
            kawasan, user, hub=hub, type_code=service_type.code, radius_m=radius
        )
        if hub is not None
        else []
    )
    return AddTypePage(service_type, hub, radius, nearby)

"""Next steps that act: every step kind opens its action prefilled for what the user may do,
and after the action the user lands back on the kawasan's score with what it changed.

The kawasan is Rawa Bunga's (real boundaries, sites made with tests/factories.py). "Before"
and "after" in the landing message are checked against the score recomputed by scoring's
own selector around the action, never against a written-down number.
"""

import json
import re
from datetime import timedelta
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from dashboards import next_steps
from dashboards.reports import kawasan_reports
from kawasan.models import Kawasan, Membership
from kawasan.selectors import kawasan_may_change
from scoring import core, explain
from scoring import selectors as scoring_selectors
from sites.models import LinkKind, ReviewState, ServiceType, Site, SiteLink
from sites.selectors import HIDDEN_SITE, suggested_link_kind
from tests.factories import KAMPUNG_MELAYU, RAWA_BUNGA, make_link, make_site, point_in
from tests.sites.reviewkit import ensure_items, items_of
from tests.sites.test_site_create import form_data
from web.returning import safe_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def sites():
    hub_point = point_in(RAWA_BUNGA)
    return {
        "rptra": make_site("RPTRA Rawa Bunga", types=("rptra",), public=True, location=hub_point),
        "posyandu": make_site(
            "Posyandu Melati", types=("posyandu",), public=True, location=point_in(RAWA_BUNGA, 200)
        ),
        "sd": make_site(
            "SD Negeri Rawa Bunga 01",
            types=("sd",),
            review_state=ReviewState.REGISTERED,
            location=point_in(RAWA_BUNGA, dy_m=250),
        ),
        "stale": make_site(
            "Posyandu Kenanga",
            types=("posyandu",),
            public=True,
            verified_at=timezone.now() - timedelta(days=800),
            location=point_in(RAWA_BUNGA, dx_m=-150),
        ),
    }


@pytest.fixture
def kawasan(sites):
    k = Kawasan.objects.create(name="Kawasan Rawa Bunga", region_id=RAWA_BUNGA)
    for site in sites.values():
        Membership.objects.create(kawasan=k, site=site)
    k.hub = sites["rptra"]
    k.save()
    make_link(sites["rptra"], sites["posyandu"])
    return k


def live_total(kawasan) -> float:
    """The kawasan's score as scoring computes it now (the pure function on live inputs)."""
    breakdown, _steps, _points = scoring_selectors.kawasan_explanation(kawasan)
    return breakdown.total


def step_ctx(user, kawasan) -> next_steps.StepContext:
    report = kawasan_reports([kawasan], user)[0]
    return next_steps.StepContext(
        user=user,
        kawasan=kawasan,
        total=report.breakdown.total,
        members={s.pk: s for s in report.members},
        may_change_kawasan=kawasan_may_change(user, kawasan),
    )


def query(url) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def land(client, response):
    """Follow the action's redirect to `kembali`, then the kawasan page's own redirect; the
    messages the user then reads."""
    assert response.status_code == 302, response.content[:500]
    back = client.get(response["Location"])
    assert back.status_code == 302  # the page at its own address, the message stored
    page = client.get(back["Location"])
    assert page.status_code == 200
    return [str(m) for m in page.context["messages"]], page


def link_data(other, kind) -> dict:
    # "confirm": the flag of the link form's score preview, posted by its confirmation (a
    # form without that preview ignores it).
    return {"other": other, "kind": kind, "start_date": "2024-01-01", "confirm": "1"}


def gain(before, after) -> str:
    return next_steps.gain_message(before, after)


# ---- the step URLs, kind by kind ----


def test_every_step_on_the_page_links_its_action_with_the_way_back(client, lurah, kawasan):
    client.force_login(lurah)
    report = client.get(kawasan.get_absolute_url()).context["report"]
    kinds = {s.kind for s in report.steps}
    assert kinds, "the kawasan has steps to take"
    for step in report.steps:
        assert step.url, step
        back = query(step.url)["kembali"]
        assert back.startswith(kawasan.get_absolute_url() + "?sebelum=")
        token = query(back)["sebelum"]
        assert next_steps.signed_before(token, kawasan) == report.breakdown.total


def test_add_type_opens_the_kawasan_page_for_the_type(lurah, kawasan):
    ctx = step_ctx(lurah, kawasan)
    step = core.Step(kind="add_type", points=30.0, type_code="patbm")
    url = next_steps.step_url(step, ctx)
    assert urlsplit(url).path == reverse("kawasan:add_type", args=[kawasan.pk])
    assert query(url)["jenis"] == "patbm"


def test_add_type_page_is_prefilled_with_type_version_hint_and_circle(client, lurah, kawasan):
    client.force_login(lurah)
    url = next_steps.step_url(
        core.Step(kind="add_type", points=30.0, type_code="patbm"), step_ctx(lurah, kawasan)
    )
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    patbm = response.context["page"].service_type
    assert re.search(rf'<input[^>]*value="{patbm.pk}"[^>]*checked', html), "type chosen"
    assert f'name="kawasan_version" value="{kawasan.version}"' in html
    circle = json.loads(
        re.search(r'id="kawasan-hub-circle"[^>]*>(.*?)</script>', html, re.S).group(1)
    )
    hub = Site.objects.get(pk=kawasan.hub_id)
    assert circle == {
        "lat": hub.location.y,
        "lon": hub.location.x,
        "radius": 1000.0,
        "name": "RPTRA Rawa Bunga",
    }
    assert "hub_circle.js" in html
    assert "paling jauh 1000 m (jalan kaki) dari RPTRA Rawa Bunga" in html


def test_nearby_list_holds_visible_non_members_of_the_type_within_the_walk_by_distance(
    client, lurah, kawasan, sites
):
    near = make_site(
        "Posyandu Dekat", types=("posyandu",), public=True, location=point_in(RAWA_BUNGA, 300)
    )
    nearer = make_site(
        "Posyandu Lebih Dekat", types=("posyandu",), location=point_in(RAWA_BUNGA, 90)
    )
    make_site(
        "Posyandu Jauh", types=("posyandu",), public=True, location=point_in(RAWA_BUNGA, 1300)
    )
    make_site("SD Dekat", types=("sd",), public=True, location=point_in(RAWA_BUNGA, 100))
    # A draft of the next kelurahan: the lurah of Rawa Bunga may not see it.
    make_site(
        "Posyandu Draf KM", KAMPUNG_MELAYU, types=("posyandu",), location=point_in(RAWA_BUNGA, 50)
    )
    client.force_login(lurah)
    url = reverse("kawasan:add_type", args=[kawasan.pk]) + "?jenis=posyandu&kembali=/x/"
    response = client.get(url)
    nearby = response.context["page"].nearby
    assert [s.name for s in nearby] == ["Posyandu Lebih Dekat", "Posyandu Dekat"]
    assert [round(s.hub_distance_m) for s in nearby] == [90, 300]
    html = response.content.decode()
    preview = reverse("kawasan:member_add_preview", args=[kawasan.pk])
    assert f"{preview}?site={nearer.pk}&amp;kembali=/x/" in html
    assert f"{preview}?site={near.pk}&amp;kembali=/x/" in html
    assert "Tambahkan ke kawasan" in html
    assert "Posyandu Draf KM" not in html and "Posyandu Jauh" not in html
    assert "Posyandu Melati" not in [s.name for s in nearby]  # a member already


def test_a_camat_gets_the_kecamatan_level_services_too(client, camat, kawasan):
    kecamatan_service = make_site(
        "Posyandu Kecamatan Jatinegara",
        KAMPUNG_MELAYU,
        types=("posyandu",),
        location=point_in(RAWA_BUNGA, dx_m=400),
    )
    client.force_login(camat)
    url = reverse("kawasan:add_type", args=[kawasan.pk]) + "?jenis=posyandu"
    nearby = client.get(url).context["page"].nearby
    assert [s.pk for s in nearby] == [kecamatan_service.pk]


def test_add_type_page_queries_stay_bounded(client, lurah, kawasan, django_assert_max_num_queries):
    url = reverse("kawasan:add_type", args=[kawasan.pk]) + "?jenis=posyandu"
    client.force_login(lurah)
    make_site("Posyandu A", types=("posyandu",), public=True, location=point_in(RAWA_BUNGA, 100))
    client.get(url)  # warm the per-process memos
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for i in range(6):
        make_site(
            f"Posyandu {i}",
            types=("posyandu",),
            public=True,
            location=point_in(RAWA_BUNGA, 110 + i),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["page"].nearby) == 7


def test_a_kawasan_the_user_cannot_change_is_404_and_never_joined(client, lurah_other, kawasan):
    client.force_login(lurah_other)
    url = reverse("kawasan:add_type", args=[kawasan.pk]) + "?jenis=posyandu"
    assert client.get(url).status_code == 404
    response = client.post(
        url, form_data(point_in(KAMPUNG_MELAYU), kawasan_version=kawasan.version)
    )
    assert response.status_code == 404
    assert not Site.objects.filter(name="Posyandu Melati", kelurahan_id=KAMPUNG_MELAYU).exists()
    # Their step opens the plain site form, type chosen, no kawasan to join.
    url = next_steps.step_url(
        core.Step(kind="add_type", points=1.0, type_code="posyandu"), step_ctx(lurah_other, kawasan)
    )
    assert url == reverse("services:site_create") + "?jenis=posyandu"
    html = client.get(url).content.decode()
    assert "kawasan_version" not in html
    posyandu = ServiceType.objects.get(code="posyandu")
    assert re.search(rf'<input[^>]*name="types" value="{posyandu.pk}"[^>]*checked', html)


def test_an_unknown_type_is_404(client, lurah, kawasan):
    client.force_login(lurah)
    url = reverse("kawasan:add_type", args=[kawasan.pk]) + "?jenis=tidak-ada"
    assert client.get(url).status_code == 404


def test_link_step_opens_the_link_form_with_the_other_end_and_a_suggested_kind(
    client, lurah, kawasan, sites
):
    ctx = step_ctx(lurah, kawasan)
    a, b = sorted([sites["rptra"].pk, sites["sd"].pk])
    url = next_steps.step_url(core.Step(kind="link_sites", points=5.0, site_ids=(a, b)), ctx)
    assert urlsplit(url).path == reverse("services:link_create", args=[a])
    assert query(url)["dengan"] == str(b)
    client.force_login(lurah)
    html = client.get(url).content.decode()
    assert re.search(rf'name="other" value="{b}"[^>]*checked', html)
    # An RPTRA and a school: a joint programme; a posyandu at one end: a referral.
    assert re.search(r'<option value="joint_programme" selected>', html)
    url = next_steps.step_url(
        core.Step(kind="link_sites", points=5.0, site_ids=(sites["sd"].pk, sites["stale"].pk)),
        ctx,
    )
    html = client.get(url).content.decode()
    assert re.search(r'<option value="referral" selected>', html)


def test_a_search_on_the_link_form_keeps_the_chosen_end_and_the_way_back(
    client, lurah, kawasan, sites
):
    a, b = sorted([sites["rptra"].pk, sites["sd"].pk])
    url = next_steps.step_url(
        core.Step(kind="link_sites", points=5.0, site_ids=(a, b)), step_ctx(lurah, kawasan)
    )
    client.force_login(lurah)
    html = client.get(url).content.decode()
    search = html[html.index('role="search"') : html.index("</form>", html.index('role="search"'))]
    assert f'name="dengan" value="{b}"' in search
    assert f'name="kembali" value="{query(url)["kembali"]}"' in search.replace("&amp;", "&")


def test_the_suggested_kind_is_a_referral_only_with_a_health_end(sites):
    assert suggested_link_kind(sites["sd"], sites["posyandu"]) == LinkKind.REFERRAL
    assert suggested_link_kind(sites["rptra"], sites["sd"]) == LinkKind.JOINT_PROGRAMME


def test_a_hidden_end_is_never_offered_nor_named(client, lurah, kawasan, sites):
    hidden = make_site("Posyandu Rahasia KM", KAMPUNG_MELAYU, types=("posyandu",))
    Membership.objects.create(kawasan=kawasan, site=hidden)
    ctx = step_ctx(lurah, kawasan)
    step = core.Step(kind="link_sites", points=5.0, site_ids=(sites["rptra"].pk, hidden.pk))
    assert next_steps.step_url(step, ctx) == sites["rptra"].get_absolute_url()
    client.force_login(lurah)
    url = reverse("services:link_create", args=[sites["rptra"].pk]) + f"?dengan={hidden.pk}"
    html = client.get(url).content.decode()
    assert "Posyandu Rahasia KM" not in html
    from dashboards.reports import _step_view

    view = _step_view(step, {s.pk: s.name for s in ctx.members.values()}, {}, ctx)
    assert view.text == f"Hubungkan RPTRA Rawa Bunga dengan {HIDDEN_SITE}"


def test_verify_reverify_and_hub_steps_open_their_pages(client, lurah, sudinkes, kawasan, sites):
    ctx = step_ctx(lurah, kawasan)
    verify = next_steps.step_url(
        core.Step(kind="verify_site", points=1.0, site_ids=(sites["sd"].pk,)), ctx
    )
    assert urlsplit(verify).path == reverse("services:checklist_edit", args=[sites["sd"].pk])
    hub = next_steps.step_url(
        core.Step(kind="set_hub", points=1.0, site_ids=(sites["sd"].pk,)), ctx
    )
    assert urlsplit(hub).path == reverse("kawasan:hub_preview", args=[kawasan.pk])
    assert query(hub)["hub"] == str(sites["sd"].pk)
    client.force_login(lurah)
    assert 'name="ajukan"' in client.get(verify).content.decode()
    html = client.get(hub).content.decode()
    assert 'id="preview-table"' in html
    assert f'name="kembali" value="{query(hub)["kembali"]}"'.replace("&", "&amp;") in html
    # The suku dinas officer re-verifies from the site page; its form carries the way back.
    officer = step_ctx(sudinkes, kawasan)
    reverify = next_steps.step_url(
        core.Step(kind="reverify_site", points=1.0, site_ids=(sites["stale"].pk,)), officer
    )
    assert urlsplit(reverify).path == sites["stale"].get_absolute_url()
    client.force_login(sudinkes)
    html = client.get(reverify).content.decode()
    action = reverse("services:site_reverify", args=[sites["stale"].pk])
    form = html[html.index(f'action="{action}"') :]
    assert 'name="kembali"' in form[: form.index("</form>")]


def test_a_submitted_site_opens_its_page_whose_review_link_keeps_the_way_back(
    client, lurah, sudinkes, kawasan, sites
):
    # The site page for everyone (the steps are cached by grants, and four eyes depend on
    # who submitted): the officer reaches the review from there, the way back kept.
    Site.objects.filter(pk=sites["stale"].pk).update(review_state=ReviewState.SUBMITTED)
    step = core.Step(kind="verify_site", points=1.0, site_ids=(sites["stale"].pk,))
    lurah_url = next_steps.step_url(step, step_ctx(lurah, kawasan))
    assert urlsplit(lurah_url).path == sites["stale"].get_absolute_url()
    page = next_steps.step_url(step, step_ctx(sudinkes, kawasan))
    assert urlsplit(page).path == sites["stale"].get_absolute_url()
    client.force_login(sudinkes)
    detail = client.get(page).content.decode()
    review = reverse("services:site_review", args=[sites["stale"].pk])
    link = re.search(rf'href="({re.escape(review)}\?kembali=[^"]+)"', detail)
    assert link, "Tinjau pengajuan carries the way back"
    url = link.group(1).replace("&amp;", "&")
    assert query(url)["kembali"] == query(page)["kembali"]
    html = client.get(url).content.decode()
    form = html[html.index('id="verify-form"') :]
    back = query(url)["kembali"].replace("&", "&amp;")
    assert f'name="kembali" value="{back}"' in form[: form.index("</form>")]


def test_without_the_right_a_step_opens_the_site_page_or_nothing(lurah_other, kawasan, sites):
    ctx = step_ctx(lurah_other, kawasan)  # public members visible, nothing changeable
    for kind in ("set_hub", "verify_site", "reverify_site"):
        url = next_steps.step_url(
            core.Step(kind=kind, points=1.0, site_ids=(sites["rptra"].pk,)), ctx
        )
        assert url == sites["rptra"].get_absolute_url()
    # The draft school is hidden from them: no link at all.
    url = next_steps.step_url(
        core.Step(kind="verify_site", points=1.0, site_ids=(sites["sd"].pk,)), ctx
    )
    assert url is None


# ---- landing back with the gain ----


def test_linking_lands_back_with_the_gain_recomputed(client, lurah, kawasan, sites):
    client.force_login(lurah)
    before = live_total(kawasan)
    url = next_steps.step_url(
        core.Step(kind="link_sites", points=1.0, site_ids=(sites["rptra"].pk, sites["sd"].pk)),
        step_ctx(lurah, kawasan),
    )
    response = client.post(url, link_data(sites["sd"].pk, "joint_programme"))
    assert SiteLink.objects.filter(
        site_a=min(sites["rptra"], sites["sd"], key=lambda s: s.pk)
    ).exists()
    after = live_total(kawasan)
    assert after > before
    messages, page = land(client, response)
    assert "Keterhubungan disimpan." in messages
    assert gain(before, after) in messages
    assert re.fullmatch(r"\+\d+(,\d)? poin: \d+(,\d)? → \d+(,\d)?", gain(before, after))
    assert page.request["PATH_INFO"] == kawasan.get_absolute_url()


def test_adding_an_existing_site_from_the_list_lands_back_with_the_gain(client, lurah, kawasan):
    near = make_site(
        "PATBM RW 03", types=("patbm",), public=True, location=point_in(RAWA_BUNGA, 120)
    )
    client.force_login(lurah)
    step_url = next_steps.step_url(
        core.Step(kind="add_type", points=1.0, type_code="patbm"), step_ctx(lurah, kawasan)
    )
    page = client.get(step_url)
    back = query(step_url)["kembali"]
    assert [s.pk for s in page.context["page"].nearby] == [near.pk]
    preview = client.get(
        reverse("kawasan:member_add_preview", args=[kawasan.pk]), {"site": near.pk, "kembali": back}
    )
    fields = preview.context["fields"]
    assert fields["kembali"] == back
    before = live_total(kawasan)
    response = client.post(reverse("kawasan:member_add", args=[kawasan.pk]), fields)
    after = live_total(kawasan)
    assert Membership.objects.filter(kawasan=kawasan, site=near).exists() and after > before
    messages, _page = land(client, response)
    assert gain(before, after) in messages


def test_registering_a_new_site_joins_the_kawasan_and_lands_back(client, lurah, kawasan):
    client.force_login(lurah)
    url = next_steps.step_url(
        core.Step(kind="add_type", points=1.0, type_code="patbm"), step_ctx(lurah, kawasan)
    )
    patbm = client.get(url).context["page"].service_type
    before = live_total(kawasan)
    data = form_data(point_in(RAWA_BUNGA, dx_m=60), name="PATBM Rawa Bunga", types=[patbm.pk]) | {
        "kawasan_version": kawasan.version
    }
    response = client.post(url, data)
    site = Site.objects.get(name="PATBM Rawa Bunga")
    assert Membership.objects.filter(kawasan=kawasan, site=site).exists()
    kawasan.refresh_from_db()
    assert kawasan.version == 2  # the join carried the version it was read at
    messages, _page = land(client, response)
    assert gain(before, live_total(kawasan)) in messages


def test_a_stale_kawasan_version_registers_nothing(client, lurah, kawasan):
    client.force_login(lurah)
    url = reverse("kawasan:add_type", args=[kawasan.pk]) + "?jenis=patbm"
    patbm = client.get(url).context["page"].service_type
    Kawasan.objects.filter(pk=kawasan.pk).update(version=7)
    data = form_data(point_in(RAWA_BUNGA, dx_m=60), name="PATBM Basi", types=[patbm.pk])
    response = client.post(url, data | {"kawasan_version": 1})
    assert response.status_code == 200 and 'id="kawasan-stale"' in response.content.decode()
    assert not Site.objects.filter(name="PATBM Basi").exists()
    assert 'name="kawasan_version" value="7"' in response.content.decode()


@pytest.mark.parametrize("version", [None, 1, "x"])
def test_a_base_kawasan_refuses_a_join_without_its_current_version(client, lurah, kawasan, version):
    # A base kawasan gets every new site of its kelurahan by itself (kawasan.receivers):
    # the version is checked before the site is registered, or it would be in already.
    Kawasan.objects.filter(pk=kawasan.pk).update(is_base=True, version=3)
    client.force_login(lurah)
    url = reverse("kawasan:add_type", args=[kawasan.pk]) + "?jenis=patbm"
    patbm = client.get(url).context["page"].service_type
    data = form_data(point_in(RAWA_BUNGA, dx_m=60), name="PATBM Tanpa Versi", types=[patbm.pk])
    if version is not None:
        data["kawasan_version"] = version
    response = client.post(url, data)
    assert response.status_code == 200
    assert not Site.objects.filter(name="PATBM Tanpa Versi").exists()
    assert Kawasan.objects.get(pk=kawasan.pk).version == 3


def test_submitting_from_the_checklist_lands_back_with_the_gain(client, lurah, kawasan, sites):
    client.force_login(lurah)
    url = next_steps.step_url(
        core.Step(kind="verify_site", points=1.0, site_ids=(sites["sd"].pk,)),
        step_ctx(lurah, kawasan),
    )
    before = live_total(kawasan)
    ensure_items("sd")
    site = Site.objects.get(pk=sites["sd"].pk)
    data = {"version": site.version, "ajukan": "1"}
    data |= {f"item_{item.pk}": "yes" for item in items_of(site)}
    response = client.post(url, data)
    after = live_total(kawasan)
    assert Site.objects.get(pk=sites["sd"].pk).review_state == ReviewState.SUBMITTED
    messages, _page = land(client, response)
    assert gain(before, after) in messages


def test_an_action_that_changes_nothing_says_so_plainly(client, lurah, kawasan, sites):
    # Two posyandu, neither the hub: the same single cluster, so the link adds no edge.
    a, b = sorted([sites["posyandu"].pk, sites["stale"].pk])
    back = next_steps.return_path(kawasan, live_total(kawasan))
    before = live_total(kawasan)
    client.force_login(lurah)
    response = client.post(
        reverse("services:link_create", args=[a]) + f"?kembali={quote(back)}",
        link_data(b, "referral"),
    )
    after = live_total(kawasan)
    assert SiteLink.objects.filter(site_a_id=a, site_b_id=b).exists() and after == before
    messages, _page = land(client, response)
    with translation.override("id"):
        assert f"Skor kawasan tidak berubah: {explain.number(after)}." in messages


def test_reverifying_and_moving_the_hub_land_back_with_the_gain(
    client, lurah, sudinkes, kawasan, sites
):
    stale = sites["stale"]
    back = next_steps.return_path(kawasan, live_total(kawasan))
    client.force_login(sudinkes)
    before = live_total(kawasan)
    response = client.post(
        reverse("services:site_reverify", args=[stale.pk]),
        {"version": Site.objects.get(pk=stale.pk).version, "kembali": back},
    )
    after = live_total(kawasan)
    assert after > before
    messages, _page = land(client, response)
    assert gain(before, after) in messages

    client.force_login(lurah)
    url = next_steps.step_url(
        core.Step(kind="set_hub", points=1.0, site_ids=(sites["posyandu"].pk,)),
        step_ctx(lurah, kawasan),
    )
    fields = client.get(url).context["fields"]
    before = live_total(kawasan)
    response = client.post(reverse("kawasan:edit", args=[kawasan.pk]), fields)
    after = live_total(kawasan)
    assert Kawasan.objects.get(pk=kawasan.pk).hub_id == sites["posyandu"].pk
    messages, _page = land(client, response)
    assert gain(before, after) in messages


# ---- the pieces ----


def test_the_gain_reads_with_a_decimal_comma_and_says_so_when_nothing_changed():
    with translation.override("id"):
        assert gain(405.7, 438.8) == "+33,1 poin: 405,7 → 438,8"
        assert gain(438.8, 405.7) == "−33,1 poin: 438,8 → 405,7"
        assert gain(405.7, 405.7) == "Skor kawasan tidak berubah: 405,7."
    with translation.override("en"):
        assert gain(405.7, 438.8) == "+33.1 points: 405.7 → 438.8"


def test_a_forged_or_foreign_score_is_ignored(client, lurah, kawasan):
    other = Kawasan.objects.create(name="Lain", region_id=RAWA_BUNGA)
    token = query(next_steps.return_path(other, 1.0))["sebelum"]
    assert next_steps.signed_before(token, kawasan) is None
    assert next_steps.signed_before(token[:-2] + "xx", other) is None
    client.force_login(lurah)
    response = client.get(kawasan.get_absolute_url(), {"sebelum": token})
    assert response.status_code == 200
    assert not list(get_messages(response.wsgi_request))


@pytest.mark.parametrize(
    ("raw", "ok"),
    [
        ("/kawasan/3/?sebelum=abc", True),
        ("//evil.example/x", False),
        ("https://evil.example/kawasan/3/", False),
        ("/\\evil.example", False),
        ("kawasan/3/", False),
        ("", False),
    ],
)
def test_only_same_site_paths_are_followed_back(raw, ok):
    request = RequestFactory().get("/")
    assert (safe_path(raw, request) == raw) is ok


def test_an_outside_kembali_is_not_followed(client, lurah, kawasan, sites):
    client.force_login(lurah)
    url = reverse("services:link_create", args=[sites["rptra"].pk])
    response = client.post(
        url + "?kembali=https://evil.example/",
        link_data(sites["sd"].pk, "joint_programme"),
    )
    assert response["Location"] == sites["rptra"].get_absolute_url()

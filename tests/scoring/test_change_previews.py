"""Previews of the site edits that reach kawasan scores (a link added, a link ended, a site
closed): the first post writes nothing and shows every kawasan the edit reaches, its score
and band before and after from the same pure function on the changed inputs; the
confirmation writes, with the version; the recompute after it stores the previewed score."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from kawasan.models import Kawasan, Membership
from scoring.models import KawasanScore, RecomputeRequest
from scoring.selectors import kawasan_ids_for_sites, kawasan_inputs
from scoring.services import scores_recompute
from sites.models import Site, SiteChange, SiteLink
from sites.selectors import HIDDEN_SITE
from tests.factories import KAMPUNG_MELAYU, RAWA_BUNGA, make_link, make_site, point_in

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
START = datetime.date(2024, 1, 1)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def sites():
    return {
        "rptra": make_site("RPTRA Rawa Bunga", types=("rptra",), public=True),
        "posyandu": make_site("Posyandu Melati", types=("posyandu",), public=True),
        "sd": make_site(
            "SD Negeri 01", types=("sd",), public=True, location=point_in(RAWA_BUNGA, dx_m=200)
        ),
        # Outside every kawasan.
        "lonely": make_site("Posyandu Sendiri", types=("posyandu",), public=True),
        # A draft of the next kelurahan: the lurah of Rawa Bunga may not see it.
        "draft_km": make_site("SD Draf Kampung Melayu", kelurahan=KAMPUNG_MELAYU, types=("sd",)),
        # A draft of Rawa Bunga: seen and changed by its lurah and camat only.
        "draft": make_site("Puskesmas Draf Rawa Bunga"),
    }


@pytest.fixture
def world(sites):
    """Two kawasan sharing the posyandu and the SD; the first with the RPTRA as hub, linked
    to the posyandu and (made by the camat) to the hidden draft."""
    first = Kawasan.objects.create(name="Kawasan Rawa Bunga", region_id=RAWA_BUNGA)
    for key in ("rptra", "posyandu", "sd", "draft_km"):
        Membership.objects.create(kawasan=first, site=sites[key])
    first.hub = sites["rptra"]
    first.save()
    second = Kawasan.objects.create(name="Kawasan Melati", region_id=RAWA_BUNGA)
    for key in ("posyandu", "sd"):
        Membership.objects.create(kawasan=second, site=sites[key])
    # Holds only the hidden draft: never listed to those who may not see it.
    third = Kawasan.objects.create(name="Kawasan Draf Kampung Melayu", region_id=KAMPUNG_MELAYU)
    Membership.objects.create(kawasan=third, site=sites["draft_km"])
    links = {
        "hub_posyandu": make_link(sites["rptra"], sites["posyandu"], start_date=START),
        "hub_hidden": make_link(sites["rptra"], sites["draft_km"], start_date=START),
        "lonely": make_link(sites["lonely"], sites["posyandu"], start_date=START),
    }
    scores_recompute()
    return {"kawasan": [first, second, third], "links": links, **sites}


def _today():
    return timezone.localdate()


def _link_add(w, other="rptra", start=None, **extra):
    url = reverse("services:link_create_preview", args=[w["sd"].pk])
    data = {
        "other": w[other].pk,
        "kind": "referral",
        "start_date": (start or _today()).isoformat(),
        "note": "Rujukan",
        **extra,
    }
    return url, data


def _link_end(w, key="hub_posyandu", days_ago=1, **extra):
    link = w["links"][key]
    url = reverse("services:link_end_preview", args=[link.pk])
    end = _today() - datetime.timedelta(days=days_ago)
    return url, {
        "end_date": end.isoformat(),
        "reason": "MoU habis",
        "version": link.version,
        **extra,
    }


def _site_close(w, key="posyandu", **extra):
    site = w[key]
    url = reverse("services:site_close_preview", args=[site.pk])
    return url, {"reason": "Gedung dibongkar", "version": site.version, **extra}


CHANGES = {
    "add a link": lambda w: _link_add(w),
    "add a link to a member of one kawasan only": lambda w: _link_add(w, other="lonely"),
    "add a link that starts later": lambda w: _link_add(
        w, start=_today() + datetime.timedelta(days=3)
    ),
    "end a link yesterday": lambda w: _link_end(w),
    "end a link today": lambda w: _link_end(w, days_ago=0),
    "close a member": lambda w: _site_close(w),
    "close the hub": lambda w: _site_close(w, key="rptra"),
}
# The sites each change touches: the kawasan holding one of them are the ones previewed.
TOUCHED = {
    "add a link": ("sd", "rptra"),
    "add a link to a member of one kawasan only": ("sd", "lonely"),
    "add a link that starts later": ("sd", "rptra"),
    "end a link yesterday": ("rptra", "posyandu"),
    "end a link today": ("rptra", "posyandu"),
    "close a member": ("posyandu",),
    "close the hub": ("rptra",),
}


def _confirm(client, response, **changed):
    """Post the confirmation form as the browser would (None drops a field)."""
    fields = {k: str(v) for k, v in response.context["fields"].items()}
    fields.update({k: v for k, v in changed.items() if v is not None})
    for name in [k for k, v in changed.items() if v is None]:
        fields.pop(name)
    return client.post(response.context["confirm_url"], fields)


def _state():
    return (
        list(SiteLink.objects.order_by("pk").values_list("pk", "end_date", "version", "evidence")),
        list(Site.objects.order_by("pk").values_list("pk", "operating_status", "version")),
        SiteChange.objects.count(),
        RecomputeRequest.objects.count(),
        list(KawasanScore.objects.order_by("pk").values_list("kawasan_id", "total", "computed_at")),
    )


@pytest.mark.parametrize("change", CHANGES)
def test_the_preview_is_what_saving_and_recomputing_stores(client, camat, world, change):
    client.force_login(camat)
    url, data = CHANGES[change](world)
    response = client.post(url, data)
    assert response.status_code == 200, response.content[:300]
    rows = response.context["rows"]
    touched = [world[key].pk for key in TOUCHED[change]]
    assert {r["kawasan"].pk for r in rows} == set(kawasan_ids_for_sites(touched))
    for row in rows:
        stored = KawasanScore.objects.get(kawasan=row["kawasan"])
        assert (row["preview"].before.total, row["preview"].before.band) == (
            stored.total,
            stored.band,
        )
    html = response.content.decode()
    for row in rows:
        assert row["kawasan"].name in html
        assert f'data-value="{row["preview"].after.total:.1f}"' in html

    confirmed = _confirm(client, response)
    assert confirmed.status_code == 302
    today = _today()
    ids = [r["kawasan"].pk for r in rows]
    inputs = kawasan_inputs(ids, today=today)
    scores_recompute(kawasan_ids=ids, today=today)
    for row in rows:
        preview = row["preview"]
        # The changed input is the one scoring reads from the saved rows ...
        assert inputs[row["kawasan"].pk] == preview.changed
        # ... so the recompute stores the previewed score, band and components.
        stored = KawasanScore.objects.get(kawasan=row["kawasan"])
        assert (stored.total, stored.band) == (preview.after.total, preview.after.band)
        for component in ("coverage", "connectivity", "proximity", "freshness"):
            assert getattr(stored, component) == pytest.approx(getattr(preview.after, component))


def test_the_previews_show_the_changes_that_move_scores(client, camat, world):
    """Not every preview is "no change": the edits that reach a score move it as expected."""
    client.force_login(camat)
    first, second, _third = world["kawasan"]

    def rows(change):
        url, data = CHANGES[change](world)
        return {r["kawasan"].pk: r["preview"] for r in client.post(url, data).context["rows"]}

    added = rows("add a link")
    assert added[first.pk].after.connectivity > added[first.pk].before.connectivity
    assert added[second.pk].after.total == added[second.pk].before.total  # RPTRA not a member
    assert rows("add a link that starts later")[first.pk].points == 0
    ended = rows("end a link yesterday")[first.pk]
    assert ended.after.connectivity < ended.before.connectivity
    assert rows("end a link today")[first.pk].points == 0  # it counts through its end date
    closed = rows("close the hub")[first.pk]
    assert closed.after.details["hub_id"] is None and closed.points < 0
    closed = rows("close a member")
    assert closed[first.pk].points < 0 and closed[second.pk].points < 0


def test_the_notes_say_when_a_link_counts(client, camat, world):
    client.force_login(camat)
    html = client.post(*CHANGES["end a link today"](world)).content.decode()
    assert "tetap dihitung sampai dengan" in html
    html = client.post(*CHANGES["add a link that starts later"](world)).content.decode()
    assert "baru dihitung mulai" in html


@pytest.mark.parametrize("change", CHANGES)
def test_a_preview_writes_nothing(client, lurah, world, change):
    client.force_login(lurah)
    before = _state()
    url, data = CHANGES[change](world)
    response = client.post(url, data)
    assert response.status_code == 200
    assert 'id="change-confirm"' in response.content.decode()
    assert _state() == before


@pytest.mark.parametrize(
    ("change", "write"),
    [
        ("add a link", "services:link_create"),
        ("end a link yesterday", "services:link_end"),
        ("close a member", "services:site_close"),
    ],
)
def test_a_post_to_the_write_without_confirmation_goes_to_the_preview(
    client, lurah, world, change, write
):
    """A form opened before the preview existed, or a script: sent on with its data (307)."""
    client.force_login(lurah)
    url, data = CHANGES[change](world)
    pk = int(url.strip("/").split("/")[-3])
    before = _state()
    response = client.post(reverse(write, args=[pk]), data)
    assert response.status_code == 307 and response["Location"] == url
    followed = client.post(reverse(write, args=[pk]), data, follow=True)
    assert followed.status_code == 200 and followed.context["rows"]
    assert _state() == before


def test_the_site_page_forms_post_to_the_previews(client, lurah, world):
    client.force_login(lurah)
    rptra = world["rptra"]
    html = client.get(rptra.get_absolute_url()).content.decode()
    assert f'action="{reverse("services:site_close_preview", args=[rptra.pk])}"' in html
    link = world["links"]["hub_posyandu"]
    assert f'action="{reverse("services:link_end_preview", args=[link.pk])}"' in html
    html = client.get(reverse("services:link_create", args=[rptra.pk])).content.decode()
    assert f'action="{reverse("services:link_create_preview", args=[rptra.pk])}"' in html


# ---- the version on confirmation ----


@pytest.mark.parametrize("change", ["end a link yesterday", "close a member"])
@pytest.mark.parametrize("version", [None, "", "x", "stale"])
def test_a_confirmation_without_the_current_version_is_refused(
    client, lurah, world, change, version
):
    client.force_login(lurah)
    url, data = CHANGES[change](world)
    response = client.post(url, data)
    assert response.status_code == 200
    if version == "stale":
        # Someone else saves in between: the version the preview carried is old.
        if change == "close a member":
            Site.objects.filter(pk=world["posyandu"].pk).update(version=5)
        else:
            SiteLink.objects.filter(pk=world["links"]["hub_posyandu"].pk).update(version=5)
    before = _state()
    kwargs = {} if version == "stale" else {"version": version}
    confirmed = _confirm(client, response, **kwargs)
    assert confirmed.status_code == 302
    page = client.get(confirmed["Location"]).content.decode()
    assert "sudah diubah orang lain" in page or "sudah berubah sejak halaman dibuka" in page
    assert _state() == before


@pytest.mark.parametrize("change", ["end a link yesterday", "close a member"])
@pytest.mark.parametrize("version", [None, "", "99"])
def test_a_preview_without_the_current_version_is_refused(client, lurah, world, change, version):
    client.force_login(lurah)
    url, data = CHANGES[change](world)
    data.pop("version")
    if version is not None:
        data["version"] = version
    before = _state()
    response = client.post(url, data, follow=True)
    assert "rows" not in response.context
    html = response.content.decode()
    assert "sudah diubah orang lain" in html or "sudah berubah sejak halaman dibuka" in html
    assert _state() == before


def test_a_refusal_of_the_save_shows_before_the_preview(client, lurah, world):
    client.force_login(lurah)
    # The same kind on the same pair: the form says so, no confirmation page.
    url, data = _link_add(world, other="rptra")
    make_link(world["sd"], world["rptra"], kind="referral")
    response = client.post(url, data)
    assert response.status_code == 200 and "sudah terhubung" in response.content.decode()
    assert "rows" not in response.context
    url, data = _link_end(world, days_ago=2000)  # before the start
    html = client.post(url, data, follow=True).content.decode()
    assert "tidak boleh sebelum tanggal mulai" in html
    url, data = _site_close(world, reason=" ")
    html = client.post(url, data, follow=True).content.decode()
    assert "Alasan" in html
    assert Site.objects.get(pk=world["posyandu"].pk).operating_status == "open"


# ---- no kawasan reached ----


def test_without_kawasan_the_preview_says_so_and_the_confirmation_saves(client, lurah, world):
    client.force_login(lurah)
    lonely = world["lonely"]
    Membership.objects.filter(site=world["posyandu"]).delete()  # the lonely link's other end
    for url, data in (
        _site_close(world, key="lonely"),
        (
            reverse("services:link_end_preview", args=[world["links"]["lonely"].pk]),
            {"version": world["links"]["lonely"].version, "reason": "Selesai"},
        ),
    ):
        response = client.post(url, data)
        assert response.status_code == 200 and response.context["rows"] == []
        assert "Tidak ada kawasan yang terpengaruh" in response.content.decode()
        assert _confirm(client, response).status_code == 302
    lonely.refresh_from_db()
    assert lonely.operating_status == "closed"
    assert SiteLink.objects.get(pk=world["links"]["lonely"].pk).end_date == _today()


def test_a_link_without_kawasan_is_saved_at_once_with_its_evidence(client, lurah, world):
    """Nothing to preview: the form's own button was the confirmation, and the evidence file
    (which no second page could carry) is kept."""
    client.force_login(lurah)
    Membership.objects.filter(site=world["posyandu"]).delete()
    url = reverse("services:link_create_preview", args=[world["lonely"].pk])
    data = {
        "other": world["draft"].pk,
        "kind": "joint_programme",
        "start_date": _today().isoformat(),
        "evidence": SimpleUploadedFile("mou.pdf", PDF),
    }
    response = client.post(url, data)
    assert response.status_code == 302
    link = SiteLink.objects.get(kind="joint_programme")
    assert link.evidence.name.endswith(".pdf")


# ---- evidence across the confirmation ----


def test_evidence_is_asked_for_again_on_the_confirmation(client, lurah, world):
    client.force_login(lurah)
    url, data = _link_add(world, evidence=SimpleUploadedFile("mou-rptra.pdf", PDF))
    response = client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'type="file" name="evidence"' in html and "required" in html
    assert "mou-rptra.pdf" in html and 'enctype="multipart/form-data"' in html
    assert not SiteLink.objects.filter(site_a=world["sd"]).exists()
    assert not SiteLink.objects.filter(site_b=world["sd"]).exists()
    # Confirmed without choosing the file again: refused, the form says why.
    refused = _confirm(client, response)
    assert refused.status_code == 200
    assert "pilih lagi berkasnya" in " ".join(refused.context["form"].errors["evidence"])
    assert SiteLink.objects.count() == 3
    # With the file: saved with it.
    fields = {k: str(v) for k, v in response.context["fields"].items()}
    assert fields["evidence_again"] == "1"
    fields["evidence"] = SimpleUploadedFile("mou-rptra.pdf", PDF)
    saved = client.post(response.context["confirm_url"], fields)
    assert saved.status_code == 302
    link = SiteLink.objects.get(kind="referral", note="Rujukan")
    assert link.evidence.name.endswith(".pdf")


# ---- who may preview: the write's own rules; hidden sites never named ----


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("lurah", 200), ("camat", 200), ("lurah_other", 404), ("sudinkes", 403), ("provinsi", 403)],
)
def test_previews_are_scoped_like_the_writes(request, client, world, persona, expected):
    draft = world["draft"]
    link = make_link(draft, world["rptra"], kind="joint_programme", start_date=START)
    client.force_login(request.getfixturevalue(persona))
    for url, data in (
        (
            reverse("services:link_create_preview", args=[draft.pk]),
            {"other": world["sd"].pk, "kind": "referral", "start_date": _today().isoformat()},
        ),
        (reverse("services:link_end_preview", args=[link.pk]), {"version": link.version}),
        (
            reverse("services:site_close_preview", args=[draft.pk]),
            {"reason": "Pindah", "version": draft.version},
        ),
    ):
        assert client.post(url, data).status_code == expected, url
    assert client.get(reverse("services:site_close_preview", args=[draft.pk])).status_code == 405


def test_a_hidden_end_is_never_named(client, lurah, camat, world):
    client.force_login(lurah)
    url, data = _link_end(world, key="hub_hidden")
    response = client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "SD Draf Kampung Melayu" not in html
    assert str(HIDDEN_SITE) in html
    assert "RPTRA Rawa Bunga" in html
    # The kawasan holding only the hidden end is not listed (it would say where that site is
    # a member); the kawasan holding both ends is, with the link's end in its score.
    first, _second, third = world["kawasan"]
    listed = {r["kawasan"].pk: r["preview"] for r in response.context["rows"]}
    assert third.pk not in listed and third.name not in html
    assert listed[first.pk].points < 0
    # The camat, who sees both ends, gets the same kawasan and the third too.
    client.force_login(camat)
    response = client.post(url, data)
    assert {r["kawasan"].pk for r in response.context["rows"]} == {*listed, third.pk}
    assert "SD Draf Kampung Melayu" in response.content.decode()
    # Nor can a hidden site be chosen as the other end.
    client.force_login(lurah)
    url, data = _link_add(world, other="draft_km")
    response = client.post(url, data)
    assert response.context["form"].errors["other"]
    assert "SD Draf Kampung Melayu" not in response.content.decode()


def test_previews_read_a_bounded_number_of_queries(
    client, camat, world, django_assert_max_num_queries
):
    first = world["kawasan"][0]
    for i in range(25):
        site = make_site(f"Posyandu {i:02}", types=("posyandu", "rptra"), public=True)
        Membership.objects.create(kawasan=first, site=site)
        make_link(site, world["rptra"])
    client.force_login(camat)
    for change, bound in (
        # The session, the user, the grants, the site and its types, the form's choice and
        # its types, the checks (visibility, duplicate), the kawasan reached, the policy,
        # the catalogue, scoring's inputs (3), the kawasan's names: 16, whatever the size.
        ("add a link", 16),
        # The link, the ends' types (the rights), the ends' visibility, the other kinds on
        # the pair, then as above.
        ("end a link yesterday", 16),
        ("close the hub", 12),
    ):
        url, data = CHANGES[change](world)
        with django_assert_max_num_queries(bound):
            assert client.post(url, data).status_code == 200


def test_the_query_and_the_forms_own_fields_ride_along_to_the_write(client, lurah, world):
    """A return path (?kembali=) or any field the form adds reaches the write view unchanged."""
    client.force_login(lurah)
    url, data = _link_add(world)
    response = client.post(f"{url}?kembali=/kawasan/", {**data, "kembali": "/kawasan/"})
    write = reverse("services:link_create", args=[world["sd"].pk])
    assert response.context["confirm_url"] == f"{write}?kembali=/kawasan/"
    fields = response.context["fields"]
    assert fields["kembali"] == "/kawasan/" and fields["confirm"] == "1"
    assert "csrfmiddlewaretoken" not in fields
    assert _confirm(client, response).status_code == 302
    assert SiteLink.objects.filter(note="Rujukan").exists()

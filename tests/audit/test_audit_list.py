"""The audit trail page: every change by every role, who, when and what, for the province."""

import datetime

import pytest
from axes.models import AccessLog
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from audit.models import Download
from kawasan import membership
from kawasan.models import Kawasan, KawasanChange
from sites import services
from sites.models import ReviewEvent, SiteChange
from sites.review import pending, transitions
from tests.conftest import make_user
from tests.factories import KAMPUNG_MELAYU, MENTENG, RAWA_BUNGA, make_site, point_in
from tests.sites.reviewkit import submitted_site

pytestmark = pytest.mark.django_db

URL = reverse("audit:list")


def _page(client, user, **params):
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == 200
    return response


def _rows(response):
    return response.context["rows"]


def test_it_shows_a_site_edit_with_who_when_and_what(client, lurah, provinsi):
    site = make_site("Posyandu Melati", types=("posyandu",))
    services.site_update(
        user=lurah,
        site=site,
        data={"name": "Posyandu Melati Indah", "contact": "0812"},
        version=site.version,
    )
    response = _page(client, provinsi, jenis="site")
    row = _rows(response)[0]
    assert row.kind == "site"
    assert row.actor == lurah
    assert row.actor.roles == ["Lurah Rawa Bunga"]
    assert ("Nama", "Posyandu Melati", "Posyandu Melati Indah") in row.changes
    assert row.region == "Rawa Bunga"
    assert (timezone.now() - row.at).total_seconds() < 60
    body = response.content.decode()
    assert "Posyandu Melati Indah" in body and "lurah" in body


def test_it_shows_review_steps_with_the_state_change_and_the_reason(client, sudinkes, provinsi):
    site = submitted_site()
    transitions.site_return(
        user=sudinkes, site=site, version=site.version, reason="Foto ruang konseling kurang"
    )
    rows = _rows(_page(client, provinsi, jenis="review"))
    assert [r.action for r in rows] == ["Dikembalikan"]
    assert rows[0].actor == sudinkes
    assert ("Status verifikasi", "Diajukan", "Dikembalikan") in rows[0].changes
    assert rows[0].note == "Foto ruang konseling kurang"


def test_it_shows_pending_changes_and_link_changes(client, lurah, sudinkes, provinsi):
    from tests.sites.reviewkit import verified_site

    site = verified_site("Puskesmas Rawa Bunga")
    other = make_site("Posyandu Anggrek", types=("posyandu",), location=point_in(RAWA_BUNGA, 70))
    updated = services.site_update(
        user=lurah, site=site, data={"name": "Puskesmas Rawa Bunga Baru"}, version=site.version
    )
    change = updated.pending_change
    pending.pending_change_return(
        user=sudinkes, change=change, version=change.version, reason="Nama resmi belum sesuai SK"
    )
    link = services.link_create(user=lurah, site_a=site, site_b=other, kind="referral")
    services.link_end(user=lurah, link=link, version=link.version, reason="Program selesai")

    reviews = _rows(_page(client, provinsi, jenis="review"))
    assert [(r.action, r.actor) for r in reviews] == [
        ("Usulan perubahan dikembalikan", sudinkes),
        ("Usulan perubahan diajukan", lurah),
    ]
    assert ("Nama", "Puskesmas Rawa Bunga", "Puskesmas Rawa Bunga Baru") in reviews[1].changes
    assert reviews[0].note == "Nama resmi belum sesuai SK"
    links = [r for r in _rows(_page(client, provinsi, jenis="site")) if r.subject == site.name]
    assert [r.action for r in links] == ["Keterhubungan diakhiri", "Dihubungkan"]
    assert links[0].note == "Program selesai"


def test_it_records_and_shows_kawasan_edits(client, lurah, provinsi):
    rptra = make_site("RPTRA Rawa Bunga", types=("rptra",), public=True)
    other = make_site("Posyandu Anggrek", types=("posyandu",))
    kawasan = membership.kawasan_create(
        user=lurah, region=rptra.kelurahan, name="Kawasan A", with_active_sites=False
    )
    membership.kawasan_member_add(kawasan=kawasan, site=rptra, user=lurah, version=kawasan.version)
    membership.kawasan_member_add(kawasan=kawasan, site=other, user=lurah, version=kawasan.version)
    membership.kawasan_update(
        kawasan=kawasan, user=lurah, name="Kawasan B", hub=rptra, version=kawasan.version
    )
    membership.kawasan_member_remove(
        kawasan=kawasan, site=rptra, user=lurah, version=kawasan.version
    )
    # Adding a member twice changes nothing and records nothing.
    membership.kawasan_member_add(kawasan=kawasan, site=other, user=lurah, version=kawasan.version)

    actions = list(
        KawasanChange.objects.filter(kawasan=kawasan)
        .order_by("pk")
        .values_list("action", "changes")
    )
    assert actions == [
        (
            "created",
            {"name": ["", "Kawasan A"], "region": ["", "Rawa Bunga"], "members": ["", "0"]},
        ),
        ("member_added", {"members": ["", "RPTRA Rawa Bunga"]}),
        ("member_added", {"members": ["", "Posyandu Anggrek"]}),
        ("updated", {"name": ["Kawasan A", "Kawasan B"], "hub": ["", "RPTRA Rawa Bunga"]}),
        ("member_removed", {"members": ["RPTRA Rawa Bunga", ""], "hub": ["RPTRA Rawa Bunga", ""]}),
    ]
    rows = _rows(_page(client, provinsi, jenis="kawasan"))
    assert len(rows) == 5
    assert rows[0].action == "Anggota dikeluarkan"
    assert ("Pusat (hub)", "RPTRA Rawa Bunga", "") in rows[0].changes
    assert rows[0].subject == "Kawasan B" and rows[0].actor == lurah


def test_an_edit_that_changes_nothing_leaves_no_kawasan_record(lurah):
    kawasan = Kawasan.objects.create(name="Kawasan A", region_id=RAWA_BUNGA)
    membership.kawasan_update(
        kawasan=kawasan, user=lurah, name="Kawasan A", hub=None, version=kawasan.version
    )
    assert not KawasanChange.objects.exists()


def test_it_shows_sign_ins_failed_sign_ins_and_downloads(client, lurah, provinsi):
    login = reverse("accounts:login")
    client.post(login, {"username": "lurah", "password": "wrong"})
    client.post(login, {"username": "lurah", "password": "pw-lurah"})
    client.logout()
    client.force_login(provinsi)
    assert client.get(reverse("kaltara:export_rankings", args=["csv"])).status_code == 200
    rows = _rows(_page(client, provinsi))
    kinds = [(r.kind, r.actor_name, r.action) for r in rows]
    assert ("download", "provinsi", "Peringkat wilayah") in kinds
    assert ("login", "lurah", "Masuk") in kinds
    assert ("login_failed", "lurah", "Kata sandi salah") in kinds
    download = Download.objects.get()
    assert download.user == provinsi and download.path.startswith("/ekspor/peringkat.csv")


def test_a_refused_download_leaves_no_record(client, lurah):
    client.force_login(lurah)
    assert client.get(reverse("kaltara:export_rankings", args=["csv"])).status_code == 403
    assert not Download.objects.exists()


def test_it_shows_background_exports_and_admin_edits(client, camat, provinsi):
    from exports.queue import export_create

    export_create(user=camat, kind="sites", fmt="csv", params={"q": "posyandu"})
    admin = User.objects.create_superuser("root", password="pw-root")
    LogEntry.objects.log_actions(
        user_id=admin.pk,
        queryset=[camat],
        action_flag=CHANGE,
        change_message='[{"changed": {"fields": ["Email"]}}]',
        single_object=True,
    )
    rows = _rows(_page(client, provinsi))
    by_kind = {r.kind: r for r in rows}
    assert by_kind["export"].actor == camat
    assert "q=posyandu" in by_kind["export"].note
    assert by_kind["admin"].actor == admin
    assert "Email" in by_kind["admin"].note
    assert ContentType.objects.get_for_model(User).name in by_kind["admin"].subject


def test_it_filters_by_user_role_region_date_and_kind(client, lurah, lurah_other, provinsi):
    here = make_site("Posyandu Sini", types=("posyandu",))
    there = make_site("Posyandu Sana", types=("posyandu",), kelurahan=KAMPUNG_MELAYU)
    services.site_update(user=lurah, site=here, data={"contact": "1"}, version=here.version)
    services.site_update(user=lurah_other, site=there, data={"contact": "2"}, version=there.version)
    menteng = make_user("lurah_menteng", Role.LURAH, MENTENG)
    far = make_site("Posyandu Menteng", types=("posyandu",), kelurahan=MENTENG)
    services.site_update(user=menteng, site=far, data={"contact": "3"}, version=far.version)
    old = SiteChange.objects.get(site=far)
    SiteChange.objects.filter(pk=old.pk).update(at=timezone.now() - datetime.timedelta(days=40))

    def subjects(**params):
        return sorted(r.subject for r in _rows(_page(client, provinsi, **params)))

    assert subjects(pengguna="lurah_other") == ["Posyandu Sana"]
    assert subjects(wilayah=RAWA_BUNGA) == ["Posyandu Sini"]
    assert subjects(wilayah="31.75") == ["Posyandu Sana", "Posyandu Sini"]
    assert subjects(peran="lurah", wilayah="31.71") == ["Posyandu Menteng"]
    assert subjects(peran="camat") == []
    today = timezone.localdate().isoformat()
    assert subjects(dari=today, jenis="site") == ["Posyandu Sana", "Posyandu Sini"]
    last_month = (timezone.localdate() - datetime.timedelta(days=30)).isoformat()
    assert subjects(sampai=last_month) == ["Posyandu Menteng"]
    assert subjects(dari=last_month, sampai=last_month) == []
    assert subjects(jenis="review") == []
    # Signing in is placed by the user's assignment.
    client.logout()
    client.post(reverse("accounts:login"), {"username": "lurah", "password": "pw-lurah"})
    rows = _rows(_page(client, provinsi, jenis="login", wilayah=RAWA_BUNGA))
    assert [r.actor for r in rows] == [lurah]
    assert _rows(_page(client, provinsi, jenis="login", wilayah=MENTENG)) == []


def test_an_invalid_filter_shows_the_error_and_no_rows(client, lurah, provinsi):
    site = make_site("Posyandu Sini", types=("posyandu",))
    services.site_update(user=lurah, site=site, data={"contact": "1"}, version=site.version)
    response = _page(client, provinsi, dari="kemarin", jenis="bukan-jenis")
    assert _rows(response) == []
    assert response.context["form"].errors.keys() == {"dari", "jenis"}


@pytest.mark.parametrize("persona", ["lurah", "camat", "sudinkes", "nobody"])
def test_it_refuses_everyone_but_provincial_staff(request, client, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403


def test_it_sends_anonymous_users_to_the_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_it_admits_admins_and_superusers(client, db):
    admin = make_user("admin_prov", Role.ADMIN, "31")
    _page(client, admin)
    root = User.objects.create_superuser("root", password="pw-root")
    _page(client, root)


def test_it_shows_the_audit_link_to_provincial_staff_only(client, provinsi, lurah):
    client.force_login(provinsi)
    assert URL in client.get(reverse("kawasan:list")).content.decode()
    client.force_login(lurah)
    assert URL not in client.get(reverse("kawasan:list")).content.decode()


def test_it_pages_a_long_trail_with_bounded_queries(
    client, lurah, sudinkes, provinsi, django_assert_max_num_queries
):
    sites = [
        make_site(f"Posyandu {i}", types=("posyandu",), location=point_in(RAWA_BUNGA, i * 30))
        for i in range(3)
    ]
    SiteChange.objects.bulk_create(
        [
            SiteChange(
                site=sites[i % 3], user=lurah, action="updated", changes={"contact": ["", str(i)]}
            )
            for i in range(70)
        ]
    )
    site = submitted_site("Puskesmas X")
    transitions.site_verify(user=sudinkes, site=site, version=site.version, confirmed_item_ids=[])
    kawasan = Kawasan.objects.create(name="Kawasan A", region_id=RAWA_BUNGA)
    KawasanChange.objects.bulk_create(
        [KawasanChange(kawasan=kawasan, user=lurah, action="member_added") for _ in range(10)]
    )
    Download.objects.bulk_create(
        [Download(user=provinsi, view="spreadsheet:export", path="/x") for _ in range(10)]
    )
    client.force_login(provinsi)
    # force_login signs in too: django-axes logs it like any sign-in.
    total = 70 + ReviewEvent.objects.count() + 10 + 10 + AccessLog.objects.count()
    # session, user, grants; count and page; one per kind on the page; actors and roles
    with django_assert_max_num_queries(14):
        first = client.get(URL)
    assert first.context["page"].paginator.count == total
    assert len(first.context["rows"]) == 50
    with django_assert_max_num_queries(14):
        second = client.get(URL, {"page": 2})
    seen = [(r.kind, r.at) for r in first.context["rows"] + second.context["rows"]]
    assert len(seen) == total
    # Newest first across sources.
    assert [at for _k, at in seen] == sorted((at for _k, at in seen), reverse=True)

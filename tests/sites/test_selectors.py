import pytest
from django.contrib.auth.models import AnonymousUser

from sites import selectors
from sites.models import Site
from tests.factories import (
    KAMPUNG_MELAYU,
    MENTENG,
    RAWA_BUNGA,
    make_link,
    make_site,
    point_in,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sites():
    return {
        "rb_draft": make_site("Puskesmas RB", RAWA_BUNGA),
        "rb_school": make_site("SD RB", RAWA_BUNGA, types=("sd", "smp")),
        "km_draft": make_site("Puskesmas KM", KAMPUNG_MELAYU),
        "menteng_public": make_site("Puskesmas Menteng", MENTENG, public=True),
        "menteng_draft": make_site("Puskesmas Menteng Draf", MENTENG),
        "menteng_closed": make_site(
            "Puskesmas Menteng Tutup", MENTENG, public=True, operating_status="closed"
        ),
    }


def names(qs):
    return sorted(qs.values_list("name", flat=True))


def test_it_shows_public_sites_to_every_signed_in_user(sites, nobody):
    assert names(Site.objects.visible_to(nobody)) == ["Puskesmas Menteng"]


def test_it_shows_nothing_to_a_signed_out_user(sites):
    assert not Site.objects.visible_to(AnonymousUser()).exists()
    assert not selectors.links_visible_to(AnonymousUser()).exists()


def test_it_adds_the_territory_for_lurah_and_camat(sites, lurah, camat):
    assert names(Site.objects.visible_to(lurah)) == [
        "Puskesmas Menteng",
        "Puskesmas RB",
        "SD RB",
    ]
    assert names(Site.objects.visible_to(camat)) == [
        "Puskesmas KM",
        "Puskesmas Menteng",
        "Puskesmas RB",
        "SD RB",
    ]


def test_it_adds_the_sector_for_suku_dinas_without_duplicate_rows(sites, sudinkes, sudindik):
    assert names(Site.objects.visible_to(sudinkes)) == [
        "Puskesmas KM",
        "Puskesmas Menteng",
        "Puskesmas RB",
    ]
    # SD RB has two types of the education sector: it must come back once.
    visible = list(Site.objects.visible_to(sudindik).values_list("name", flat=True))
    assert sorted(visible) == ["Puskesmas Menteng", "SD RB"]


def test_it_shows_the_province_everything(sites, provinsi):
    assert Site.objects.visible_to(provinsi).count() == len(sites)


def test_it_lets_only_territorial_roles_change(sites, lurah, camat, sudinkes, provinsi, nobody):
    assert names(Site.objects.editable_by(lurah)) == ["Puskesmas RB", "SD RB"]
    assert names(Site.objects.editable_by(camat)) == [
        "Puskesmas KM",
        "Puskesmas RB",
        "SD RB",
    ]
    for user in (sudinkes, provinsi, nobody):
        assert not Site.objects.editable_by(user).exists()
    assert selectors.site_may_change(lurah, sites["rb_draft"])
    assert not selectors.site_may_change(lurah, sites["menteng_public"])


def test_it_shows_links_touching_the_users_area_or_between_public_sites(
    sites, lurah, lurah_other, nobody
):
    mine = make_link(sites["rb_draft"], sites["menteng_public"])
    public = make_link(
        sites["menteng_public"], make_site("SD Menteng", MENTENG, types=("sd",), public=True)
    )
    hidden = make_link(sites["menteng_draft"], sites["menteng_public"])
    assert set(selectors.links_visible_to(lurah)) == {mine, public}
    assert set(selectors.links_visible_to(lurah_other)) == {public}
    assert set(selectors.links_visible_to(nobody)) == {public}
    assert hidden not in selectors.links_visible_to(lurah)


def test_it_finds_sites_within_a_radius_in_metres():
    origin = point_in(RAWA_BUNGA)
    near = make_site("Dekat", location=point_in(RAWA_BUNGA, dx_m=60))
    make_site("Jauh", location=point_in(RAWA_BUNGA, dx_m=160))
    diagonal = make_site("Serong", location=point_in(RAWA_BUNGA, dx_m=60, dy_m=60))
    found = selectors.sites_near(origin, 100)
    assert [s for s, _ in found] == [near, diagonal]
    assert 55 < found[0][1] < 65 and 80 < found[1][1] < 90


def test_it_flags_a_similar_name_of_the_same_type_nearby_as_a_duplicate(lurah):
    from tests.factories import service_type

    existing = make_site("Puskesmas Kelurahan Rawa Bunga", location=point_in(RAWA_BUNGA, dx_m=40))
    make_site("RPTRA Rawa Bunga", types=("rptra",), location=point_in(RAWA_BUNGA, dx_m=10))
    make_site("Puskesmas Rawa Bunga", types=("puskesmas",), location=point_in(RAWA_BUNGA, dx_m=400))
    found = selectors.site_likely_duplicates(
        user=lurah,
        name="PUSKESMAS KEL. RAWA BUNGA",
        type_ids=[service_type("puskesmas").pk],
        point=point_in(RAWA_BUNGA),
    )
    assert [s for s, _ in found.visible] == [existing] and found.hidden == 0
    assert not selectors.site_likely_duplicates(
        user=lurah,
        name="Puskesmas Kampung Melayu",
        type_ids=[service_type("puskesmas").pk],
        point=point_in(RAWA_BUNGA),
    )


def test_it_orders_link_candidates_nearest_first_and_searches_by_name(lurah):
    site = make_site("Puskesmas RB")
    far = make_site("Posyandu Jauh", location=point_in(RAWA_BUNGA, dx_m=300))
    near = make_site("Posyandu Dekat", location=point_in(RAWA_BUNGA, dx_m=50))
    public_far = make_site("SD Menteng", MENTENG, types=("sd",), public=True)
    make_site("Draf Menteng", MENTENG)
    got = [s for s, _ in selectors.link_candidates(lurah, site)]
    assert got == [near, far, public_far]
    assert [s for s, _ in selectors.link_candidates(lurah, site, "menteng")] == [public_far]


def test_it_scopes_region_choices(lurah, sudinkes, nobody):
    assert [c for c, _ in selectors.region_choices_for(lurah)] == [RAWA_BUNGA]
    codes = [c for c, _ in selectors.region_choices_for(sudinkes)]
    assert codes and all(c.startswith("31.75.") for c in codes)
    assert selectors.region_choices_for(nobody) == []


@pytest.mark.parametrize(
    ("a", "b", "similar"),
    [
        ("Posyandu Melati", "POSYANDU MELATI", True),
        ("Puskesmas Kel. Rawa Bunga", "Puskesmas Kelurahan Rawa Bunga", True),
        ("SDN Rawa Bunga 01 Pagi", "SDN Rawa Bunga 1 Pagi", True),
        ("SDN Rawa Bunga 01 Pagi", "SDN Rawa Bunga 02 Pagi", False),
        ("Posyandu Melati", "Posyandu Mawar", False),
        ("RPTRA Citra Permata", "Puskesmas Rawa Bunga", False),
    ],
)
def test_it_compares_names_for_duplicates(a, b, similar):
    assert selectors.names_similar(a, b) is similar

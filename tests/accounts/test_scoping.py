"""The scoping module for every role: a grid of users x regions x rights."""

import pytest

from accounts import scoping
from accounts.models import Sector
from regions.models import Region

pytestmark = pytest.mark.django_db

RB = "31.75.03.1004"  # Rawa Bunga, Jatinegara, Jakarta Timur
KM = "31.75.03.1001"  # Kampung Melayu, Jatinegara
CAKUNG_JATINEGARA = "31.75.06.1001"  # the kelurahan named Jatinegara, in Cakung
MENTENG = "31.71.06.1001"  # Jakarta Pusat
JATINEGARA = "31.75.03"
JAKTIM = "31.75"

# persona -> {region: (may_see_private, may_change)} for territory-wide (sector-less) objects
GRID = {
    "lurah": {
        RB: (True, True),
        KM: (False, False),
        JATINEGARA: (False, False),
        CAKUNG_JATINEGARA: (False, False),
        MENTENG: (False, False),
    },
    "camat": {
        RB: (True, True),
        KM: (True, True),
        JATINEGARA: (True, True),
        CAKUNG_JATINEGARA: (False, False),
        MENTENG: (False, False),
        JAKTIM: (False, False),
    },
    "sudinkes": {RB: (False, False), JAKTIM: (False, False), MENTENG: (False, False)},
    "provinsi": {RB: (True, False), MENTENG: (True, False), "31": (True, False)},
    "nobody": {RB: (False, False), "31": (False, False)},
}


@pytest.mark.parametrize(
    ("persona", "region", "expected"),
    [(p, r, e) for p, regions in GRID.items() for r, e in regions.items()],
)
def test_it_grants_territory_by_code_path(request, persona, region, expected):
    user = request.getfixturevalue(persona)
    got = (
        scoping.may_see_private(user, region_code=region),
        scoping.may_change(user, region_code=region),
    )
    assert got == expected


def test_the_cakung_jatinegara_is_not_the_kecamatan_jatinegara():
    # Names clash; codes do not.
    assert Region.objects.get(code=CAKUNG_JATINEGARA).name == "Jatinegara"
    assert not CAKUNG_JATINEGARA.startswith(JATINEGARA + ".")


@pytest.mark.parametrize(
    ("persona", "sector", "region", "see", "review"),
    [
        ("sudinkes", "kesehatan", RB, True, True),
        ("sudinkes", "pendidikan", RB, False, False),  # a health officer never verifies a school
        ("sudinkes", "kesehatan", MENTENG, False, False),  # another kota
        ("sudindik", "pendidikan", RB, True, True),
        ("sudindik", "kesehatan", RB, False, False),
        ("sudinkes_pusat", "kesehatan", MENTENG, True, True),
        ("sudinkes_pusat", "kesehatan", RB, False, False),
        ("lurah", "kesehatan", RB, True, False),  # lurah sees, never reviews
        ("camat", "pendidikan", KM, True, False),
        ("provinsi", "kesehatan", RB, True, False),
        ("nobody", "kesehatan", RB, False, False),
    ],
)
def test_it_limits_officers_to_their_sector_and_kota(request, persona, sector, region, see, review):
    user = request.getfixturevalue(persona)
    sector_id = Sector.objects.get(code=sector).pk
    assert scoping.may_see_private(user, region_code=region, sector_ids=[sector_id]) is see
    assert scoping.may_review(user, region_code=region, sector_ids=[sector_id]) is review
    # Officers keep nobody's sites: reviewing is not changing.
    if persona.startswith("sudin"):
        assert not scoping.may_change(user, region_code=region, sector_ids=[sector_id])


def test_region_q_filters_querysets_by_whole_code_parts(camat):
    q = scoping.region_q(camat, scoping.Right.CHANGE, region_field="code")
    codes = set(Region.objects.filter(q).values_list("code", flat=True))
    assert JATINEGARA in codes and RB in codes and KM in codes
    assert all(c == JATINEGARA or c.startswith(JATINEGARA + ".") for c in codes)
    assert len(codes) == 1 + 8  # the kecamatan and its eight kelurahan


def test_it_fails_closed_without_assignments(nobody, client):
    q = scoping.region_q(nobody, scoping.Right.SEE_PRIVATE, region_field="code")
    assert not Region.objects.filter(q).exists()


def test_an_inactive_user_has_no_grants(lurah):
    lurah.is_active = False
    assert scoping.grants_for(lurah) == ()


def test_sector_grants_cover_nothing_without_a_sector_field(sudinkes):
    q = scoping.region_q(sudinkes, scoping.Right.SEE_PRIVATE, region_field="code")
    assert not Region.objects.filter(q).exists()


def test_a_user_may_hold_several_assignments(lurah):
    from accounts.models import Assignment, Role

    Assignment.objects.create(user=lurah, role=Role.LURAH, region_id=KM)
    lurah = type(lurah).objects.get(pk=lurah.pk)  # drop the cached grants
    assert scoping.may_change(lurah, region_code=RB)
    assert scoping.may_change(lurah, region_code=KM)
    assert not scoping.may_change(lurah, region_code=MENTENG)

"""The synthetic national data set (generate_synthetic), on a tiny scale.

PostGIS only by design (it writes through PostgreSQL COPY); on SpatiaLite the command
must refuse clearly, which is tested there instead.
"""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from kawasan.models import Membership
from scoring import services, synthetic
from scoring.models import KawasanScore
from sites.models import Site

POSTGIS = connection.vendor == "postgresql"
needs_postgis = pytest.mark.skipif(
    not POSTGIS, reason="generate_synthetic writes through PostgreSQL COPY: PostGIS only"
)
TINY = {"limit_kawasan": 60, "sites": 600, "links": 1200, "no_load_regions": True}


def generate(**options):
    call_command("generate_synthetic", verbosity=0, **{**TINY, **options})


def scored_checksum() -> tuple[int, str]:
    ids = list(synthetic.synthetic_kawasan().values_list("pk", flat=True))
    run = services.scores_recompute(kawasan_ids=ids)
    assert run.error_count == 0, run.errors
    return run.kawasan_count, synthetic.scores_checksum()


@needs_postgis
@pytest.mark.django_db
def test_it_generates_the_same_data_and_scores_for_the_same_seed():
    generate(seed=7)
    first = synthetic.synthetic_counts()
    stored, first_checksum = scored_checksum()

    generate(seed=7, reset=True)
    second = synthetic.synthetic_counts()
    _stored, second_checksum = scored_checksum()

    assert first == second
    assert first["kawasan"] == 60
    assert 400 <= first["sites"] <= 800  # about 10 per kawasan
    assert first["memberships"] == first["sites"]
    assert 1.6 <= first["links"] / first["sites"] <= 2.2  # about 2 per site
    assert first_checksum == second_checksum
    # One stored score per synthetic kawasan.
    kawasan = synthetic.synthetic_kawasan()
    assert stored == 60
    assert KawasanScore.objects.filter(kawasan__in=kawasan).count() == 60

    generate(seed=8, reset=True)
    scored_checksum()
    assert synthetic.scores_checksum() != first_checksum


@needs_postgis
@pytest.mark.django_db
def test_it_does_nothing_when_the_same_seed_is_already_there_and_refuses_another():
    generate(seed=3)
    before = synthetic.synthetic_counts()

    generate(seed=3)  # a second run without --reset
    assert synthetic.synthetic_counts() == before

    with pytest.raises(CommandError, match="--reset"):
        generate(seed=4)


@needs_postgis
@pytest.mark.django_db
def test_it_builds_a_plausible_kawasan_and_removes_only_what_it_made():
    real = Site.objects.count()
    generate(seed=11, limit_kawasan=20, sites=400, links=800)
    kawasan = synthetic.synthetic_kawasan()
    sites = synthetic.synthetic_sites()

    assert kawasan.filter(hub__isnull=False).count() == 20
    for k in kawasan.select_related("hub"):
        # The hub is a member, and members lie in the kawasan's kelurahan.
        assert Membership.objects.filter(kawasan=k, site=k.hub).exists()
        assert not k.members.exclude(kelurahan_id=k.region_id).exists()
    assert not sites.filter(types__isnull=True).exists()
    assert not sites.filter(review_state="verified", verified_at__isnull=True).exists()
    assert sites.values("review_state").distinct().count() >= 4

    call_command("generate_synthetic", remove=True, verbosity=0)
    assert not synthetic.synthetic_exists()
    assert Site.objects.count() == real


def test_it_derives_a_stable_pseudo_centroid_inside_indonesia_from_the_code():
    aceh = synthetic.pseudo_centroid("11.01.01.2001")
    assert aceh == synthetic.pseudo_centroid("11.01.01.2001")
    assert aceh != synthetic.pseudo_centroid("11.01.01.2002")
    for code in ("11.01.01.2001", "53.71.01.1001", "91.01.01.2001", "99.01.01.2001"):
        lat, lon = synthetic.pseudo_centroid(code)
        assert -12 < lat < 7 and 94 < lon < 142, code


@pytest.mark.skipif(POSTGIS, reason="the refusal is for databases other than PostGIS")
@pytest.mark.django_db
def test_it_refuses_clearly_on_spatialite():
    with pytest.raises(CommandError, match="PostGIS"):
        generate(seed=1)
    assert not Site.objects.filter(source=synthetic.SOURCE).exists()

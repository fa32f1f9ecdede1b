"""A new site's score does not depend on the order the signal receivers run in.

site_created is received by kawasan (the site joins its base kawasan:
kawasan.services.base_kawasan_site_add), which announces the membership with kawasan_changed,
which scoring receives. Django calls receivers in the order they were connected (app order
in INSTALLED_APPS today); nothing may rely on it, so both orders must give the same score.
"""

from contextlib import contextmanager

import pytest

from kawasan.models import Kawasan, Membership
from kawasan.signals import kawasan_changed
from scoring import services
from scoring.models import KawasanScore
from sites.models import Site
from sites.signals import link_changed, site_changed, site_created
from tests.scoring.conftest import RAWA_BUNGA, make_site

SIGNALS = (site_created, site_changed, link_changed, kawasan_changed)


@contextmanager
def receivers_reversed(signals):
    """Every receiver of these signals called in the reverse of the connection order."""
    saved = {}
    for signal in signals:
        with signal.lock:
            saved[signal] = list(signal.receivers)
            signal.receivers.reverse()
            signal.sender_receivers_cache.clear()
    try:
        yield
    finally:
        for signal, receivers in saved.items():
            with signal.lock:
                signal.receivers[:] = receivers
                signal.sender_receivers_cache.clear()


@contextmanager
def as_connected(signals):
    yield


@pytest.mark.django_db
@pytest.mark.parametrize("order", [as_connected, receivers_reversed])
def test_a_new_site_is_scored_in_its_base_kawasan_whatever_the_receiver_order(
    order, django_capture_on_commit_callbacks
):
    puskesmas = make_site("puskesmas", north_m=200)
    base = Kawasan.objects.create(name="Kawasan Rawa Bunga", region_id=RAWA_BUNGA, is_base=True)
    Membership.objects.create(kawasan=base, site=puskesmas)
    services.scores_recompute()
    assert KawasanScore.objects.get(kawasan=base).member_count == 1

    rptra = make_site("rptra")
    with order(SIGNALS), django_capture_on_commit_callbacks(execute=True):
        site_created.send(sender=Site, site=rptra, user=None)

    base.refresh_from_db()
    assert set(base.members.values_list("pk", flat=True)) == {puskesmas.pk, rptra.pk}
    assert base.hub == rptra
    score = KawasanScore.objects.get(kawasan=base)
    assert score.member_count == 2
    # The very score a recompute from scratch gives now.
    services.scores_recompute(kawasan_ids=[base.pk])
    assert KawasanScore.objects.get(kawasan=base).total == score.total


@pytest.mark.django_db
@pytest.mark.parametrize("order", [as_connected, receivers_reversed])
def test_a_new_site_of_a_kelurahan_without_base_kawasan_is_scored_in_the_new_one(
    order, django_capture_on_commit_callbacks
):
    puskesmas = make_site("puskesmas", north_m=200)
    rptra = make_site("rptra")
    with order(SIGNALS), django_capture_on_commit_callbacks(execute=True):
        site_created.send(sender=Site, site=rptra, user=None)

    base = Kawasan.objects.get(is_base=True, region_id=RAWA_BUNGA)
    assert set(base.members.values_list("pk", flat=True)) == {puskesmas.pk, rptra.pk}
    assert KawasanScore.objects.get(kawasan=base).member_count == 2

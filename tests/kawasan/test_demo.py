"""The Rawa Bunga demo kawasan on the real imported sites."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from demo.kawasan import DEMO_NAME, DemoDataMissing, demo_kawasan_create
from kawasan.models import Kawasan
from kawasan.signals import kawasan_changed
from sites.importing.readers import SOURCE_PUSKESMAS, SOURCE_RPTRA
from sites.models import Site, SiteLink
from sites.signals import link_changed

pytestmark = pytest.mark.django_db

RAWA_BUNGA = "31.75.03.1004"


def test_it_builds_the_demo_kawasan_on_real_sites(imported):
    report = demo_kawasan_create()
    kawasan = report.kawasan
    assert (kawasan.name, kawasan.region_id, kawasan.is_demo, kawasan.is_base) == (
        DEMO_NAME,
        RAWA_BUNGA,
        True,
        False,
    )
    assert kawasan.hub.name == "RPTRA Citra Permata"
    members = set(kawasan.members.values_list("pk", flat=True))
    in_rawa_bunga = set(Site.objects.filter(kelurahan_id=RAWA_BUNGA).values_list("pk", flat=True))
    pkc = Site.objects.get(source=SOURCE_PUSKESMAS, name="Puskesmas Kecamatan Jatinegara")
    assert pkc.kelurahan_id != RAWA_BUNGA
    assert members == in_rawa_bunga | {pkc.pk}
    assert {"puskesmas", "rptra", "sd", "smp", "sma"} <= set(
        kawasan.members.values_list("types__code", flat=True)
    )


def test_it_links_the_demo_sites_with_demo_links_both_ends_members(imported):
    kawasan = demo_kawasan_create().kawasan
    links = SiteLink.objects.filter(is_demo=True)
    assert links.count() == 4
    assert set(links.values_list("kind", flat=True)) == {"referral", "joint_programme", "outreach"}
    members = set(kawasan.members.values_list("pk", flat=True))
    for link in links:
        assert link.site_a_id < link.site_b_id
        assert {link.site_a_id, link.site_b_id} <= members
    hub = Site.objects.get(source=SOURCE_RPTRA, source_id="267")
    assert links.filter(site_a=hub).count() + links.filter(site_b=hub).count() == 2


def test_it_adds_nothing_when_run_again(imported):
    demo_kawasan_create()
    again = demo_kawasan_create()
    assert (again.members_added, again.links_created) == (0, 0)
    assert Kawasan.objects.filter(name=DEMO_NAME).count() == 1
    assert SiteLink.objects.filter(is_demo=True).count() == 4


def test_it_asks_for_the_import_when_the_sites_are_missing(imported):
    Site.objects.filter(source=SOURCE_RPTRA, source_id="267").delete()
    with pytest.raises(DemoDataMissing, match="import_sites"):
        demo_kawasan_create()


def test_it_refuses_under_production_settings(imported, settings):
    settings.KALTARA_ALLOW_DEMO = False
    with pytest.raises(ImproperlyConfigured):
        demo_kawasan_create()


def test_it_tells_scoring_what_changed_only_when_something_did(imported):
    seen = []

    def listener(sender, **kwargs):
        seen.append(kwargs.get("kawasan") or kwargs.get("link"))

    kawasan_changed.connect(listener)
    link_changed.connect(listener)
    try:
        demo_kawasan_create()
        assert len(seen) == 5  # four new links and the new kawasan
        seen.clear()
        demo_kawasan_create()
        assert seen == []
    finally:
        kawasan_changed.disconnect(listener)
        link_changed.disconnect(listener)

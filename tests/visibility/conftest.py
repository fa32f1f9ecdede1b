"""A world with private work in other areas and sectors, named so a leak is easy to see.

Every secret is a string that only some users may read. Which users is not written here:
it is asked of the one visibility rule (Site.objects.visible_to for a site's name and
details, Site.objects.private_to for its pending work), so the matrices test that every
surface follows that rule, not a list of expectations kept by hand.
"""

from dataclasses import dataclass, field

import pytest
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile

from api import services as api_services
from kawasan.models import Kawasan, Membership
from sites import services as site_services
from sites.models import PendingChange, Site, SiteLink
from sites.review import pending
from tests.conftest import JAKARTA_TIMUR, KAMPUNG_MELAYU, MENTENG, RAWA_BUNGA, make_user
from tests.factories import make_link, make_site
from tests.sites.reviewkit import verified_site

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# "dual" holds two grants: lurah of Kampung Melayu and education officer of Jakarta Pusat.
PERSONAS = [
    "lurah",
    "lurah_other",
    "camat",
    "sudinkes",
    "sudindik",
    "provinsi",
    "nobody",
    "dual",
]


@dataclass
class Secret:
    text: str
    site: Site
    pending: bool = False  # pending work on the site: needs its private scope

    def readable_by(self, user) -> bool:
        scope = Site.objects.private_to(user) if self.pending else Site.objects.visible_to(user)
        return scope.filter(pk=self.site.pk).exists()


@dataclass
class World:
    users: dict
    sites: list = field(default_factory=list)
    kawasans: list = field(default_factory=list)
    links: list = field(default_factory=list)
    documents: list = field(default_factory=list)
    pending_changes: list = field(default_factory=list)
    exports: list = field(default_factory=list)
    tokens: list = field(default_factory=list)  # one personal API token per persona
    dry_runs: list = field(default_factory=list)  # spreadsheet dry-run tokens (their owner's)
    secrets: list = field(default_factory=list)
    area_codes: tuple = (RAWA_BUNGA, KAMPUNG_MELAYU, "31.75.03", MENTENG)
    kawasan: Kawasan | None = None

    def forbidden_for(self, user) -> list[str]:
        return [s.text for s in self.secrets if not s.readable_by(user)]


def _dual():
    from accounts.models import Assignment, Role, Sector

    user = make_user("dual", Role.LURAH, KAMPUNG_MELAYU)
    Assignment.objects.create(
        user=user, role=Role.SUDIN, region_id="31.71", sector=Sector.objects.get(code="pendidikan")
    )
    return user


@pytest.fixture
def world(lurah, lurah_other, camat, sudinkes, sudindik, provinsi, nobody, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # documents and exports of the world
    users = {
        "lurah": lurah,
        "lurah_other": lurah_other,
        "camat": camat,
        "sudinkes": sudinkes,
        "sudindik": sudindik,
        "provinsi": provinsi,
        "nobody": nobody,
        "dual": _dual(),
    }
    w = World(users=users)
    # Drafts: Kampung Melayu (same kecamatan as Rawa Bunga) and Menteng (another kota).
    draft_km = make_site("RAHASIA Draf Posyandu KM", KAMPUNG_MELAYU, types=("posyandu",))
    draft_menteng = make_site("RAHASIA Draf SD Menteng", MENTENG, types=("sd",))
    # A draft school right at Rawa Bunga's public RPTRA: private to Rawa Bunga's keepers
    # and the education sector.
    rptra = verified_site("RPTRA Publik Rawa Bunga", RAWA_BUNGA, types=("rptra",))
    near = Point(rptra.location.x + 0.0002, rptra.location.y, srid=4326)
    draft_rb = make_site("RAHASIA Draf SD RB", RAWA_BUNGA, types=("sd",), location=near)
    puskesmas = verified_site("Puskesmas Publik Rawa Bunga", RAWA_BUNGA)
    w.sites = [draft_km, draft_menteng, rptra, draft_rb, puskesmas]
    w.secrets += [
        Secret("RAHASIA Draf Posyandu KM", draft_km),
        Secret("RAHASIA Draf SD Menteng", draft_menteng),
        Secret("RAHASIA Draf SD RB", draft_rb),
    ]
    # Pending work on a public site: a proposed name, a document title (lurah of RB).
    site_services.site_update(
        user=lurah,
        site=puskesmas,
        data={"name": "RAHASIA Usulan Nama Puskesmas", "reason": "RAHASIA alasan usulan"},
        version=puskesmas.version,
    )
    w.pending_changes = list(PendingChange.objects.filter(site=puskesmas))
    puskesmas.refresh_from_db()
    pending_doc = pending.pending_change_document_add(
        user=lurah,
        site=puskesmas,
        kind="sk",
        title="RAHASIA Dokumen Usulan",
        file=SimpleUploadedFile("usulan.pdf", PDF),
    )
    live_doc = site_services.site_document_add(
        user=lurah_other,
        site=draft_km,
        kind="sk",
        title="RAHASIA Dokumen Draf KM",
        file=SimpleUploadedFile("km.pdf", PDF),
    )
    w.documents = [pending_doc, live_doc]
    w.secrets += [
        Secret("RAHASIA Usulan Nama Puskesmas", puskesmas, pending=True),
        Secret("RAHASIA Dokumen Usulan", puskesmas, pending=True),
        Secret("RAHASIA Dokumen Draf KM", draft_km),
    ]
    # A draft linked to a public site: the public site's page and history must not name it.
    w.links.append(make_link(draft_km, rptra))
    w.links.append(make_link(rptra, puskesmas))
    # A kawasan in Kampung Melayu whose hub is its draft, with a public member from RB.
    kawasan = Kawasan.objects.create(name="Kawasan Uji KM", region_id=KAMPUNG_MELAYU)
    Membership.objects.create(kawasan=kawasan, site=draft_km)
    Membership.objects.create(kawasan=kawasan, site=rptra)
    kawasan.hub = draft_km
    kawasan.save()
    # Rawa Bunga's kawasan, where the camat made Kampung Melayu's draft a member and the hub:
    # the lurah of Rawa Bunga opens its pages, report and dashboard, and must not read it.
    rb = Kawasan.objects.create(name="Kawasan Uji RB", region_id=RAWA_BUNGA)
    for site in (rptra, puskesmas, draft_rb, draft_km):
        Membership.objects.create(kawasan=rb, site=site)
    rb.hub = draft_km
    rb.save()
    w.kawasan = kawasan
    w.kawasans = [kawasan, rb]
    assert SiteLink.objects.count() == 2
    # Each persona's API token: its revoke page exists for its owner only (404 to others).
    w.tokens = [
        api_services.token_create(user=user, name=f"Token {persona}").token
        for persona, user in users.items()
    ]
    return w


@pytest.fixture
def persona_users(world):
    return world.users


def other_user(username, role, region, sector=None):
    return make_user(username, role, region, sector)


__all__ = ["JAKARTA_TIMUR", "PERSONAS", "Secret", "World"]

"""The demo kawasan: Kaltara's pilot Rawa Bunga, built on the real imported sites.

Only the kawasan and its links are demo data; the sites are the real ones the import placed
in Rawa Bunga, plus the kecamatan puskesmas of Jatinegara, which lies in Bali Mester.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.translation import gettext as _

from demo.users import demo_allowed
from kawasan.models import Kawasan, Membership
from kawasan.signals import kawasan_changed
from sites.importing.readers import SOURCE_PUSKESMAS, SOURCE_RPTRA, SOURCE_SCHOOLS
from sites.models import LinkKind, OperatingStatus, Site, SiteLink
from sites.signals import link_changed

DEMO_NAME = "Kaltara Rawa Bunga (demo)"
RAWA_BUNGA = "31.75.03.1004"

# The real sites the demo leans on, by (source, source_id) as the import stores them.
HUB = (SOURCE_RPTRA, "267")  # RPTRA Citra Permata
PUSKESMAS_KELURAHAN = (SOURCE_PUSKESMAS, "399")  # Puskesmas Kelurahan Rawabunga
PUSKESMAS_KECAMATAN = (SOURCE_PUSKESMAS, "140")  # Puskesmas Kecamatan Jatinegara
SD = (SOURCE_SCHOOLS, "20108657")  # SDN Rawa Bunga 01 Pg.
SMP = (SOURCE_SCHOOLS, "20103595")  # SMP Negeri 62

# (site, site, kind, start, note)
DEMO_LINKS = [
    (
        PUSKESMAS_KELURAHAN,
        HUB,
        LinkKind.OUTREACH,
        datetime.date(2023, 3, 1),
        "Demo: posyandu dan pemeriksaan kesehatan anak di RPTRA setiap bulan",
    ),
    (
        HUB,
        SD,
        LinkKind.JOINT_PROGRAMME,
        datetime.date(2023, 7, 17),
        "Demo: kegiatan literasi dan bermain bersama siswa di RPTRA",
    ),
    (
        SMP,
        PUSKESMAS_KELURAHAN,
        LinkKind.REFERRAL,
        datetime.date(2024, 1, 8),
        "Demo: rujukan UKS dan konseling remaja ke puskesmas",
    ),
    (
        PUSKESMAS_KELURAHAN,
        PUSKESMAS_KECAMATAN,
        LinkKind.REFERRAL,
        datetime.date(2024, 2, 5),
        "Demo: rujukan kasus kekerasan terhadap anak ke puskesmas kecamatan",
    ),
]


class DemoDataMissing(Exception):
    """The real sites the demo needs are not imported yet."""


@dataclass
class DemoKawasanReport:
    kawasan: Kawasan
    members_added: int
    links_created: int


@transaction.atomic
def demo_kawasan_create() -> DemoKawasanReport:
    """Create or refresh the Rawa Bunga demo kawasan; running it again adds nothing."""
    if not demo_allowed():
        raise ImproperlyConfigured("Data demo tidak boleh dibuat dengan pengaturan produksi.")
    keys = {HUB, PUSKESMAS_KELURAHAN, PUSKESMAS_KECAMATAN, SD, SMP}
    sites = {
        (s.source, s.source_id): s
        for s in Site.objects.filter(
            source__in={k[0] for k in keys}, source_id__in={k[1] for k in keys}
        ).only("pk", "source", "source_id")
    }
    missing = sorted(f"{source} {source_id}" for source, source_id in keys - set(sites))
    if missing:
        raise DemoDataMissing(
            _("Situs untuk kawasan demo belum diimpor (%(ids)s). Jalankan import_sites dulu.")
            % {"ids": ", ".join(missing)}
        )

    kawasan, created = Kawasan.objects.update_or_create(
        name=DEMO_NAME,
        region_id=RAWA_BUNGA,
        is_demo=True,
        defaults={"hub": sites[HUB], "is_base": False},
    )
    member_ids = set(
        Site.objects.filter(kelurahan_id=RAWA_BUNGA, is_demo=False)
        .exclude(operating_status=OperatingStatus.CLOSED)
        .values_list("pk", flat=True)
    )
    member_ids |= {sites[HUB].pk, sites[PUSKESMAS_KECAMATAN].pk}
    present = set(kawasan.memberships.values_list("site_id", flat=True))
    new = [Membership(kawasan=kawasan, site_id=pk) for pk in sorted(member_ids - present)]
    Membership.objects.bulk_create(new)

    links_created = 0
    for one, other, kind, start, note in DEMO_LINKS:
        a, b = sorted([sites[one].pk, sites[other].pk])
        # One active link per pair and kind: an existing one (demo or real) is kept as it is.
        link, link_created = SiteLink.objects.get_or_create(
            site_a_id=a,
            site_b_id=b,
            kind=kind,
            end_date=None,
            defaults={"start_date": start, "note": note, "is_demo": True},
        )
        if link_created:
            links_created += 1
            # Scoring follows these signals (it recomputes after commit).
            link_changed.send(sender=SiteLink, link=link, user=None)
    if created or new:
        kawasan_changed.send(sender=Kawasan, kawasan=kawasan, user=None)
    return DemoKawasanReport(kawasan=kawasan, members_added=len(new), links_created=links_created)

"""The hospital service type ("rumah-sakit", cluster III), for the Jakarta Satu hospital points.

The kelurahan offices of the same source need no new type: they are imported as the
catalogue's birth-certificate service point ("akta-kelahiran", cluster I, sector Dukcapil,
which accounts/migrations/0002_sectors.py already has), the type the scoring policy expects
in cluster I. A second type for the same service would leave them outside that expectation.

Like 0002_catalogue, it restores the shipped values of what it ships (update_or_create) and
never deletes what staff added. Hospitals are referral ends for puskesmas, not a service
every kawasan is expected to hold, so no policy lists the type: it adds nothing to coverage
and counts for connectivity and proximity like SMA or LKSA.
"""

from django.db import migrations

CODE = "rumah-sakit"
NAME = "Rumah sakit"
SECTOR = "kesehatan"
CLUSTERS = ["III"]
INDICATORS = [11]  # births in health facilities
ICON, COLOR = "RS", "#be123c"
DESCRIPTION = (
    "Rumah sakit sebagai tujuan rujukan puskesmas; RSIA (ibu dan anak) dan RSUD didahulukan. "
    "Ramah anak: menerima rujukan berjenjang dan mengirim rujukan balik, layanan persalinan "
    "dan bayi baru lahir, ruang laktasi, ruang tunggu ramah anak, kawasan tanpa rokok dan "
    "layanan bagi anak korban kekerasan."
)
CHECKLIST = [
    ("rujukan-berjenjang", "Menerima rujukan dari puskesmas dan mengirim rujukan balik"),
    ("persalinan", "Layanan persalinan dan perawatan bayi baru lahir"),
    ("pojok-laktasi", "Pojok atau ruang laktasi"),
    ("ruang-tunggu", "Ruang tunggu / ruang bermain ramah anak"),
    ("tanpa-rokok", "Kawasan tanpa rokok"),
    ("korban-kekerasan", "Layanan terpadu bagi anak korban kekerasan"),
]
ORDER = 45  # after the other health types of 0002_catalogue (puskesmas 20 ... laktasi 40)


def forwards(apps, schema_editor):
    Sector = apps.get_model("accounts", "Sector")
    Cluster = apps.get_model("clusters", "Cluster")
    Indicator = apps.get_model("clusters", "Indicator")
    ServiceType = apps.get_model("services", "ServiceType")
    ChecklistItem = apps.get_model("services", "ChecklistItem")
    service_type, _ = ServiceType.objects.update_or_create(
        code=CODE,
        defaults={
            "name": NAME,
            "sector": Sector.objects.get(code=SECTOR),
            "description": DESCRIPTION,
            "icon": ICON,
            "color": COLOR,
            "order": ORDER,
        },
    )
    service_type.clusters.set(Cluster.objects.filter(code__in=CLUSTERS))
    service_type.indicators.set(
        Indicator.objects.filter(indicator_set__code="kla-24", number__in=INDICATORS)
    )
    for item_order, (item_code, text) in enumerate(CHECKLIST, start=1):
        ChecklistItem.objects.update_or_create(
            service_type=service_type,
            code=item_code,
            defaults={"text": text, "order": item_order * 10},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("services", "0005_pending_change_sectors"),
        ("accounts", "0002_sectors"),
        ("clusters", "0002_clusters_indicators"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

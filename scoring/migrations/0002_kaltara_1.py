"""The first scoring policy, "Kaltara 1" (docs/scoring.md), active from the start.

The parameters are copied here, not imported from scoring.policy: a migration must replay
the same way forever, while DEFAULT_POLICY may evolve (a later version is a new policy row).
tests/scoring/test_models.py checks that this copy matches policy.DEFAULT_POLICY.
"""

from django.db import migrations
from django.utils import timezone

KALTARA_1 = {
    "version": "kaltara-1",
    "weight_coverage": 0.45,
    "weight_connectivity": 0.3,
    "weight_proximity": 0.15,
    "weight_freshness": 0.1,
    "hub_distance_m": 1000.0,
    "freshness_days": 365,
    "connectivity_edge_share": 0.6,
    "band_below": "Belum",
    "hub_type": "rptra",
    "expected": {
        "I": [["perpustakaan", 1], ["forum-anak", 1], ["akta-kelahiran", 1]],
        "II": [["rptra", 1], ["puspaga", 1], ["daycare", 1]],
        "III": [["puskesmas", 1], ["posyandu", 2], ["ruang-laktasi", 1]],
        "IV": [["sd", 2], ["smp", 1], ["paud", 1], ["rumah-ibadah", 1], ["rptra", 1]],
        "V": [["pos-pengaduan", 1], ["patbm", 1]],
    },
    "site_weights": {
        "verified": 1.0,
        "verified_stale": 0.6,
        "submitted": 0.5,
        "registered": 0.25,
        "draft": 0.0,
        "returned": 0.0,
    },
    "bands": [
        [500.0, "Pratama"],
        [601.0, "Madya"],
        [701.0, "Nindya"],
        [801.0, "Utama"],
        [901.0, "Paripurna"],
    ],
}


def create_kaltara_1(apps, schema_editor):
    ScoringPolicy = apps.get_model("scoring", "ScoringPolicy")
    if ScoringPolicy.objects.filter(version="kaltara-1").exists():
        return
    # Another policy may already be active only if someone made it by hand first.
    active = not ScoringPolicy.objects.filter(is_active=True).exists()
    ScoringPolicy.objects.create(
        version="kaltara-1",
        name="Kaltara 1",
        params=KALTARA_1,
        is_active=active,
        activated_at=timezone.now() if active else None,
    )


class Migration(migrations.Migration):
    dependencies = [("scoring", "0001_initial")]

    # Reversing leaves the row: stored scores may name it, and 0001's reversal drops the table.
    operations = [migrations.RunPython(create_kaltara_1, migrations.RunPython.noop)]

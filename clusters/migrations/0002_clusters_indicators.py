"""The five KLA clusters plus kelembagaan, and the 24-indicator set (domain.md).

Titles are paraphrased; where public sources leave an indicator's number or wording
uncertain it is marked so and stays editable by provincial staff.
"""

from django.db import migrations

CLUSTERS = [
    ("K", 0, "Penguatan kelembagaan", "Kelembagaan", False),
    ("I", 1, "Hak sipil dan kebebasan", "Hak sipil", True),
    ("II", 2, "Lingkungan keluarga dan pengasuhan alternatif", "Lingkungan keluarga", True),
    ("III", 3, "Kesehatan dasar dan kesejahteraan", "Kesehatan dasar", True),
    ("IV", 4, "Pendidikan, pemanfaatan waktu luang dan kegiatan budaya", "Pendidikan", True),
    ("V", 5, "Perlindungan khusus", "Perlindungan khusus", True),
]

# (number, cluster, title, uncertain)
INDICATORS_24 = [
    (1, "K", "Peraturan daerah tentang KLA", False),
    (2, "K", "Pelembagaan KLA (gugus tugas, rencana aksi, profil anak, kecamatan dan kelurahan layak anak)", False),
    (3, "K", "Keterlibatan masyarakat, dunia usaha dan media", False),
    (4, "I", "Anak yang memiliki akta kelahiran", False),
    (5, "I", "Informasi layak anak (PISA, perpustakaan ramah anak)", False),
    (6, "I", "Partisipasi anak (Forum Anak)", False),
    (7, "II", "Pencegahan perkawinan anak", False),
    (8, "II", "Lembaga konsultasi keluarga (PUSPAGA)", False),
    (9, "II", "Lembaga pengasuhan alternatif terstandar (LKSA)", False),
    (10, "II", "Ruang bermain ramah anak dan rute aman ke sekolah", False),
    (11, "III", "Persalinan di fasilitas kesehatan", True),
    (12, "III", "Status gizi balita", True),
    (13, "III", "Pemberian makan bayi dan anak", True),
    (14, "III", "Puskesmas dengan pelayanan ramah anak (PRAP)", True),
    (15, "III", "Air minum dan sanitasi", True),
    (16, "III", "Kawasan tanpa rokok", True),
    (17, "IV", "Pengembangan anak usia dini holistik-integratif (PAUD-HI)", False),
    (18, "IV", "Wajib belajar 12 tahun", False),
    (19, "IV", "Sekolah ramah anak (SRA)", False),
    (20, "IV", "Pusat kreativitas anak (termasuk RPTRA dan masjid ramah anak)", False),
    (21, "V", "Layanan bagi anak korban kekerasan dan eksploitasi", True),
    (22, "V", "Layanan bagi anak korban pornografi, NAPZA dan HIV/AIDS", True),
    (23, "V", "Layanan bagi anak penyandang disabilitas", True),
    (24, "V", "Layanan bagi anak berhadapan dengan hukum", True),
]


def forwards(apps, schema_editor):
    Cluster = apps.get_model("clusters", "Cluster")
    IndicatorSet = apps.get_model("clusters", "IndicatorSet")
    Indicator = apps.get_model("clusters", "Indicator")
    clusters = {}
    for code, order, name, short, has_sites in CLUSTERS:
        clusters[code], _ = Cluster.objects.update_or_create(
            code=code,
            defaults={"order": order, "name": name, "short_name": short, "has_sites": has_sites},
        )
    kla24, _ = IndicatorSet.objects.update_or_create(
        code="kla-24",
        defaults={"name": "Indikator KLA (24 indikator)", "valid_from_year": 2019,
                  "is_current": True},
    )
    for number, cluster, title, uncertain in INDICATORS_24:
        Indicator.objects.update_or_create(
            indicator_set=kla24, number=number,
            defaults={"cluster": clusters[cluster], "title": title, "uncertain": uncertain},
        )


class Migration(migrations.Migration):
    dependencies = [("clusters", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

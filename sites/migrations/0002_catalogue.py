"""The starting catalogue of service types (domain.md), with their checklist items.

Codes are stable: the scoring policy and the site import refer to them. Names, colours,
indicators and checklist items stay editable in the admin afterwards; running this again
restores the shipped values (update_or_create) but never deletes what staff added.
"""

from django.db import migrations

# code, name, sector, clusters, indicator numbers (24-indicator set), icon, colour, description
SERVICE_TYPES = [
    ("rptra", "RPTRA (Ruang Publik Terpadu Ramah Anak)", "ppapp", ["II", "IV"], [10, 20], "R", "#16a34a",
     "Ruang publik terpadu dengan fasilitas sesuai Pergub 123/2017 (balai warga, ruang laktasi, "
     "perpustakaan, toilet ramah disabilitas, lapangan olahraga, taman bermain, CCTV) dan "
     "sertifikasi Ruang Bermain Ramah Anak (RBRA, SNI 9169:2023). Sering menjadi pusat kawasan "
     "dan tuan rumah layanan klaster lain."),
    ("puskesmas", "Puskesmas ramah anak (PRAP)", "kesehatan", ["III"], [14], "P", "#dc2626",
     "Puskesmas dengan pelayanan ramah anak: petugas penanggung jawab terlatih, ruang konseling, "
     "ruang bermain/tunggu, pojok laktasi, kawasan tanpa rokok, rujukan kasus kekerasan dan "
     "partisipasi anak."),
    ("posyandu", "Posyandu", "kesehatan", ["III"], [12, 13], "Py", "#f97316",
     "Pos pelayanan terpadu yang dijalankan kader bersama PKK di RPTRA atau tingkat RW: "
     "penimbangan, imunisasi, pemantauan gizi dan tumbuh kembang balita."),
    ("ruang-laktasi", "Ruang laktasi", "kesehatan", ["III"], [13], "L", "#fb7185",
     "Ruang menyusui dan memerah ASI yang tertutup, bersih dan nyaman, dengan wastafel dan "
     "lemari pendingin ASI."),
    ("sd", "SD", "pendidikan", ["IV"], [18, 19], "SD", "#2563eb",
     "Sekolah dasar yang memenuhi enam komponen Sekolah Ramah Anak (SRA): kebijakan, guru "
     "terlatih, pembelajaran ramah anak, sarana prasarana, partisipasi anak, partisipasi orang "
     "tua dan masyarakat."),
    ("smp", "SMP", "pendidikan", ["IV"], [18, 19], "SMP", "#1d4ed8",
     "Sekolah menengah pertama yang memenuhi enam komponen Sekolah Ramah Anak (SRA)."),
    ("sma", "SMA", "pendidikan", ["IV"], [18, 19], "SMA", "#1e40af",
     "Sekolah menengah atas yang memenuhi enam komponen Sekolah Ramah Anak (SRA)."),
    ("smk", "SMK", "pendidikan", ["IV"], [18, 19], "SMK", "#3730a3",
     "Sekolah menengah kejuruan yang memenuhi enam komponen Sekolah Ramah Anak (SRA)."),
    ("slb", "SLB", "pendidikan", ["IV"], [18, 19], "SLB", "#7c3aed",
     "Sekolah luar biasa (SLB, SDLB, SMPLB, SMLB) yang memenuhi enam komponen Sekolah Ramah Anak "
     "(SRA) dengan layanan bagi anak penyandang disabilitas."),
    ("paud", "PAUD / TK", "pendidikan", ["IV"], [17], "PD", "#0ea5e9",
     "Satuan PAUD holistik-integratif: pendidikan, kesehatan dan gizi, pengasuhan, "
     "perlindungan dan kesejahteraan anak usia dini."),
    ("rumah-ibadah", "Masjid/rumah ibadah ramah anak", "ppapp", ["IV"], [20], "M", "#0d9488",
     "Masjid ramah anak (MRA) atau rumah ibadah lain: pengurus terlatih, fasilitas inklusif, "
     "ruang kreativitas, pojok baca dan kawasan tanpa rokok."),
    ("perpustakaan", "Perpustakaan ramah anak / PISA", "pusip", ["I", "IV"], [5], "Pu", "#a16207",
     "Perpustakaan ramah anak atau Pusat Informasi Sahabat Anak (PISA) sesuai standar: "
     "kebijakan, program, pengelolaan, petugas, sarana dan pemantauan."),
    ("forum-anak", "Forum Anak", "ppapp", ["I"], [6], "FA", "#eab308",
     "Wadah partisipasi anak yang memenuhi kriteria Permen PPPA 3/2025: dibentuk dengan SK, "
     "pengurus dipilih oleh anak, pertemuan rutin dan dilibatkan dalam musrenbang."),
    ("akta-kelahiran", "Layanan akta kelahiran", "dukcapil", ["I"], [4], "A", "#64748b",
     "Titik layanan akta kelahiran yang mudah dijangkau, tanpa biaya, dengan layanan jemput "
     "bola atau terintegrasi di fasilitas kesehatan."),
    # PUSPAGA's premarital counselling also serves child-marriage prevention (indicator 7).
    ("puspaga", "PUSPAGA (Pusat Pembelajaran Keluarga)", "ppapp", ["II"], [7, 8], "PG", "#c026d3",
     "Pusat pembelajaran keluarga dengan psikolog atau konselor profesional dan layanan "
     "pendidikan pengasuhan."),
    ("lksa", "LKSA / panti asuhan", "sosial", ["II"], [9], "LK", "#9333ea",
     "Lembaga kesejahteraan sosial anak yang memenuhi Standar Nasional Pengasuhan Anak dan "
     "terakreditasi."),
    # A taman penitipan anak is formally a non-formal PAUD unit: it evidences PAUD-HI (17).
    ("daycare", "Taman penitipan anak (TPA)", "ppapp", ["II"], [17], "TPA", "#db2777",
     "Tempat penitipan anak dengan pengasuh terlatih, rasio pengasuh memadai, ruang yang aman "
     "dan makanan bergizi."),
    ("pos-pengaduan", "Pos pengaduan / UPT PPPA", "ppapp", ["V"], [21], "PP", "#b91c1c",
     "Pos pengaduan atau layanan UPT PPPA dengan konselor dan paralegal; satu pos per kecamatan "
     "(2025)."),
    ("patbm", "PATBM (Perlindungan Anak Terpadu Berbasis Masyarakat)", "ppapp", ["V"], [21], "PB",
     "#ea580c",
     "Jaringan perlindungan anak berbasis masyarakat di tingkat kelurahan/RW."),
    ("rumah-aman", "Rumah aman / RPSA", "sosial", ["V"], [21], "RA", "#7f1d1d",
     "Rumah aman atau Rumah Perlindungan Sosial Anak bagi anak korban kekerasan, dengan lokasi "
     "terlindungi dan pendamping."),
]

SRA = [
    ("kebijakan", "Kebijakan SRA: komitmen tertulis dan SK tim sekolah ramah anak"),
    ("guru-terlatih", "Pendidik dan tenaga kependidikan terlatih hak anak"),
    ("pembelajaran", "Proses pembelajaran ramah anak, tanpa kekerasan dan perundungan"),
    ("sarana", "Sarana dan prasarana ramah anak: aman, sehat, bersih dan inklusif"),
    ("partisipasi-anak", "Partisipasi anak dalam perencanaan dan kegiatan sekolah"),
    ("partisipasi-ortu", "Partisipasi orang tua, alumni dan masyarakat"),
]
TANPA_ROKOK = ("tanpa-rokok", "Kawasan tanpa rokok")

CHECKLISTS = {
    "rptra": [
        ("balai-warga", "Balai warga / ruang serbaguna"),
        ("ruang-laktasi", "Ruang laktasi"),
        ("perpustakaan", "Perpustakaan atau pojok baca anak"),
        ("toilet-disabilitas", "Toilet yang dapat diakses penyandang disabilitas"),
        ("lapangan-olahraga", "Lapangan olahraga"),
        ("taman-bermain", "Taman bermain anak yang aman"),
        ("cctv", "CCTV"),
        ("pengelola", "Pengelola RPTRA aktif dan terlatih"),
        ("sertifikat-rbra", "Bersertifikat Ruang Bermain Ramah Anak (RBRA, SNI 9169:2023)"),
        TANPA_ROKOK,
    ],
    "puskesmas": [
        ("petugas-terlatih", "Petugas penanggung jawab terlatih Konvensi Hak Anak"),
        ("ruang-konseling", "Ruang konseling anak dan remaja"),
        ("ruang-bermain", "Ruang bermain / ruang tunggu ramah anak"),
        ("pojok-laktasi", "Pojok atau ruang laktasi"),
        TANPA_ROKOK,
        ("rujukan-kasus", "Mekanisme rujukan kasus kekerasan terhadap anak"),
        ("partisipasi-anak", "Partisipasi anak (mis. Forum Anak, kader kesehatan remaja)"),
    ],
    "posyandu": [
        ("kader-terlatih", "Kader terlatih"),
        ("kegiatan-rutin", "Kegiatan rutin bulanan (penimbangan, imunisasi)"),
        ("tumbuh-kembang", "Pemantauan gizi dan tumbuh kembang balita"),
        ("tempat-layak", "Tempat yang aman dan nyaman bagi balita dan ibu"),
        TANPA_ROKOK,
    ],
    "ruang-laktasi": [
        ("ruang-tertutup", "Ruang tertutup yang dapat dikunci dari dalam"),
        ("wastafel", "Wastafel dengan air bersih"),
        ("lemari-pendingin", "Lemari pendingin untuk menyimpan ASI"),
        ("perabot", "Kursi dan meja yang nyaman"),
        ("penanggung-jawab", "Ada penanggung jawab ruang"),
    ],
    "sd": SRA,
    "smp": SRA,
    "sma": SRA,
    "smk": SRA,
    "slb": SRA,
    "paud": [
        ("pendidikan", "Layanan pendidikan anak usia dini"),
        ("kesehatan-gizi", "Layanan kesehatan, gizi dan deteksi dini tumbuh kembang"),
        ("pengasuhan", "Program pengasuhan (parenting) bagi orang tua"),
        ("perlindungan", "Perlindungan anak dari kekerasan"),
        ("kesejahteraan", "Kesejahteraan: anak memiliki akta kelahiran"),
        ("pendidik-terlatih", "Pendidik terlatih PAUD holistik-integratif"),
    ],
    "rumah-ibadah": [
        ("pengurus-terlatih", "Pengurus terlatih hak anak"),
        ("fasilitas-inklusif", "Fasilitas inklusif dan aman bagi anak"),
        ("ruang-kreativitas", "Ruang kreativitas anak"),
        ("pojok-baca", "Pojok baca"),
        TANPA_ROKOK,
    ],
    "perpustakaan": [
        ("kebijakan", "Kebijakan layanan ramah anak"),
        ("program", "Program kegiatan untuk anak"),
        ("pengelolaan", "Pengelolaan layanan informasi anak"),
        ("petugas", "Petugas terlatih"),
        ("sarana", "Sarana: ruang dan koleksi khusus anak"),
        ("pemantauan", "Pemantauan dan evaluasi"),
    ],
    "forum-anak": [
        ("sk-pembentukan", "SK pembentukan Forum Anak"),
        ("pengurus-anak", "Pengurus dipilih oleh dan dari anak"),
        ("pertemuan-rutin", "Pertemuan rutin"),
        ("musrenbang", "Dilibatkan dalam musrenbang"),
        ("pendamping", "Fasilitator atau pendamping terlatih"),
    ],
    "akta-kelahiran": [
        ("tanpa-biaya", "Layanan tanpa biaya"),
        ("jemput-bola", "Layanan jemput bola atau terintegrasi di fasilitas kesehatan"),
        ("ruang-tunggu", "Ruang tunggu ramah anak"),
        ("petugas-terlatih", "Petugas terlatih"),
    ],
    "puspaga": [
        ("psikolog", "Psikolog atau konselor profesional"),
        ("konseling-keluarga", "Layanan konseling keluarga"),
        ("pengasuhan", "Program pendidikan pengasuhan (parenting)"),
        ("ruang-konseling", "Ruang konseling yang menjaga privasi"),
        ("rujukan", "Mekanisme rujukan"),
    ],
    "lksa": [
        ("snpa", "Memenuhi Standar Nasional Pengasuhan Anak"),
        ("akreditasi", "Terakreditasi"),
        ("berbasis-keluarga", "Mengutamakan pengasuhan berbasis keluarga"),
        ("pekerja-sosial", "Pekerja sosial profesional"),
        ("izin", "Izin operasional"),
    ],
    "daycare": [
        ("pengasuh-terlatih", "Pengasuh terlatih"),
        ("rasio-pengasuh", "Rasio pengasuh dan anak memadai"),
        ("ruang-aman", "Ruang yang aman dan bersih"),
        ("makanan-bergizi", "Makanan bergizi"),
        ("izin", "Izin operasional"),
    ],
    "pos-pengaduan": [
        ("konselor", "Konselor"),
        ("paralegal", "Paralegal atau pendamping hukum"),
        ("kanal-pengaduan", "Kanal pengaduan yang mudah dijangkau anak"),
        ("rujukan", "Rujukan ke UPT PPPA, layanan kesehatan dan hukum"),
        ("kerahasiaan", "Kerahasiaan data korban"),
    ],
    "patbm": [
        ("sk-pembentukan", "SK pembentukan PATBM"),
        ("aktivis-terlatih", "Aktivis terlatih"),
        ("pemetaan-risiko", "Pemetaan risiko kekerasan terhadap anak di wilayah"),
        ("jejaring", "Jejaring dengan RW, RPTRA dan puskesmas"),
        ("pelaporan", "Pencatatan dan pelaporan kasus"),
    ],
    "rumah-aman": [
        ("lokasi-terlindungi", "Lokasi terlindungi dan dirahasiakan"),
        ("pendamping", "Pekerja sosial dan psikolog pendamping"),
        ("layanan-kesehatan", "Akses layanan kesehatan"),
        ("pendampingan-hukum", "Pendampingan hukum"),
        ("terakreditasi", "Terstandar / terakreditasi"),
    ],
}


def forwards(apps, schema_editor):
    Sector = apps.get_model("accounts", "Sector")
    Cluster = apps.get_model("clusters", "Cluster")
    Indicator = apps.get_model("clusters", "Indicator")
    ServiceType = apps.get_model("services", "ServiceType")
    ChecklistItem = apps.get_model("services", "ChecklistItem")
    sectors = {s.code: s for s in Sector.objects.all()}
    clusters = {c.code: c for c in Cluster.objects.all()}
    indicators = {i.number: i for i in Indicator.objects.filter(indicator_set__code="kla-24")}
    for order, row in enumerate(SERVICE_TYPES, start=1):
        code, name, sector, cluster_codes, numbers, icon, color, description = row
        service_type, _ = ServiceType.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "sector": sectors[sector],
                "description": description,
                "icon": icon,
                "color": color,
                "order": order * 10,
            },
        )
        service_type.clusters.set([clusters[c] for c in cluster_codes])
        service_type.indicators.set([indicators[n] for n in numbers if n in indicators])
        for item_order, (item_code, text) in enumerate(CHECKLISTS.get(code, []), start=1):
            ChecklistItem.objects.update_or_create(
                service_type=service_type,
                code=item_code,
                defaults={"text": text, "order": item_order * 10},
            )


class Migration(migrations.Migration):
    dependencies = [
        ("services", "0001_initial"),
        ("accounts", "0002_sectors"),
        ("clusters", "0002_clusters_indicators"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

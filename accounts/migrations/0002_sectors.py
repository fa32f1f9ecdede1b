"""The suku dinas (sector agencies) of the domain catalogue; editable later in the admin."""

from django.db import migrations

SECTORS = [
    ("kesehatan", "Suku Dinas Kesehatan"),
    ("pendidikan", "Suku Dinas Pendidikan"),
    ("ppapp", "Suku Dinas PPAPP"),
    ("pusip", "Suku Dinas Perpustakaan dan Kearsipan"),
    ("sosial", "Suku Dinas Sosial"),
    ("dukcapil", "Suku Dinas Kependudukan dan Pencatatan Sipil"),
]


def forwards(apps, schema_editor):
    Sector = apps.get_model("accounts", "Sector")
    for code, name in SECTORS:
        Sector.objects.update_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

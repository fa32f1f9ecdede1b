"""The Export model moves from the kaltara app to exports: state only, the table stays.

kaltara.0002 removes it from kaltara's state; this one adds it to exports' state with
db_table = "kaltara_export", so an existing database keeps every row, and renames its
content type so permissions and admin history follow it.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def content_type_follows(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="kaltara", model="export").update(app_label="exports")


def content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="exports", model="export").update(app_label="kaltara")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("contenttypes", "0002_remove_content_type_name"),
        ("kaltara", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Export',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('sites', 'Daftar situs'), ('rankings', 'Peringkat wilayah'), ('areas', 'Wilayah dengan skor (GeoJSON)')], max_length=10, verbose_name='jenis')),
                        ('format', models.CharField(choices=[('csv', 'CSV'), ('xlsx', 'Excel (.xlsx)'), ('geojson', 'GeoJSON')], max_length=8, verbose_name='format')),
                        ('params', models.JSONField(blank=True, default=dict, verbose_name='parameter')),
                        ('status', models.CharField(choices=[('pending', 'Menunggu'), ('running', 'Diproses'), ('done', 'Selesai'), ('failed', 'Gagal')], default='pending', max_length=8, verbose_name='status')),
                        ('progress', models.PositiveSmallIntegerField(default=0, verbose_name='kemajuan (%)')),
                        ('row_count', models.PositiveIntegerField(default=0, verbose_name='jumlah baris')),
                        ('file', models.FileField(blank=True, max_length=200, upload_to='exports/', verbose_name='berkas')),
                        ('error', models.CharField(blank=True, max_length=300, verbose_name='galat')),
                        ('created', models.DateTimeField(auto_now_add=True, verbose_name='dibuat')),
                        ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='mulai')),
                        ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='selesai')),
                        ('owner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='exports', to=settings.AUTH_USER_MODEL, verbose_name='pemilik')),
                    ],
                    options={
                        'db_table': 'kaltara_export',
                        'verbose_name': 'ekspor',
                        'verbose_name_plural': 'ekspor',
                        'ordering': ['-created', '-pk'],
                        'indexes': [models.Index(fields=['owner', '-created'], name='export_owner_created')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('kind__in', ['sites', 'rankings', 'areas'])), name='export_kind_valid'), models.CheckConstraint(condition=models.Q(('format__in', ['csv', 'xlsx', 'geojson'])), name='export_format_valid'), models.CheckConstraint(condition=models.Q(('status__in', ['pending', 'running', 'done', 'failed'])), name='export_status_valid'), models.CheckConstraint(condition=models.Q(('progress__lte', 100)), name='export_progress_max'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'done'), models.Q(('file', ''), _negated=True)), models.Q(models.Q(('status', 'done'), _negated=True), ('file', '')), _connector='OR'), name='export_file_when_done')],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_type_follows, content_type_back),
    ]

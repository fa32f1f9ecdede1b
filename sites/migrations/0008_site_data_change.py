"""The site data's version, kept by the database (sites.models.SiteDataChange).

The trigger SQL is written out here, not imported, so that this migration keeps doing what
it did when the app's code moves on. Its tables are what a page of sites is made of: the
sites, their types, the catalogue (types, their clusters, the sectors that own them) and the
regions whose names a site carries.
"""

from django.db import migrations, models

WATCHED = (
    "services_site",
    "services_site_types",
    "services_servicetype",
    "services_servicetype_clusters",
    "clusters_cluster",
    "accounts_sector",
    "regions_region",
)
TABLE = "services_sitedatachange"
FUNCTION = "services_site_data_changed"
PG_TOKEN = "substr(md5(random()::text), 1, 16)"
SQLITE_TOKEN = "lower(hex(randomblob(8)))"


def _postgresql(cursor):
    # One row per write statement, TRUNCATE included (a flush), however many rows it wrote.
    cursor.execute(
        f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN INSERT INTO {TABLE} (weight, token) VALUES (1, {PG_TOKEN}); "
        f"RETURN NULL; END; $$"
    )
    for table in WATCHED:
        cursor.execute(
            f"CREATE TRIGGER {FUNCTION} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        )
    cursor.execute(f"INSERT INTO {TABLE} (weight, token) VALUES (1, {PG_TOKEN})")


def _sqlite(cursor):
    # SQLite has row triggers only: each written row gives the one row a new random token
    # (an upsert, so a flushed table gets its row back at the next write).
    for table in WATCHED:
        for event in ("INSERT", "UPDATE", "DELETE"):
            cursor.execute(
                f"CREATE TRIGGER {FUNCTION}_{table}_{event.lower()} AFTER {event} ON {table} "
                f"BEGIN INSERT INTO {TABLE} (id, weight, token) VALUES (1, 1, {SQLITE_TOKEN}) "
                f"ON CONFLICT(id) DO UPDATE SET token = excluded.token; END"
            )
    cursor.execute(f"INSERT INTO {TABLE} (id, weight, token) VALUES (1, 1, {SQLITE_TOKEN})")


def install(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _postgresql(cursor)
        elif connection.vendor == "sqlite":
            _sqlite(cursor)
        else:  # the portal runs on these two only (kaltara/settings.py)
            raise NotImplementedError(connection.vendor)


def remove(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in WATCHED:
                cursor.execute(f"DROP TRIGGER IF EXISTS {FUNCTION} ON {table}")
            cursor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
        else:
            for table in WATCHED:
                for event in ("insert", "update", "delete"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {FUNCTION}_{table}_{event}")


class Migration(migrations.Migration):
    dependencies = [
        ("services", "0007_sitelink_version"),
        ("accounts", "0004_user_language"),
        ("clusters", "0002_clusters_indicators"),
        ("regions", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="SiteDataChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("weight", models.PositiveBigIntegerField(default=1)),
                ("token", models.CharField(blank=True, default="", max_length=16)),
            ],
            options={
                "verbose_name": "perubahan data situs",
                "verbose_name_plural": "perubahan data situs",
            },
        ),
        migrations.RunPython(install, remove),
    ]

"""The site data's version kept by the database (sites.data_version, migration 0008): every
write to what a page of sites is made of moves it, whatever makes the write; reads, rolled-back
writes and links leave it; a version never comes back for other data (collapse, an emptied
table, transactions committing out of order on PostgreSQL)."""

import threading
import time
from importlib import import_module

import pytest
from django.db import connection, connections, transaction

from accounts.models import Sector
from clusters.models import Cluster
from regions.models import Region
from sites import data_version
from sites.models import ServiceType, Site, SiteDataChange, SiteLink
from tests.factories import KAMPUNG_MELAYU, RAWA_BUNGA, make_site, point_in, service_type

pytestmark = pytest.mark.django_db


def _version() -> str:
    return data_version.site_data_version()


def _save(site):
    site.name = "Puskesmas Baru"
    site.save()


def _sql(site):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE services_site SET name = %s WHERE id = %s", ["SQL", site.pk])


def _first_cluster_renamed(site):
    Cluster.objects.filter(pk=Cluster.objects.order_by("pk")[0].pk).update(name="Klaster (baru)")


WRITES = {
    "save": _save,
    "create": lambda site: make_site("Posyandu Baru", KAMPUNG_MELAYU, types=("posyandu",)),
    "bulk_create": lambda site: Site.objects.bulk_create(
        [Site(name="Impor", kelurahan_id=RAWA_BUNGA, location=point_in(RAWA_BUNGA, 30))]
    ),
    # As an importer or a data fix writes: no save(), no signal, version and updated_at kept.
    "queryset_update": lambda site: Site.objects.filter(pk=site.pk).update(address="Jl. Baru"),
    "sql": _sql,
    "delete": lambda site: site.delete(),
    "types_set": lambda site: site.types.set([service_type("posyandu")]),
    "type_renamed": lambda site: ServiceType.objects.filter(code="puskesmas").update(
        name="Puskesmas (baru)"
    ),
    "type_clusters": lambda site: service_type("puskesmas").clusters.clear(),
    "cluster_renamed": _first_cluster_renamed,
    "sector_renamed": lambda site: Sector.objects.filter(code="kesehatan").update(
        name="Kesehatan (baru)"
    ),
    "region_renamed": lambda site: Region.objects.filter(code=RAWA_BUNGA).update(
        name="Rawa Bunga (baru)"
    ),
}


@pytest.mark.parametrize("kind", WRITES)
def test_every_write_moves_the_version_whatever_makes_it(kind):
    site = make_site()
    before = _version()
    assert _version() == before, "a read moves nothing"
    WRITES[kind](site)
    assert _version() != before


def test_reads_and_links_leave_it():
    a = make_site()
    b = make_site("Posyandu Rawa Bunga", types=("posyandu",), location=point_in(RAWA_BUNGA, 40))
    before = _version()
    list(Site.objects.all()), list(ServiceType.objects.all()), list(Region.objects.all()[:5])
    # Links are not part of a page of sites (sites.data_version).
    SiteLink.objects.create(site_a=a, site_b=b, kind="referral", start_date="2024-01-01")
    assert _version() == before


def test_a_rolled_back_write_leaves_it_and_the_next_write_gives_a_new_one():
    site = make_site()
    before = _version()
    with pytest.raises(RuntimeError), transaction.atomic():
        Site.objects.filter(pk=site.pk).update(name="Batal")
        raise RuntimeError("rolled back")
    assert _version() == before
    Site.objects.filter(pk=site.pk).update(name="Jadi")
    assert _version() != before


def test_collapse_keeps_the_table_short_and_never_brings_back_a_version():
    site = make_site()
    seen = [_version()]
    for i in range(5):
        Site.objects.filter(pk=site.pk).update(name=f"Nama {i}")
        seen.append(_version())
    merged = data_version.collapse()
    after = _version()
    if connection.vendor == "postgresql":
        # One row per write statement until now, then one row of their summed weight: the
        # sum stays, the newest row's token moves.
        assert merged >= 5 and SiteDataChange.objects.count() == 1
        assert after not in seen and _sum(after) == _sum(seen[-1])
    else:
        # SQLite's one row and its token: nothing to merge, nothing moved.
        assert merged == 0 and SiteDataChange.objects.count() == 1 and after == seen[-1]
    assert data_version.collapse() == 0  # one row left: nothing to do
    assert _version() == after
    Site.objects.filter(pk=site.pk).update(name="Sesudah")
    assert _version() not in [*seen, after]


def _sum(version: str) -> int:
    return int(version.split("/")[0])


def test_an_emptied_table_gives_a_version_of_its_own_each_time_until_the_next_write():
    site = make_site()
    SiteDataChange.objects.all().delete()  # behind the triggers' back (a flush, a TRUNCATE)
    first, second = _version(), _version()
    assert first.startswith("unknown-") and second.startswith("unknown-") and first != second
    Site.objects.filter(pk=site.pk).update(name="Lagi")
    assert not _version().startswith("unknown-") and _version() == _version()


def _params() -> dict:
    s = connection.settings_dict
    return {
        "dbname": s["NAME"],
        "user": s["USER"],
        "password": s["PASSWORD"] or None,
        "host": s["HOST"],
        "port": s["PORT"],
    }


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs two real connections")
@pytest.mark.django_db(transaction=True)
def test_a_transaction_committing_after_a_later_one_still_moves_it_on_postgis():
    # A draws its row's id first and commits last: the newest row is B's all along, so the
    # sum is what tells the two states apart.
    import psycopg

    with psycopg.connect(**_params()) as a, psycopg.connect(**_params(), autocommit=True) as b:
        a.execute("UPDATE clusters_cluster SET name = name")  # its transaction stays open
        b.execute("UPDATE clusters_cluster SET name = name WHERE false")  # committed at once
        with_b = _version()
        a.commit()
        with_both = _version()
    assert with_both != with_b and _sum(with_both) == _sum(with_b) + 1
    assert with_both.split("/")[1] == with_b.split("/")[1]  # the same newest row, B's


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs two real connections")
@pytest.mark.django_db(transaction=True)
def test_a_collapse_while_a_write_is_open_keeps_every_version_new_on_postgis():
    # The collapse cannot see the open transaction's row, keeps it, and sums only the rows it
    # deleted: the sum goes on growing at each commit after it.
    import psycopg

    with psycopg.connect(**_params()) as a, psycopg.connect(**_params(), autocommit=True) as b:
        Site.objects.filter(pk=0).update(name="x")  # a committed write (no row matched)
        before = _version()
        a.execute("UPDATE services_site SET name = name WHERE false")  # stays open
        assert data_version.collapse() >= 1
        collapsed = _version()
        b.execute("UPDATE services_site SET name = name WHERE false")
        with_b = _version()
        a.commit()
        with_both = _version()
    versions = [before, collapsed, with_b, with_both]
    assert len(set(versions)) == 4
    assert [_sum(v) - _sum(before) for v in versions] == [0, 0, 1, 2]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs two real connections")
@pytest.mark.django_db(transaction=True)
def test_two_collapses_at_once_keep_the_sum_and_one_row_on_postgis():
    import psycopg

    for _ in range(3):
        Site.objects.filter(pk=0).update(name="x")  # committed write statements, one row each
    before = _sum(_version())
    out: dict = {}

    def second():
        try:
            out["merged"] = data_version.collapse()
        finally:
            connections.close_all()

    with psycopg.connect(**_params()) as c, psycopg.connect(**_params(), autocommit=True) as b:
        c.execute(data_version._COLLAPSE)  # the first collapse, its transaction still open
        thread = threading.Thread(target=second)
        thread.start()
        waiting = 0
        for _ in range(100):  # until the second waits on the first's row locks (<= 10 s)
            waiting = b.execute(
                "SELECT COUNT(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            ).fetchone()[0]
            if waiting:
                break
            time.sleep(0.1)
        c.commit()
        thread.join(timeout=30)
    assert waiting == 1 and out["merged"] == 0
    assert SiteDataChange.objects.count() == 1 and _sum(_version()) == before


def test_every_watched_table_has_its_triggers():
    # A migration that remakes a watched table on SQLite (AlterField and others copy the table
    # into a new one) would drop its triggers without a word: this test says so.
    watched = set(import_module("sites.migrations.0008_site_data_change").WATCHED)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgrelid::regclass::text, tgtype FROM pg_trigger "
                "WHERE tgname = 'services_site_data_changed' AND tgenabled = 'O'"
            )
            found = dict(cursor.fetchall())
            assert set(found) == watched
            # pg_trigger.tgtype: AFTER, for each statement (no ROW bit), on INSERT (4), DELETE
            # (8), UPDATE (16) and TRUNCATE (32).
            assert set(found.values()) == {4 | 8 | 16 | 32}
        else:
            cursor.execute(
                "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE 'services_site_data_changed_%'"
            )
            found = {(table, name.rsplit("_", 1)[1]) for table, name in cursor.fetchall()}
            assert found == {(t, e) for t in watched for e in ("insert", "update", "delete")}

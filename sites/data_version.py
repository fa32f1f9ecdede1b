"""The version of the site data: what cached pages of sites are keyed by.

The database's triggers record every write to the tables a page of sites is made of
(sites.models.SiteDataChange, migration 0008), so the version is a read of that small table,
not an aggregate over the registry: one query, its SQL compiled once per process, over the
rows written since the last hourly collapse (a few hundred in daily use), whatever the size of
the registry. One version for every scope (the cache keys carry the scope), and links are
not watched: no page of sites shows them, so a link made or ended would only rebuild every
page for the same text.

The version is the sum of the rows' weights and the token of the newest row.
- On PostgreSQL each committed write statement adds a row of weight 1, so the sum counts the
  write statements committed. It grows at every commit, transactions committing out of the
  order their rows' ids were drawn in included. A rolled-back write takes its row with it.
  collapse() keeps the sum as it is. So a sum never comes back for other data.
- The token is random. It tells apart two histories whose sums meet: a flush that restarts
  the ids, a backup restored.
- On SQLite the one row's token is replaced at each written row (its weight stays 1).
"""

import uuid

from django.db import connection
from django.db.models import Subquery

from web.fragments import Signature, row_compiled_once

from .models import SiteDataChange


def site_data_version() -> str:
    """The current version; never one seen before for other data."""

    def build():
        newest = SiteDataChange.objects.order_by("-pk").values("token")[:1]
        return (
            SiteDataChange.objects.order_by()
            .annotate(_v=Signature(("SUM", "weight"), (None, Subquery(newest))))
            .values_list("_v")[:1]
        )

    row = row_compiled_once(("site_data_version",), build)
    version = row[0] if row else None
    if not version or version.startswith("/"):
        # No row: the table was emptied behind the triggers' back (on SQLite a flush deletes
        # it; on PostgreSQL a TRUNCATE of this table alone). Nothing is known, so nothing
        # cached may be reused: a version of its own at each call, until the next write.
        return f"unknown-{uuid.uuid4().hex}"
    return version


# One statement, so the rows deleted and their sum are the same rows, whatever runs at once:
# a write committing meanwhile adds a row this statement does not see (and keeps it). A
# second collapse at the same time waits on the rows both see, then skips them (gone); it
# merges only rows committed between the two snapshots, and the first one's new row is not
# among them.
_COLLAPSE = (
    "WITH gone AS ("
    " DELETE FROM services_sitedatachange"
    " WHERE (SELECT COUNT(*) FROM services_sitedatachange) > 1 RETURNING weight),"
    " merged AS ("
    " INSERT INTO services_sitedatachange (weight, token)"
    " SELECT SUM(weight), substr(md5(random()::text), 1, 16) FROM gone HAVING COUNT(*) > 0"
    " RETURNING 1) "
    "SELECT COUNT(*) FROM gone"
)


def collapse() -> int:
    """Merge the rows into one of their summed weight (PostgreSQL; on SQLite there is only ever
    one row). Returns the rows merged. Run hourly by Celery beat (sites/schedule.py).

    The sum, and so the version's first part, stays as it was; the new row's token moves the
    version once (the next read of each page builds it again)."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(_COLLAPSE)
        return cursor.fetchone()[0]

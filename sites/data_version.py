"""The version of the site data: what cached pages of sites are keyed by.

The database's triggers record every write to the tables a page of sites is made of
(sites.models.SiteDataChange, migration 0008), so the version is a read of those few rows,
not an aggregate over the registry: one indexed query, its SQL compiled once per process,
whose cost does not grow with the sites.

On PostgreSQL the version is the count and the highest id of the rows. Each committed write
statement adds a row, so the count moves at every commit, even when transactions commit out
of the order their ids were drawn in; ids are never reused (a rolled-back row's id is
skipped), and collapse() replaces old rows by a row with a new id, so no version comes back
for other data. On SQLite it is the one row's random token, replaced at each written row.
"""

import uuid

from django.db import transaction
from django.db.models import Max

from web.fragments import Signature, row_compiled_once

from .models import SiteDataChange


def site_data_version() -> str:
    """The current version; never one seen before for other data."""

    def build():
        return (
            SiteDataChange.objects.order_by()
            .annotate(_v=Signature(("COUNT", "pk"), ("MAX", "pk"), ("MAX", "token")))
            .values_list("_v")[:1]
        )

    row = row_compiled_once(("site_data_version",), build)
    version = row[0] if row else None
    if not version or version.startswith("0/"):
        # No row: the table was emptied behind the triggers' back (a test's flush, a manual
        # TRUNCATE). Nothing is known, so nothing cached may be reused: a version of its own.
        return f"unknown-{uuid.uuid4().hex}"
    return version


def collapse() -> int:
    """Keep the table short: the rows below the highest are deleted and one row added (with a
    new id, so the version after is one never seen). Returns the rows deleted. Run by Celery
    beat (sites/schedule.py); on SQLite there is only ever one row."""
    with transaction.atomic():
        top = SiteDataChange.objects.aggregate(top=Max("pk"))["top"]
        if top is None:
            return 0
        deleted, _ = SiteDataChange.objects.filter(pk__lt=top).delete()
        if deleted:
            SiteDataChange.objects.create()
        return deleted

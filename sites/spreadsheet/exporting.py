"""The download workbook: the sites a user keeps, one row each, and a sheet of the codes.

Every cell goes through neutralise(), so a name or address typed as "=..." stays text in
the user's spreadsheet program; the reader undoes it on the way back.
"""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from .. import selectors
from ..models import OperatingStatus, ServiceType, Site
from .fileformat import COORD_DECIMALS, HEADERS, SHEET_CODES, SHEET_SITES, neutralise
from .reading import territory_kelurahan


def export_sites(user):
    return (
        selectors.Site.objects.editable_by(user)
        .select_related("kelurahan")
        .defer("kelurahan__boundary")
        .prefetch_related("types")
        .order_by("kelurahan_id", "name", "pk")
    )


def site_row(site: Site) -> list:
    return [
        site.pk,
        site.name,
        ", ".join(sorted(t.code for t in site.types.all())),
        site.kelurahan_id,
        round(site.location.y, COORD_DECIMALS),
        round(site.location.x, COORD_DECIMALS),
        site.address,
        site.contact,
        site.operating_status,
        site.version,
    ]


def export_workbook(user) -> bytes:
    """The user's sites, one row each, and a sheet of the codes they may use."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET_SITES)
    for letter, width in zip("ABCDEFGHIJ", (8, 40, 24, 16, 12, 12, 40, 24, 20, 8), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    ws.append(HEADERS)
    for site in export_sites(user).iterator(chunk_size=500):
        ws.append([neutralise(v) for v in site_row(site)])

    codes = wb.create_sheet(SHEET_CODES)
    for letter, width in zip("ABDEGH", (22, 40, 16, 32, 20, 20), strict=True):
        codes.column_dimensions[letter].width = width
    types = [(t.code, t.name) for t in ServiceType.objects.order_by("order", "code")]
    kelurahan = [(k.code, k.name) for k in territory_kelurahan(user)]
    statuses = [(s.value, str(s.label)) for s in OperatingStatus]
    codes.append(
        [
            "kode_jenis",
            _("jenis layanan"),
            None,
            "kode_kelurahan",
            _("kelurahan"),
            None,
            "status_operasional",
            _("arti"),
        ]
    )
    for i in range(max(len(types), len(kelurahan), len(statuses))):
        row = []
        for pairs in (types, kelurahan, statuses):
            row += list(pairs[i]) if i < len(pairs) else [None, None]
            row.append(None)
        codes.append([neutralise(v) for v in row[:-1]])

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

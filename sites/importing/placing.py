"""Placing each record in a kelurahan: point-in-polygon in memory, with a tolerance at the edge."""

import math
from collections import defaultdict
from collections.abc import Iterable

from django.contrib.gis.geos import MultiPolygon, Point
from django.contrib.gis.geos.prepared import PreparedGeometry
from django.utils.translation import gettext as _

from regions.models import Level, Region

from .records import OUTSIDE, FileImport

# The kelurahan polygons are simplified (README); schools a few tens of metres past the
# provincial edge are really in the border kelurahan. Beyond this they are left out.
PLACEMENT_TOLERANCE_M = 100
# Metres per degree near the equator: good to about 1% at Jakarta's latitude (6 degrees S),
# which is plenty to compare with the tolerance.
_M_PER_DEG = 111_320
_GRID_DEG = 0.02  # cell size of the point-in-polygon grid index (about 2 km)


class KelurahanIndex:
    """Point-in-polygon over all kelurahan, in memory: one query, prepared geometries, a grid."""

    def __init__(self, regions: Iterable[Region]):
        # (code, name, geometry, prepared)
        self.polygons: list[tuple[str, str, MultiPolygon, PreparedGeometry]] = []
        self.grid: dict[tuple[int, int], list[int]] = defaultdict(list)
        for region in sorted(regions, key=lambda r: r.code):
            if region.boundary is None:
                continue
            index = len(self.polygons)
            self.polygons.append(
                (region.code, region.name, region.boundary, region.boundary.prepared)
            )
            # Registered in every cell its extent (plus the tolerance) touches.
            pad = PLACEMENT_TOLERANCE_M / _M_PER_DEG
            xmin, ymin, xmax, ymax = region.boundary.extent
            for ix in range(self._cell(xmin - pad), self._cell(xmax + pad) + 1):
                for iy in range(self._cell(ymin - pad), self._cell(ymax + pad) + 1):
                    self.grid[(ix, iy)].append(index)

    @classmethod
    def from_db(cls) -> "KelurahanIndex":
        regions = Region.objects.filter(level=Level.KELURAHAN).only("code", "name", "boundary")
        return cls(regions)

    @staticmethod
    def _cell(value: float) -> int:
        return math.floor(value / _GRID_DEG)

    def __len__(self):
        return len(self.polygons)

    def locate(self, lon: float, lat: float) -> tuple[str, float] | None:
        """(kelurahan code, metres outside it) or None when no kelurahan is near enough.

        A point on a shared edge goes to the lowest code, like regions.selectors.kelurahan_at.
        """
        candidates = self.grid.get((self._cell(lon), self._cell(lat)), ())
        if not candidates:
            return None
        point = Point(lon, lat, srid=4326)
        for index in candidates:
            if self.polygons[index][3].covers(point):
                return self.polygons[index][0], 0.0
        nearest = min(
            ((self.polygons[i][2].distance(point) * _M_PER_DEG, i) for i in candidates),
            default=None,
        )
        if nearest is None or nearest[0] > PLACEMENT_TOLERANCE_M:
            return None
        return self.polygons[nearest[1]][0], nearest[0]


def records_place(fi: FileImport, index: KelurahanIndex) -> None:
    """Give each record its kelurahan; records outside every kelurahan become skipped rows."""
    placed = []
    for record in fi.records:
        found = index.locate(record.lon, record.lat)
        if found is None:
            fi.skip(record.row, record.source_id, record.name, OUTSIDE)
            continue
        record.kelurahan, metres = found
        if metres:
            record.notes.append(
                _("%(m)s m di luar batas kelurahan (batas disederhanakan); periksa lokasi")
                % {"m": round(metres)}
            )
        placed.append(record)
    fi.records = placed

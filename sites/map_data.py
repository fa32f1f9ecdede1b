"""The site map's data: what the view shows, never the whole registry.

The map asks for its bounding box and zoom. Below CLUSTER_BELOW_ZOOM the sites inside the
box come back as server-side clusters: a grid of cells sized to the zoom, aggregated in the
database in one set-based query (floor(x / cell), floor(y / cell) on the point's
coordinates, with the count, mean position and extent of each cell), so the answer grows
with the number of occupied cells on screen, not with the number of sites: the province's
first view stays a few kilobytes whether the registry holds 5,000 sites or every desa's.
From that zoom on (or when the box holds only a few sites) the sites themselves, at most
POINT_LIMIT, with a flag when there were more.

The queryset given is already the user's filtered view through Site.objects.visible_to:
a hidden site is neither drawn nor counted in any cluster.
"""

import functools
import math
from dataclasses import dataclass

from django.contrib.gis.geos import Polygon
from django.db.models import Count, F, FloatField, Func, Max, Min, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Floor
from django.urls import reverse
from django.utils.translation import gettext as _

from web.colors import ink_on

from .models import ServiceType, Site

# From this zoom on the map shows sites one by one (zoom 15: a view of ~5 x 3 km).
CLUSTER_BELOW_ZOOM = 15
MAX_ZOOM = 22
# At most this many sites are sent one by one; beyond, "truncated" asks the user to zoom in.
POINT_LIMIT = 2_000
# A box that holds no more sites than this gets them one by one at any zoom (a lurah's own
# kelurahan): ~70 KB at most, and the user sees icons instead of circles of "3".
FEW_SITES = 200
# Cells of about 64 screen pixels: a 256 px tile spans 360 / 2**zoom degrees of longitude.
CELLS_PER_TILE = 4
# However large the box asked for, at most this many cells across and down (the cell grows
# by powers of two, so clusters stay put while the user pans at one zoom).
MAX_CELLS_ACROSS = 48
WORLD = (-180.0, -90.0, 180.0, 90.0)
# A cluster disc's width on screen is DISC_MIN_PX + DISC_GROWTH_PX per power of ten of its
# count (static/js/site_map.js draws the "size" each feature carries). Two discs closer
# than their radii plus DISC_GAP_PX are merged into one, so no two targets overlap (WCAG
# 2.5.8): a cell's disc sits at its sites' mean position, which can lie at the cell's edge.
DISC_MIN_PX = 32
DISC_GROWTH_PX = 6
DISC_GAP_PX = 4
NO_TYPE = ("", "", "•", "#64748b")  # (code, name, icon, colour) of a site without a type


class MapQueryError(ValueError):
    """A bbox or zoom parameter that cannot be read; the message names the parameter."""


@dataclass(frozen=True)
class MapView:
    bbox: tuple[float, float, float, float]  # minlon, minlat, maxlon, maxlat (WGS84)
    zoom: float

    @property
    def clustered(self) -> bool:
        return self.zoom < CLUSTER_BELOW_ZOOM

    @property
    def cell(self) -> float:
        """The grid's cell size in degrees for this zoom and box."""
        cell = 360.0 / 2 ** math.floor(self.zoom) / CELLS_PER_TILE
        minx, miny, maxx, maxy = self.bbox
        while max(maxx - minx, maxy - miny) / cell > MAX_CELLS_ACROSS:
            cell *= 2
        return cell

    def polygon(self) -> Polygon:
        box = Polygon.from_bbox(self.bbox)
        box.srid = 4326
        return box


def map_view_from(params) -> MapView:
    """The view asked for in a query string (bbox=minlon,minlat,maxlon,maxlat, zoom=N).

    Both are optional, for callers of the earlier endpoint: without bbox the whole world,
    without zoom 0 (so clusters, or the sites themselves when they are few).
    """
    return MapView(bbox=_bbox(params.get("bbox")), zoom=_zoom(params.get("zoom")))


def _bbox(raw: str | None) -> tuple[float, float, float, float]:
    if raw is None or raw == "":
        return WORLD
    message = _(
        "Parameter bbox harus berupa empat angka minlon,minlat,maxlon,maxlat (derajat "
        "WGS84, bujur -180..180, lintang -90..90, min lebih kecil dari max)."
    )
    parts = raw.split(",")
    if len(parts) != 4 or any(len(p) > 32 for p in parts):
        raise MapQueryError(message)
    try:
        minx, miny, maxx, maxy = (float(p) for p in parts)
    except ValueError as exc:
        raise MapQueryError(message) from exc
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
        raise MapQueryError(message)
    if not (-180 <= minx < maxx <= 180 and -90 <= miny < maxy <= 90):
        raise MapQueryError(message)
    return (minx, miny, maxx, maxy)


def _zoom(raw: str | None) -> float:
    if raw is None or raw == "":
        return 0.0
    message = _("Parameter zoom harus berupa angka dari 0 sampai %(max)d.") % {"max": MAX_ZOOM}
    try:
        zoom = float(raw) if len(raw) <= 16 else math.nan
    except ValueError as exc:
        raise MapQueryError(message) from exc
    if not (math.isfinite(zoom) and 0 <= zoom <= MAX_ZOOM):
        raise MapQueryError(message)
    return zoom


def _x():
    return Func("location", function="ST_X", output_field=FloatField())


def _y():
    return Func("location", function="ST_Y", output_field=FloatField())


def _first_type_id():
    # The site's first type, as the catalogue orders them (order, name): its colour and
    # icon on the map, and the type it is counted under in a cluster.
    return Subquery(
        Site.types.through.objects.filter(site_id=OuterRef("pk"))
        .order_by("servicetype__order", "servicetype__name", "servicetype_id")
        .values("servicetype_id")[:1]
    )


def site_map_data(queryset: QuerySet[Site], view: MapView) -> dict:
    """The GeoJSON FeatureCollection for this view: clusters or points, in <= 3 queries.

    Foreign members say what came back: "mode" ("clusters" or "points"), "total" (sites in
    the box; for points, those sent), "truncated" (more than POINT_LIMIT sites: zoom in).
    """
    in_box = queryset.filter(location__intersects=view.polygon())
    if view.clustered:
        cells = grid_cells(in_box, view.cell)
        if sum(c["n"] for c in cells.values()) > FEW_SITES:
            return site_map_clusters(spaced_cells(cells, math.floor(view.zoom)), view)
    return site_map_points(in_box, view)


def grid_cells(queryset: QuerySet[Site], cell: float) -> dict[tuple[int, int], dict]:
    """The sites per grid cell of `cell` degrees, in one GROUP BY query (cell, first type):
    {(column, row): {"n", "sx", "sy" (sums of the coordinates), "box", "types"}}."""
    rows = (
        queryset.order_by()
        .annotate(x=_x(), y=_y(), first_type=_first_type_id())
        .annotate(cx=Floor(F("x") / cell), cy=Floor(F("y") / cell))
        .values("cx", "cy", "first_type")
        .annotate(
            n=Count("pk"),
            sx=Sum("x"),
            sy=Sum("y"),
            minx=Min("x"),
            miny=Min("y"),
            maxx=Max("x"),
            maxy=Max("y"),
        )
    )
    cells: dict[tuple[int, int], dict] = {}
    for row in rows:
        c = cells.setdefault(
            (int(row["cx"]), int(row["cy"])),
            {"n": 0, "sx": 0.0, "sy": 0.0, "box": [180.0, 90.0, -180.0, -90.0], "types": []},
        )
        c["n"] += row["n"]
        c["sx"] += row["sx"]
        c["sy"] += row["sy"]
        c["box"] = _union(c["box"], [row["minx"], row["miny"], row["maxx"], row["maxy"]])
        c["types"].append((row["first_type"], row["n"]))
    return cells


def disc_size(count: int) -> int:
    """A cluster disc's width in screen pixels."""
    return round(DISC_MIN_PX + DISC_GROWTH_PX * math.log10(max(count, 1)))


def _screen(lon: float, lat: float, zoom: int) -> tuple[float, float]:
    """Web Mercator pixel coordinates of a point at a zoom, as Leaflet places it (256 px
    tiles); only differences between two points are used."""
    scale = 256 * 2**zoom
    s = math.sin(math.radians(max(-85.0, min(85.0, lat))))
    return ((lon + 180) / 360 * scale, (0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * scale)


def spaced_cells(cells: dict[tuple[int, int], dict], zoom: int) -> dict[tuple[int, int], dict]:
    """The cells, with any two whose discs would come closer than DISC_GAP_PX at this zoom
    merged into one (counts, sums, extent and types added; the smallest cell key kept).

    Measured at the whole zoom the map asked for (its floor), so at the fractional zoom the
    map shows the discs are at least as far apart. Each round merges every disc with the
    neighbours it touches, largest first, until none touch: a handful of rounds, over a
    bucket grid, so it stays linear in the number of cells on screen.
    """
    reach = disc_size(sum(c["n"] for c in cells.values())) + DISC_GAP_PX  # the widest need
    current = dict(cells)
    while True:
        at = {k: _screen(c["sx"] / c["n"], c["sy"] / c["n"], zoom) for k, c in current.items()}
        buckets: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for k, (x, y) in at.items():
            buckets.setdefault((int(x // reach), int(y // reach)), []).append(k)
        merged: dict[tuple[int, int], dict] = {}
        taken: set[tuple[int, int]] = set()
        for k in sorted(current, key=lambda k: (-current[k]["n"], k)):
            if k in taken:
                continue
            taken.add(k)
            c = current[k]
            x, y = at[k]
            bx, by = int(x // reach), int(y // reach)
            group = [k]
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    for other in buckets.get((bx + dx, by + dy), ()):
                        if other in taken:
                            continue
                        ox, oy = at[other]
                        need = (disc_size(c["n"]) + disc_size(current[other]["n"])) / 2
                        if math.hypot(ox - x, oy - y) < need + DISC_GAP_PX:
                            group.append(other)
                            taken.add(other)
            merged[min(group)] = _merge([current[g] for g in group])
        if len(merged) == len(current):
            return merged
        current = merged


def _merge(group: list[dict]) -> dict:
    if len(group) == 1:
        return group[0]
    return {
        "n": sum(c["n"] for c in group),
        "sx": sum(c["sx"] for c in group),
        "sy": sum(c["sy"] for c in group),
        "box": functools.reduce(_union, (c["box"] for c in group)),
        "types": [t for c in group for t in c["types"]],
    }


def _union(a: list[float], b: list[float]) -> list[float]:
    """The extent [minx, miny, maxx, maxy] of two extents."""
    return [min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])]


def site_map_clusters(cells: dict[tuple[int, int], dict], view: MapView) -> dict:
    """The cells as cluster features, with the names and colours of the types present
    (one query on the catalogue)."""
    type_ids = {t for c in cells.values() for t, _n in c["types"] if t is not None}
    catalogue = (
        {
            pk: (code, name, icon, color)
            for pk, code, name, icon, color in ServiceType.objects.filter(
                pk__in=type_ids
            ).values_list("pk", "code", "name", "icon", "color")
        }
        if type_ids
        else {}
    )
    features: list[dict] = []
    used: set[str] = set()
    for (cx, cy), c in sorted(cells.items()):
        by_type: dict[str, int] = {}
        for type_id, n in c["types"]:
            code = catalogue.get(type_id, NO_TYPE)[0]
            by_type[code] = by_type.get(code, 0) + n
        used.update(by_type)
        features.append(
            {
                "type": "Feature",
                "id": f"{cx}:{cy}",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(c["sx"] / c["n"], 6), round(c["sy"] / c["n"], 6)],
                },
                "properties": {
                    "cluster": True,
                    "count": c["n"],
                    "size": disc_size(c["n"]),
                    "bbox": [round(v, 6) for v in c["box"]],
                    # Largest first: the ring of the marker and its title read the same way.
                    "types": sorted(by_type.items(), key=lambda kv: (-kv[1], kv[0])),
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "mode": "clusters",
        "zoom": view.zoom,
        "cell": view.cell,
        "total": sum(c["n"] for c in cells.values()),
        "truncated": False,
        "types": {
            code: {"name": name, "icon": icon, "color": color}
            for code, name, icon, color in [*catalogue.values(), NO_TYPE]
            if code in used
        },
        "features": features,
    }


def site_map_points(queryset: QuerySet[Site], view: MapView) -> dict:
    """The sites themselves (at most POINT_LIMIT), coloured by their first type.

    Built from plain values in two queries (no model instances, no reverse() per row):
    the province's ~5,400 sites took ~0.8 s as instances with prefetched types.
    """
    rows = list(
        queryset.order_by("pk")
        .annotate(lon=_x(), lat=_y())
        .values_list("pk", "name", "lon", "lat", "operating_status", "review_state")[
            : POINT_LIMIT + 1
        ]
    )
    truncated = len(rows) > POINT_LIMIT
    rows = rows[:POINT_LIMIT]
    # (order, name, code, icon, color) of each site's types, read in one join.
    types_of: dict[int, list[tuple]] = {}
    if rows:
        for site_id, *fields in Site.types.through.objects.filter(
            site_id__in=[r[0] for r in rows]
        ).values_list(
            "site_id",
            "servicetype__order",
            "servicetype__name",
            "servicetype__code",
            "servicetype__icon",
            "servicetype__color",
        ):
            types_of.setdefault(site_id, []).append(tuple(fields))
    marker = 987654321
    url = reverse("services:site_detail", args=[marker]).replace(str(marker), "{}")
    features = []
    for pk, name, lon, lat, status, review in rows:
        types = sorted(types_of.get(pk, ()))  # by order, then name, as the catalogue
        _order, _name, code, icon, color = types[0] if types else (0, "", "", "•", "#64748b")
        features.append(
            {
                "type": "Feature",
                "id": pk,
                "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
                "properties": {
                    "id": pk,
                    "name": name,
                    "url": url.format(pk),
                    "types": [t[1] for t in types],
                    "code": code,
                    "icon": icon,
                    "color": color,
                    "ink": ink_on(color),
                    "status": status,
                    "review": review,
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "mode": "points",
        "zoom": view.zoom,
        "total": len(features),
        "truncated": truncated,
        "features": features,
    }


def site_map_extent(queryset: QuerySet[Site]) -> list[float] | None:
    """[minlon, minlat, maxlon, maxlat] of the filtered sites (one aggregate query), for the
    page's first view; None when there are none."""
    box = queryset.order_by().aggregate(
        minx=Min(_x()), miny=Min(_y()), maxx=Max(_x()), maxy=Max(_y())
    )
    if box["minx"] is None:
        return None
    return [round(box[k], 6) for k in ("minx", "miny", "maxx", "maxy")]

"""Reading regions: the tree, and which kelurahan holds a point."""

from django.contrib.gis.geos import Point

from .models import Level, Region


def kelurahan_at(point: Point) -> Region | None:
    """The kelurahan whose boundary holds the point, or None outside every kelurahan."""
    return (
        Region.objects.filter(level=Level.KELURAHAN, boundary__intersects=point)
        .only("code", "name", "parent_id")
        .order_by("code")
        .first()
    )


def region_children(region: Region):
    return Region.objects.filter(parent=region).only("code", "name", "level").order_by("code")


def region_ancestors(region: Region) -> list[Region]:
    """Province down to the region's parent, in one query."""
    codes = region.ancestor_codes
    by_code = Region.objects.only("code", "name", "level").in_bulk(codes)
    return [by_code[c] for c in codes if c in by_code]

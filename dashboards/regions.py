import json

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from accounts import scoping
from regions.models import Level, Region
from regions.selectors import region_ancestors, region_children


@require_GET
def region_root(request):
    province = get_object_or_404(Region, level=Level.PROVINSI, code="31")
    return redirect(province)


@require_GET
def region_detail(request, code):
    # Regions are public facts: every signed-in user may read them.
    region = get_object_or_404(Region.objects.defer("boundary"), code=code)
    ctx = {
        "region": region,
        "ancestors": region_ancestors(region),
        "children": region_children(region),
        "may_change": scoping.may_change(request.user, region_code=region.code),
        "may_see_private": scoping.may_see_private(request.user, region_code=region.code),
    }
    return render(request, "regions/detail.html", ctx)


@require_GET
def region_boundary(request, code):
    """The boundary of a region and its children as GeoJSON, for the map."""
    region = get_object_or_404(Region.objects.only("code", "name", "level", "boundary"), code=code)
    features = []
    rows = [region, *Region.objects.filter(parent=region).only("code", "name", "level", "boundary")]
    for r in rows:
        if r.boundary is None:
            continue
        # Simplified for the browser: about 5 m is plenty at kelurahan zoom.
        geom = r.boundary.simplify(0.00005, preserve_topology=True)
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "code": r.code,
                    "name": r.name,
                    "level": r.level,
                    "role": "self" if r is region else "child",
                    "url": r.get_absolute_url(),
                },
                "geometry": json.loads(geom.geojson),
            }
        )
    body = json.dumps({"type": "FeatureCollection", "features": features})
    response = HttpResponse(body, content_type="application/geo+json")
    response["Cache-Control"] = "private, max-age=3600"
    return response

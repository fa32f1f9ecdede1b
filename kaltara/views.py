from django.shortcuts import redirect, render

from accounts import scoping
from accounts.models import Role
from regions.models import Region


def home(request):
    """The landing page: a user's own regions first, then the province."""
    grants = scoping.grants_for(request.user)
    codes = sorted({g.region_code for g in grants if g.role != Role.ADMIN})
    if len(codes) == 1:
        return redirect("regions:detail", code=codes[0])
    regions = Region.objects.filter(code__in=codes).only("code", "name", "level")
    return render(request, "home.html", {"regions": regions})

"""The portal's plumbing pages: the health check and the signed-in baseline."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, HttpResponseRedirect
from django.templatetags.static import static
from django.views.decorators.http import require_GET, require_safe


@login_not_required
@require_GET
def healthz(request):
    # Public, no session, no database: for monitoring (is the process up?).
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def ping(request):
    """A trivial signed-in page: the load test's baseline for the dashboards.

    It pays what every portal page pays before its own work (the middleware, the session,
    the user row read by LoginRequiredMiddleware) and nothing else: the dashboards' cost is
    measured against it, not against /healthz, which skips the session and the database.
    """
    return HttpResponse("pong", content_type="text/plain")


@login_not_required
@require_safe
def favicon(request):
    """/favicon.ico, which browsers ask for where a page names no icon (a JSON answer, a
    download): the portal's SVG icon, under its collected (hashed) name, never a 404."""
    return HttpResponseRedirect(static("favicon.svg"))

"""The server error handler: a database outage is a 503 that says "try again shortly".

Django calls handler500 inside the `except` block of the failed request, so the exception is
in sys.exc_info(). The pages (templates/500.html, 503.html) render without a request: no
context processors, no session, no database, because the database may be what failed.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

# Seconds a browser or proxy may wait before asking again; a restart takes about this long.
RETRY_AFTER_S = 30


def database_unavailable(exc: BaseException | None) -> bool:
    """True for a refused, lost or closed database connection (Django wraps the driver's
    errors in these two, connecting included), not for a bad query or a constraint."""
    return isinstance(exc, OperationalError | InterfaceError)


def database_busy(exc: BaseException | None) -> bool:
    """The embedded database waited its whole busy timeout for another writer: it is there,
    only busy (web.db sets the timeout), and the page must say so, not "unreachable"."""
    return isinstance(exc, OperationalError) and "locked" in str(exc).lower()


@requires_csrf_token
def server_error(request, *args, **kwargs):
    exc = sys.exc_info()[1]
    if database_unavailable(exc):
        busy = database_busy(exc)
        page = loader.get_template("503.html").render({"busy": busy})
        response = HttpResponse(page, status=503)
        response["Retry-After"] = str(RETRY_AFTER_S)
    else:
        response = HttpResponseServerError(loader.get_template("500.html").render())
    # An error page must never be cached by a proxy as the page itself.
    response["Cache-Control"] = "no-store"
    return response

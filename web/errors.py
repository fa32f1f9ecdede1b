"""The portal's error pages: in its frame and the request's language, saying what happened
and where to go (back, home, sign in), and never how the portal is built (no URL patterns, no
exception text, no object names: a page out of the user's scope is a 404 like a missing one).

- 403 and 404 (handler403, handler404) render base.html with the request: the user is known,
  the navigation works.
- 400 (handler400), the CSRF refusal (CSRF_FAILURE_VIEW, a 403), 413 (web.limits) and 500/503
  (handler500) render _error_page.html without a request context: a 400 may be a bad Host
  header, a 413 has not read its body, and a 500 may be the database failing. Their language
  is web.i18n.request_language's.

Django calls handler500 inside the `except` block of the failed request, so the exception is
in sys.exc_info(). The 500 and 503 pages (templates/500.html, 503.html) use no context
processors, no session, no database, because the database may be what failed.
"""

import sys

from django.core.exceptions import DisallowedHost
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import requires_csrf_token

from web.i18n import request_language

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


def back_url(request) -> str | None:
    """The page the user came from (the Referer), if it is one of this portal's: the way back
    from an error. None for none, another site's, or a request whose Host is refused."""
    referer = request.META.get("HTTP_REFERER")
    if not referer:
        return None
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    if not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={host}, require_https=request.is_secure()
    ):
        return None
    return referer


def _no_store(response: HttpResponse) -> HttpResponse:
    # An error page must never be cached by a proxy as the page itself.
    response["Cache-Control"] = "no-store"
    return response


def framed_page(request, template_name: str, status: int, context: dict | None = None):
    """An error page in _error_page.html's frame, rendered without the request's context
    processors (no session, no user, no database) in the request's language."""
    with translation.override(request_language(request)):
        page = loader.get_template(template_name).render(
            {"back_url": back_url(request), **(context or {})}
        )
    return _no_store(HttpResponse(page, status=status))


@requires_csrf_token
def bad_request(request, exception=None):
    return framed_page(request, "400.html", 400)


def csrf_failure(request, reason=""):
    # CSRF_FAILURE_VIEW: a form left open past its session, most often. The reason is for logs.
    return framed_page(request, "403_csrf.html", 403)


def _with_request(request, template_name: str, status: int):
    with translation.override(request_language(request)):
        response = render(request, template_name, {"back_url": back_url(request)}, status=status)
    return _no_store(response)


@requires_csrf_token
def permission_denied(request, exception=None):
    # The exception's text is never shown: it may name what the user may not see.
    return _with_request(request, "403.html", 403)


@requires_csrf_token
def page_not_found(request, exception=None):
    # Nor is a Resolver404's list of the patterns tried, nor an Http404's model name.
    return _with_request(request, "404.html", 404)


@requires_csrf_token
def server_error(request, *args, **kwargs):
    exc = sys.exc_info()[1]
    with translation.override(request_language(request)):
        if database_unavailable(exc):
            busy = database_busy(exc)
            page = loader.get_template("503.html").render(
                {"busy": busy, "back_url": back_url(request)}
            )
            response = HttpResponse(page, status=503)
            response["Retry-After"] = str(RETRY_AFTER_S)
        else:
            page = loader.get_template("500.html").render({"back_url": back_url(request)})
            response = HttpResponseServerError(page)
    return _no_store(response)

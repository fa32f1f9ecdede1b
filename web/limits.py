"""A cap on the size of a request body, checked before anything reads it.

Django writes an upload to a temporary file before any form sees it, and the CSRF check
reads the body of any POST (signed in or not), so without a cap a stranger could fill the
disk with one request. The largest legitimate request is a document or link evidence form
(5 MB file, see services.models.MAX_DOCUMENT_BYTES) or an Excel file (2 MB).
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from web.errors import framed_page
from web.i18n import cookie_language

# SERVER_SOFTWARE of wsgiref.simple_server, which Django's development server is built on.
WSGIREF = "WSGIServer/"


class RequestBodyLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body it cannot measure
        limit = settings.KALTARA_MAX_REQUEST_BYTES
        if length > limit:
            return self.refuse(request, length, limit)
        return self.get_response(request)

    @staticmethod
    def refuse(request, length: int, limit: int):
        """The portal's 413 page, in the language of the switch's cookie (this middleware runs
        before the user is known; the account's choice reaches the cookie on any page)."""
        with translation.override(cookie_language(request)):
            message = _(
                "Kiriman terlalu besar (%(size)s MB; batasnya %(max)s MB). "
                "Perkecil berkasnya lalu unggah lagi."
            ) % {"size": length // (1024 * 1024), "max": limit // (1024 * 1024)}
        response = framed_page(request, "413.html", 413, {"message": message})
        if not request.META.get("SERVER_SOFTWARE", "").startswith(WSGIREF):
            # The body was not read: the connection cannot be reused for another request.
            response["Connection"] = "close"
        # Python's wsgiref (Django's runserver, `make run`) refuses hop-by-hop headers
        # from the application with a bare 500; it closes the connection itself after
        # reading what is left of the body (django.core.servers.basehttp.ServerHandler).
        return response

"""The portal's language for a request, whatever the browser says.

Officials keep English-locale phones, yet the portal is Indonesian first: the browser's
Accept-Language never decides. The language is the user's saved choice (accounts.locale,
which knows the user), else the cookie the language switch sets (for pages before signing
in), else settings.LANGUAGE_CODE. This module knows no user: it is what the pages answered
before the user is known (the 413 of web.limits, the error pages) may use.
"""

from django.conf import settings
from django.utils import translation


def supported(code: str | None) -> str | None:
    """`code` if it names one of settings.LANGUAGES (or a variant of one), else None."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def cookie_language(request) -> str:
    """The language of the switch's cookie, else the portal's default (never the browser's)."""
    return supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)) or settings.LANGUAGE_CODE


def request_language(request) -> str:
    """The language the locale middleware chose for this request, or, for a request it has not
    reached yet (refused by an earlier middleware), the cookie's language or the default."""
    return getattr(request, "LANGUAGE_CODE", None) or cookie_language(request)

"""The portal's language: the user's choice, never the browser's.

Django's LocaleMiddleware follows Accept-Language, so an official's English-locale phone got
the English portal on first visit. Here the language is the user's saved choice (User.language,
set by the header's language switch), else the switch's cookie (the login page and other pages
before signing in), else settings.LANGUAGE_CODE, Bahasa Indonesia (web.i18n).

The middleware stands after AuthenticationMiddleware: it needs request.user (the row every
signed-in page loads anyway). Pages answered before it (web.limits' 413, an early 400) take the
cookie's language through web.i18n.request_language.
"""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.deprecation import MiddlewareMixin

from web.i18n import cookie_language, supported

from .models import User


def saved_language(user) -> str | None:
    """The language the signed-in user chose, if any (and if the portal still offers it)."""
    if user is None or not user.is_authenticated:
        return None
    return supported(user.language)


def language_save(user: User, code: str) -> bool:
    """Keep `code` as the user's language (one of settings.LANGUAGES exactly); False if not."""
    if code not in dict(settings.LANGUAGES):
        return False
    if user.language != code:
        # A plain update: User.save() would write every field of a row loaded at the request's
        # start. The object in hand follows, for the rest of this request.
        User.objects.filter(pk=user.pk).update(language=code)
        user.language = code
    return True


def set_language_cookie(response, code: str) -> None:
    # The parameters of django.views.i18n.set_language's cookie.
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


class UserLocaleMiddleware(MiddlewareMixin):
    """Activates the request's language (see the module docstring); in place of Django's
    LocaleMiddleware, which would read Accept-Language."""

    def process_request(self, request):
        language = saved_language(getattr(request, "user", None)) or cookie_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        language = getattr(request, "LANGUAGE_CODE", None) or translation.get_language()
        # The page depends on the session's user or the language cookie, never on
        # Accept-Language: caches must key it by the cookies.
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        saved = saved_language(getattr(request, "user", None))
        if (
            saved
            and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != saved
            and settings.LANGUAGE_COOKIE_NAME not in response.cookies
        ):
            # The browser learns the account's choice, so the login page after signing out
            # (and a refused upload, web.limits) speaks it too.
            set_language_cookie(response, saved)
        return response

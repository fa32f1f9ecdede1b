"""Authorization: Bearer <token>: a personal token acts as its user.

A revoked token, a token of a deactivated user and an unknown one are all refused the same
way (401, nothing said about which): a stolen token's holder learns nothing from trying.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from . import selectors, services

KEYWORD = "Bearer"


class BearerTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None  # not ours: the session may still authenticate the request
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Header Authorization: Bearer <token>."))
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Token tidak berlaku.")) from None
        token = selectors.token_for_secret(secret)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Token tidak berlaku."))
        services.token_touch(token)
        return token.user, token

    def authenticate_header(self, request):
        # Makes DRF answer 401 (with this challenge) rather than 403 to a request without
        # credentials.
        return f'{KEYWORD} realm="api"'

"""Writing API tokens: made by their owner, revoked by their owner, marked when used."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ApiToken

# More live tokens than this per user is a sign of tokens made and forgotten.
MAX_ACTIVE_TOKENS = 10
PREFIX_LENGTH = 8
# last_used_at is written at most this often per token: an API client's every request
# would otherwise be a write (and on SQLite wait for the one writer).
TOUCH_INTERVAL = timedelta(minutes=5)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown to the owner once, stored nowhere


class StaleToken(Exception):
    """The token was revoked or changed since the owner's page was read (or no version)."""


def token_create(*, user, name: str) -> NewToken:
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            _(
                "Sudah ada %(n)d token aktif: cabut token yang tidak dipakai lagi sebelum "
                "membuat yang baru."
            ),
            params={"n": MAX_ACTIVE_TOKENS},
            code="too_many_tokens",
        )
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=secret[:PREFIX_LENGTH], key_hash=hash_secret(secret)
    )
    return NewToken(token=token, secret=secret)


def token_revoke(*, token: ApiToken, version: int | None) -> ApiToken:
    """Revoke the token if it is still as the owner saw it (its version), else StaleToken.

    One conditional UPDATE: two revokes at once, or a revoke of a page read before another
    tab revoked it, find the row changed and are refused.
    """
    if version is None:
        raise StaleToken
    now = timezone.now()
    done = ApiToken.objects.filter(pk=token.pk, version=version, revoked_at__isnull=True).update(
        revoked_at=now, version=F("version") + 1
    )
    if not done:
        raise StaleToken
    token.refresh_from_db()
    return token


def token_touch(token: ApiToken) -> None:
    """Note that the token was used now, at most once per TOUCH_INTERVAL."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_INTERVAL:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOUCH_INTERVAL)
    ).update(last_used_at=now)
    token.last_used_at = now

"""Taking back a member's removal: one offer per session, for a short while.

After a removal the write view remembers, in the user's session, which site left which
kawasan and the version the removal moved the kawasan to. The kawasan page offers
"Urungkan" while the offer is young and nobody has changed the kawasan since (its version is
still that one); the undo is then an edit like any other, carrying that version
(membership.kawasan_member_restore). The session is the signed-in user's own, and the offer
also names the user: nobody else can take it back. It leaves the session once used.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from .models import Kawasan

SESSION_KEY = "kawasan_undo"
UNDO_SECONDS = 10 * 60


@dataclass(frozen=True)
class UndoOffer:
    kawasan_id: int
    site_id: int
    was_hub: bool  # the removed member was the hub: the undo makes it the hub again
    version: int  # the kawasan's version right after the removal
    user_id: int
    at: float  # time.time() of the removal

    @property
    def expires_at(self) -> datetime:
        return datetime.fromtimestamp(self.at + UNDO_SECONDS, tz=UTC)

    @property
    def seconds_left(self) -> int:
        return max(0, int(self.at + UNDO_SECONDS - time.time()))


def remember_removal(request, kawasan: Kawasan, site_id: int, *, was_hub: bool) -> None:
    request.session[SESSION_KEY] = {
        "kawasan": kawasan.pk,
        "site": site_id,
        "hub": was_hub,
        "version": kawasan.version,
        "user": request.user.pk,
        "at": time.time(),
    }


def _read(request) -> UndoOffer | None:
    raw = request.session.get(SESSION_KEY)
    if not isinstance(raw, dict):
        return None
    try:
        offer = UndoOffer(
            kawasan_id=int(raw["kawasan"]),
            site_id=int(raw["site"]),
            was_hub=bool(raw["hub"]),
            version=int(raw["version"]),
            user_id=int(raw["user"]),
            at=float(raw["at"]),
        )
    except (KeyError, TypeError, ValueError):
        return None
    return offer


def undo_offer(request, kawasan: Kawasan) -> UndoOffer | None:
    """The removal this user may still take back on this kawasan, if any."""
    offer = _read(request)
    if (
        offer is None
        or offer.kawasan_id != kawasan.pk
        or offer.user_id != request.user.pk
        or offer.seconds_left <= 0
        or offer.version != kawasan.version  # changed since: the undo would be stale
    ):
        return None
    return offer


def undo_forget(request) -> None:
    """An undo is taken once: the offer leaves the session when it has been used."""
    request.session.pop(SESSION_KEY, None)

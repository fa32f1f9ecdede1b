"""Password guessing: two counts, per username (from any address) and per address (for any
username), so neither one address spraying many usernames nor many addresses guessing one
password get far.

django-axes stores each failed attempt and compares one number with AXES_FAILURE_LIMIT; this
handler gives it the larger of the two counts, the address count scaled to that limit:
five wrong passwords for one username lock that username out (any address) and twenty
from one address, whatever the usernames, lock that address out (an office behind one
address holds many officers: a few typos each must not lock them all out). Both for
AXES_COOLOFF_TIME. A successful sign-in clears that username's failures only: a valid
account cannot reset its address's count and spray on.
"""

from dataclasses import dataclass

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


@dataclass(frozen=True)
class Failures:
    by_username: int
    by_address: int

    @property
    def tries_left(self) -> int:
        """Wrong passwords still accepted before a lockout (0: locked)."""
        return max(
            0,
            min(
                settings.AXES_FAILURE_LIMIT - self.by_username,
                settings.KALTARA_ADDRESS_FAILURE_LIMIT - self.by_address,
            ),
        )


def _total(queryset) -> int:
    return queryset.aggregate(n=Sum("failures_since_start"))["n"] or 0


def failures(request, credentials=None) -> Failures:
    recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
    username = get_client_username(request, credentials)
    return Failures(
        by_username=_total(recent.filter(username=username)) if username else 0,
        by_address=_total(recent.filter(ip_address=request.axes_ip_address)),
    )


class LockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        counts = failures(request, credentials)
        scaled = (
            counts.by_address
            * settings.AXES_FAILURE_LIMIT
            // settings.KALTARA_ADDRESS_FAILURE_LIMIT
        )
        return max(counts.by_username, scaled)

    def reset_user_attempts(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count

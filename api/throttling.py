"""Requests per user and hour (settings.KALTARA_API_RATE, "1000/hour" by default).

A session and the user's tokens share one budget: they are the same user. The rate is read
at each request (not at import, as DRF's own class does), so a test or a deploy setting
takes effect. When the cache cannot be reached the request is let through: a cache outage
must not take the API down with it (the portal's pages degrade the same way).
"""

import logging

from django.conf import settings
from rest_framework.throttling import UserRateThrottle

logger = logging.getLogger(__name__)


class PortalUserRateThrottle(UserRateThrottle):
    scope = "user"

    def get_rate(self):
        return settings.KALTARA_API_RATE

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception:  # the cache backend's errors: any of its client library's
            logger.warning("API throttle: cache unavailable, request let through", exc_info=True)
            return True

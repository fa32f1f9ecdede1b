"""Back to the page an action was opened from: the `kembali` parameter.

A next step on a kawasan's score (dashboards.next_steps) opens an action in a lower app (a
link form, a checklist, a kawasan preview) with `?kembali=<the score page's path>`. The
action's form posts back to its own URL, query string included, so the parameter arrives
with the write; when the write succeeds the view sends the user there instead of its usual
page. Only a path on this site is followed: never another host or scheme (an open redirect).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.utils.http import url_has_allowed_host_and_scheme

PARAM = "kembali"
MAX_LENGTH = 500


def return_path(request) -> str | None:
    """The same-site path in `kembali` (posted or in the query string), else None."""
    raw = request.POST.get(PARAM) or request.GET.get(PARAM) or ""
    return safe_path(raw, request)


def safe_path(raw: str, request) -> str | None:
    """`raw` if it is a path on this site ("/kawasan/12/?x=1"), else None."""
    if not raw or len(raw) > MAX_LENGTH or not raw.startswith("/") or raw.startswith("//"):
        return None
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc or "\\" in raw:
        return None
    allowed = url_has_allowed_host_and_scheme(
        raw, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return raw if allowed else None

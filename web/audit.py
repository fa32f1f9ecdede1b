"""Marking the views whose response is a download of the portal's data.

audit.middleware.DownloadAuditMiddleware records every successful response of a marked view
(who, which view, which path, when). The mark is set where the view is defined, so a new
download view is audited by the line that declares it, and the audit app (above every other
app) needs to know no other app's URL names.

    @audited_download
    @require_GET
    def export_download(request, pk): ...

Put it on top of the other decorators. It is a plain function attribute; decorators that use
functools.wraps (require_GET, login_required, provincial_required) copy it outward anyway,
and is_audited_download also follows __wrapped__, so it holds in any position among those.
"""

MARK = "audited_download"


def audited_download(view):
    """Mark a view function as handing out data as a file (see the module docstring)."""
    setattr(view, MARK, True)
    return view


def is_audited_download(view) -> bool:
    seen = set()
    while view is not None and id(view) not in seen:
        if getattr(view, MARK, False):
            return True
        seen.add(id(view))
        view = getattr(view, "__wrapped__", None)
    return False

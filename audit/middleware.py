"""Downloads leave a trace: who took which export or document, and when.

Which views hand out data as a file is marked where each is defined (web.audit's
@audited_download); a successful response of a marked view is recorded under its URL name.
A refused or missing one (403, 404) changes nothing and is not.
"""

from web.audit import is_audited_download

from .models import Download


class DownloadAuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if (
            match is not None
            and response.status_code == 200
            and is_audited_download(match.func)
            and request.user.is_authenticated
        ):
            Download.objects.create(
                user=request.user, view=match.view_name, path=request.get_full_path()[:500]
            )
        return response

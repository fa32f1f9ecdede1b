"""Downloads leave a trace: who took which export or document, and when."""

from .models import Download

# The views that hand out data as a file. A successful response is recorded; a refused or
# missing one (403, 404) changes nothing and is not.
AUDITED_VIEWS = frozenset(
    {
        "kaltara:export_rankings",
        "kaltara:export_areas",
        "kaltara:export_download",
        "spreadsheet:export",
        "services:document_download",
        "services:link_evidence",
    }
)


class DownloadAuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if (
            match is not None
            and match.view_name in AUDITED_VIEWS
            and response.status_code == 200
            and request.user.is_authenticated
        ):
            Download.objects.create(
                user=request.user, view=match.view_name, path=request.get_full_path()[:500]
            )
        return response

"""Which views are audited downloads is marked where each view is defined (web.audit)."""

from django.urls import URLPattern, URLResolver, get_resolver
from django.views.decorators.http import require_GET

from web.audit import audited_download, is_audited_download

# The URL names the audit trail records (and shows by name: audit/selectors.py).
EXPECTED = {
    "kaltara:export_rankings",
    "kaltara:export_areas",
    "kaltara:export_download",
    "spreadsheet:export",
    "services:document_download",
    "services:link_evidence",
}


def _marked(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _marked(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and is_audited_download(entry.callback):
            yield f"{namespace}{entry.name}"


def test_exactly_the_download_views_are_marked():
    assert set(_marked(get_resolver().url_patterns)) == EXPECTED


def test_the_mark_survives_other_decorators_in_either_position():
    def view(request):
        return None

    def bare(view):
        # A decorator that copies nothing, not even __wrapped__.
        return lambda request: view(request)

    assert is_audited_download(audited_download(require_GET(view)))
    assert is_audited_download(require_GET(audited_download(lambda request: None)))
    assert is_audited_download(audited_download(bare(lambda request: None)))
    assert not is_audited_download(require_GET(view))

"""The open-data page (/data-terbuka/) and its files: thin views over downloads.

A file is cached (web.fragments) under the version of the data it holds, so the next
download before a change costs one version query: the whole directory as .xlsx takes about
a second to build (README).
"""

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse

from web.fragments import cache_key, cached

from . import downloads
from .access import open_data_view
from .selectors import open_sites
from .versions import scores_version, sites_version


@open_data_view
def index(request):
    datasets = [
        {
            "dataset": d,
            "files": [(fmt, reverse("opendata:download", args=[d.slug, fmt])) for fmt in d.formats],
        }
        for d in downloads.DATASETS
    ]
    return render(
        request,
        "opendata/index.html",
        {
            "datasets": datasets,
            "site_count": open_sites().count(),
            "licence": downloads.licence(),
            "hsds_root": request.build_absolute_uri(reverse("hsds:root")),
        },
    )


@open_data_view
def download(request, slug, fmt):
    dataset = downloads.DATASETS_BY_SLUG.get(slug)
    if dataset is None or fmt not in dataset.formats:
        raise Http404
    version = sites_version() if slug == "situs" else scores_version()
    key = cache_key("opendata-file", version, slug, fmt)
    body = cached(key, lambda: downloads.dataset_file(slug, fmt))
    response = HttpResponse(body, content_type=downloads.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{downloads.filename(slug, fmt)}"'
    return response


@open_data_view
def dictionary(request):
    return JsonResponse(downloads.dictionary(), json_dumps_params={"ensure_ascii": False})

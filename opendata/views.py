"""The open-data page (/data-terbuka/) and its files: thin views over downloads."""

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse

from . import downloads
from .access import open_data_view
from .selectors import open_sites


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
    body, content_type = downloads.dataset_file(slug, fmt)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{downloads.filename(slug, fmt)}"'
    return response


@open_data_view
def dictionary(request):
    return JsonResponse(downloads.dictionary(), json_dumps_params={"ensure_ascii": False})

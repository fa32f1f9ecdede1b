"""The one pagination partial (templates/_pagination.html) keeps the list's filters."""

import re

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory


def _links(path):
    request = RequestFactory().get(path)
    page = Paginator(range(100), 10).get_page(request.GET.get("page"))
    html = render_to_string("_pagination.html", {"page": page}, request=request)
    return re.findall(r'href="([^"]+)"', html)


def test_it_keeps_the_filters_and_replaces_only_the_page():
    assert _links("/situs/?q=Situs&jenis=sd&page=3") == [
        "?q=Situs&amp;jenis=sd&amp;page=2",
        "?q=Situs&amp;jenis=sd&amp;page=4",
    ]


def test_the_first_and_last_pages_link_one_way():
    assert _links("/situs/") == ["?page=2"]
    assert _links("/situs/?page=10&wilayah=31.75") == ["?page=9&amp;wilayah=31.75"]


def test_a_single_page_renders_nothing():
    request = RequestFactory().get("/")
    page = Paginator(range(3), 10).get_page(1)
    assert render_to_string("_pagination.html", {"page": page}, request=request).strip() == ""

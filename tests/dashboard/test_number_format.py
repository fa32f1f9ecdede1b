"""Numbers in the active language: a decimal comma in Indonesian ("Skor 172,1"), a point in
English; drawing coordinates of the SVG charts stay machine numbers in both."""

import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import translation

from dashboards.charts import trend_chart
from kawasan.models import Kawasan, Membership
from tests.factories import RAWA_BUNGA, make_site

AREA = f"/dasbor/wilayah/{RAWA_BUNGA}/"
SCORE = re.compile(r'id="kawasan-score">([^<]+)<')


@pytest.fixture
def kawasan(db, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "kaltara-number-tests",
        }
    }
    cache.clear()
    rptra = make_site("RPTRA Angka", RAWA_BUNGA, types=("rptra",), public=True)
    puskesmas = make_site("Puskesmas Angka", RAWA_BUNGA, public=True)
    kawasan = Kawasan.objects.create(name="Kawasan Angka", region_id=RAWA_BUNGA, hub=rptra)
    for site in (rptra, puskesmas):
        Membership.objects.create(kawasan=kawasan, site=site)
    yield kawasan
    cache.clear()


def _score(client, language=None) -> str:
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(AREA).content.decode()
    match = SCORE.search(page)
    assert match, "the area dashboard shows the kawasan's score"
    return match.group(1)


@pytest.mark.django_db
def test_the_score_has_a_decimal_comma_in_indonesian_and_a_point_in_english(client, lurah, kawasan):
    client.force_login(lurah)
    indonesian = _score(client)
    english = _score(client, "en")
    assert re.fullmatch(r"\d+,\d", indonesian), indonesian
    assert re.fullmatch(r"\d+\.\d", english), english
    assert indonesian.replace(",", ".") == english


@pytest.mark.django_db
def test_the_kawasan_report_writes_the_score_in_the_language(client, lurah, kawasan):
    client.force_login(lurah)
    url = f"/laporan/kawasan/{kawasan.pk}/"
    indonesian = client.get(url).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(url).content.decode()
    assert re.search(r"Skor integrasi: \d+,\d</strong>", indonesian)
    assert re.search(r"Integration score: \d+\.\d</strong>", english)


@pytest.mark.parametrize(("language", "shown"), [("id", "172,1"), ("en", "172.1")])
def test_the_trend_charts_values_follow_the_language_and_its_drawing_does_not(language, shown):
    chart = trend_chart(["Jan", "Feb"], [("Rawa Bunga", [172.1, 180.25])])
    with translation.override(language):
        svg = render_to_string("dashboard/_trend.svg.html", {"chart": chart, "label": "Tren"})
    assert f"Rawa Bunga Jan: {shown}</title>" in svg
    # Coordinates are for the browser, never localized.
    coordinates = re.findall(r'c[xy]="([^"]+)"', svg)
    assert coordinates and all("," not in c for c in coordinates)
    points = re.search(r'points="([^"]+)"', svg).group(1).split()
    assert all(re.fullmatch(r"[\d.]+,[\d.]+", p) for p in points), points

"""Text on the catalogue's colours reads at WCAG 2.1 AA (4.5:1) on chips and markers."""

import pytest

from sites.models import ServiceType
from web.colors import DARK, LIGHT, contrast, ink_on, luminance

pytestmark = pytest.mark.django_db


def test_it_gives_every_service_type_a_text_colour_of_at_least_4_5_to_1():
    types = list(ServiceType.objects.all())
    assert len(types) >= 20  # the migrations' catalogue
    weak = [(t.code, t.color, t.ink) for t in types if contrast(t.color, t.ink) < 4.5]
    assert not weak, weak
    # Both inks are used: the catalogue has light fills (yellow, sky) and dark ones (navy).
    assert {t.ink for t in types} == {DARK, LIGHT}


def test_it_measures_luminance_and_contrast_as_wcag_defines_them():
    assert luminance("#000") == 0 and luminance("#ffffff") == 1
    assert round(contrast("#000000", "#ffffff"), 2) == 21
    assert round(contrast("#767676", "#ffffff"), 2) == 4.54  # WCAG's classic grey
    assert ink_on("#eab308") == DARK and ink_on("#1e40af") == LIGHT


def test_it_writes_white_on_a_colour_it_cannot_read():
    assert ink_on("red") == LIGHT and ink_on("") == LIGHT

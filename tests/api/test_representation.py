"""The site list's features are written by hand for speed (api.serializers.site_features):
they must be exactly what SiteFeatureSerializer, the documented shape, writes."""

import json

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.renderers import JSONRenderer

from api import serializers, services
from sites.models import Site
from tests.factories import KAMPUNG_MELAYU, RAWA_BUNGA, make_site

pytestmark = pytest.mark.django_db


def test_the_list_writes_what_the_serializer_writes(provinsi, rf):
    make_site("Posyandu Melati", RAWA_BUNGA, types=("posyandu", "rptra"), public=True)
    make_site("SD Kampung Melayu", KAMPUNG_MELAYU, types=("sd",), address="Jl. Uji 1")
    secret = services.token_create(user=provinsi, name="t").secret
    listed = json.loads(
        Client().get(reverse("api:site-list"), HTTP_AUTHORIZATION=f"Bearer {secret}").content
    )["features"]
    sites = (
        Site.objects.select_related("kelurahan", "kelurahan__parent")
        .prefetch_related("types")
        .order_by("name", "pk")
    )
    request = rf.get("/")
    described = serializers.SiteFeatureSerializer(sites, many=True, context={"request": request})
    # Through the same renderer: the serializer's dates, floats and lists as JSON.
    assert listed == json.loads(JSONRenderer().render(described.data))["features"]
    assert [f["properties"]["name"] for f in listed] == ["Posyandu Melati", "SD Kampung Melayu"]

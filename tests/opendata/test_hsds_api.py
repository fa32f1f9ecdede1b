"""The HSDS 3.0 read API: every object validates against the HSDS schemas, HSDS pagination,
the filters of schema/openapi.json, stable ids, and nothing outside the open rule."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from opendata import hsds, ids
from sites.models import ServiceType, Site
from tests.opendata.conftest import assert_page, assert_valid

pytestmark = pytest.mark.django_db

LISTS = {
    "hsds:services": "service",
    "hsds:service_at_locations": "service_at_location",
    "hsds:organizations": "organization",
    "hsds:taxonomies": "taxonomy",
    "hsds:taxonomy_terms": "taxonomy_term",
}
DETAILS = {
    "service": "hsds:service",
    "service_at_location": "hsds:service_at_location",
    "organization": "hsds:organization",
    "taxonomy": "hsds:taxonomy",
    "taxonomy_term": "hsds:taxonomy_term",
}


def get(client, name, *args, **params):
    response = client.get(reverse(name, args=args), params)
    assert response.status_code == 200, (name, params, response.content[:300])
    return response.json()


def walk(client) -> list[tuple[str, dict]]:
    """(kind, object) of everything the API answers: every list, plain and full, and every
    object's detail; each page validated as an HSDS Page."""
    found = []
    for name, kind in LISTS.items():
        for variant in ({}, {"full": "true"}, {"full_service": "true"}, {"minimal": "true"}):
            body = get(client, name, per_page=1000, **variant)
            assert_page(body)
            found += [(kind, obj) for obj in body["contents"]]
    for kind, obj in list(found):
        detail = get(client, DETAILS[kind], obj["id"])
        found.append((kind, detail))
        if kind == "organization":
            full = get(client, DETAILS[kind], obj["id"], full_service="true")
            found += [("service", s) for s in full["services"]]
    return found


def test_every_object_validates_against_the_hsds_schemas(anonymous, directory):
    objects = walk(anonymous)
    kinds = {kind for kind, _obj in objects}
    assert kinds == set(DETAILS)
    for kind, obj in objects:
        assert_valid(kind, obj)
        # The nested parts validate as what they are too (their schemas are $refs already;
        # this names the failing part when one does not).
        for sal in obj.get("service_at_locations", []):
            assert_valid("service_at_location", sal)
            assert_valid("location", sal["location"])
        if "organization" in obj:
            assert_valid("organization", obj["organization"])
        for service in obj.get("services", []):
            assert_valid("service", service)


def test_the_root_names_the_version_the_openapi_document_and_the_attribution(anonymous):
    body = get(anonymous, "hsds:root")
    assert body["version"] == "3.0"
    assert body["openapi_url"].endswith("/api/hsds/openapi.json")
    assert "Open Referral" in body["attribution"]
    assert "CC BY-SA 4.0" in body["licence"]["hsds"]["name"]
    assert "CC BY 4.0" in body["licence"]["portal"]["name"]
    document = get(anonymous, "hsds:openapi")
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) >= {"/", "/services", "/services/{id}", "/taxonomy_terms"}
    assert "REQUIRED" not in json.dumps(document["info"])
    assert anonymous.head(reverse("hsds:services")).status_code == 200
    assert anonymous.post(reverse("hsds:services")).status_code == 405


def test_each_open_site_is_a_location_with_one_service_per_type(anonymous, directory):
    verified, two_roles, registered = directory.public
    body = get(anonymous, "hsds:services", full="true", per_page=100)
    by_location = {}
    for service in body["contents"]:
        (sal,) = service["service_at_locations"]
        by_location.setdefault(sal["location"]["id"], []).append(service)
    assert set(by_location) == {ids.location_id(s.pk) for s in directory.public}
    assert len(by_location[ids.location_id(two_roles.pk)]) == 2
    names = {s["name"] for s in by_location[ids.location_id(two_roles.pk)]}
    assert names == {
        "SDN Terbuka Menteng – SD",
        "SDN Terbuka Menteng – Perpustakaan ramah anak / PISA",
    }
    (rptra,) = by_location[ids.location_id(verified.pk)]
    assert rptra["assured_date"] == timezone.localdate(verified.verified_at).isoformat()
    assert "Terverifikasi" in rptra["description"]
    assert rptra["organization"]["name"] == ("Suku Dinas PPAPP Kota Administrasi Jakarta Timur")
    (smp,) = by_location[ids.location_id(registered.pk)]
    assert "assured_date" not in smp
    assert "belum diverifikasi" in smp["description"]
    location = smp["service_at_locations"][0]["location"]
    assert location["external_identifier"] == "20100001"
    assert location["external_identifier_type"] == "NPSN"
    assert location["addresses"][0]["address_1"] == "Jl. Terbuka No. 1"
    verification = [a for a in smp["attributes"] if a["link_type"] == "verification"]
    assert [a["taxonomy_term"]["code"] for a in verification] == ["terdaftar"]
    terms = [(a["link_type"], a["taxonomy_term"]["code"]) for a in smp["attributes"]]
    assert [code for link, code in terms if link == "kla_cluster"] == ["IV"]


def test_ids_are_stable_and_name_one_kind(anonymous, directory):
    first = get(anonymous, "hsds:services")["contents"]
    again = get(anonymous, "hsds:services")["contents"]
    assert [s["id"] for s in first] == [s["id"] for s in again]
    service_id = first[0]["id"]
    # A service id asked for as a service-at-location or an organization is not found.
    for name in ("hsds:service_at_location", "hsds:organization", "hsds:taxonomy_term"):
        response = anonymous.get(reverse(name, args=[service_id]))
        assert response.status_code == 404
    assert anonymous.get(reverse("hsds:service", args=["not-a-uuid"])).status_code == 404


def test_a_hidden_site_has_no_service_even_asked_by_its_id(anonymous, directory):
    for site in directory.hidden:
        for type_pk in site.types.values_list("pk", flat=True):
            for kind, name in (
                (ids.SERVICE, "hsds:service"),
                (ids.SERVICE_AT_LOCATION, "hsds:service_at_location"),
            ):
                response = anonymous.get(reverse(name, args=[ids.encode(kind, site.pk, type_pk)]))
                assert response.status_code == 404
                assert "RAHASIA" not in response.content.decode()


# --- pagination ----------------------------------------------------------------------------


def test_pages_follow_the_hsds_page_shape(anonymous, directory):
    total = 4  # three open sites, one with two types
    pages = [get(anonymous, "hsds:services", per_page=3, page=p) for p in (1, 2, 3)]
    for body in pages:
        assert_page(body)
    first, second, beyond = pages
    assert (first["total_items"], first["total_pages"], first["size"]) == (total, 2, 3)
    assert first["first_page"] and not first["last_page"] and not first["empty"]
    assert (second["page_number"], second["size"], second["last_page"]) == (2, 1, True)
    assert beyond["contents"] == [] and beyond["empty"] and beyond["last_page"]
    ids_seen = [s["id"] for s in first["contents"] + second["contents"]]
    assert len(set(ids_seen)) == total


def test_bad_paging_and_formats_are_refused_with_a_reason(anonymous, directory):
    url = reverse("hsds:services")
    for params in (
        {"page": "0"},
        {"page": "x"},
        {"per_page": "-1"},
        {"full": "maybe"},
        {"format": "xml"},
        {"taxonomy_term_id": "abc"},
        {"postcode": "13320"},
        {"modified_after": "kemarin"},
    ):
        response = anonymous.get(url, params)
        assert response.status_code == 400, params
        assert response.json()["detail"]
    body = get(anonymous, "hsds:services", per_page=5000)
    assert body["size"] == 4  # served as the largest page (1000)


def test_ndjson_streams_every_object_without_pages(anonymous, directory):
    response = anonymous.get(reverse("hsds:services"), {"format": "ndjson", "full": "true"})
    assert response["Content-Type"] == "application/x-ndjson"
    lines = b"".join(response.streaming_content).decode().splitlines()
    objects = [json.loads(line) for line in lines]
    assert len(objects) == 4
    for obj in objects:
        assert_valid("service", obj)


# --- filters -------------------------------------------------------------------------------


def names(client, name="hsds:services", **params) -> set[str]:
    return {obj["name"] for obj in get(client, name, per_page=1000, **params)["contents"]}


def test_search_filters_services_by_name_type_address_or_kelurahan(anonymous, directory):
    assert names(anonymous, search="rptra") == {"RPTRA Terbuka Rawa Bunga"}
    assert names(anonymous, search="Jl. Terbuka") == {"SMPN Terdaftar Kampung Melayu"}
    assert names(anonymous, search="menteng") == {
        "SDN Terbuka Menteng – SD",
        "SDN Terbuka Menteng – Perpustakaan ramah anak / PISA",
    }
    assert names(anonymous, search="RAHASIA") == set()


def test_taxonomy_term_and_taxonomy_filters(anonymous, directory):
    smp = ServiceType.objects.get(code="smp")
    by_type = hsds.term_id(hsds.TYPES, smp.pk)
    assert names(anonymous, taxonomy_term_id=by_type) == {"SMPN Terdaftar Kampung Melayu"}
    cluster_iv = next(
        t
        for t in get(anonymous, "hsds:taxonomy_terms", per_page=100)["contents"]
        if t["code"] == "IV"
    )
    # Education and libraries serve cluster IV; so does the RPTRA (II and IV).
    assert len(names(anonymous, taxonomy_term_id=cluster_iv["id"])) == 4
    registered = hsds.term_id(hsds.VERIFICATION, 2)
    assert names(anonymous, taxonomy_term_id=registered) == {"SMPN Terdaftar Kampung Melayu"}
    verified = hsds.term_id(hsds.VERIFICATION, 1)
    assert len(names(anonymous, taxonomy_term_id=verified)) == 3
    assert len(names(anonymous, taxonomy_id=hsds.taxonomy_id(hsds.CLUSTERS))) == 4
    assert names(anonymous, taxonomy_id=ids.encode(ids.TAXONOMY, 99)) == set()
    # The same filters on service_at_locations.
    sal = get(anonymous, "hsds:service_at_locations", taxonomy_term_id=by_type)
    assert sal["total_items"] == 1


def test_organization_filter_and_the_organization_of_each_service(anonymous, directory):
    body = get(anonymous, "hsds:services", per_page=100)
    for service in body["contents"]:
        org = get(anonymous, "hsds:organization", service["organization_id"])
        assert service["id"] in {s["id"] for s in org["services"]}
    pendidikan_timur = next(
        o
        for o in get(anonymous, "hsds:organizations", per_page=100)["contents"]
        if o["name"] == "Suku Dinas Pendidikan Kota Administrasi Jakarta Timur"
    )
    assert names(anonymous, organization_id=pendidikan_timur["id"]) == {
        "SMPN Terdaftar Kampung Melayu"
    }
    # Six sectors in each of the six kab/kota: the suku dinas exist with or without sites.
    assert get(anonymous, "hsds:organizations")["total_items"] == 36
    assert get(anonymous, "hsds:organizations", search="kesehatan")["total_items"] == 6


def test_modified_after_and_minimal(anonymous, directory):
    verified = directory.public[0]
    Site.objects.filter(pk__in=[s.pk for s in directory.public]).update(
        updated_at=timezone.now() - timedelta(days=30)
    )
    Site.objects.filter(pk=verified.pk).update(updated_at=timezone.now())
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert names(anonymous, modified_after=since) == {"RPTRA Terbuka Rawa Bunga"}
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert names(anonymous, modified_after=day) == {"RPTRA Terbuka Rawa Bunga"}
    minimal = get(anonymous, "hsds:services", minimal="true")["contents"]
    assert {tuple(sorted(s)) for s in minimal} == {("id", "last_modified", "name", "status")}


def test_taxonomies_and_terms(anonymous, directory):
    taxonomies = get(anonymous, "hsds:taxonomies")["contents"]
    assert [t["name"] for t in taxonomies] == [
        "Klaster KLA",
        "Jenis layanan Portal Kaltara",
        "Status verifikasi Portal Kaltara",
    ]
    clusters = get(anonymous, "hsds:taxonomy_terms", taxonomy_id=taxonomies[0]["id"])
    assert [t["code"] for t in clusters["contents"]] == ["K", "I", "II", "III", "IV", "V"]
    types = get(anonymous, "hsds:taxonomy_terms", taxonomy_id=taxonomies[1]["id"], per_page=100)
    assert types["total_items"] == ServiceType.objects.count()
    found = get(anonymous, "hsds:taxonomy_terms", search="puskesmas")["contents"]
    # The puskesmas type, and the hospital type whose description names puskesmas referrals.
    assert found and all("puskesmas" in json.dumps(t).lower() for t in found)
    assert "puskesmas" in {t["code"] for t in found}
    top = get(anonymous, "hsds:taxonomy_terms", top_only="true")["total_items"]
    assert top == get(anonymous, "hsds:taxonomy_terms")["total_items"]
    parent = clusters["contents"][0]["id"]
    assert get(anonymous, "hsds:taxonomy_terms", parent_id=parent)["total_items"] == 0

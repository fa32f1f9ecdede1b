"""The HSDS 3.0 paths of schema/openapi.json, under /api/hsds/."""

from django.urls import path

from . import api

app_name = "hsds"

urlpatterns = [
    path("", api.root, name="root"),
    path("openapi.json", api.openapi, name="openapi"),
    path("services", api.services, name="services"),
    path("services/<str:object_id>", api.service, name="service"),
    path("service_at_locations", api.service_at_locations, name="service_at_locations"),
    path(
        "service_at_locations/<str:object_id>",
        api.service_at_location,
        name="service_at_location",
    ),
    path("organizations", api.organizations, name="organizations"),
    path("organizations/<str:object_id>", api.organization, name="organization"),
    path("taxonomies", api.taxonomies, name="taxonomies"),
    path("taxonomies/<str:object_id>", api.taxonomy, name="taxonomy"),
    path("taxonomy_terms", api.taxonomy_terms, name="taxonomy_terms"),
    path("taxonomy_terms/<str:object_id>", api.taxonomy_term, name="taxonomy_term"),
]

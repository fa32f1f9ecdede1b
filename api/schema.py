"""What drf-spectacular cannot read from the code by itself (imported by ApiConfig.ready)."""

from drf_spectacular.contrib.rest_framework_gis import (
    build_geo_container_schema,
    build_point_geo_schema,
    build_polygon_schema,
)
from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.plumbing import build_array_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from sites.filters import SiteFilter


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "tokenPribadi"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Token pribadi dari `/akun/token/`: `Authorization: Bearer <token>`.",
        }


class LonLatPointFieldSchema(OpenApiSerializerFieldExtension):
    target_class = "api.serializers.LonLatPointField"
    priority = 1  # before rest_framework_gis's GeometryField extension (it reads the model)

    def map_serializer_field(self, auto_schema, direction):
        return build_point_geo_schema()


class GeoJsonTextFieldSchema(OpenApiSerializerFieldExtension):
    target_class = "api.serializers.GeoJsonTextField"
    priority = 1

    def map_serializer_field(self, auto_schema, direction):
        return build_geo_container_schema("MultiPolygon", build_array_type(build_polygon_schema()))


# The site list's filters (the pages' SiteFilter) filter through methods whose values the
# schema cannot guess: ids of a service type, a cluster and a sector, a Kemendagri code.
for _name, _kind in (
    ("type", OpenApiTypes.INT),
    ("cluster", OpenApiTypes.INT),
    ("sector", OpenApiTypes.INT),
    ("region", OpenApiTypes.STR),
):
    extend_schema_field(_kind)(SiteFilter.base_filters[_name])

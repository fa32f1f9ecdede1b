"""Pages of the API: 50 rows unless asked, never more than 500 (a bounded answer, whatever
the scope: the province sees ~5,400 sites)."""

from rest_framework.pagination import PageNumberPagination
from rest_framework_gis.pagination import GeoJsonPagination

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


class PortalPagination(PageNumberPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


class PortalGeoJsonPagination(GeoJsonPagination):
    """A FeatureCollection with count, next and previous beside its features."""

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

"""The version of the open data: what cached HSDS pages and files are keyed by.

One query (its SQL compiled once per process, web.fragments.row_compiled_once) over the
open sites (count, last change, sum of versions: every site write moves one of them, and a
site entering or leaving the open set moves the count or the sum) and the catalogue (service
types and their clusters). Renames in the admin and UPDATEs behind the ORM are bounded by
the cache's TTL (web.fragments.FRAGMENT_TTL), as for the dashboards. The kawasan and region
files add the score data's version (dashboards.versions.data_version).
"""

from django.conf import settings

from dashboards.versions import data_version
from sites.models import ServiceType, Site
from web.fragments import Signature, fingerprint, row_compiled_once, signature

from .selectors import open_q


def sites_version() -> str:
    registered = settings.KALTARA_OPEN_DATA_REGISTERED

    def build():
        catalogue = signature(ServiceType.objects.all(), ("COUNT", "pk"), ("COUNT", "clusters__pk"))
        return (
            Site.objects.filter(open_q())
            .order_by()
            .annotate(
                _v=Signature(
                    ("COUNT", "pk"), ("MAX", "updated_at"), ("SUM", "version"), (None, catalogue)
                )
            )
            .values_list("_v")[:1]
        )

    row = row_compiled_once(("opendata_sites", registered), build)
    return fingerprint(registered, row[0] if row else "")


def scores_version() -> str:
    """The open sites' version and the score data's (kawasan files name open members)."""
    return fingerprint(sites_version(), data_version())

"""The version of the open data: what cached HSDS pages and files are keyed by.

The site data's version that the database keeps (sites.data_version: every write to the
sites, their types, the catalogue, the sectors and the regions, whatever made it), and the
setting that decides whether registered facilities are open. The kawasan and region files
add the score data's version (dashboards.versions.data_version).
"""

from django.conf import settings

from dashboards.versions import data_version
from sites.data_version import site_data_version
from web.fragments import fingerprint


def sites_version() -> str:
    return fingerprint(settings.KALTARA_OPEN_DATA_REGISTERED, site_data_version())


def scores_version() -> str:
    """The open sites' version and the score data's (kawasan files name open members)."""
    return fingerprint(sites_version(), data_version())

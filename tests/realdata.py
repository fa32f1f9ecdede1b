"""The real-data site import for tests, run once per module that asks for it (fixture
`imported` in tests/conftest.py).

It commits outside the per-test transactions (so each test sees the imported sites and
rolls back only its own changes) and removes what it made when the module ends, so other
modules start from an empty site table.
"""

from django.conf import settings
from django.db import transaction

from kawasan.models import Kawasan
from kawasan.services import base_kawasan_ensure_all
from sites.importing.readers import SOURCE_PUSKESMAS, SOURCE_RPTRA, SOURCE_SCHOOLS
from sites.importing.writing import sites_import
from sites.models import Site

IMPORT_SOURCES = [SOURCE_RPTRA, SOURCE_PUSKESMAS, SOURCE_SCHOOLS]


def real_sites_import():
    """Import the real files and build the base kawasan, as import_sites does.

    The score recompute the command queues is left out: nothing here should leave
    score rows behind for other modules.
    """
    with transaction.atomic():
        files = sites_import(settings.KALTARA_DATA_DIR)
        base_kawasan_ensure_all(new_site_ids=[pk for fi in files for pk in fi.created_ids])
    return {fi.file: fi for fi in files}


def real_sites_remove():
    """Remove everything a module built on the import (kawasan, sites, scores, users' work)."""
    from scoring.models import KawasanScore, RecomputeRequest, ScoreRun, ScoreSnapshot

    with transaction.atomic():
        KawasanScore.objects.all().delete()
        ScoreSnapshot.objects.all().delete()
        RecomputeRequest.objects.all().delete()
        ScoreRun.objects.all().delete()
        Kawasan.objects.all().delete()
        Site.objects.all().delete()

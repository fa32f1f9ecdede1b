"""The real-data site import, run once per test module that asks for it.

It commits outside the per-test transactions (so each test sees the imported sites and
rolls back only its own changes) and removes what it made when the module ends, so other
modules start from an empty site table.
"""

import pytest
from django.conf import settings
from django.db import transaction

from kawasan.models import Kawasan
from kawasan.services import base_kawasan_ensure_all
from services.importing import SOURCE_PUSKESMAS, SOURCE_RPTRA, SOURCE_SCHOOLS, sites_import
from services.models import Site

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
    with transaction.atomic():
        Kawasan.objects.filter(is_base=True).delete()
        Site.objects.filter(source__in=IMPORT_SOURCES).delete()


@pytest.fixture(scope="module")
def imported(django_db_setup, django_db_blocker):
    """{file name: FileImport} of one real import, shared by the module's tests."""
    with django_db_blocker.unblock():
        files = real_sites_import()
    yield files
    with django_db_blocker.unblock():
        real_sites_remove()

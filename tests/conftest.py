"""Shared fixtures: the real Jakarta regions are loaded once per test database.

Personas (named for their demo logins): lurah (Rawa Bunga), camat (Jatinegara), sudinkes
and sudindik (Jakarta Timur), provinsi; plus outsiders in another kelurahan and kota.
"""

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from accounts.models import Assignment, Role, Sector, User

RAWA_BUNGA = "31.75.03.1004"
JATINEGARA = "31.75.03"
JAKARTA_TIMUR = "31.75"
# Another kelurahan of the same kecamatan, and one in another kota.
KAMPUNG_MELAYU = "31.75.03.1001"
MENTENG = "31.71.06.1001"


# Hashing demo passwords with PBKDF2 would dominate the suite's run time.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_regions", str(settings.KALTARA_DATA_DIR), verbosity=0)


@pytest.fixture(scope="module")
def imported(django_db_setup, django_db_blocker):
    """The real sites of Jakarta and their base kawasan, for the tests of one module."""
    from tests.realdata import real_sites_import, real_sites_remove

    with django_db_blocker.unblock():
        files = real_sites_import()
    yield files
    with django_db_blocker.unblock():
        real_sites_remove()


@pytest.fixture(scope="module")
def database_restored(django_db_setup, django_db_blocker):
    """After a module of transactional tests (browser journeys, the real worker): the
    migrations' data and the regions as before their flushes, so that the modules after it
    find the database as they expect."""
    yield
    with django_db_blocker.unblock():
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents:
            connection.creation.deserialize_db_from_string(contents)
        call_command("load_regions", str(settings.KALTARA_DATA_DIR), verbosity=0)


def make_user(username, role=None, region=None, sector_code=None):
    user = User.objects.create_user(username=username, password="pw-" + username)
    if role:
        sector = Sector.objects.get(code=sector_code) if sector_code else None
        Assignment.objects.create(user=user, role=role, region_id=region, sector=sector)
    return user


@pytest.fixture
def lurah(db):
    return make_user("lurah", Role.LURAH, RAWA_BUNGA)


@pytest.fixture
def lurah_other(db):
    return make_user("lurah_other", Role.LURAH, KAMPUNG_MELAYU)


@pytest.fixture
def camat(db):
    return make_user("camat", Role.CAMAT, JATINEGARA)


@pytest.fixture
def sudinkes(db):
    return make_user("sudinkes", Role.SUDIN, JAKARTA_TIMUR, "kesehatan")


@pytest.fixture
def sudindik(db):
    return make_user("sudindik", Role.SUDIN, JAKARTA_TIMUR, "pendidikan")


@pytest.fixture
def sudinkes_pusat(db):
    return make_user("sudinkes_pusat", Role.SUDIN, "31.71", "kesehatan")


@pytest.fixture
def provinsi(db):
    return make_user("provinsi", Role.PROVINSI, "31")


@pytest.fixture
def nobody(db):
    return make_user("nobody")


@pytest.fixture(autouse=True)
def _fresh_user_memos():
    """Each test starts with empty per-process memos of grants and badge counts.

    They are keyed by (user id, version), and a rolled-back test can hand the next test
    the same user id with the same version 0 (SQLite reuses it): outside tests ids are
    never reused, so this matters here only.
    """
    from accounts import scoping
    from notifications import selectors

    scoping._grants_memo.clear()
    selectors._unread_memo.clear()
    yield


@pytest.fixture(autouse=True)
def _celery_inline(request):
    """Tasks run inline in tests, even where a broker is configured (CI's PostGIS run).

    Tests marked `worker` start a real worker on the real broker instead.
    """
    from kaltara.celery import app

    if request.node.get_closest_marker("worker"):
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous

"""The embedded database waits for a lock instead of failing ("database is locked")."""

import threading
import time

import pytest
from django.db import connection
from django.db.utils import ConnectionHandler

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="the embedded database")


@pytest.fixture(autouse=True)
def _own_databases(django_db_blocker):
    # These tests open their own database files, outside the test database.
    with django_db_blocker.unblock():
        yield


def _wrapper(path):
    settings = dict(connection.settings_dict, NAME=str(path), TEST={})
    return ConnectionHandler({"default": settings})["default"]


def test_every_connection_waits_for_a_lock(tmp_path):
    db = _wrapper(tmp_path / "a.sqlite3")
    with db.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == 20_000
    assert db.transaction_mode == "IMMEDIATE"
    db.close()


def test_a_second_writer_waits_for_the_first_instead_of_failing(tmp_path):
    path = tmp_path / "b.sqlite3"
    second = _wrapper(path)
    with second.cursor() as cursor:
        cursor.execute("CREATE TABLE t (n integer)")
    holding = threading.Event()

    def hold_the_lock():
        first = _wrapper(path)  # Django's connections belong to one thread
        with first.cursor() as cursor:
            cursor.execute("BEGIN IMMEDIATE")
            cursor.execute("INSERT INTO t VALUES (1)")
            holding.set()
            time.sleep(0.6)
            cursor.execute("COMMIT")
        first.close()

    thread = threading.Thread(target=hold_the_lock)
    thread.start()
    assert holding.wait(5)
    started = time.monotonic()
    with second.cursor() as cursor:
        cursor.execute("BEGIN IMMEDIATE")  # as an atomic block on this database begins
        cursor.execute("INSERT INTO t VALUES (2)")
        cursor.execute("COMMIT")
        waited = time.monotonic() - started
        cursor.execute("SELECT COUNT(*) FROM t")
        assert cursor.fetchone()[0] == 2
    thread.join()
    assert waited >= 0.3  # it waited for the first writer, and then it wrote
    second.close()

"""Database connection settings that Django's OPTIONS cannot carry."""

from django.conf import settings
from django.db.backends.signals import connection_created


def sqlite_busy_timeout(sender, connection, **kwargs):
    # Loading mod_spatialite resets SQLite's busy timeout to 5 s, after Django applied the
    # `timeout` option and its init commands: set it here, once the connection is complete.
    # A writer then waits up to this long for another to finish instead of failing with
    # "database is locked".
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {int(settings.KALTARA_SQLITE_BUSY_TIMEOUT_MS)}")


def connect() -> None:
    connection_created.connect(sqlite_busy_timeout, dispatch_uid="web.db.sqlite_busy_timeout")

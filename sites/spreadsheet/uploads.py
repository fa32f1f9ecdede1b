"""The uploaded file between dry run and confirm, kept per user for UPLOAD_TTL."""

import io
import uuid
from datetime import timedelta

from django.core.files.storage import default_storage
from django.utils import timezone

UPLOAD_DIR = "uploads/spreadsheet"
UPLOAD_TTL = timedelta(hours=24)


def _upload_path(user, token: uuid.UUID) -> str:
    # The user's id is part of the path: another user's token names no file of theirs.
    return f"{UPLOAD_DIR}/{user.pk}/{token}.xlsx"


def upload_store(user, upload) -> uuid.UUID:
    upload_cleanup(user)
    token = uuid.uuid4()
    upload.seek(0)
    default_storage.save(_upload_path(user, token), upload)
    return token


def upload_open(user, token: uuid.UUID):
    """The stored file, or None when it does not exist (anymore) for this user."""
    path = _upload_path(user, token)
    if not default_storage.exists(path):
        return None
    try:
        if timezone.now() - default_storage.get_modified_time(path) > UPLOAD_TTL:
            default_storage.delete(path)
            return None
    except NotImplementedError:
        pass
    with default_storage.open(path, "rb") as fh:
        return io.BytesIO(fh.read())


def upload_delete(user, token: uuid.UUID) -> None:
    default_storage.delete(_upload_path(user, token))


def upload_cleanup(user) -> None:
    """Drop this user's dry runs that were never confirmed."""
    folder = f"{UPLOAD_DIR}/{user.pk}"
    try:
        _dirs, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError):
        return
    cutoff = timezone.now() - UPLOAD_TTL
    for name in files:
        path = f"{folder}/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
        except (FileNotFoundError, NotImplementedError):
            continue

"""Enqueueing an export: the Export row is recorded here and built by a Celery task after
the commit (inline without a broker). The build itself is exports.services.export_run,
which the task calls: this module imports the tasks, the tasks import the services, and the
services import neither, so no import goes round in a loop.
"""

from __future__ import annotations

from django.db import transaction

from . import services, tasks
from .models import Export, ExportKind


def export_create(*, user, kind: str, fmt: str, params: dict) -> Export:
    """Record an export and run it after the commit (a Celery task; inline without a broker)."""
    if kind not in ExportKind.values or fmt not in services.FORMATS_BY_KIND[kind]:
        raise ValueError(f"format: {fmt} tidak tersedia untuk {kind}.")
    export = Export.objects.create(owner=user, kind=kind, format=fmt, params=params)
    transaction.on_commit(lambda: tasks.export_build.delay(export.pk))
    return export

"""Enqueueing score work: the writes whose work a Celery task does after the commit.

recompute_request (and recompute_sites) add rows to the recompute queue inside the edit's
transaction and schedule one drain task after commit; policy_activate activates a policy and
enqueues the recompute of every kawasan with it. The work itself is in scoring.services,
which the tasks (scoring.tasks) call: this module imports the tasks, the tasks import the
services, and the services import neither, so enqueueing and the work it triggers never
share a module (and no import goes round in a loop).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from . import selectors, services, tasks
from .models import RecomputeRequest, ScoringPolicy

logger = logging.getLogger(__name__)


def policy_activate(
    policy: ScoringPolicy, *, user=None, revision: int | None = None
) -> ScoringPolicy:
    """Make the policy the active one (recording who and when), then (after commit)
    recompute every kawasan with it. revision: see services.policy_set_active."""
    with transaction.atomic():
        services.policy_set_active(policy, user=user, revision=revision)
        transaction.on_commit(_enqueue_recompute_all)
    return policy


def _enqueue_recompute_all() -> None:
    try:
        tasks.recompute_all.delay()
    except Exception:
        # The activation is committed; the nightly run recomputes with the new policy.
        logger.exception("Could not enqueue recompute_all after a policy activation")


def recompute_request(kawasan_ids: Iterable[int]) -> None:
    """Queue kawasan for a recompute after the current transaction commits.

    Call it inside the edit's transaction (receivers, kawasan membership changes, review
    transitions). The rows commit with the edit; after commit one drain task is scheduled
    unless one is already pending, so a burst of edits costs a few recomputations. If the
    broker is down the edit still succeeds: the rows wait for the 5-minute sweep.
    """
    ids = sorted({pk for pk in kawasan_ids if pk is not None})
    if not ids:
        return
    now = timezone.now()
    # An existing row is re-armed (claim cleared): a drain already working on the kawasan
    # then leaves the row, and the next drain sees this edit.
    RecomputeRequest.objects.bulk_create(
        [RecomputeRequest(kawasan_id=pk, requested_at=now) for pk in ids],
        update_conflicts=True,
        unique_fields=["kawasan"],
        update_fields=["requested_at", "claim_token", "claimed_at"],
    )
    transaction.on_commit(recompute_schedule_drain)


def recompute_schedule_drain() -> None:
    """Enqueue recompute_pending in a few seconds unless one is already scheduled."""
    try:
        if not cache.add(services.DRAIN_SCHEDULED_KEY, 1, timeout=services.DRAIN_SCHEDULED_TTL_S):
            return
        tasks.recompute_pending.apply_async(countdown=services.DRAIN_COUNTDOWN_S)
    except Exception:
        # Broker or cache unreachable (or, with eager tasks, the recompute itself failed):
        # never fail the committed edit. The rows stay for the periodic sweep.
        logger.exception("Could not schedule the scoring recompute; the sweep will catch up")
        try:
            cache.delete(services.DRAIN_SCHEDULED_KEY)
        except Exception:
            logger.exception("Could not clear the scoring drain flag")


def recompute_sites(site_ids: Iterable[int]) -> list[int]:
    """Queue the kawasan that have one of the sites as member or hub; returns their ids."""
    kawasan_ids = selectors.kawasan_ids_for_sites(site_ids)
    recompute_request(kawasan_ids)
    return kawasan_ids

"""Writes for scoring: recompute and store scores, monthly snapshots, policy versions, and
the drain of the recompute queue that edits feed (scoring/queue.py feeds it and enqueues the
tasks; the tasks call this module, which never enqueues: no loop services -> tasks).

Failure model of a recompute (docs/scoring.md: "a killed worker leaves the previous scores
in place"): kawasan ids are streamed in chunks; each chunk's scores are upserted in one
transaction, so a chunk is stored whole or not at all. A kawasan whose scoring raises is
recorded in the run's errors and keeps its previous score, while the rest of its chunk is
still stored. A database error while storing a chunk rolls that chunk back, marks the run
failed and propagates (the task retries transient ones); chunks stored before it stay.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import date, timedelta

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kawasan.models import Kawasan
from regions.models import subtree_q

from . import core, selectors
from .models import (
    KawasanScore,
    RecomputeRequest,
    RunKind,
    RunStatus,
    ScoreRun,
    ScoreSnapshot,
    ScoringPolicy,
)
from .policy import Policy, policy_from_dict, policy_to_dict

logger = logging.getLogger(__name__)

CHUNK_SIZE = 2000
# Set while a drain task is queued (by queue.recompute_schedule_drain, cleared by the drain
# here): further edits then only add RecomputeRequest rows.
DRAIN_SCHEDULED_KEY = "scoring:recompute-pending-scheduled"
DRAIN_COUNTDOWN_S = 2
# Safety net: if the queued drain is lost, the flag expires and the next edit schedules one
# (and the 5-minute sweep drains the queue anyway).
DRAIN_SCHEDULED_TTL_S = 60
# A claim older than this belongs to a worker that died (longer than the task's hard limit).
CLAIM_STALE_AFTER = timedelta(minutes=15)

_SCORE_FIELDS = [
    "policy",
    "total",
    "band",
    "coverage",
    "connectivity",
    "proximity",
    "freshness",
    "coverage_by_cluster",
    "details",
    "member_count",
    "confidence",
    "computed_at",
    "run",
]


# --- policy ---------------------------------------------------------------------------


def policy_is_used(policy: ScoringPolicy) -> bool:
    """True once a stored score or snapshot names the policy: it is then immutable."""
    return (
        KawasanScore.objects.filter(policy=policy).exists()
        or ScoreSnapshot.objects.filter(policy=policy).exists()
    )


def policy_validate_params(params: dict, *, version: str) -> Policy:
    """The pure Policy built from params, or ValidationError on "params" naming the field."""
    try:
        return policy_from_dict({**params, "version": version})
    except (ValueError, TypeError, AttributeError) as exc:
        raise ValidationError({"params": str(exc)}) from exc


def policy_create(*, version: str, name: str, params: dict, user=None) -> ScoringPolicy:
    """A new, inactive policy version; activate it with policy_activate when ready."""
    policy_validate_params(params, version=version)
    if ScoringPolicy.objects.filter(version=version).exists():
        raise ValidationError(
            {
                "version": _("Versi %(version)s sudah ada: pilih kode versi lain.")
                % {"version": version}
            }
        )
    return ScoringPolicy.objects.create(
        version=version, name=name, params={**params, "version": version}, created_by=user
    )


@transaction.atomic
def policy_update(
    policy: ScoringPolicy, *, name: str | None = None, params: dict | None = None
) -> ScoringPolicy:
    """Edit a policy that no stored score uses yet; a used one raises (make a new version)."""
    # Lock the row so a recompute cannot start using it between the check and the write.
    policy = ScoringPolicy.objects.select_for_update().get(pk=policy.pk)
    if policy_is_used(policy):
        raise ValidationError(
            _(
                "Kebijakan %(version)s sudah dipakai oleh skor tersimpan dan tidak dapat "
                "diubah. Buat versi baru lalu aktifkan."
            )
            % {"version": policy.version}
        )
    fields = []
    if name is not None:
        policy.name = name
        fields.append("name")
    if params is not None:
        policy_validate_params(params, version=policy.version)
        policy.params = {**params, "version": policy.version}
        fields.append("params")
    if fields:
        policy.save(update_fields=fields)
    return policy


class StalePolicy(Exception):
    """The policy was saved by someone else since the page was read (or no revision came)."""

    def __init__(self, policy: ScoringPolicy):
        super().__init__(policy.pk)
        self.policy = policy


def policy_version_free(base_version: str) -> str:
    """The next free version code after base_version: "kaltara-1" -> "kaltara-2" (or the
    first free number after it); a code without a number gets "-2"."""
    stem, _sep, number = base_version.rpartition("-")
    if not (stem and number.isdigit()):
        stem, number = base_version, "1"
    taken = set(
        ScoringPolicy.objects.filter(version__startswith=f"{stem}-").values_list(
            "version", flat=True
        )
    )
    n = int(number) + 1
    while f"{stem}-{n}"[:40] in taken:
        n += 1
    return f"{stem}-{n}"[:40]


def policy_draft_create(*, base: ScoringPolicy, name: str, policy: Policy, user) -> ScoringPolicy:
    """A new draft holding `policy` (its version code replaced by the next free one after
    the base's), written by `user`."""
    policy_validate_params(policy_to_dict(policy), version=policy.version)
    for _attempt in range(5):
        version = policy_version_free(base.version)
        params = policy_to_dict(replace(policy, version=version))
        try:
            with transaction.atomic():
                return policy_create(version=version, name=name, params=params, user=user)
        except IntegrityError:
            continue  # someone took the same code a moment ago: the next one is free
        except ValidationError as exc:
            if "version" not in getattr(exc, "error_dict", {}):
                raise
    raise ValidationError(_("Kode versi baru tidak dapat dibuat; coba lagi."))


@transaction.atomic
def policy_draft_update(
    policy: ScoringPolicy, *, name: str, params: dict, revision: int | None, user
) -> ScoringPolicy:
    """Save a draft read at `revision`; StalePolicy if saved since (or no revision came).

    Only a draft is edited: once activated a version stays as it was (its scores name it),
    and a change is a new draft.
    """
    row = ScoringPolicy.objects.select_for_update().get(pk=policy.pk)
    if revision is None or row.revision != revision:
        raise StalePolicy(row)
    if not row.is_draft or policy_is_used(row):
        raise ValidationError(
            _(
                "Versi %(version)s sudah pernah diaktifkan dan tidak dapat diubah. Buat draf "
                "baru darinya."
            )
            % {"version": row.version}
        )
    policy_validate_params(params, version=row.version)
    row.name = name
    row.params = {**params, "version": row.version}
    row.revision += 1
    row.updated_at = timezone.now()
    row.updated_by = user
    row.save(update_fields=["name", "params", "revision", "updated_at", "updated_by"])
    return row


def policy_set_active(
    policy: ScoringPolicy, *, user=None, revision: int | None = None
) -> ScoringPolicy:
    """Make the policy the active one, recording who and when (the write only:
    queue.policy_activate also recomputes every kawasan with it after commit, which is what
    an activation means to its users).

    revision: the one the user previewed (the portal always passes it; a draft saved since
    raises StalePolicy). None only for code that activates on its own (the shell, tests).
    """
    with transaction.atomic():
        row = ScoringPolicy.objects.select_for_update().get(pk=policy.pk)
        if revision is not None and row.revision != revision:
            raise StalePolicy(row)
        policy_validate_params(row.params, version=row.version)
        # Deactivate first: the partial unique constraint allows one active row at a time.
        ScoringPolicy.objects.filter(is_active=True).exclude(pk=row.pk).update(is_active=False)
        if not row.is_active:
            row.is_active = True
            row.activated_at = timezone.now()
            row.activated_by = user
            row.save(update_fields=["is_active", "activated_at", "activated_by"])
    for name in ("is_active", "activated_at", "activated_by_id", "revision"):
        setattr(policy, name, getattr(row, name))
    return policy


# --- recompute ------------------------------------------------------------------------


def _kawasan_queryset(region_code: str | None):
    qs = Kawasan.objects.all()
    if region_code:
        # Whole code parts: '31.75.03' covers '31.75.03.1004', never '31.75.031'.
        qs = qs.filter(subtree_q("region__code", region_code))
    return qs


def kawasan_id_chunks(
    *, kawasan_ids: Iterable[int] | None = None, region_code: str | None = None, chunk_size: int
) -> Iterator[list[int]]:
    """Kawasan ids in ascending chunks, read page by page (keyset), never all at once."""
    if kawasan_ids is not None:
        ids = sorted(set(kawasan_ids))
        for start in range(0, len(ids), chunk_size):
            yield ids[start : start + chunk_size]
        return
    qs = _kawasan_queryset(region_code).order_by("pk")
    last = 0
    while True:
        ids = list(qs.filter(pk__gt=last).values_list("pk", flat=True)[:chunk_size])
        if not ids:
            return
        yield ids
        last = ids[-1]


def _score_row(kawasan_id, breakdown: core.Breakdown, policy_row, run, now) -> KawasanScore:
    details = dict(breakdown.details)
    details["edges"] = sorted(list(edge) for edge in breakdown.edges)
    return KawasanScore(
        kawasan_id=kawasan_id,
        policy=policy_row,
        total=breakdown.total,
        band=breakdown.band,
        coverage=breakdown.coverage,
        connectivity=breakdown.connectivity,
        proximity=breakdown.proximity,
        freshness=breakdown.freshness,
        coverage_by_cluster=dict(breakdown.coverage_by_cluster),
        details=details,
        member_count=breakdown.member_count,
        # The share of (open) members verified within the window: core's freshness.
        confidence=breakdown.freshness,
        computed_at=now,
        run=run,
    )


def _recompute_chunk(
    ids: list[int], *, policy_row: ScoringPolicy, policy: Policy, type_clusters, today, run
) -> tuple[int, list[str]]:
    """Score and upsert one chunk in one transaction; returns (stored count, error messages)."""
    with transaction.atomic():
        batch_query_tuning()
        inputs = selectors.kawasan_inputs(ids, today=today, type_clusters=type_clusters)
        now = timezone.now()
        rows = []
        errors = []
        for kawasan_id, inp in inputs.items():
            try:
                breakdown = core.score_kawasan(inp, policy)
            except Exception as exc:
                # One bad kawasan must not cost the others their scores; it keeps its old one.
                logger.exception("Scoring kawasan %s failed", kawasan_id)
                errors.append(f"kawasan {kawasan_id}: {type(exc).__name__}: {exc}")
                continue
            rows.append(_score_row(kawasan_id, breakdown, policy_row, run, now))
        KawasanScore.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["kawasan"], update_fields=_SCORE_FIELDS
        )
    return len(rows), errors


def batch_query_tuning() -> None:
    """Inside a transaction: plan its batch reads without parallel query workers.

    The batch reads are index lookups of a few thousand rows, but once the tables hold a
    million sites PostgreSQL's cost model plans them parallel, and starting two worker
    processes per query costs more than it saves (national scale, 500 kawasan per query:
    members 33 -> 25 ms, links 42 -> 21 ms) and takes CPU from the worker on a small
    machine. SET LOCAL ends with the transaction; other databases are left alone.
    """
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")


def _run_add(run: ScoreRun, count: int, errors: list[str]) -> None:
    run.kawasan_count += count
    run.error_count += len(errors)
    room = ScoreRun.MAX_ERRORS - len(run.errors)
    if room > 0:
        run.errors = [*run.errors, *errors[:room]]


def _run_finish(run: ScoreRun, status: str) -> None:
    run.status = status
    run.finished_at = timezone.now()
    run.save()


def score_run_start(
    *, kind: str, policy: ScoringPolicy | None = None, region_code: str = ""
) -> ScoreRun:
    return ScoreRun.objects.create(
        kind=kind, policy=policy or selectors.policy_active(), region_code=region_code or ""
    )


def scores_recompute(
    *,
    kawasan_ids: Iterable[int] | None = None,
    region_code: str | None = None,
    chunk_size: int = CHUNK_SIZE,
    run: ScoreRun | None = None,
    today: date | None = None,
) -> ScoreRun:
    """Recompute and store the scores of the given kawasan (default: all, or a region's).

    Streams chunks of ids; each chunk is one upsert transaction. Running it twice stores
    the same numbers. Returns the finished ScoreRun.
    """
    if run is None:
        kind = RunKind.PARTIAL if kawasan_ids is not None or region_code else RunKind.FULL
        run = score_run_start(kind=kind, region_code=region_code or "")
    policy_row = run.policy
    policy = policy_row.as_policy()
    type_clusters = selectors.type_clusters_map()  # once per run
    today = today or timezone.localdate()
    try:
        for ids in kawasan_id_chunks(
            kawasan_ids=kawasan_ids, region_code=region_code, chunk_size=chunk_size
        ):
            # Progress is visible (and survives a later failure) chunk by chunk; it commits
            # with the chunk's scores, one commit per chunk (a single-kawasan recompute after
            # an edit is dominated by its commits).
            with transaction.atomic():
                count, errors = _recompute_chunk(
                    ids,
                    policy_row=policy_row,
                    policy=policy,
                    type_clusters=type_clusters,
                    today=today,
                    run=run,
                )
                _run_add(run, count, errors)
                run.save(update_fields=["kawasan_count", "error_count", "errors"])
    except Exception as exc:
        _run_add(run, 0, [f"{type(exc).__name__}: {exc}"])
        _run_finish(run, RunStatus.FAILED)
        raise
    _run_finish(run, RunStatus.DONE)
    return run


def scores_recompute_all_start(
    *, region_code: str | None = None, chunk_size: int = CHUNK_SIZE
) -> tuple[ScoreRun, list[list[int]]]:
    """Open a full run and split the kawasan ids into chunks for parallel chunk tasks.

    Only ids are held (about 83,000 integers nationally), never inputs or scores.
    """
    chunks = list(kawasan_id_chunks(region_code=region_code, chunk_size=chunk_size))
    run = ScoreRun.objects.create(
        kind=RunKind.FULL if not region_code else RunKind.PARTIAL,
        policy=selectors.policy_active(),
        region_code=region_code or "",
        chunk_total=len(chunks),
    )
    if not chunks:
        _run_finish(run, RunStatus.DONE)
    return run, chunks


def scores_recompute_chunk(*, run_id: int, index: int, kawasan_ids: list[int]) -> ScoreRun:
    """One chunk of a parallel full run (recompute_all); the last chunk finishes the run."""
    run = ScoreRun.objects.select_related("policy").get(pk=run_id)
    if index in run.chunks_done:
        return run  # a redelivered chunk: already stored and counted
    if not run.policy.is_active:
        # A killed worker's chunk comes back after the broker's visibility timeout (an hour
        # on Redis); if another policy was activated meanwhile, its scores would overwrite
        # the newer ones. The run ends failed instead; the active policy's runs cover it.
        return score_run_chunk_failed(
            run_id=run_id,
            index=index,
            message=f"chunk {index}: policy {run.policy.version} is no longer active; skipped",
        )
    count, errors = _recompute_chunk(
        kawasan_ids,
        policy_row=run.policy,
        policy=run.policy.as_policy(),
        type_clusters=selectors.type_clusters_map(),
        today=timezone.localdate(),
        run=run,
    )
    return _run_chunk_report(run_id, index, count, errors)


def score_run_chunk_failed(*, run_id: int, index: int, message: str) -> ScoreRun:
    """Record a chunk that gave up (retries exhausted, time limit): the run ends failed."""
    return _run_chunk_report(run_id, index, 0, [message], failed=True)


@transaction.atomic
def _run_chunk_report(run_id, index, count, errors, *, failed=False) -> ScoreRun:
    # Chunks report concurrently: lock the run row while adding to it.
    run = ScoreRun.objects.select_for_update().get(pk=run_id)
    if index in run.chunks_done:
        return run
    _run_add(run, count, errors)
    run.chunks_done = sorted([*run.chunks_done, index])
    if failed:
        run.status = RunStatus.FAILED
    if len(run.chunks_done) >= run.chunk_total:
        if run.status == RunStatus.RUNNING:
            run.status = RunStatus.DONE
        run.finished_at = timezone.now()
    run.save()
    return run


# --- snapshots ------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def scores_snapshot(month: date | None = None, *, chunk_size: int = CHUNK_SIZE) -> ScoreRun:
    """Store every kawasan's current score as the snapshot of `month` (its first day).

    Default month: the current one, so the run on the 1st records the scores the month
    starts with. Upserted on (kawasan, month): running it again replaces the same rows.
    """
    month = month_start(month or timezone.localdate())
    run = score_run_start(kind=RunKind.SNAPSHOT)
    fields = ["policy", "total", "band", "components", "member_count", "confidence", "created_at"]
    last = 0
    try:
        while True:
            rows = list(
                KawasanScore.objects.filter(kawasan_id__gt=last)
                .order_by("kawasan_id")
                .values_list(
                    "kawasan_id",
                    "policy_id",
                    "total",
                    "band",
                    "coverage",
                    "connectivity",
                    "proximity",
                    "freshness",
                    "coverage_by_cluster",
                    "member_count",
                    "confidence",
                )[:chunk_size]
            )
            if not rows:
                break
            now = timezone.now()
            snapshots = [
                ScoreSnapshot(
                    kawasan_id=kawasan_id,
                    month=month,
                    policy_id=policy_id,
                    total=total,
                    band=band,
                    components={
                        "coverage": coverage,
                        "connectivity": connectivity,
                        "proximity": proximity,
                        "freshness": freshness,
                        "coverage_by_cluster": by_cluster,
                    },
                    member_count=member_count,
                    confidence=confidence,
                    created_at=now,
                )
                for (
                    kawasan_id,
                    policy_id,
                    total,
                    band,
                    coverage,
                    connectivity,
                    proximity,
                    freshness,
                    by_cluster,
                    member_count,
                    confidence,
                ) in rows
            ]
            with transaction.atomic():
                ScoreSnapshot.objects.bulk_create(
                    snapshots,
                    update_conflicts=True,
                    unique_fields=["kawasan", "month"],
                    update_fields=fields,
                )
            run.kawasan_count += len(snapshots)
            last = rows[-1][0]
    except Exception as exc:
        _run_add(run, 0, [f"{type(exc).__name__}: {exc}"])
        _run_finish(run, RunStatus.FAILED)
        raise
    _run_finish(run, RunStatus.DONE)
    return run


# --- the recompute queue (queue.py fills it; the drain task empties it here) -----------


def _claim_requests(token: uuid.UUID, limit: int) -> list[int]:
    """Mark up to `limit` unclaimed (or stale) requests with the token; their kawasan ids."""
    stale = timezone.now() - CLAIM_STALE_AFTER
    with transaction.atomic():
        qs = RecomputeRequest.objects.filter(
            Q(claim_token__isnull=True) | Q(claimed_at__lt=stale)
        ).order_by("requested_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            # Two drains at once split the queue instead of waiting for each other.
            qs = qs.select_for_update(skip_locked=True)
        claimed = list(qs.values_list("pk", "kawasan_id")[:limit])
        if not claimed:
            return []
        RecomputeRequest.objects.filter(pk__in=[pk for pk, _ in claimed]).update(
            claim_token=token, claimed_at=timezone.now()
        )
    return [kawasan_id for _, kawasan_id in claimed]


def scores_recompute_pending(*, chunk_size: int = CHUNK_SIZE, max_rounds: int = 20) -> int:
    """Drain the recompute queue; returns how many kawasan were recomputed.

    Each round claims a chunk of requests, recomputes them (one partial ScoreRun), then
    deletes the requests still carrying the claim. A failure releases the claim so the
    sweep retries; a killed worker's claim goes stale and is taken again.
    """
    # Cleared first: an edit from now on schedules another drain, which finds its row.
    # The flag only saves enqueues; the queue is in the database, so a cache outage must
    # not stop the sweep from draining it.
    try:
        cache.delete(DRAIN_SCHEDULED_KEY)
    except Exception as exc:
        logger.warning("Could not clear the scoring drain flag (cache unreachable): %s", exc)
    done = 0
    for _round in range(max_rounds):
        token = uuid.uuid4()
        kawasan_ids = _claim_requests(token, chunk_size)
        if not kawasan_ids:
            break
        try:
            scores_recompute(kawasan_ids=kawasan_ids, chunk_size=chunk_size)
        except Exception:
            RecomputeRequest.objects.filter(claim_token=token).update(
                claim_token=None, claimed_at=None
            )
            raise
        RecomputeRequest.objects.filter(claim_token=token).delete()
        done += len(kawasan_ids)
    return done

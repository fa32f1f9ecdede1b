"""The preview of a policy version: the pure function on the inputs a recompute reads,
nothing written, and the same numbers as activating the version and recomputing."""

from dataclasses import replace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kawasan.models import Kawasan
from regions.models import Level
from scoring import core, queue, selectors, services
from scoring.models import KawasanScore, RecomputeRequest, ScoreRun, ScoreSnapshot, ScoringPolicy
from scoring.policy import DEFAULT_POLICY
from scoring.preview import policy_preview
from tests.factories import KAMPUNG_MELAYU, MENTENG, RAWA_BUNGA
from tests.policy.conftest import draft_policy

pytestmark = pytest.mark.django_db

JAKARTA_TIMUR, JAKARTA_PUSAT = "31.75", "31.71"


def _pure_totals(policy) -> dict[int, float]:
    ids = list(Kawasan.objects.values_list("pk", flat=True))
    inputs = selectors.kawasan_inputs(ids, today=timezone.localdate())
    return {pk: core.score_kawasan(inp, policy).total for pk, inp in inputs.items()}


def test_it_scores_every_kawasan_with_the_pure_function_on_the_recompute_inputs(world):
    draft = draft_policy()

    preview = policy_preview(draft)

    assert set(preview.totals) == {k.pk for k in world.kawasans}
    assert {pk: now for pk, (now, _then) in preview.totals.items()} == _pure_totals(DEFAULT_POLICY)
    assert {pk: then for pk, (_now, then) in preview.totals.items()} == _pure_totals(draft)
    # The current side is what the stored scores say (they are up to date here).
    stored = dict(KawasanScore.objects.values_list("kawasan_id", "total"))
    assert {pk: now for pk, (now, _then) in preview.totals.items()} == stored
    assert not preview.errors


def test_it_writes_nothing(world):
    before = [
        list(model.objects.order_by("pk").values())
        for model in (KawasanScore, ScoreRun, ScoreSnapshot, RecomputeRequest, ScoringPolicy)
    ]

    with CaptureQueriesContext(connection) as queries:
        policy_preview(draft_policy())

    after = [
        list(model.objects.order_by("pk").values())
        for model in (KawasanScore, ScoreRun, ScoreSnapshot, RecomputeRequest, ScoringPolicy)
    ]
    assert after == before
    statements = [q["sql"].lstrip().split(None, 1)[0].upper() for q in queries]
    assert set(statements) == {"SELECT"}, statements


def test_it_gives_what_activating_and_recomputing_gives(
    world, provinsi, django_capture_on_commit_callbacks
):
    base = selectors.policy_active()
    draft = services.policy_draft_create(
        base=base, name="Kaltara 2", policy=draft_policy(), user=provinsi
    )
    preview = policy_preview(draft.as_policy())
    kelurahan_now = {
        r.code: r.score for r in selectors.region_scores(Level.KELURAHAN) if not r.no_kawasan
    }
    kota_now = [r.code for r in selectors.region_scores(Level.KABKOTA)]

    with django_capture_on_commit_callbacks(execute=True):
        queue.policy_activate(draft, user=provinsi, revision=draft.revision)

    stored = dict(KawasanScore.objects.values_list("kawasan_id", "total"))
    assert set(KawasanScore.objects.values_list("policy_id", flat=True)) == {draft.pk}
    assert stored == {pk: then for pk, (_now, then) in preview.totals.items()}
    kelurahan = selectors.region_scores(Level.KELURAHAN)
    assert {m.code: m.before for m in preview.kelurahan} == kelurahan_now
    assert {m.code: m.after for m in preview.kelurahan} == {
        r.code: r.score for r in kelurahan if not r.no_kawasan
    }
    assert {m.code: m.band_after for m in preview.kelurahan} == {
        r.code: r.band for r in kelurahan if not r.no_kawasan
    }
    kota = selectors.region_scores(Level.KABKOTA)
    assert [m.code for m in preview.kota] == [r.code for r in kota]
    assert [(m.rank_after, m.after) for m in preview.kota] == [(r.rank, r.score) for r in kota]
    assert sorted(preview.kota, key=lambda m: (m.rank_before, m.code)) == sorted(
        preview.kota, key=lambda m: kota_now.index(m.code)
    )


def test_it_lists_band_changes_and_the_largest_movers(world):
    # Freshness weighs 0.35: the verified kawasan rise, the registered ones fall.
    preview = policy_preview(draft_policy())

    moves = {m.code: m for m in preview.kelurahan}
    assert set(moves) == {RAWA_BUNGA, KAMPUNG_MELAYU, MENTENG}  # those with kawasan
    assert moves[MENTENG].change > 0
    assert moves[KAMPUNG_MELAYU].change < 0
    assert [m.code for m in preview.risers] == sorted(
        (c for c, m in moves.items() if m.change > 0), key=lambda c: -moves[c].change
    )
    assert [m.code for m in preview.fallers] == [KAMPUNG_MELAYU]
    assert all(m.change == core.round_total(m.after - m.before) for m in preview.kelurahan)
    # Menteng's mean crosses Pratama's bound (500); nobody else changes band.
    assert [(m.code, m.band_before, m.band_after) for m in preview.band_changes] == [
        (MENTENG, "Belum", "Pratama")
    ]
    assert moves[MENTENG].band_after == core.band_for(moves[MENTENG].after, DEFAULT_POLICY)
    assert preview.kawasan_band_changes == 2  # Menteng's kawasan, Rawa Bunga's verified one


def test_it_gives_the_new_kota_order(world):
    # Links weigh almost everything: Rawa Bunga's linked kawasan carries Jakarta Timur past
    # Jakarta Pusat, whose only kawasan has no link.
    draft = draft_policy(
        weight_coverage=0.05, weight_connectivity=0.85, weight_proximity=0.05, weight_freshness=0.05
    )

    preview = policy_preview(draft)

    assert len(preview.kota) == 6  # every kota of DKI, ranked before and after
    order = [(m.code, m.rank_before, m.rank_after) for m in preview.kota[:2]]
    assert order == [(JAKARTA_TIMUR, 2, 1), (JAKARTA_PUSAT, 1, 2)]
    assert preview.kota_order_changes
    assert preview.kota[0].rank_change == 1 and preview.kota[1].places_lost == 1
    # Kota without kawasan share the last rank, before and after.
    assert {m.rank_after for m in preview.kota[2:]} == {3}


def test_it_says_nothing_changes_for_the_same_parameters(world):
    preview = policy_preview(replace(DEFAULT_POLICY, version="uji"))

    assert preview.unchanged
    assert not preview.band_changes and not preview.risers and not preview.fallers
    assert not preview.kota_order_changes

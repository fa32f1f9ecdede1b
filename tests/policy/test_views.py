"""The policy pages: provincial staff only (403 otherwise, 404 for an unknown version),
drafts written through the form with their revision, the preview, and the activation."""

from unittest import mock

import pytest
from django.urls import reverse

from scoring import selectors, tasks
from scoring.models import KawasanScore, ScoreRun, ScoringPolicy
from scoring.policy import DEFAULT_POLICY
from tests.conftest import make_user
from tests.policy.conftest import draft_policy, form_data
from tests.scoring.conftest import make_many_kawasan

pytestmark = pytest.mark.django_db


def _draft(user, policy=None):
    from scoring import services

    return services.policy_draft_create(
        base=selectors.policy_active(), name="Kaltara 2", policy=policy or draft_policy(), user=user
    )


def _pages(pk):
    return [
        reverse("scoring:policy_list"),
        reverse("scoring:policy_create"),
        reverse("scoring:policy_edit", args=[pk]),
        reverse("scoring:policy_preview", args=[pk]),
    ]


@pytest.mark.parametrize("persona", ["lurah", "camat", "sudinkes", "nobody"])
def test_it_refuses_everyone_but_provincial_staff(client, request, provinsi, persona):
    draft = _draft(provinsi)
    client.force_login(request.getfixturevalue(persona))

    for path in _pages(draft.pk):
        assert client.get(path).status_code == 403, path
        assert client.post(path, form_data()).status_code in (403, 405), path
    response = client.post(
        reverse("scoring:policy_activate", args=[draft.pk]),
        {"revision": draft.revision, "confirm": "on"},
    )
    assert response.status_code == 403
    draft.refresh_from_db()
    assert not draft.is_active and draft.name == "Kaltara 2"


def test_it_sends_anonymous_users_to_sign_in(client, provinsi):
    draft = _draft(provinsi)
    for path in _pages(draft.pk):
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_answers_404_for_an_unknown_version(client, provinsi):
    client.force_login(provinsi)
    missing = ScoringPolicy.objects.order_by("-pk").first().pk + 100
    for path in _pages(missing)[2:]:
        assert client.get(path).status_code == 404, path
    activate = reverse("scoring:policy_activate", args=[missing])
    assert client.post(activate, {"revision": 1, "confirm": "on"}).status_code == 404
    create = reverse("scoring:policy_create")
    assert client.get(create + f"?dari={missing}").status_code == 404
    assert client.get(create + "?dari=abc").status_code == 404


def test_it_lists_the_versions_with_who_activated_them(client, provinsi):
    draft = _draft(provinsi)
    client.force_login(provinsi)

    response = client.get(reverse("scoring:policy_list"))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-version="kaltara-1"' in html and f'data-version="{draft.version}"' in html
    assert "Aktif" in html and "Draf" in html
    assert reverse("scoring:policy_edit", args=[draft.pk]) in html
    active = selectors.policy_active()
    assert reverse("scoring:policy_edit", args=[active.pk]) not in html  # not editable


def test_it_offers_the_active_parameters_as_fields_not_json(client, provinsi):
    client.force_login(provinsi)

    response = client.get(reverse("scoring:policy_create"))

    assert response.status_code == 200
    form = response.context["form"]
    assert form["weight_coverage"].value() == form.initial["weight_coverage"]
    assert str(form.initial["weight_coverage"]) == "0.45"
    assert form.initial["expected__III__posyandu"] == 2
    assert form.initial["expected__IV__sma"] == 0  # a catalogue type the policy does not expect
    assert form.initial["hub_distance_m"] == 1000 and form.initial["freshness_days"] == 365
    html = response.content.decode()
    assert 'name="expected__III__posyandu"' in html and "params" not in html
    assert "0,45" in html  # written as Indonesian writes decimals


def test_it_saves_a_new_draft_from_the_active_version(client, provinsi):
    client.force_login(provinsi)
    data = form_data(
        name="Kaltara 2",
        weight_coverage="0,40",
        weight_freshness="0.15",
        expected__III__posyandu=3,
        expected__IV__sma=1,
        hub_distance_m=800,
        freshness_days=180,
    )

    response = client.post(reverse("scoring:policy_create"), data)

    draft = ScoringPolicy.objects.get(version="kaltara-2")
    assert response.status_code == 302
    assert response["Location"] == reverse("scoring:policy_preview", args=[draft.pk])
    assert (draft.name, draft.created_by, draft.is_draft, draft.revision) == (
        "Kaltara 2",
        provinsi,
        True,
        1,
    )
    policy = draft.as_policy()
    assert (policy.weight_coverage, policy.weight_freshness) == (0.40, 0.15)
    assert dict(policy.expected["III"])["posyandu"] == 3
    assert dict(policy.expected["IV"])["sma"] == 1
    assert (policy.hub_distance_m, policy.freshness_days) == (800.0, 180)
    # What the form does not edit comes from the version it started from.
    assert (policy.bands, policy.site_weights) == (
        DEFAULT_POLICY.bands,
        DEFAULT_POLICY.site_weights,
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"weight_coverage": "0.40"}, "Jumlah keempat bobot harus 1 (sekarang 0,950)"),
        ({"weight_coverage": "1.2"}, "lebih kecil dari atau sama dengan 1"),
        ({"weight_proximity": "-0.1"}, "lebih besar dari atau sama dengan 0"),
        ({"expected__III__posyandu": "-1"}, "lebih besar dari atau sama dengan 0"),
        (
            {"expected__V__pos-pengaduan": "0", "expected__V__patbm": ""},
            "Klaster V: wajibkan minimal satu jenis layanan",
        ),
        ({"hub_distance_m": "0"}, "lebih besar dari atau sama dengan 50"),
        ({"freshness_days": "abc"}, "Masukkan keseluruhan angka bilangan"),
    ],
)
def test_it_refuses_an_invalid_draft_saying_why(client, provinsi, changes, message):
    client.force_login(provinsi)
    count = ScoringPolicy.objects.count()

    response = client.post(reverse("scoring:policy_create"), form_data(**changes))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert ScoringPolicy.objects.count() == count


def test_it_places_the_pure_checks_at_the_field_they_name(provinsi):
    from scoring.forms import PolicyForm

    form = PolicyForm(
        form_data(),
        base=DEFAULT_POLICY,
        types=selectors.catalogue_types(),
        cluster_names=selectors.cluster_names(),
    )
    assert form.is_valid()
    form._place("expected[III][posyandu]: jumlah harus bilangan bulat >= 1.")
    form._place("expected[II]: isi minimal satu jenis layanan.")
    form._place("hub_distance_m: jarak harus angka > 0 (meter).")
    form._place("bands: batas bawah harus naik berurutan.")
    assert form.errors["expected__III__posyandu"] == ["jumlah harus bilangan bulat >= 1."]
    assert form.cluster_errors["II"] == ["isi minimal satu jenis layanan."]
    assert form.errors["hub_distance_m"] == ["jarak harus angka > 0 (meter)."]
    assert "bands: batas bawah harus naik berurutan." in form.non_field_errors()


def test_it_edits_a_draft_with_its_revision_and_refuses_a_stale_one(client, provinsi):
    draft = _draft(provinsi)
    other = make_user("provinsi2", "provinsi", "31")
    client.force_login(provinsi)
    url = reverse("scoring:policy_edit", args=[draft.pk])

    response = client.post(url, {**form_data(name="Kaltara 2b"), "revision": draft.revision})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.name, draft.revision, draft.updated_by) == ("Kaltara 2b", 2, provinsi)
    assert draft.updated_at is not None

    # Someone else's page, read at revision 1: refused, nothing written, the entries kept.
    client.force_login(other)
    response = client.post(url, {**form_data(name="Basi"), "revision": 1})
    assert response.status_code == 409
    assert "sudah disimpan orang lain" in response.content.decode()
    assert 'value="Basi"' in response.content.decode()
    assert f'name="revision" value="{draft.revision}"' in response.content.decode()
    # Without a revision: refused the same way.
    response = client.post(url, form_data(name="Tanpa revisi"))
    assert response.status_code == 409
    draft.refresh_from_db()
    assert (draft.name, draft.revision) == ("Kaltara 2b", 2)


def test_it_never_edits_a_version_once_activated(client, provinsi):
    client.force_login(provinsi)
    active = selectors.policy_active()
    url = reverse("scoring:policy_edit", args=[active.pk])

    assert client.get(url)["Location"] == reverse("scoring:policy_preview", args=[active.pk])
    response = client.post(url, {**form_data(name="Diubah"), "revision": active.revision})
    assert response.status_code == 302
    active.refresh_from_db()
    assert active.name != "Diubah"


def test_it_previews_a_draft_and_activates_it_recording_who_and_when(
    client, provinsi, django_capture_on_commit_callbacks
):
    kawasan = make_many_kawasan(3)
    draft = _draft(provinsi)
    client.force_login(provinsi)

    preview = client.get(reverse("scoring:policy_preview", args=[draft.pk]))
    assert preview.status_code == 200
    assert preview.context["preview"] is not None
    assert len(preview.context["preview"].totals) == len(kawasan)
    html = preview.content.decode()
    assert 'id="kota-order"' in html and 'id="band-changes"' in html
    assert 'class="changed"' in html  # the weights that differ from the active version

    url = reverse("scoring:policy_activate", args=[draft.pk])
    # Without the confirmation: shown again, nothing activated.
    response = client.post(url, {"revision": draft.revision})
    assert response.status_code == 400
    assert "Centang konfirmasi" in response.content.decode()
    draft.refresh_from_db()
    assert not draft.is_active

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"revision": draft.revision, "confirm": "on"})

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.is_active and draft.activated_by == provinsi and draft.activated_at is not None
    assert selectors.policy_active() == draft
    # The recompute ran after the commit (eagerly here): every score names the new version.
    assert set(KawasanScore.objects.values_list("policy_id", flat=True)) == {draft.pk}
    assert ScoreRun.objects.filter(policy=draft, status="done").exists()
    listing = client.get(reverse("scoring:policy_list")).content.decode()
    assert str(provinsi) in listing


def test_it_enqueues_the_recompute_on_activation(
    client, provinsi, django_capture_on_commit_callbacks
):
    draft = _draft(provinsi)
    client.force_login(provinsi)

    with (
        mock.patch.object(tasks.recompute_all, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.post(
            reverse("scoring:policy_activate", args=[draft.pk]),
            {"revision": draft.revision, "confirm": "on"},
        )

    delay.assert_called_once_with()


def test_it_refuses_to_activate_a_draft_changed_since_the_preview(client, provinsi):
    draft = _draft(provinsi)
    client.force_login(provinsi)
    client.post(
        reverse("scoring:policy_edit", args=[draft.pk]),
        {**form_data(draft_policy(), name="Diubah"), "revision": draft.revision},
    )
    url = reverse("scoring:policy_activate", args=[draft.pk])

    stale = client.post(url, {"revision": draft.revision, "confirm": "on"})
    missing = client.post(url, {"confirm": "on"})

    assert stale.status_code == 409 and missing.status_code == 409
    assert "diubah sejak pratinjau dibuka" in stale.content.decode()
    assert stale.context["form"].initial["revision"] == draft.revision + 1
    draft.refresh_from_db()
    assert not draft.is_active and selectors.policy_active().version == "kaltara-1"


def test_it_shows_the_active_version_without_a_preview_or_activation(client, provinsi):
    client.force_login(provinsi)
    active = selectors.policy_active()

    response = client.get(reverse("scoring:policy_preview", args=[active.pk]))

    assert response.status_code == 200
    assert response.context["preview"] is None
    assert 'id="policy-activate"' not in response.content.decode()
    activate = client.post(
        reverse("scoring:policy_activate", args=[active.pk]),
        {"revision": active.revision, "confirm": "on"},
    )
    assert activate.status_code == 302


@pytest.mark.parametrize("n", [3, 30])
def test_it_keeps_the_queries_of_the_pages_bounded(
    client, provinsi, django_assert_max_num_queries, n
):
    make_many_kawasan(n)
    draft = _draft(provinsi)
    for _i in range(n // 3):
        _draft(provinsi)  # more versions in the list
    client.force_login(provinsi)
    bounds = {
        reverse("scoring:policy_list"): 5,
        reverse("scoring:policy_create"): 6,
        reverse("scoring:policy_edit", args=[draft.pk]): 6,
        # The preview reads what a recompute reads: 3 queries per 500 kawasan.
        reverse("scoring:policy_preview", args=[draft.pk]): 11,
    }
    for path, bound in bounds.items():
        with django_assert_max_num_queries(bound):
            assert client.get(path).status_code == 200, path

"""The form provincial staff write a policy draft with: one field per parameter, no JSON.

The fields are the parameters staff decide (docs/scoring.md): the four component weights,
the required count of each service type per cluster, the walking distance to the hub and
the freshness window. The rest of the policy (site weights, bands, the connectivity split)
is carried over unchanged from the version the draft starts from.

Checked twice: by the fields and the form (weights 0..1 summing to 1, counts >= 0 with at
least one type per cluster, distance and window in range), then by the pure
policy.policy_errors when the Policy is built, whose messages name the field they concern
and are placed there (so no invalid policy ever reaches the services).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from web.validators import CleanTextMixin

from .policy import CLUSTERS, Policy, PolicyInvalid
from .selectors import CatalogueType

WEIGHTS = (
    ("weight_coverage", _("Cakupan")),
    ("weight_connectivity", _("Keterhubungan")),
    ("weight_proximity", _("Kedekatan")),
    ("weight_freshness", _("Kebaruan")),
)
WEIGHT_HELP = {
    "weight_coverage": _("Jenis layanan yang diharapkan per klaster sudah ada di kawasan."),
    "weight_connectivity": _("Tautan rujukan atau kerja sama antarklaster dan ke pusat."),
    "weight_proximity": _("Anggota berada dalam jarak jalan kaki dari pusat."),
    "weight_freshness": _("Anggota diverifikasi dalam masa berlaku."),
}
MAX_REQUIRED = 20
# policy_errors names the field first: "weight_coverage: ...", "expected[III][posyandu]: ...".
_ERROR_FIELD = re.compile(
    r"^(?P<field>[a-z_*]+)(?:\[(?P<cluster>[^\]]+)\])?(?:\[(?P<code>[^\]]+)\])?: "
)


def expected_field(cluster: str, code: str) -> str:
    return f"expected__{cluster}__{code}"


class PolicyForm(CleanTextMixin, forms.Form):
    name = forms.CharField(label=_("Nama versi"), max_length=120)
    weight_coverage = forms.DecimalField()  # the four weights are set up in __init__
    weight_connectivity = forms.DecimalField()
    weight_proximity = forms.DecimalField()
    weight_freshness = forms.DecimalField()
    hub_distance_m = forms.IntegerField(
        label=_("Jarak jalan kaki ke pusat (meter)"),
        min_value=50,
        max_value=10_000,
        help_text=_("Anggota dalam jarak ini dari pusat dihitung dekat (komponen kedekatan)."),
    )
    freshness_days = forms.IntegerField(
        label=_("Masa berlaku verifikasi (hari)"),
        min_value=1,
        max_value=3650,
        help_text=_(
            "Verifikasi yang lebih lama dari ini dihitung kedaluwarsa (bobot lebih kecil)."
        ),
    )

    def __init__(
        self,
        *args,
        base: Policy,
        types: list[CatalogueType],
        cluster_names: dict[str, str],
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.base = base
        self.cluster_names = cluster_names
        for name, label in WEIGHTS:
            self.fields[name] = forms.DecimalField(
                label=label,
                min_value=Decimal(0),
                max_value=Decimal(1),
                max_digits=4,
                decimal_places=3,
                localize=True,  # "0,45" as Indonesian writes it ("0.45" is read too)
                help_text=WEIGHT_HELP[name],
            )
        # Per cluster: the types the policy expects there (in its order), then the other
        # catalogue types that serve the cluster. 0 or empty: not required.
        self.clusters: dict[str, list[str]] = {}
        names = {t.code: t.name for t in types}
        for cluster in CLUSTERS:
            expected = dict(base.expected.get(cluster, ()))
            codes = list(expected)
            codes += [t.code for t in types if cluster in t.clusters and t.code not in expected]
            self.clusters[cluster] = []
            for code in codes:
                field_name = expected_field(cluster, code)
                self.fields[field_name] = forms.IntegerField(
                    label=names.get(code, code),
                    required=False,
                    min_value=0,
                    max_value=MAX_REQUIRED,
                    widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                )
                self.initial.setdefault(field_name, expected.get(code, 0))
                self.clusters[cluster].append(field_name)
        for name, _label in WEIGHTS:
            self.initial.setdefault(name, Decimal(repr(getattr(base, name))))
        self.initial.setdefault("hub_distance_m", round(base.hub_distance_m))
        self.initial.setdefault("freshness_days", base.freshness_days)
        self.policy: Policy | None = None

    # --- for the template -----------------------------------------------------------

    def weight_fields(self):
        return [self[name] for name, _label in WEIGHTS]

    def cluster_groups(self):
        """(cluster code, heading, bound fields, errors of the cluster) per cluster."""
        return [
            (
                cluster,
                self.cluster_names.get(cluster, ""),
                [self[name] for name in names],
                self.cluster_errors.get(cluster, []),
            )
            for cluster, names in self.clusters.items()
        ]

    # --- checks -----------------------------------------------------------------------

    @property
    def cluster_errors(self) -> dict[str, list[str]]:
        return getattr(self, "_cluster_errors", {})

    def _cluster_error(self, cluster: str, message) -> None:
        if not hasattr(self, "_cluster_errors"):
            self._cluster_errors: dict[str, list[Any]] = {}
        self._cluster_errors.setdefault(cluster, []).append(message)
        # Also a form error, so that is_valid() is False and the top of the form says so.
        self.add_error(None, message)

    def clean(self):
        cleaned: dict[str, Any] = super().clean() or {}
        weights: list[Decimal | None] = [cleaned.get(name) for name, _label in WEIGHTS]
        if all(w is not None for w in weights):
            total = sum((w for w in weights if w is not None), Decimal(0))
            if total != 1:
                self.add_error(
                    None,
                    _("Jumlah keempat bobot harus 1 (sekarang %(total)s).")
                    % {"total": number_format(total, decimal_pos=3)},
                )
        expected: dict[str, tuple[tuple[str, int], ...]] = {}
        for cluster, names in self.clusters.items():
            if any(name in self.errors for name in names):
                continue
            items = tuple(
                (name.split("__", 2)[2], cleaned[name]) for name in names if cleaned.get(name)
            )
            if not items:
                self._cluster_error(
                    cluster,
                    _(
                        "Klaster %(cluster)s: wajibkan minimal satu jenis layanan (jumlah 1 "
                        "atau lebih)."
                    )
                    % {"cluster": cluster},
                )
            expected[cluster] = items
        if self.errors:
            return cleaned
        weight = {name: float(cleaned[name]) for name, _label in WEIGHTS}
        try:
            self.policy = replace(
                self.base,
                weight_coverage=weight["weight_coverage"],
                weight_connectivity=weight["weight_connectivity"],
                weight_proximity=weight["weight_proximity"],
                weight_freshness=weight["weight_freshness"],
                expected=expected,
                hub_distance_m=float(cleaned["hub_distance_m"]),
                freshness_days=cleaned["freshness_days"],
            )
        except PolicyInvalid as exc:
            for message in exc.errors:
                self._place(message)
        return cleaned

    def _place(self, message: str) -> None:
        """Put a policy_errors message at the field it names (else at the top)."""
        match = _ERROR_FIELD.match(message)
        text = message[match.end() :] if match else message
        if match is None:
            self.add_error(None, message)
            return
        field, cluster, code = match["field"], match["cluster"], match["code"]
        if field == "expected" and cluster and code:
            name = expected_field(cluster, code)
            if name in self.fields:
                self.add_error(name, text)
                return
        if field == "expected" and cluster:
            self._cluster_error(cluster, text)
        elif field in self.fields:
            self.add_error(field, text)
        else:
            self.add_error(None, message)


class ActivateForm(forms.Form):
    """The activation: the revision previewed, and the user saying they read the preview."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    confirm = forms.BooleanField(
        label=_("Saya sudah membaca pratinjau ini dan ingin mengaktifkan versi ini."),
        error_messages={"required": _("Centang konfirmasi untuk mengaktifkan.")},
    )


# --- the parameters side by side (preview page) --------------------------------------


@dataclass(frozen=True)
class ParameterRow:
    label: str
    now: str
    then: str

    @property
    def changed(self) -> bool:
        return self.now != self.then


def parameter_rows(
    current: Policy, candidate: Policy, *, type_names: dict[str, str], cluster_names: dict[str, str]
) -> list[ParameterRow]:
    """The parameters the form edits, as the active policy and the candidate have them."""

    def weight(p: Policy, name: str) -> str:
        return number_format(getattr(p, name), decimal_pos=2)

    def expected(p: Policy, cluster: str) -> str:
        items = p.expected.get(cluster, ())
        return ", ".join(f"{type_names.get(code, code)} ×{req}" for code, req in items) or "–"

    rows = [
        ParameterRow(
            str(_("Bobot %(name)s") % {"name": str(label).lower()}),
            weight(current, n),
            weight(candidate, n),
        )
        for n, label in WEIGHTS
    ]
    rows.append(
        ParameterRow(
            str(_("Jarak jalan kaki ke pusat")),
            f"{number_format(current.hub_distance_m, decimal_pos=0)} m",
            f"{number_format(candidate.hub_distance_m, decimal_pos=0)} m",
        )
    )
    rows.append(
        ParameterRow(
            str(_("Masa berlaku verifikasi")),
            str(_("%(n)s hari") % {"n": current.freshness_days}),
            str(_("%(n)s hari") % {"n": candidate.freshness_days}),
        )
    )
    for cluster in CLUSTERS:
        label = _("Klaster %(cluster)s %(name)s") % {
            "cluster": cluster,
            "name": cluster_names.get(cluster, ""),
        }
        rows.append(
            ParameterRow(
                str(label).strip(), expected(current, cluster), expected(candidate, cluster)
            )
        )
    return rows

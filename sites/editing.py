"""What every edit of a site shares: the field labels and display strings of its history,
the stale-edit and likely-duplicate checks, and the kelurahan a point falls in.

Direct edits (services.py) and the pending changes of verified sites (review/pending.py)
both build on this module, so neither has to import the other.
"""

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import scoping
from accounts.scoping import Right
from regions.models import Region
from regions.selectors import kelurahan_at

from . import selectors
from .models import OperatingStatus, Site

# Fields a site form edits, in the order the history and the stale-edit table show them.
EDITABLE_FIELDS = ("name", "types", "location", "address", "contact", "operating_status")
FIELD_LABELS = {
    "name": gettext_lazy("Nama"),
    "types": gettext_lazy("Jenis layanan"),
    "location": gettext_lazy("Lokasi"),
    "kelurahan": gettext_lazy("Kelurahan"),
    "address": gettext_lazy("Alamat"),
    "contact": gettext_lazy("Kontak"),
    "operating_status": gettext_lazy("Status operasional"),
    "review_state": gettext_lazy("Status verifikasi"),
    "documents": gettext_lazy("Dokumen"),
    "links": gettext_lazy("Keterhubungan"),
}


class StaleEdit(Exception):
    """Someone saved the site after the form was opened; nothing was written.

    `theirs` holds the current values and `yours` the submitted ones (display strings, by
    field name), `differs` the fields where they disagree, `version` the current version.
    """

    def __init__(self, *, site: Site, theirs: dict, yours: dict):
        self.site = site
        self.version = site.version
        self.theirs = theirs
        self.yours = yours
        self.differs = [f for f in theirs if theirs[f] != yours.get(f)]
        super().__init__(_("Situs ini sudah diubah orang lain sejak formulir dibuka."))

    def rows(self):
        return [
            (FIELD_LABELS.get(f, f), self.yours.get(f, ""), self.theirs[f]) for f in self.differs
        ]


class LikelyDuplicate(Exception):
    """Sites that look like the one being saved; the user confirms to save anyway."""

    def __init__(self, duplicates):
        self.candidates = duplicates.visible  # [(Site, metres)] the user may see, nearest first
        self.hidden = duplicates.hidden  # more that the user may not see: counted, not named
        names = ", ".join(s.name for s, _d in self.candidates)
        if self.hidden:
            names = ", ".join(filter(None, [names, str(HIDDEN_DUPLICATE)]))
        super().__init__(_("Kemungkinan situs ganda: %(names)s") % {"names": names})


HIDDEN_DUPLICATE = gettext_lazy(
    "situs serupa di dekat titik ini yang tidak dapat ditampilkan (tanyakan kepada camat Anda)"
)


# ---- display strings for history ----


def display(name: str, value) -> str:
    if value is None:
        return ""
    if name == "types":
        return ", ".join(sorted(t.name for t in value))
    if name == "location":
        return f"{value.y:.6f}, {value.x:.6f}"
    if name == "operating_status":
        return str(OperatingStatus(value).label) if value in OperatingStatus.values else value
    if name == "kelurahan":
        return value.name
    return str(value)


def current_value(site: Site, name: str):
    if name == "types":
        return list(site.types.all())
    return getattr(site, name)


def same_value(name: str, old, new) -> bool:
    if name == "types":
        return {t.pk for t in old} == {t.pk for t in new}
    if name == "location":
        return old is not None and new is not None and old.equals_exact(new, 1e-9)
    return (old or "") == (new or "")


def stale_edit_args(site_pk: int, yours: dict) -> dict:
    """StaleEdit's arguments: the site as saved now against the user's values."""
    current = Site.objects.select_related("kelurahan").prefetch_related("types").get(pk=site_pk)
    return {
        "site": current,
        "theirs": {n: display(n, current_value(current, n)) for n in EDITABLE_FIELDS},
        "yours": yours,
    }


# ---- location and territory ----


_LEVEL_WORDS = {
    "provinsi": gettext_lazy("Provinsi"),
    "kabkota": gettext_lazy("Kota"),
    "kecamatan": gettext_lazy("Kecamatan"),
    "kelurahan": gettext_lazy("Kelurahan"),
}


def _territory_label(user) -> str:
    codes = scoping.territory_codes(user, Right.CHANGE)
    regions = Region.objects.filter(code__in=codes).only("code", "name", "level")
    return ", ".join(f"{_LEVEL_WORDS.get(r.level, '')} {r.name}".strip() for r in regions)


def site_kelurahan_for(*, user, point: Point, sector_ids=()) -> Region:
    """The kelurahan holding the point, when the user may keep sites there.

    The error names the field ("Lokasi") and says what to do.
    """
    if not isinstance(point, Point) or not (-180 <= point.x <= 180 and -90 <= point.y <= 90):
        raise ValidationError(
            {"location": _("Lokasi: titik tidak sah. Klik peta atau isi lintang dan bujur.")}
        )
    kelurahan = kelurahan_at(point)
    if kelurahan is None:
        raise ValidationError(
            {
                "location": _(
                    "Lokasi: titik berada di luar DKI Jakarta. "
                    "Pilih titik di dalam kelurahan tempat situs berada."
                )
            }
        )
    if not scoping.may_change(user, region_code=kelurahan.code, sector_ids=sector_ids):
        raise ValidationError(
            {
                "location": _(
                    "Lokasi: titik berada di luar wilayah tugas Anda (Kelurahan %(name)s). "
                    "Pilih titik di dalam wilayah tugas Anda: %(territory)s."
                )
                % {"name": kelurahan.name, "territory": _territory_label(user) or "-"}
            }
        )
    return kelurahan


def check_duplicates(data: dict, point: Point, exclude_pk=None, *, user) -> None:
    if data.get("confirm_duplicate"):
        return
    candidates = selectors.site_likely_duplicates(
        user=user,
        name=data["name"],
        type_ids=[t.pk for t in data["types"]],
        point=point,
        exclude_pk=exclude_pk,
    )
    if candidates:
        raise LikelyDuplicate(candidates)

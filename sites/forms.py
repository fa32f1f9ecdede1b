"""Forms for sites, documents and links. They clean input; the services decide and write."""

import json
import math
from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from leaflet.forms.widgets import LeafletWidget

from web.validators import CleanTextMixin, parse_id

from .models import DocumentKind, LinkKind, OperatingStatus, ServiceType, SiteDocument

MAX_GEOJSON_CHARS = 2000


class SiteMapWidget(LeafletWidget):
    geom_type = "POINT"
    # The lat/lon inputs beside the map are kept in step with it by site_form.js.

    def error_target_id(self, id_: str) -> str:
        # The error summary's link goes to the map (django-leaflet's "<id>-map" element, a
        # focus stop), not to the hidden textarea that holds the point.
        return f"{id_}-map"

    def deserialize(self, value):
        # Re-displaying a submitted form: parse like the field does, never with GDAL.
        try:
            return point_from_geojson(value)
        except forms.ValidationError:
            return None


def point_from_geojson(raw: str) -> Point:
    """A Point from the map widget's GeoJSON, sanitised.

    Only "type" and "coordinates" are read and the Point is built from two floats, so a
    "crs" member or anything else in the text never reaches GEOS or GDAL.
    """
    if len(raw) > MAX_GEOJSON_CHARS:
        raise forms.ValidationError(_("Lokasi: data titik terlalu panjang."))
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise forms.ValidationError(_("Lokasi: data titik rusak. Klik ulang peta.")) from exc
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry")
    if not isinstance(data, dict) or data.get("type") != "Point":
        raise forms.ValidationError(_("Lokasi: harus satu titik (Point). Klik peta sekali."))
    coords = data.get("coordinates")
    if not isinstance(coords, list | tuple) or len(coords) < 2:
        raise forms.ValidationError(_("Lokasi: koordinat titik tidak lengkap."))
    return point_from_lon_lat(coords[0], coords[1])


def point_from_lon_lat(lon, lat) -> Point:
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError) as exc:
        raise forms.ValidationError(_("Lokasi: koordinat harus berupa angka.")) from exc
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise forms.ValidationError(_("Lokasi: koordinat harus berupa angka."))
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise forms.ValidationError(
            _("Lokasi: bujur harus di antara -180 dan 180, lintang di antara -90 dan 90.")
        )
    return Point(round(lon, 7), round(lat, 7), srid=4326)


LAT_LON_ATTRS = {"step": "any", "inputmode": "decimal", "aria-describedby": "location-help"}


class SafePointField(forms.CharField):
    """The map widget's GeoJSON as a Point, without handing the raw text to GEOS."""

    widget = SiteMapWidget

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if not value or not value.strip():
            return None
        return point_from_geojson(value.strip())


# The largest id a database column holds: SQLite cannot even take a larger one in a query.
MAX_ID = 2**63 - 1


def _id_in_range(value) -> bool:
    try:
        return abs(int(value)) <= MAX_ID
    except (TypeError, ValueError):
        return True  # not a number: the field's own check refuses it


class TypesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name

    def _check_values(self, value):
        for pk in value:
            if not _id_in_range(pk):
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        # Private in Django (the hook this override exists for), so absent from the stubs.
        return super()._check_values(value)  # type: ignore[misc]


class SiteForm(CleanTextMixin, forms.Form):
    name = forms.CharField(label=gettext_lazy("Nama"), max_length=200)
    types = TypesField(
        label=gettext_lazy("Jenis layanan"),
        queryset=ServiceType.objects.order_by("order", "name"),
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Satu tempat bisa punya beberapa peran, misalnya RPTRA dan posyandu."
        ),
    )
    location = SafePointField(
        label=gettext_lazy("Lokasi"),
        help_text=gettext_lazy("Klik peta untuk menaruh titik, atau isi lintang dan bujur."),
    )
    # The map's keyboard alternative: the location's help text ("... atau isi lintang dan
    # bujur") is read with each of them.
    latitude = forms.FloatField(
        label=gettext_lazy("Lintang"),
        required=False,
        widget=forms.NumberInput(attrs=LAT_LON_ATTRS),
    )
    longitude = forms.FloatField(
        label=gettext_lazy("Bujur"),
        required=False,
        widget=forms.NumberInput(attrs=LAT_LON_ATTRS),
    )
    address = forms.CharField(label=gettext_lazy("Alamat"), max_length=300, required=False)
    contact = forms.CharField(label=gettext_lazy("Kontak"), max_length=200, required=False)
    operating_status = forms.ChoiceField(
        label=gettext_lazy("Status operasional"),
        choices=[c for c in OperatingStatus.choices if c[0] != OperatingStatus.CLOSED],
        initial=OperatingStatus.OPEN,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    confirm_duplicate = forms.BooleanField(
        label=gettext_lazy("Saya sudah memeriksa: ini bukan situs yang sama, simpan saja."),
        required=False,
    )

    # Typed coordinates are the keyboard way to set the location: its errors are theirs too
    # (web/form_rendering.py, PortalBoundField).
    errors_also_at = {"latitude": ("location",), "longitude": ("location",)}

    def __init__(self, *args, site=None, proposed=None, **kwargs):
        """`proposed`: values of the site's open pending change, shown instead of the live
        ones so the proposer keeps editing (or fixes) the proposal."""
        self.site = site
        if site is not None and not kwargs.get("data") and not (args and args[0]):
            proposed = proposed or {}
            location = proposed.get("location", site.location)
            kwargs.setdefault(
                "initial",
                {
                    "name": proposed.get("name", site.name),
                    "types": proposed.get("types", list(site.types.all())),
                    "location": location,
                    "latitude": round(location.y, 7),
                    "longitude": round(location.x, 7),
                    "address": site.address,
                    "contact": site.contact,
                    "operating_status": site.operating_status,
                    "version": site.version,
                },
            )
        super().__init__(*args, **kwargs)
        if site is not None and site.operating_status == OperatingStatus.CLOSED:
            # A closed site can be reopened from the edit form.
            cast(
                forms.ChoiceField, self.fields["operating_status"]
            ).choices = OperatingStatus.choices

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        lat, lon = cleaned.get("latitude"), cleaned.get("longitude")
        if "location" in self.errors:
            return cleaned
        if (lat is None) != (lon is None):
            self.add_error(
                "latitude" if lat is None else "longitude",
                _("Isi lintang dan bujur keduanya, atau kosongkan keduanya dan klik peta."),
            )
            return cleaned
        point = cleaned.get("location")
        if lat is not None:
            # Typed coordinates win: on a phone they are the deliberate input.
            try:
                point = point_from_lon_lat(lon, lat)
            except forms.ValidationError as exc:
                self.add_error("location", exc)
                return cleaned
        if point is None:
            self.add_error("location", _("Lokasi: klik peta atau isi lintang dan bujur."))
            return cleaned
        cleaned["location"] = point
        if self.site is not None and cleaned.get("version") is None:
            self.add_error(None, _("Formulir tidak lengkap (versi hilang). Muat ulang halaman."))
        return cleaned

    def service_data(self) -> dict:
        keys = ("name", "types", "location", "address", "contact", "operating_status")
        data = {k: self.cleaned_data[k] for k in keys}
        data["confirm_duplicate"] = self.cleaned_data.get("confirm_duplicate", False)
        return data


def site_form_initial(type_code: str) -> dict:
    """The new-site form with a service type chosen (?jenis=<code>, a next step's prefill)."""
    chosen = list(ServiceType.objects.filter(code=type_code[:40])) if type_code else []
    return {"types": chosen} if chosen else {}


def show_validation_error(form: forms.BaseForm, exc: ValidationError) -> None:
    """A service's refusal on the form: on its field when it names one, else above it."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def show_validation_messages(request, exc: ValidationError) -> None:
    """A service's refusal where there is no form to show it on (a button on the site page):
    each message as a message of the next page."""
    for errors in getattr(exc, "message_dict", {"": exc.messages}).values():
        for error in errors:
            messages.error(request, error)


class SiteCloseForm(CleanTextMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Alasan penutupan"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # Required: a close without the version it was read at is refused like a stale one.
    version = forms.IntegerField(widget=forms.HiddenInput)


class SiteDocumentForm(CleanTextMixin, forms.ModelForm):
    class Meta:
        model = SiteDocument
        fields = ["kind", "title", "file", "checklist_item"]

    def __init__(self, *args, site, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = DocumentKind.choices
        item_field = cast(forms.ModelChoiceField, self.fields["checklist_item"])
        items = item_field.queryset
        assert items is not None  # a model form's ForeignKey field: always a queryset
        item_field.queryset = items.filter(service_type__in=site.types.all())
        self.fields["file"].widget.attrs["accept"] = ".pdf,.jpg,.jpeg,.png"
        self.fields["file"].help_text = _("PDF, JPG atau PNG, paling besar 5 MB.")

    def clean_file(self):
        # The service checks again; checking here gives the field its own clear message
        # before the model's generic extension validator speaks.
        from .services import document_validate

        upload = self.cleaned_data.get("file")
        try:
            document_validate(upload)
        except forms.ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["file"]) from exc
        return upload


class LinkForm(CleanTextMixin, forms.Form):
    other: forms.ModelChoiceField = forms.ModelChoiceField(
        label=gettext_lazy("Situs yang dihubungkan"),
        queryset=None,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": gettext_lazy("Situs lain: pilih situs dari daftar.")},
    )
    kind = forms.ChoiceField(label=gettext_lazy("Jenis keterhubungan"), choices=LinkKind.choices)
    start_date = forms.DateField(
        label=gettext_lazy("Mulai"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        initial=timezone.localdate,
    )
    note = forms.CharField(label=gettext_lazy("Catatan"), max_length=300, required=False)
    evidence = forms.FileField(
        label=gettext_lazy("Dokumen bukti (MoU, SK)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def __init__(self, *args, candidates_qs, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["other"]).queryset = candidates_qs


class LinkEndForm(CleanTextMixin, forms.Form):
    end_date = forms.DateField(
        label=gettext_lazy("Berakhir"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(label=gettext_lazy("Alasan"), max_length=500, required=False)
    # Checked by the service: missing or stale is refused (a missing one like a stale one).
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, max_value=2**31 - 1)


# ---- review workflow ----

ANSWER_CHOICES = [
    ("", gettext_lazy("Belum dijawab")),
    ("yes", gettext_lazy("Terpenuhi")),
    ("no", gettext_lazy("Belum terpenuhi")),
]


class ChecklistForm(CleanTextMixin, forms.Form):
    """One answer and note per checklist item of the site's types."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, items, answers, **kwargs):
        """items: the ChecklistItems; answers: {item id: (answer or None, note)}."""
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            answer, note = answers.get(item.pk, (None, ""))
            self.fields[f"item_{item.pk}"] = forms.ChoiceField(
                label=item.text,
                choices=ANSWER_CHOICES,
                required=False,
                widget=forms.RadioSelect,
                initial={True: "yes", False: "no"}.get(answer, ""),
            )
            self.fields[f"note_{item.pk}"] = forms.CharField(
                label=gettext_lazy("Catatan"),
                max_length=300,
                required=False,
                initial=note,
                widget=forms.TextInput(attrs={"placeholder": _("catatan (opsional)")}),
            )

    def rows(self):
        """(service type, [(item, answer field, note field)]) for the template."""
        groups: list[tuple[ServiceType, list]] = []
        for item in self.items:
            if not groups or groups[-1][0] != item.service_type:
                groups.append((item.service_type, []))
            groups[-1][1].append((item, self[f"item_{item.pk}"], self[f"note_{item.pk}"]))
        return groups

    def answers(self) -> dict[int, tuple[bool | None, str]]:
        return {
            item.pk: (
                {"yes": True, "no": False}.get(self.cleaned_data[f"item_{item.pk}"]),
                self.cleaned_data[f"note_{item.pk}"],
            )
            for item in self.items
        }


class VersionForm(CleanTextMixin, forms.Form):
    """Submit, re-verify: the version the user saw, so acting on an outdated page fails."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class VerifyForm(VersionForm):
    confirmed = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Butir yang dikonfirmasi"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    # Ticks every item answered "terpenuhi" (review_site.js does it on the page as well).
    konfirmasi_semua = forms.BooleanField(
        label=gettext_lazy("Konfirmasi semua butir yang terpenuhi"), required=False
    )

    def __init__(self, *args, item_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["confirmed"]).choices = [(i, str(i)) for i in item_ids]


class ReturnForm(VersionForm):
    reason = forms.CharField(
        label=gettext_lazy("Alasan pengembalian"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Tuliskan apa yang harus diperbaiki; lurah melihatnya di kotak masuk."
        ),
        error_messages={
            "required": gettext_lazy("Alasan pengembalian: tuliskan apa yang harus diperbaiki.")
        },
    )


class ApproveForm(VersionForm):
    site_version = forms.IntegerField(widget=forms.HiddenInput)


class _PairsField(forms.MultipleChoiceField):
    # The values are checked by clean_pilih and then against the officer's scope.
    def valid_value(self, value):
        return True


class BulkVerifyForm(CleanTextMixin, forms.Form):
    """Queue rows chosen for verification, each as "<site id>:<version>".

    The second step (ditanya) lists the chosen rows with unmet checklist items; sertakan are
    the ids of those the officer still verifies.
    """

    pilih = _PairsField(required=True)
    sertakan = _PairsField(required=False)
    ditanya = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pilih"].error_messages["required"] = _(
            "Pilih minimal satu pengajuan untuk diverifikasi."
        )

    def clean_pilih(self):
        pairs = []
        for raw in self.cleaned_data["pilih"]:
            pk, _sep, version = raw.partition(":")
            site_id, site_version = parse_id(pk), parse_id(version)
            if site_id is None or site_version is None or site_id > MAX_ID:
                raise forms.ValidationError(_("Pilihan tidak sah. Muat ulang halaman."))
            pairs.append((site_id, site_version))
        return pairs

    def clean_sertakan(self):
        ids = set()
        for raw in self.cleaned_data["sertakan"]:
            site_id = parse_id(raw)
            if site_id is None or site_id > MAX_ID:
                raise forms.ValidationError(_("Pilihan tidak sah. Muat ulang halaman."))
            ids.add(site_id)
        return ids

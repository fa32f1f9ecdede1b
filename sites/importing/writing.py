"""Writing the placed records: an idempotent upsert by (source, source_id), in bulk.

Sites the portal has taken over are counted as "kept" and never overwritten.
"""

from pathlib import Path

from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import OperatingStatus, ReviewState, ServiceType, Site, SiteChange
from .placing import KelurahanIndex, records_place
from .readers import HOSPITAL_TYPE, OFFICE_TYPE, SCHOOL_TYPES, files_read
from .records import FileImport, ImportDataError, SiteRecord

# The fields an import owns; everything else on a site (contact, status, review) is the portal's.
IMPORTED_FIELDS = ["name", "address", "kelurahan", "location", "source_note"]
_COORD_TOLERANCE = 1e-7  # the sources keep 7 decimals at most


def _is_taken_over(site: Site) -> bool:
    """True once the portal owns the site: a user edited it, or it entered the review flow."""
    return site.updated_by_id is not None or site.review_state != ReviewState.REGISTERED


def _record_changes(site: Site, record: SiteRecord) -> dict[str, list[str]]:
    changes = {}
    for attr, new in (
        ("name", record.name),
        ("address", record.address),
        ("kelurahan_id", record.kelurahan),
        ("source_note", record.source_note),
    ):
        old = getattr(site, attr)
        if old != new:
            changes[attr.removesuffix("_id")] = [old, new]
    if site.location is None or not site.location.equals_exact(
        Point(record.lon, record.lat, srid=4326), tolerance=_COORD_TOLERANCE
    ):
        old = site.location.wkt if site.location is not None else ""
        changes["location"] = [old, Point(record.lon, record.lat).wkt]
    return changes


def file_write(fi: FileImport, types_by_code: dict[str, ServiceType], *, batch_size=500) -> None:
    """Upsert one file's placed records by (source, source_id), with bulk writes."""
    now = timezone.now()
    reason = _("Impor dari %(file)s") % {"file": fi.file}
    existing = {
        site.source_id: site
        for site in Site.objects.filter(source=fi.source).only(
            "pk",
            "source_id",
            "name",
            "address",
            "kelurahan_id",
            "location",
            "source_note",
            "review_state",
            "updated_by_id",
            "version",
        )
    }
    Through = Site.types.through
    site_types = set(
        Through.objects.filter(site__source=fi.source).values_list("site_id", "servicetype_id")
    )
    to_create, to_update, updated_changes, through_rows = [], [], [], []
    for record in fi.records:
        assert record.kelurahan is not None  # placed records only (records_place drops the rest)
        type_id = types_by_code[record.type_code].pk
        site = existing.get(record.source_id)
        if site is None:
            to_create.append(
                Site(
                    name=record.name,
                    kelurahan_id=record.kelurahan,
                    location=Point(record.lon, record.lat, srid=4326),
                    address=record.address,
                    operating_status=OperatingStatus.OPEN,
                    review_state=ReviewState.REGISTERED,
                    source=record.source,
                    source_id=record.source_id,
                    source_note=record.source_note,
                )
            )
            continue
        if _is_taken_over(site):
            fi.kept += 1
            continue
        changes = _record_changes(site, record)
        if (site.pk, type_id) not in site_types:
            through_rows.append(Through(site_id=site.pk, servicetype_id=type_id))
            changes["types"] = ["", record.type_code]
        if not changes:
            fi.unchanged += 1
            continue
        site.name, site.address = record.name, record.address
        site.kelurahan_id, site.source_note = record.kelurahan, record.source_note
        site.location = Point(record.lon, record.lat, srid=4326)
        # A form opened before the import must not silently overwrite it (optimistic locking).
        site.version += 1
        site.updated_at = now
        to_update.append(site)
        updated_changes.append((site, {k: [str(a), str(b)] for k, (a, b) in changes.items()}))

    created = Site.objects.bulk_create(to_create, batch_size=batch_size)
    if created and created[0].pk is None:  # a backend that does not return keys
        ids = dict(
            Site.objects.filter(
                source=fi.source, source_id__in=[s.source_id for s in created]
            ).values_list("source_id", "pk")
        )
        for site in created:
            site.pk = ids[site.source_id]
    record_by_id = {r.source_id: r for r in fi.records}
    through_rows += [
        Through(
            site_id=site.pk, servicetype_id=types_by_code[record_by_id[site.source_id].type_code].pk
        )
        for site in created
    ]
    Through.objects.bulk_create(through_rows, batch_size=batch_size)
    Site.objects.bulk_update(
        to_update,
        ["name", "address", "kelurahan", "location", "source_note", "version", "updated_at"],
        batch_size=batch_size,
    )
    SiteChange.objects.bulk_create(
        [SiteChange(site=site, action="import_create", reason=reason) for site in created]
        + [
            SiteChange(site=site, action="import_update", changes=changes, reason=reason)
            for site, changes in updated_changes
        ],
        batch_size=batch_size,
    )
    fi.created, fi.updated = len(created), len(to_update)
    fi.created_ids = [site.pk for site in created]
    fi.updated_ids = [site.pk for site in to_update]


def service_types_for_import() -> dict[str, ServiceType]:
    codes = {"rptra", "puskesmas", *SCHOOL_TYPES.values(), OFFICE_TYPE, HOSPITAL_TYPE}
    types = ServiceType.objects.in_bulk(list(codes), field_name="code")
    missing = codes - set(types)
    if missing:
        raise ImportDataError(
            _("Jenis layanan belum ada: %(codes)s. Jalankan migrate terlebih dahulu.")
            % {"codes": ", ".join(sorted(missing))}
        )
    return types


@transaction.atomic
def sites_write(files: list[FileImport], index: KelurahanIndex | None = None) -> list[FileImport]:
    """Place and upsert the records of every file, in one transaction."""
    index = index or KelurahanIndex.from_db()
    if not len(index):
        raise ImportDataError(
            _("Belum ada batas kelurahan di basis data. Jalankan load_regions terlebih dahulu.")
        )
    types_by_code = service_types_for_import()
    for fi in files:
        records_place(fi, index)
        file_write(fi, types_by_code)
    return files


def sites_import(data_dir: Path) -> list[FileImport]:
    """Read every file, then write them all; a broken file raises and nothing is written."""
    return sites_write(files_read(data_dir))

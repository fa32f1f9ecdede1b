"""The HSDS 3.0 objects, built from plain rows (selectors): pure functions, no queries.

The mapping (README "Open data and the HSDS API"):

- each open site is a location (physical, with its point and address), and offers one
  service per service type it holds, each with one service_at_location;
- the organization of a service is the suku dinas of its type's sector in the site's
  kab/kota ("Suku Dinas Kesehatan Kota Administrasi Jakarta Timur");
- three taxonomies classify services through attributes: the KLA clusters, the portal's
  service types, and the verification status ("terverifikasi", or "terdaftar": registered
  from an official source, not verified in the portal), which is also said in each
  service's description; a verified service carries its verification date (assured_date).

No personal data: HSDS contacts and phones are left out (a site's contact is often a
person's number), and so are the metadata records (they name the editor).
Content is in Bahasa Indonesia (language "ind"), whatever the request's language: the data
comes from Indonesian sources and one id must always mean the same text.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils import timezone

from . import ids
from .selectors import REGISTERED, SOURCE_ID_TYPES, VERIFIED, Catalogue, SiteRow, TypeInfo

HSDS_VERSION = "3.0"
LANGUAGE = "ind"
PROVINCE = "DKI Jakarta"

CLUSTERS, TYPES, VERIFICATION = 1, 2, 3
TAXONOMIES = {
    CLUSTERS: (
        "Klaster KLA",
        "Klaster hak anak Kabupaten/Kota Layak Anak (KLA): penguatan kelembagaan dan lima "
        "klaster I-V. Tiap jenis layanan melayani satu klaster atau lebih.",
    ),
    TYPES: (
        "Jenis layanan Portal Kaltara",
        "Jenis layanan ramah anak dalam katalog Portal Kaltara (RPTRA, puskesmas, sekolah, "
        "posyandu, ...), masing-masing dibina satu sektor (suku dinas).",
    ),
    VERIFICATION: (
        "Status verifikasi Portal Kaltara",
        "Apakah data situs sudah diverifikasi suku dinas sektornya di Portal Kaltara, atau "
        "baru terdaftar dari sumber resmi tanpa perubahan.",
    ),
}
# (number, code, name, description) of the verification terms.
VERIFICATION_TERMS = {
    1: (
        VERIFIED,
        "Terverifikasi",
        "Data situs diperiksa dan diverifikasi oleh suku dinas sektornya di Portal Kaltara.",
    ),
    2: (
        REGISTERED,
        "Terdaftar dari sumber resmi",
        "Diimpor dari sumber resmi (Jakarta Satu, Kemendikbud, Kemkes) tanpa perubahan oleh "
        "pengguna portal; belum diverifikasi di Portal Kaltara.",
    ),
}
VERIFICATION_NUMBER = {code: number for number, (code, _n, _d) in VERIFICATION_TERMS.items()}
LINK_TYPES = {CLUSTERS: "kla_cluster", TYPES: "service_type", VERIFICATION: "verification"}


def timestamp(value: datetime) -> str:
    """RFC 3339 in UTC with milliseconds, as HSDS's examples ("2023-03-15T10:30:45.123Z")."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def local_date(value: datetime) -> str:
    return timezone.localtime(value).date().isoformat()


# --- taxonomies ------------------------------------------------------------------------------


def taxonomy_id(number: int) -> str:
    return ids.encode(ids.TAXONOMY, number)


def taxonomy(number: int) -> dict:
    name, description = TAXONOMIES[number]
    return {"id": taxonomy_id(number), "name": name, "description": description}


def term_id(number: int, key: int) -> str:
    return ids.encode(ids.TAXONOMY_TERM, key, number)


def _term(number: int, key: int, code: str, name: str, description: str) -> dict:
    return {
        "id": term_id(number, key),
        "code": code,
        "name": name,
        "description": description,
        "taxonomy": TAXONOMIES[number][0],
        "taxonomy_id": taxonomy_id(number),
        "language": LANGUAGE,
    }


def cluster_term(cat: Catalogue, pk: int) -> dict:
    code, name = cat.clusters[pk]
    return _term(CLUSTERS, pk, code, name, f"Klaster {code} KLA: {name}.")


def type_term(t: TypeInfo) -> dict:
    return _term(TYPES, t.pk, t.code, t.name, t.description or t.name)


def verification_term(number: int) -> dict:
    code, name, description = VERIFICATION_TERMS[number]
    return _term(VERIFICATION, number, code, name, description)


def all_terms(cat: Catalogue) -> list[dict]:
    """Every term of the three taxonomies, in a fixed order."""
    return (
        [cluster_term(cat, pk) for pk in cat.clusters]
        + [type_term(t) for t in sorted(cat.types.values(), key=lambda t: t.pk)]
        + [verification_term(number) for number in VERIFICATION_TERMS]
    )


# --- organizations ---------------------------------------------------------------------------


def organization_id(sector_pk: int, kota_code: str) -> str:
    return ids.encode(ids.ORGANIZATION, ids.kota_number(kota_code), sector_pk)


def organization(cat: Catalogue, sector_pk: int, kota_code: str) -> dict:
    _code, sector_name = cat.sectors[sector_pk]
    kota = cat.kota.get(kota_code, kota_code)
    name = f"{sector_name} {kota}"
    return {
        "id": organization_id(sector_pk, kota_code),
        "name": name,
        "description": (
            f"{name}: suku dinas yang membina dan memverifikasi layanan ramah anak sektornya "
            f"di {kota} dalam Portal Kaltara."
        ),
    }


# --- locations, services ---------------------------------------------------------------------


def location(cat: Catalogue, site: SiteRow) -> dict:
    location_id = ids.location_id(site.pk)
    kota = cat.kota.get(site.kota_code, "")
    area = f"Kelurahan {site.kelurahan}, Kecamatan {site.kecamatan}"
    obj: dict[str, object] = {
        "id": location_id,
        "location_type": "physical",
        "name": site.name,
        "description": f"{area}, {kota}.",
        "latitude": round(site.lat, 7),
        "longitude": round(site.lon, 7),
        "addresses": [
            {
                "id": ids.named(f"address:{site.pk}"),
                "location_id": location_id,
                "address_1": site.address or f"Kelurahan {site.kelurahan}",
                "address_2": area,
                "city": kota,
                "state_province": PROVINCE,
                # Not in any source: HSDS requires the field, so it is present and empty.
                "postal_code": "",
                "country": "ID",
                "address_type": "physical",
            }
        ],
    }
    if site.source in SOURCE_ID_TYPES and site.source_id:
        obj["external_identifier"] = site.source_id
        obj["external_identifier_type"] = SOURCE_ID_TYPES[site.source]
    return obj


def service_id(site: SiteRow, t: TypeInfo) -> str:
    return ids.encode(ids.SERVICE, site.pk, t.pk)


def service_name(site: SiteRow, t: TypeInfo) -> str:
    # One service per type: a site with two roles names the role, so the two differ.
    return f"{site.name} – {t.name}" if len(site.type_pks) > 1 else site.name


def service_description(site: SiteRow, t: TypeInfo) -> str:
    where = f"{t.name} di Kelurahan {site.kelurahan}, Kecamatan {site.kecamatan}."
    if site.verification == VERIFIED and site.verified_at:
        return f"{where} Terverifikasi oleh suku dinas pada {local_date(site.verified_at)}."
    return f"{where} Terdaftar dari {site.source_label}; belum diverifikasi di Portal Kaltara."


def service_at_location(cat: Catalogue, site: SiteRow, t: TypeInfo, *, full=False) -> dict:
    obj: dict[str, object] = {
        "id": ids.encode(ids.SERVICE_AT_LOCATION, site.pk, t.pk),
        "service_id": service_id(site, t),
        "location_id": ids.location_id(site.pk),
    }
    if full:
        obj["location"] = location(cat, site)
    return obj


def _attribute(link_id: str, number: int, term: dict) -> dict:
    return {
        "id": ids.named(f"attribute:{link_id}:{term['id']}"),
        "link_id": link_id,
        "link_type": LINK_TYPES[number],
        "link_entity": "service",
        "taxonomy_term_id": term["id"],
        "taxonomy_term": term,
    }


def service_attributes(cat: Catalogue, site: SiteRow, t: TypeInfo) -> list[dict]:
    sid = service_id(site, t)
    return (
        [_attribute(sid, TYPES, type_term(t))]
        + [_attribute(sid, CLUSTERS, cluster_term(cat, pk)) for pk in t.clusters]
        + [_attribute(sid, VERIFICATION, verification_term(VERIFICATION_NUMBER[site.verification]))]
    )


def service(
    cat: Catalogue, site: SiteRow, t: TypeInfo, *, full=False, minimal=False, organization_too=True
) -> dict:
    """A service: its one-to-one fields; `full` nests its organization, its
    service_at_location with the location, and its attributes (taxonomy terms)."""
    obj: dict[str, object] = {
        "id": service_id(site, t),
        "name": service_name(site, t),
        "status": "active",  # open sites only (selectors.open_q)
        "last_modified": timestamp(site.updated_at),
    }
    if minimal:
        return obj
    obj["organization_id"] = organization_id(t.sector_pk, site.kota_code)
    obj["description"] = service_description(site, t)
    if site.verification == VERIFIED and site.verified_at:
        obj["assured_date"] = local_date(site.verified_at)
    if full:
        if organization_too:
            obj["organization"] = organization(cat, t.sector_pk, site.kota_code)
        obj["service_at_locations"] = [service_at_location(cat, site, t, full=True)]
        obj["attributes"] = service_attributes(cat, site, t)
    return obj

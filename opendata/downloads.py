"""Bulk open data: the public directory (CSV, GeoJSON, .xlsx), kawasan and region scores
(CSV, JSON), the data dictionary and the licence statement.

Each file is built in one request from plain values (selectors: a fixed number of queries);
all of Jakarta (~5,400 sites) takes well under a second for CSV and GeoJSON and about a
second for .xlsx (README "Open data and the HSDS API"). Column names are fixed
(Indonesian, snake case) so scripts keep working; the dictionary gives every column's type
and meaning in Indonesian and English. Spreadsheet cells that would run as formulas are
neutralised (exports.services writers).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

from django.utils import timezone

from exports.services import Table, write_csv, write_xlsx

from . import hsds, ids
from .selectors import (
    Catalogue,
    catalogue,
    kawasan_rows,
    open_sites,
    region_score_rows,
    site_rows,
)

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GEOJSON_CONTENT_TYPE = "application/geo+json"
JSON_CONTENT_TYPE = "application/json"
CONTENT_TYPES = {
    "csv": CSV_CONTENT_TYPE,
    "xlsx": XLSX_CONTENT_TYPE,
    "geojson": GEOJSON_CONTENT_TYPE,
    "json": JSON_CONTENT_TYPE,
}

# --- the licence ---------------------------------------------------------------------------

PORTAL_LICENCE = {
    "name": "Creative Commons Attribution 4.0 International (CC BY 4.0)",
    "url": "https://creativecommons.org/licenses/by/4.0/",
    "attribution": "Portal Kaltara, Pemprov DKI Jakarta",
}
# The data README (../shared/data/README.md) gives each source's terms; they travel with it.
SOURCE_TERMS = [
    {
        "source": "Pemprov DKI Jakarta – Jakarta Satu (RPTRA, puskesmas)",
        "terms_id": "Lisensi tidak dinyatakan oleh sumber; cantumkan atribusi. Periksa ketentuan "
        "Jakarta Satu sebelum mendistribusikan ulang dalam produk.",
        "terms_en": "No licence stated by the source; attribution required. Check Jakarta "
        "Satu's terms before redistributing in a product.",
    },
    {
        "source": "Kemkes RI (daftar puskesmas, via ubunteroz/satu-data)",
        "terms_id": "CC0 1.0.",
        "terms_en": "CC0 1.0.",
    },
    {
        "source": "Kemendikbud RI (data sekolah 2019, via suryavip/daftar-sekolah-indonesia)",
        "terms_id": "Data rujukan publik Kemendikbud; repositori pengumpulnya berlisensi MIT.",
        "terms_en": "Kemendikbud public reference data; the collecting repository is MIT.",
    },
    {
        "source": "Kode wilayah Kemendagri (cahyadsn/wilayah)",
        "terms_id": "MIT.",
        "terms_en": "MIT.",
    },
]
HSDS_ATTRIBUTION = (
    "Human Services Data Specification: an Open Referral resource (https://openreferral.org/)"
)
HSDS_LICENCE = {
    "name": "Creative Commons Attribution-ShareAlike 4.0 (CC BY-SA 4.0)",
    "url": "https://creativecommons.org/licenses/by-sa/4.0/",
}


def licence() -> dict:
    """The licence statement, as the JSON files and the API root carry it."""
    return {
        "portal": {
            **PORTAL_LICENCE,
            "covers_id": "Kontribusi portal: status dan tanggal verifikasi, kawasan, skor dan "
            "susunan data.",
            "covers_en": "The portal's contributions: verification status and date, kawasan, "
            "scores and the data's arrangement.",
        },
        "sources": SOURCE_TERMS,
        "hsds": {**HSDS_LICENCE, "attribution": HSDS_ATTRIBUTION},
    }


# --- the data dictionary -------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    meaning_id: str
    meaning_en: str


@dataclass(frozen=True)
class Dataset:
    slug: str
    title_id: str
    title_en: str
    formats: tuple[str, ...]
    columns: tuple[Column, ...]


SITE_COLUMNS = (
    Column(
        "id_lokasi",
        "UUID",
        "ID stabil lokasi; sama dengan location.id di API HSDS.",
        "Stable location id; the same as location.id in the HSDS API.",
    ),
    Column(
        "id_portal",
        "integer",
        "Nomor situs di Portal Kaltara.",
        "The site's number in the Kaltara portal.",
    ),
    Column("nama", "string", "Nama situs layanan.", "Name of the service site."),
    Column(
        "jenis_layanan",
        "string (list, '; ')",
        "Jenis layanan ramah anak di situs ini.",
        "The child-friendly service types at this site.",
    ),
    Column(
        "kode_jenis",
        "string (list, '; ')",
        "Kode jenis layanan, urutan sama.",
        "Service type codes, in the same order.",
    ),
    Column(
        "klaster_kla",
        "string (list, '; ')",
        "Klaster KLA (I-V) yang dilayani.",
        "KLA clusters (I-V) served.",
    ),
    Column(
        "sektor",
        "string (list, '; ')",
        "Sektor (suku dinas) pembina tiap jenis.",
        "The sector (suku dinas) supervising each type.",
    ),
    Column(
        "kode_kelurahan",
        "string",
        "Kode kelurahan Kemendagri (mis. 31.75.03.1004).",
        "Kemendagri kelurahan code (e.g. 31.75.03.1004).",
    ),
    Column("kelurahan", "string", "Nama kelurahan.", "Kelurahan (village) name."),
    Column("kecamatan", "string", "Nama kecamatan.", "Kecamatan (district) name."),
    Column("kota", "string", "Kota/kabupaten administrasi.", "Administrative city/regency."),
    Column("lat", "number", "Lintang, WGS84 (EPSG:4326).", "Latitude, WGS84 (EPSG:4326)."),
    Column("lon", "number", "Bujur, WGS84 (EPSG:4326).", "Longitude, WGS84 (EPSG:4326)."),
    Column(
        "alamat",
        "string",
        "Alamat jalan bila ada di sumber.",
        "Street address where the source has one.",
    ),
    Column(
        "status_verifikasi",
        "string: terverifikasi | terdaftar",
        "terverifikasi: diperiksa suku dinas di portal; terdaftar: dari sumber resmi, "
        "belum diverifikasi.",
        "terverifikasi: checked by the suku dinas in the portal; terdaftar: from an "
        "official source, not yet verified.",
    ),
    Column(
        "tanggal_verifikasi",
        "date (YYYY-MM-DD)",
        "Tanggal verifikasi terakhir.",
        "Date of the last verification.",
    ),
    Column(
        "sumber",
        "string",
        "Asal data situs (atribusi).",
        "Where the site's data comes from (attribution).",
    ),
    Column(
        "id_sumber",
        "string",
        "ID di sumber (NPSN untuk sekolah, OBJECTID Jakarta Satu).",
        "Id in the source (NPSN for schools, Jakarta Satu OBJECTID).",
    ),
    Column(
        "diubah",
        "datetime (RFC 3339, UTC)",
        "Terakhir diubah (impor atau portal).",
        "Last changed (import or portal).",
    ),
)

KAWASAN_COLUMNS = (
    Column(
        "id_kawasan",
        "integer",
        "Nomor kawasan di Portal Kaltara.",
        "The kawasan's number in the portal.",
    ),
    Column("nama", "string", "Nama kawasan.", "Kawasan name."),
    Column(
        "kode_wilayah",
        "string",
        "Kode Kemendagri wilayah kawasan.",
        "Kemendagri code of the kawasan's region.",
    ),
    Column("wilayah", "string", "Nama wilayah.", "Region name."),
    Column("tingkat_wilayah", "string: kelurahan | kecamatan", "Tingkat wilayah.", "Region level."),
    Column(
        "kawasan_dasar",
        "boolean",
        "Kawasan dasar kelurahan (mengikuti situsnya).",
        "The kelurahan's base kawasan (follows its sites).",
    ),
    Column(
        "pusat",
        "string",
        "Situs pusat (hub), bila situs terbuka.",
        "Hub site, when it is an open site.",
    ),
    Column("id_lokasi_pusat", "UUID", "id_lokasi situs pusat.", "id_lokasi of the hub."),
    Column(
        "jumlah_anggota_terbuka",
        "integer",
        "Anggota yang termasuk data terbuka.",
        "Members that are in the open data.",
    ),
    Column(
        "anggota_terbuka",
        "string (list, '; ')",
        "Nama anggota terbuka.",
        "Names of the open members.",
    ),
    Column("skor", "number 0-1000", "Skor keterpaduan tersimpan.", "Stored integration score."),
    Column(
        "predikat", "string", "Predikat skor menurut kebijakan.", "Score band under the policy."
    ),
    Column("cakupan", "number 0-1", "Komponen cakupan layanan.", "Coverage component."),
    Column(
        "keterhubungan",
        "number 0-1",
        "Komponen keterhubungan (rujukan, program).",
        "Connectivity component (referrals, programmes).",
    ),
    Column(
        "kedekatan",
        "number 0-1",
        "Komponen kedekatan ke pusat.",
        "Proximity component (to the hub).",
    ),
    Column(
        "kebaruan",
        "number 0-1",
        "Komponen kebaruan verifikasi.",
        "Freshness component (of verifications).",
    ),
    *(
        Column(
            f"cakupan_klaster_{c}",
            "number 0-1",
            f"Cakupan klaster {c}.",
            f"Coverage of cluster {c}.",
        )
        for c in ("I", "II", "III", "IV", "V")
    ),
    Column(
        "keyakinan_data",
        "number 0-1",
        "Bagian anggota terverifikasi dan segar.",
        "Share of members verified and fresh.",
    ),
    Column(
        "versi_kebijakan",
        "string",
        "Versi kebijakan skor yang menghitungnya.",
        "Scoring policy version that computed it.",
    ),
    Column(
        "dihitung",
        "datetime (RFC 3339, UTC)",
        "Waktu skor dihitung.",
        "When the score was computed.",
    ),
)

REGION_COLUMNS = (
    Column("kode_wilayah", "string", "Kode Kemendagri.", "Kemendagri code."),
    Column("nama", "string", "Nama wilayah.", "Region name."),
    Column(
        "tingkat", "string: kabkota | kecamatan | kelurahan", "Tingkat wilayah.", "Region level."
    ),
    Column(
        "skor",
        "number 0-1000",
        "Rerata skor kawasan (kecamatan/kota: rerata di bawahnya).",
        "Mean kawasan score (kecamatan/kota: mean of the level below).",
    ),
    Column(
        "predikat", "string", "Predikat menurut kebijakan aktif.", "Band under the active policy."
    ),
    Column(
        "peringkat",
        "integer",
        "Peringkat di antara wilayah setingkat se-Jakarta.",
        "Rank among the regions of its level in Jakarta.",
    ),
    Column("jumlah_kawasan", "integer", "Kawasan di wilayah ini.", "Kawasan in the region."),
    Column("keyakinan_data", "number 0-1", "Rerata keyakinan data.", "Mean data confidence."),
    Column(
        "skor_sebelumnya",
        "number 0-1000",
        "Skor pada cuplikan bulanan terakhir.",
        "Score at the last monthly snapshot.",
    ),
    Column("perubahan", "number", "skor - skor_sebelumnya.", "skor - skor_sebelumnya."),
    Column(
        "versi_kebijakan", "string", "Versi kebijakan skor aktif.", "Active scoring policy version."
    ),
)

DATASETS = (
    Dataset(
        "situs",
        "Direktori situs layanan ramah anak",
        "Directory of child-friendly service sites",
        ("csv", "geojson", "xlsx"),
        SITE_COLUMNS,
    ),
    Dataset(
        "kawasan",
        "Kawasan dan skor tersimpannya",
        "Kawasan and their stored scores",
        ("csv", "json"),
        KAWASAN_COLUMNS,
    ),
    Dataset(
        "skor-wilayah",
        "Skor kota, kecamatan dan kelurahan",
        "Scores of kota, kecamatan and kelurahan",
        ("csv", "json"),
        REGION_COLUMNS,
    ),
)
DATASETS_BY_SLUG = {d.slug: d for d in DATASETS}


def dictionary() -> dict:
    return {
        "datasets": [
            {
                "slug": d.slug,
                "title_id": d.title_id,
                "title_en": d.title_en,
                "formats": list(d.formats),
                "columns": [
                    {"name": c.name, "type": c.type, "id": c.meaning_id, "en": c.meaning_en}
                    for c in d.columns
                ],
            }
            for d in DATASETS
        ],
        "licence": licence(),
    }


# --- tables --------------------------------------------------------------------------------


def _joined(values) -> str:
    return "; ".join(dict.fromkeys(v for v in values if v))  # unique, in order


def site_records(cat: Catalogue | None = None) -> list[list]:
    """One row per open site, in SITE_COLUMNS order (7 queries for all of Jakarta)."""
    cat = cat or catalogue()
    records = []
    for site in site_rows(open_sites()):
        types = [cat.types[pk] for pk in site.type_pks if pk in cat.types]
        clusters = sorted(
            {pk for t in types for pk in t.clusters}, key=lambda pk: list(cat.clusters).index(pk)
        )
        records.append(
            [
                ids.location_id(site.pk),
                site.pk,
                site.name,
                _joined(t.name for t in types),
                _joined(t.code for t in types),
                _joined(cat.clusters[pk][0] for pk in clusters),
                _joined(cat.sectors[t.sector_pk][1] for t in types if t.sector_pk in cat.sectors),
                site.kelurahan_code,
                site.kelurahan,
                site.kecamatan,
                cat.kota.get(site.kota_code, ""),
                round(site.lat, 7),
                round(site.lon, 7),
                site.address,
                site.verification,
                hsds.local_date(site.verified_at)
                if site.verification == "terverifikasi" and site.verified_at
                else "",
                site.source_label,
                site.source_id,
                hsds.timestamp(site.updated_at),
            ]
        )
    return records


def _round(value, digits=3):
    return round(value, digits) if isinstance(value, float) else value


def kawasan_records() -> list[list]:
    records = []
    for k in kawasan_rows():
        s = k.score or {}
        by_cluster = s.get("coverage_by_cluster") or {}
        records.append(
            [
                k.pk,
                k.name,
                k.region_code,
                k.region_name,
                k.region_level,
                k.is_base,
                k.hub[1] if k.hub else "",
                ids.location_id(k.hub[0]) if k.hub else "",
                len(k.members),
                _joined(name for _pk, name in k.members),
                s.get("total"),
                s.get("band", ""),
                *(_round(s.get(c)) for c in ("coverage", "connectivity", "proximity")),
                _round(s.get("freshness")),
                *(_round(by_cluster.get(c)) for c in ("I", "II", "III", "IV", "V")),
                _round(s.get("confidence")),
                s.get("policy__version", ""),
                hsds.timestamp(s["computed_at"]) if s.get("computed_at") else "",
            ]
        )
    return records


def region_records() -> list[list]:
    version, rows = region_score_rows()
    return [
        [
            r.code,
            r.name,
            r.level,
            r.score,
            r.band if not r.no_kawasan else "Belum ada kawasan",
            r.rank,
            r.kawasan_count,
            r.confidence,
            r.previous,
            r.change,
            version,
        ]
        for r in rows
    ]


RECORDS = {"situs": site_records, "kawasan": kawasan_records, "skor-wilayah": region_records}


# --- files ---------------------------------------------------------------------------------


def filename(slug: str, fmt: str) -> str:
    return f"kaltara-{slug}-{timezone.localdate():%Y%m%d}.{fmt}"


def dataset_file(slug: str, fmt: str) -> bytes:
    """The file of one dataset in one format (its content type: CONTENT_TYPES[fmt])."""
    dataset = DATASETS_BY_SLUG[slug]
    headers = [c.name for c in dataset.columns]
    records = RECORDS[slug]()
    if fmt == "geojson":
        return _geojson(headers, records)
    if fmt == "json":
        body = {
            "dataset": dataset.slug,
            "licence": licence(),
            "records": [dict(zip(headers, r, strict=True)) for r in records],
        }
        return json.dumps(body, ensure_ascii=False).encode()
    out = io.BytesIO()
    table = Table(title=dataset.title_id, headers=headers, rows=records, count=len(records))
    (write_csv if fmt == "csv" else write_xlsx)(table, out)
    return out.getvalue()


def _geojson(headers: list[str], records: list[list]) -> bytes:
    lat, lon = headers.index("lat"), headers.index("lon")
    features = [
        {
            "type": "Feature",
            "id": r[0],
            "geometry": {"type": "Point", "coordinates": [r[lon], r[lat]]},
            "properties": {
                h: v for i, (h, v) in enumerate(zip(headers, r, strict=True)) if i not in (lat, lon)
            },
        }
        for r in records
    ]
    # "licence" is a foreign member (RFC 7946 section 6.1): readers ignore what they do not know.
    body = {"type": "FeatureCollection", "licence": licence(), "features": features}
    return json.dumps(body, ensure_ascii=False).encode()

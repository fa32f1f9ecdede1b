"""The HSDS 3.0 schemas of ../shared/standards (KALTARA_STANDARDS_DIR) as validators.

Each schema file is registered under its file name in a `referencing` Registry, so the
relative references between them ("phone.json", "taxonomy_term.json") resolve from the
folder itself: nothing is copied into the repository and nothing is fetched. Formats are
checked too: uuid and email by jsonschema itself, date-time and uri by the two small
checkers below (jsonschema needs extra packages for them).
"""

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from sites.importing.readers import SOURCE_PUSKESMAS, SOURCE_SCHOOLS
from sites.models import OperatingStatus, ReviewState
from tests.factories import KAMPUNG_MELAYU, MENTENG, RAWA_BUNGA, make_site

# The visibility matrices' world of private fixtures, for the open-data tests too.
from tests.visibility.conftest import world  # noqa: F401

SCHEMA_DIR = settings.KALTARA_STANDARDS_DIR / "hsds-3.0" / "schema"
# HSDS object kind -> its schema file.
SCHEMAS = {
    "service": "service.json",
    "service_at_location": "service_at_location.json",
    "organization": "organization.json",
    "taxonomy": "taxonomy.json",
    "taxonomy_term": "taxonomy_term.json",
    "location": "location.json",
}

FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value) -> bool:
    if not isinstance(value, str):
        return True
    if "T" not in value.upper():
        raise ValueError("no T between date and time")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("no offset (RFC 3339 requires one)")
    return True


@FORMATS.checks("uri", raises=ValueError)
def _uri(value) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    if not parts.scheme or not (parts.netloc or parts.path):
        raise ValueError("not an absolute URI")
    return True


@cache
def registry() -> Registry:
    if not SCHEMA_DIR.is_dir():
        pytest.fail(
            f"HSDS schemas not found in {SCHEMA_DIR}: set KALTARA_STANDARDS_DIR (or "
            "KALTARA_DATA_DIR beside it) to the shared standards folder.",
            pytrace=False,
        )
    resources = [
        (path.name, Resource.from_contents(json.loads(path.read_text()), DRAFT202012))
        for path in sorted(SCHEMA_DIR.glob("*.json"))
        if path.name != "openapi.json"
    ]
    return Registry().with_resources(resources)


@cache
def validator(kind: str) -> Draft202012Validator:
    return Draft202012Validator(
        {"$ref": SCHEMAS[kind]}, registry=registry(), format_checker=FORMATS
    )


@cache
def page_validator() -> Draft202012Validator:
    openapi = json.loads((SCHEMA_DIR / "openapi.json").read_text())
    return Draft202012Validator(openapi["components"]["schemas"]["Page"], format_checker=FORMATS)


def assert_valid(kind: str, obj) -> None:
    errors = sorted(validator(kind).iter_errors(obj), key=lambda e: list(e.absolute_path))
    assert not errors, f"{kind} {obj.get('id')}: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]
    )


def assert_page(body) -> None:
    errors = list(page_validator().iter_errors(body))
    assert not errors, [e.message for e in errors]
    assert {"total_items", "total_pages", "page_number", "size", "first_page", "last_page"} <= set(
        body
    )
    assert {"empty", "contents"} <= set(body)
    assert body["size"] == len(body["contents"])


@dataclass
class Directory:
    public: list  # sites open data publishes
    hidden: list  # sites it must not name (each name starts with RAHASIA)


@pytest.fixture
def directory(lurah):
    """Open sites of every kind, and sites of every kind that must stay out."""
    verified = make_site("RPTRA Terbuka Rawa Bunga", RAWA_BUNGA, types=("rptra",), public=True)
    two_roles = make_site("SDN Terbuka Menteng", MENTENG, types=("sd", "perpustakaan"), public=True)
    registered = make_site(
        "SMPN Terdaftar Kampung Melayu",
        KAMPUNG_MELAYU,
        types=("smp",),
        review_state=ReviewState.REGISTERED,
        source=SOURCE_SCHOOLS,
        source_id="20100001",
        address="Jl. Terbuka No. 1",
        contact="0812 RAHASIA kontak",
    )
    hidden = [
        make_site("RAHASIA Draf Posyandu", RAWA_BUNGA, types=("posyandu",)),
        make_site(
            "RAHASIA Terdaftar Diubah Lurah",
            RAWA_BUNGA,
            review_state=ReviewState.REGISTERED,
            source=SOURCE_PUSKESMAS,
            source_id="9991",
            updated_by=lurah,
        ),
        make_site(
            "RAHASIA Terdaftar Tanpa Sumber", RAWA_BUNGA, review_state=ReviewState.REGISTERED
        ),
        make_site("RAHASIA Demo Terverifikasi", RAWA_BUNGA, public=True, is_demo=True),
        make_site(
            "RAHASIA Tutup Terverifikasi",
            RAWA_BUNGA,
            public=True,
            operating_status=OperatingStatus.CLOSED,
        ),
        make_site("RAHASIA Diajukan", RAWA_BUNGA, review_state=ReviewState.SUBMITTED),
        make_site("RAHASIA Dikembalikan", RAWA_BUNGA, review_state=ReviewState.RETURNED),
    ]
    return Directory(public=[verified, two_roles, registered], hidden=hidden)


@pytest.fixture
def anonymous(client):
    client.logout()
    return client

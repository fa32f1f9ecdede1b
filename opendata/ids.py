"""Stable public ids: the same row gets the same UUID in every response and after a re-import.

HSDS wants a UUID for every object. The portal's rows have integer keys that the site import
keeps (it upserts by source and source id), so every id is derived from keys:

- objects looked up by id (services, service-at-location, organizations, taxonomies, terms)
  carry their keys inside a version-8 UUID (RFC 9562: the layout is the issuer's): 48 bits
  naming the kind (from uuid5 over NAMESPACE and the kind's name), 12 bits `b`, 62 bits `a`.
  `decode` reads the keys back, so a detail request costs no scan of every object;
- objects never looked up (locations, addresses, attributes) are uuid5 over NAMESPACE and a
  name such as "site:<pk>".

A service id is not a location id: each kind has its own 48-bit tag, and decode refuses a
UUID of another kind (the detail views then answer 404).
"""

import functools
import uuid

# Fixed for good: changing it changes every published id.
NAMESPACE = uuid.UUID("0107a55f-3823-4281-839b-c774c7d433e0")

SERVICE = "service"
SERVICE_AT_LOCATION = "service_at_location"
ORGANIZATION = "organization"
TAXONOMY = "taxonomy"
TAXONOMY_TERM = "taxonomy_term"

_MAX_A = (1 << 62) - 1
_MAX_B = (1 << 12) - 1


def _tag(kind: str) -> int:
    return int.from_bytes(uuid.uuid5(NAMESPACE, kind).bytes[:6], "big")


_TAGS = {kind: _tag(kind) for kind in (SERVICE, SERVICE_AT_LOCATION, ORGANIZATION)}
_TAGS |= {kind: _tag(kind) for kind in (TAXONOMY, TAXONOMY_TERM)}


def _text(value: int) -> str:
    # str(uuid.UUID(int=value)) without the object: a page of 100 services makes ~2,000 ids.
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@functools.lru_cache(maxsize=65536)
def encode(kind: str, a: int, b: int = 0) -> str:
    """The UUID of object (a, b) of this kind: a < 2**62, b < 2**12."""
    if not (0 <= a <= _MAX_A and 0 <= b <= _MAX_B):
        raise ValueError(f"{kind} key out of range: {a}, {b}")
    return _text((_TAGS[kind] << 80) | (0x8 << 76) | (b << 64) | (0b10 << 62) | a)


def decode(kind: str, value: str) -> tuple[int, int] | None:
    """(a, b) of a UUID made by encode(kind, ...); None for anything else."""
    try:
        n = uuid.UUID(value).int
    except (ValueError, TypeError, AttributeError):
        return None
    if n >> 80 != _TAGS[kind] or (n >> 76) & 0xF != 0x8 or (n >> 62) & 0b11 != 0b10:
        return None
    return n & _MAX_A, (n >> 64) & _MAX_B


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return False
    return True


@functools.lru_cache(maxsize=65536)
def named(name: str) -> str:
    """uuid5 over NAMESPACE and a name ("site:12", "address:12", ...)."""
    return str(uuid.uuid5(NAMESPACE, name))


def location_id(site_pk: int) -> str:
    return named(f"site:{site_pk}")


def kota_number(kota_code: str) -> int:
    """'31.75' -> 3175: a kab/kota code as the integer key of an organization id."""
    return int(kota_code.replace(".", ""))


def kota_code(number: int) -> str:
    digits = f"{number:04d}"
    return f"{digits[:2]}.{digits[2:]}"

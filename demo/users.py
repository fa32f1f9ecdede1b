"""Demo users for every role, on real Jakarta regions. Refused under production settings."""

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from accounts.models import Assignment, Role, Sector, User, provincial_staff_sync

DEMO_PASSWORD = "kaltara-demo"  # noqa: S105 - printed by `make run`; demo only

# username, full name, role, region code, sector code
DEMO_USERS = [
    ("lurah.rawabunga", "Lurah Rawa Bunga", Role.LURAH, "31.75.03.1004", None),
    ("camat.jatinegara", "Camat Jatinegara", Role.CAMAT, "31.75.03", None),
    ("sudinkes.jaktim", "Sudin Kesehatan Jakarta Timur", Role.SUDIN, "31.75", "kesehatan"),
    ("sudindik.jaktim", "Sudin Pendidikan Jakarta Timur", Role.SUDIN, "31.75", "pendidikan"),
    ("provinsi", "Staf Dinas PPAPP DKI", Role.PROVINSI, "31", None),
]


def demo_allowed() -> bool:
    return bool(getattr(settings, "KALTARA_ALLOW_DEMO", False))


@transaction.atomic
def demo_users_create() -> list[User]:
    if not demo_allowed():
        raise ImproperlyConfigured("Data demo tidak boleh dibuat dengan pengaturan produksi.")
    users = []
    for username, full_name, role, region_code, sector_code in DEMO_USERS:
        first, _, last = full_name.partition(" ")
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last}
        )
        if created or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save()
        sector = Sector.objects.get(code=sector_code) if sector_code else None
        Assignment.objects.get_or_create(user=user, role=role, region_id=region_code, sector=sector)
        users.append(user)
    # A new assignment does this itself; a demo user made before the rule existed, not.
    provincial_staff_sync(u.pk for u in users)
    return users


# Load-test users (scripts/loadtest.py --mix): many users in many real regions, so a load
# test exercises distinct scopes (and distinct cached fragments) as real officials would.
LOAD_PREFIX = "uji."
LOAD_SECTORS = ("kesehatan", "pendidikan")


@transaction.atomic
def load_users_create(
    *, lurah: int, camat: int, sudin: int, provinsi: int
) -> list[tuple[User, Assignment]]:
    """`lurah` lurah over kelurahan spread across Jakarta, `camat` camat likewise, `sudin`
    officers over the kota (Kesehatan and Pendidikan in turn), `provinsi` provincial staff.
    Idempotent; all share the demo password. Refused under production settings."""
    from regions.models import Region

    if not demo_allowed():
        raise ImproperlyConfigured("Data demo tidak boleh dibuat dengan pengaturan produksi.")

    def spread(level: str, n: int) -> list[str]:
        codes = list(
            Region.objects.filter(level=level).order_by("code").values_list("code", flat=True)
        )
        if n and not codes:
            raise ImproperlyConfigured(f"Tidak ada wilayah tingkat {level}: jalankan load_regions.")
        step = max(1, len(codes) // max(n, 1))
        return [codes[(i * step) % len(codes)] for i in range(n)]

    sectors = {s.code: s for s in Sector.objects.filter(code__in=LOAD_SECTORS)}
    wanted: list[tuple[str, Role, str, Sector | None]] = []  # username, role, region, sector
    for i, code in enumerate(spread("kelurahan", lurah), 1):
        wanted.append((f"{LOAD_PREFIX}lurah.{i:03}", Role.LURAH, code, None))
    for i, code in enumerate(spread("kecamatan", camat), 1):
        wanted.append((f"{LOAD_PREFIX}camat.{i:03}", Role.CAMAT, code, None))
    kota = spread("kabkota", 6)
    for i in range(sudin):
        sudin_sector = sectors[LOAD_SECTORS[i % len(LOAD_SECTORS)]]
        code = kota[(i // len(LOAD_SECTORS)) % len(kota)]
        wanted.append((f"{LOAD_PREFIX}sudin.{i + 1:03}", Role.SUDIN, code, sudin_sector))
    for i in range(provinsi):
        wanted.append((f"{LOAD_PREFIX}provinsi.{i + 1:03}", Role.PROVINSI, "31", None))

    password = make_password(DEMO_PASSWORD)  # hashed once for all of them
    existing = {u.username: u for u in User.objects.filter(username__startswith=LOAD_PREFIX)}
    out = []
    for username, role, code, sector in wanted:
        user = existing.get(username)
        if user is None:
            user = User.objects.create(username=username, password=password, first_name="Uji")
        assignment, _ = Assignment.objects.get_or_create(
            user=user, role=role, region_id=code, sector=sector
        )
        user.assignments.exclude(pk=assignment.pk).delete()  # one role each, as generated
        out.append((user, assignment))
    return out

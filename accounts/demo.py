"""Demo users for every role, on real Jakarta regions. Refused under production settings."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from .models import Assignment, Role, Sector, User

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
    return users

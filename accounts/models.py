from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """The portal's user. Custom from the first migration so it can grow without pain."""

    # Versions of what every page reads about the user, kept on the row that every
    # signed-in request loads anyway: a worker keeps the grants and the unread count it
    # read under (user, version) and needs no query or cache round trip while the version
    # stands. Any change bumps the version in the same transaction (grants_changed below,
    # notifications.services.inbox_changed); see accounts/scoping.py.
    grants_version = models.PositiveIntegerField(default=0, editable=False)
    inbox_version = models.PositiveIntegerField(default=0, editable=False)
    VERSION_FIELDS = ("grants_version", "inbox_version")
    # The language the user chose in the header (a code of settings.LANGUAGES); empty: not
    # chosen yet, the portal's default. It follows the user to every browser and phone, where
    # the browser's own language never decides (accounts.locale).
    language = models.CharField(_("bahasa"), max_length=10, blank=True, default="")

    # A plain Meta: AbstractUser.Meta sets only these two names and `abstract` (which Django
    # resets for a concrete subclass), and its stub types the names as str, refusing lazy text.
    class Meta:
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")

    def __str__(self):
        return self.get_full_name() or self.username

    def save(self, *args, **kwargs):
        # The versions only ever move in the database (F() + 1): saving an object loaded
        # before a bump must not write the old number back.
        if (
            not self._state.adding
            and not kwargs.get("force_insert")
            and (kwargs.get("update_fields") is None)
        ):
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in self.VERSION_FIELDS
            ]
        super().save(*args, **kwargs)


class Sector(models.Model):
    """A sector agency (suku dinas) that supervises service types: Kesehatan, Pendidikan, ...

    It lives here rather than in services because an officer's assignment names it: with
    services -> accounts -> regions, imports keep pointing one way.
    """

    code = models.SlugField(_("kode"), max_length=30, unique=True)
    name = models.CharField(_("nama"), max_length=120)

    class Meta:
        verbose_name = _("sektor (suku dinas)")
        verbose_name_plural = _("sektor (suku dinas)")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    LURAH = "lurah", _("Lurah")
    CAMAT = "camat", _("Camat")
    SUDIN = "sudin", _("Petugas suku dinas")
    PROVINSI = "provinsi", _("Staf provinsi")
    ADMIN = "admin", _("Administrator")


# The region level each role is granted over (admin: any level).
ROLE_LEVEL: dict[str, str] = {
    Role.LURAH: "kelurahan",
    Role.CAMAT: "kecamatan",
    Role.SUDIN: "kabkota",
    Role.PROVINSI: "provinsi",
}


def grants_changed(user_ids) -> None:
    """Bump the grants version of these users: their next request reads their grants."""
    ids = {pk for pk in user_ids if pk is not None}
    if ids:
        User.objects.filter(pk__in=ids).update(grants_version=F("grants_version") + 1)


class AssignmentQuerySet(models.QuerySet["Assignment"]):
    """Bulk writes bump the grants version too (they send no signals).

    Deletes need nothing here: with receivers connected Django deletes row by row and
    sends post_delete. Raw SQL bypasses all of this; scoping.GRANTS_MAX_AGE bounds it.
    """

    def update(self, **kwargs):
        before = set(self.values_list("user_id", flat=True))
        count = super().update(**kwargs)
        after = {kwargs["user"].pk} if "user" in kwargs else set()
        after |= {kwargs["user_id"]} if "user_id" in kwargs else set()
        grants_changed(before | after)
        return count

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        grants_changed(obj.user_id for obj in created)
        return created

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        ids = {obj.user_id for obj in objs}
        if "user" in fields:  # the previous owners lose the grant
            ids |= set(self.filter(pk__in=[o.pk for o in objs]).values_list("user_id", flat=True))
        count = super().bulk_update(objs, fields, *args, **kwargs)
        grants_changed(ids)
        return count


class Assignment(models.Model):
    """A role over a region (and everything below it); officers also name a sector."""

    user = models.ForeignKey(
        User, verbose_name=_("pengguna"), on_delete=models.CASCADE, related_name="assignments"
    )
    role = models.CharField(_("peran"), max_length=10, choices=Role.choices)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("wilayah"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    sector = models.ForeignKey(
        Sector,
        verbose_name=_("sektor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
    )

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("penugasan")
        verbose_name_plural = _("penugasan")
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in Role]), name="assignment_role_valid"
            ),
            # A sector belongs to suku dinas officers and to nobody else.
            models.CheckConstraint(
                condition=Q(role="sudin", sector__isnull=False)
                | (~Q(role="sudin") & Q(sector__isnull=True)),
                name="assignment_sector_only_for_sudin",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "region"],
                condition=Q(sector__isnull=True),
                name="assignment_unique_territorial",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "region", "sector"],
                condition=Q(sector__isnull=False),
                name="assignment_unique_sectoral",
            ),
        ]

    def __str__(self):
        sector = f" {self.sector}" if self.sector_id else ""
        return f"{self.user} – {self.get_role_display()}{sector} – {self.region_id}"

    def clean(self):
        from django.core.exceptions import ValidationError

        expected = ROLE_LEVEL.get(self.role)
        if expected and self.region_id and self.region.level != expected:
            raise ValidationError(
                {
                    "region": _("Peran ini ditugaskan pada wilayah tingkat %(level)s.")
                    % {"level": expected}
                }
            )


@receiver(pre_save, sender=Assignment, dispatch_uid="assignment_owner_before_save")
def _assignment_owner_before(sender, instance, **kwargs):
    # An assignment moved to another user must bump its previous owner too.
    instance._previous_user_id = (
        Assignment.objects.filter(pk=instance.pk).values_list("user_id", flat=True).first()
        if instance.pk is not None
        else None
    )


@receiver(post_save, sender=Assignment, dispatch_uid="assignment_saved_bumps_grants")
@receiver(post_delete, sender=Assignment, dispatch_uid="assignment_deleted_bumps_grants")
def _assignment_changed(sender, instance, **kwargs):
    grants_changed({instance.user_id, getattr(instance, "_previous_user_id", None)})
    # The user object the assignment holds (often the caller's own) forgets the grants it
    # cached, so code holding it sees the change as the next request will.
    user = Assignment._meta.get_field("user").get_cached_value(instance, default=None)
    if isinstance(user, User):
        user.__dict__.pop("_kaltara_grants", None)
        # None (never saved: only this in-memory object) means unknown: scoping reads afresh.
        user.grants_version = None  # type: ignore[assignment]

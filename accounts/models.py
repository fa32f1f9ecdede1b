from django.contrib.auth.models import AbstractUser, Group
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
    """Bulk writes bump the grants version and follow the admin access too (they send no
    signals).

    Deletes need nothing here: with receivers connected Django deletes row by row and
    sends post_delete. Raw SQL bypasses all of this; scoping.GRANTS_MAX_AGE bounds it.
    """

    def update(self, **kwargs):
        before = set(self.values_list("user_id", flat=True))
        count = super().update(**kwargs)
        after = {kwargs["user"].pk} if "user" in kwargs else set()
        after |= {kwargs["user_id"]} if "user_id" in kwargs else set()
        grants_changed(before | after)
        provincial_staff_sync(before | after)
        return count

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        users = {obj.user_id for obj in created}
        grants_changed(users)
        provincial_staff_sync(users)
        return created

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        ids = {obj.user_id for obj in objs}
        if "user" in fields:  # the previous owners lose the grant
            ids |= set(self.filter(pk__in=[o.pk for o in objs]).values_list("user_id", flat=True))
        count = super().bulk_update(objs, fields, *args, **kwargs)
        grants_changed(ids)
        provincial_staff_sync(ids)
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


# Admin access follows the role: a provincial grant (scoping.is_provincial's roles) makes
# the user staff and a member of this group, whose permissions (the catalogue: service
# types, checklists, clusters, indicator sets; the scoring policy to view) are set by
# scoring migration 0004. The policy itself is edited in the portal, not the admin.
PROVINCIAL_STAFF_GROUP = "Staf provinsi"
PROVINCIAL_ROLES = (Role.PROVINSI, Role.ADMIN)


def provincial_staff_sync(user_ids) -> dict[int, bool]:
    """Put the users with a provincial grant in the group (and make them staff); take out
    those who lost their last one (no longer staff unless superuser or in another group).

    Returns the users whose is_staff changed (user id -> the new value).
    """
    ids = {pk for pk in user_ids if pk is not None}
    if not ids:
        return {}
    provincial = set(
        Assignment.objects.filter(user_id__in=ids, role__in=PROVINCIAL_ROLES).values_list(
            "user_id", flat=True
        )
    )
    members = User.groups.through
    in_group = set(
        members.objects.filter(group__name=PROVINCIAL_STAFF_GROUP, user_id__in=ids).values_list(
            "user_id", flat=True
        )
    )
    if provincial - in_group:
        group, _created = Group.objects.get_or_create(name=PROVINCIAL_STAFF_GROUP)
        members.objects.bulk_create(
            [members(user_id=pk, group_id=group.pk) for pk in provincial - in_group]
        )
    changed: dict[int, bool] = {}
    if provincial:
        promoted = list(
            User.objects.filter(pk__in=provincial, is_staff=False).values_list("pk", flat=True)
        )
        if promoted:
            User.objects.filter(pk__in=promoted).update(is_staff=True)
            changed |= dict.fromkeys(promoted, True)
    gone = (ids - provincial) & in_group
    if gone:
        members.objects.filter(group__name=PROVINCIAL_STAFF_GROUP, user_id__in=gone).delete()
        other_groups = set(
            members.objects.filter(user_id__in=gone).values_list("user_id", flat=True)
        )
        demoted = list(
            User.objects.filter(
                pk__in=gone - other_groups, is_superuser=False, is_staff=True
            ).values_list("pk", flat=True)
        )
        if demoted:
            User.objects.filter(pk__in=demoted).update(is_staff=False)
            changed |= dict.fromkeys(demoted, False)
    return changed


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
    users = {instance.user_id, getattr(instance, "_previous_user_id", None)}
    grants_changed(users)
    staff = provincial_staff_sync(users)
    # The user object the assignment holds (often the caller's own) forgets the grants it
    # cached, so code holding it sees the change as the next request will.
    user = Assignment._meta.get_field("user").get_cached_value(instance, default=None)
    if isinstance(user, User):
        user.__dict__.pop("_kaltara_grants", None)
        # is_staff as provincial_staff_sync left it (a later save writes every field back).
        user.is_staff = staff.get(user.pk, user.is_staff)
        # None (never saved: only this in-memory object) means unknown: scoping reads afresh.
        user.grants_version = None  # type: ignore[assignment]

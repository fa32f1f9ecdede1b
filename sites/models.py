from django.conf import settings
from django.contrib.gis.db import models
from django.core.validators import FileExtensionValidator
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import scoping
from accounts.scoping import Right
from web.colors import ink_on


class ServiceType(models.Model):
    """A kind of child-friendly service (RPTRA, puskesmas PRAP, SD, ...): catalogue data."""

    code = models.SlugField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("nama"), max_length=120)
    sector = models.ForeignKey(
        "accounts.Sector",
        verbose_name=_("sektor"),
        on_delete=models.PROTECT,
        related_name="service_types",
    )
    clusters = models.ManyToManyField(
        "clusters.Cluster", verbose_name=_("klaster"), related_name="service_types"
    )
    indicators = models.ManyToManyField(
        "clusters.Indicator",
        verbose_name=_("indikator yang dibuktikan"),
        blank=True,
        related_name="service_types",
    )
    description = models.TextField(_("yang membuatnya ramah anak"), blank=True)
    icon = models.CharField(_("ikon peta"), max_length=8, default="•")
    color = models.CharField(_("warna"), max_length=7, default="#2563eb")
    order = models.PositiveSmallIntegerField(_("urutan"), default=100)

    class Meta:
        verbose_name = _("jenis layanan")
        verbose_name_plural = _("jenis layanan")
        ordering = ["order", "name"]

    def __str__(self):
        return self.name

    @property
    def ink(self) -> str:
        """The colour of text on this type's colour (black or white, >= 4.5:1)."""
        return ink_on(self.color)


class ChecklistItem(models.Model):
    """One child-friendly criterion of a service type (e.g. a puskesmas counselling room)."""

    service_type = models.ForeignKey(
        ServiceType,
        verbose_name=_("jenis layanan"),
        on_delete=models.CASCADE,
        related_name="checklist_items",
    )
    code = models.SlugField(_("kode"), max_length=40)
    text = models.CharField(_("kriteria"), max_length=250)
    order = models.PositiveSmallIntegerField(_("urutan"), default=0)

    class Meta:
        verbose_name = _("butir daftar periksa")
        verbose_name_plural = _("butir daftar periksa")
        ordering = ["service_type", "order"]
        constraints = [
            models.UniqueConstraint(fields=["service_type", "code"], name="checklist_item_unique")
        ]

    def __str__(self):
        return self.text


class OperatingStatus(models.TextChoices):
    OPEN = "open", _("Buka")
    TEMPORARILY_CLOSED = "temporarily_closed", _("Tutup sementara")
    CLOSED = "closed", _("Tutup")


class ReviewState(models.TextChoices):
    REGISTERED = "registered", _("Terdaftar")
    DRAFT = "draft", _("Draf")
    SUBMITTED = "submitted", _("Diajukan")
    VERIFIED = "verified", _("Terverifikasi")
    RETURNED = "returned", _("Dikembalikan")


class SiteQuerySet(models.QuerySet):
    """The query vocabulary for sites; accounts.scoping decides what each grant covers.

    Visibility: verified, open sites are public facilities every signed-in user may see;
    the rest (drafts, submissions, closed sites) only inside the user's SEE_PRIVATE scope.
    Sector grants reach a site through any of its types, so the scoped part is a pk__in
    subquery: a site with two types of one sector must not come back twice.
    """

    def live(self):
        """Sites not closed (open, temporarily closed or planned)."""
        return self.exclude(operating_status=OperatingStatus.CLOSED)

    def public(self):
        return self.filter(public_q())

    def _scoped_q(self, user, right) -> Q | None:
        # The filter for sites a grant with `right` covers, or None when none is covered.
        if not scoping.grants_with(user, right):
            return None
        q = scoping.region_q(
            user, right, region_field="kelurahan__code", sector_field="types__sector"
        )
        # A pk__in subquery keeps the outer query free of the types join (no duplicates).
        return Q(pk__in=self.model._default_manager.filter(q).values("pk"))

    def visible_to(self, user):
        """Public sites, and every site in the user's private scope; none signed out."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        private = self._scoped_q(user, Right.SEE_PRIVATE)
        return self.filter(public_q() | private if private is not None else public_q())

    def private_to(self, user):
        """Sites inside the user's SEE_PRIVATE scope, whatever their state."""
        scoped = self._scoped_q(user, Right.SEE_PRIVATE)
        return self.none() if scoped is None else self.filter(scoped)

    def editable_by(self, user):
        """Sites the user may create, edit, link and close (their CHANGE scope)."""
        scoped = self._scoped_q(user, Right.CHANGE)
        return self.none() if scoped is None else self.filter(scoped)


def public_q() -> Q:
    return Q(review_state=ReviewState.VERIFIED, operating_status=OperatingStatus.OPEN)


class Site(models.Model):
    """A physical service site. One place can hold several service roles (types)."""

    name = models.CharField(_("nama"), max_length=200)
    types = models.ManyToManyField(
        ServiceType, verbose_name=_("jenis layanan"), related_name="sites"
    )
    kelurahan = models.ForeignKey(
        "regions.Region",
        verbose_name=_("kelurahan"),
        on_delete=models.PROTECT,
        related_name="sites",
        limit_choices_to={"level": "kelurahan"},
    )
    location = models.PointField(_("lokasi"), srid=4326)
    address = models.CharField(_("alamat"), max_length=300, blank=True)
    contact = models.CharField(_("kontak"), max_length=200, blank=True)
    operating_status = models.CharField(
        _("status operasional"),
        max_length=20,
        choices=OperatingStatus.choices,
        default=OperatingStatus.OPEN,
    )
    review_state = models.CharField(
        _("status verifikasi"),
        max_length=12,
        choices=ReviewState.choices,
        default=ReviewState.DRAFT,
    )
    verified_at = models.DateTimeField(_("terakhir diverifikasi"), null=True, blank=True)
    # When the current submission was made: the review queue's age and ordering (sites put
    # in the submitted state by other means, fixtures or older data, fall back to updated_at).
    submitted_at = models.DateTimeField(_("diajukan"), null=True, blank=True)
    source = models.CharField(_("sumber data"), max_length=40, blank=True)
    source_id = models.CharField(_("ID di sumber"), max_length=60, blank=True)
    source_note = models.CharField(_("catatan sumber"), max_length=300, blank=True)
    is_demo = models.BooleanField(_("data demo"), default=False)
    # Optimistic locking: every save increments it; a form carrying an older one is refused.
    version = models.PositiveIntegerField(_("versi"), default=1)
    # Not a column: services.site_update sets it on the site it returns (the open pending
    # change its reviewed fields went into, or None).
    pending_change: "PendingChange | None"
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dibuat oleh"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diubah oleh"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("situs layanan")
        verbose_name_plural = _("situs layanan")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"],
                condition=~Q(source=""),
                name="site_unique_source_id",
            ),
            models.CheckConstraint(
                condition=Q(operating_status__in=OperatingStatus.values),
                name="site_operating_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(review_state__in=ReviewState.values), name="site_review_state_valid"
            ),
            # A verified site always knows when it was verified.
            models.CheckConstraint(
                condition=~Q(review_state="verified") | Q(verified_at__isnull=False),
                name="site_verified_has_date",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="site_version_positive"),
        ]
        indexes = [
            models.Index(fields=["kelurahan", "operating_status"], name="site_kel_status"),
            models.Index(fields=["review_state"], name="site_review_state"),
        ]

    objects = SiteQuerySet.as_manager()

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("services:site_detail", args=[self.pk])

    @property
    def is_active(self):
        return self.operating_status != OperatingStatus.CLOSED


class ChecklistAnswer(models.Model):
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="checklist_answers")
    item = models.ForeignKey(ChecklistItem, on_delete=models.CASCADE, related_name="answers")
    answer = models.BooleanField(_("terpenuhi"), default=False)
    note = models.CharField(_("catatan"), max_length=300, blank=True)
    confirmed = models.BooleanField(_("dikonfirmasi peninjau"), default=False)

    class Meta:
        verbose_name = _("jawaban daftar periksa")
        verbose_name_plural = _("jawaban daftar periksa")
        constraints = [
            models.UniqueConstraint(fields=["site", "item"], name="checklist_answer_unique")
        ]


MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
DOCUMENT_EXTENSIONS = ["pdf", "jpg", "jpeg", "png"]


class DocumentKind(models.TextChoices):
    PHOTO = "photo", _("Foto")
    SK = "sk", _("Surat keputusan (SK)")
    MOU = "mou", _("Nota kesepahaman (MoU)")
    CERTIFICATE = "certificate", _("Sertifikat")
    OTHER = "other", _("Lainnya")


class SiteDocument(models.Model):
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("jenis dokumen"), max_length=12, choices=DocumentKind.choices)
    title = models.CharField(_("judul"), max_length=200)
    file = models.FileField(
        _("berkas"),
        upload_to="sites/%Y/%m/",
        validators=[FileExtensionValidator(DOCUMENT_EXTENSIONS)],
    )
    checklist_item = models.ForeignKey(
        ChecklistItem,
        verbose_name=_("butir daftar periksa"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="documents",
    )
    # A document added to a verified site waits in its pending change until approved; the
    # live site shows only documents without one.
    pending_change = models.ForeignKey(
        "PendingChange",
        verbose_name=_("usulan perubahan"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="documents",
    )
    uploaded_at = models.DateTimeField(_("diunggah"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("dokumen situs")
        verbose_name_plural = _("dokumen situs")
        ordering = ["-uploaded_at"]


class LinkKind(models.TextChoices):
    REFERRAL = "referral", _("Rujukan")
    JOINT_PROGRAMME = "joint_programme", _("Program bersama")
    SHARED_FACILITY = "shared_facility", _("Fasilitas bersama")
    OUTREACH = "outreach", _("Layanan jemput bola")


class SiteLink(models.Model):
    """A connection between two sites. Stored with site_a < site_b so a pair is one row."""

    site_a = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="links_as_a")
    site_b = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="links_as_b")
    kind = models.CharField(_("jenis keterhubungan"), max_length=20, choices=LinkKind.choices)
    start_date = models.DateField(_("mulai"))
    end_date = models.DateField(_("berakhir"), null=True, blank=True)
    evidence = models.FileField(
        _("dokumen bukti"),
        upload_to="links/%Y/%m/",
        blank=True,
        validators=[FileExtensionValidator(DOCUMENT_EXTENSIONS)],
    )
    note = models.CharField(_("catatan"), max_length=300, blank=True)
    is_demo = models.BooleanField(_("data demo"), default=False)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Optimistic locking: ending a link carries the version its page was read at.
    version = models.PositiveIntegerField(_("versi"), default=1)

    class Meta:
        verbose_name = _("keterhubungan situs")
        verbose_name_plural = _("keterhubungan situs")
        ordering = ["-start_date", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(site_a__lt=F("site_b")), name="link_ordered_pair"),
            models.CheckConstraint(condition=Q(kind__in=LinkKind.values), name="link_kind_valid"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="link_end_after_start",
            ),
            # One open-ended (active) link per pair and kind.
            models.UniqueConstraint(
                fields=["site_a", "site_b", "kind"],
                condition=Q(end_date__isnull=True),
                name="link_one_active_per_pair_kind",
            ),
        ]

    def __str__(self):
        return f"{self.site_a} – {self.site_b} ({self.get_kind_display()})"


class SiteChange(models.Model):
    """The history of a site: who changed what, when, and why."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(_("waktu"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("oleh"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    action = models.CharField(_("tindakan"), max_length=30)
    # {"field": [old, new], ...} as display strings
    changes = models.JSONField(_("perubahan"), default=dict, blank=True)
    # The other end of a link event: its name in `changes` is shown only to users who may
    # see that site (the history of a public site must not name another area's draft).
    other_site = models.ForeignKey(
        Site, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("alasan"), blank=True)

    class Meta:
        verbose_name = _("riwayat situs")
        verbose_name_plural = _("riwayat situs")
        ordering = ["-at", "-pk"]


class ReviewAction(models.TextChoices):
    SUBMITTED = "submitted", _("Diajukan untuk verifikasi")
    VERIFIED = "verified", _("Diverifikasi")
    RETURNED = "returned", _("Dikembalikan")
    REVERIFIED = "reverified", _("Diverifikasi ulang")
    CHANGE_PROPOSED = "change_proposed", _("Usulan perubahan diajukan")
    CHANGE_APPROVED = "change_approved", _("Usulan perubahan disetujui")
    CHANGE_RETURNED = "change_returned", _("Usulan perubahan dikembalikan")


_CHANGE_ACTIONS = [
    ReviewAction.CHANGE_PROPOSED,
    ReviewAction.CHANGE_APPROVED,
    ReviewAction.CHANGE_RETURNED,
]


class PendingChangeState(models.TextChoices):
    PENDING = "pending", _("Menunggu tinjauan")
    RETURNED = "returned", _("Dikembalikan")
    APPROVED = "approved", _("Disetujui")
    WITHDRAWN = "withdrawn", _("Dibatalkan")


class PendingChange(models.Model):
    """Edits of a verified site's reviewed fields, waiting for its suku dinas.

    The live site (and its score) stays as it was until the change is approved. One open
    change (pending or returned) per site: further edits update it, and a returned change
    is fixed and resubmitted in place, so its documents and history stay together.
    `data` holds the proposed values: name, types (ids), location ([lon, lat]), kelurahan
    (code, derived from the location), checklist ({item id: [answer, note]}).
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="pending_changes")
    state = models.CharField(
        _("status"),
        max_length=10,
        choices=PendingChangeState.choices,
        default=PendingChangeState.PENDING,
    )
    data = models.JSONField(_("isian usulan"), default=dict, blank=True)
    # Optimistic locking between the proposer editing and the reviewer deciding.
    version = models.PositiveIntegerField(_("versi"), default=1)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diusulkan oleh"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    # The last (re)submission: the review queue's age and ordering.
    submitted_at = models.DateTimeField(_("diajukan"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ditinjau oleh"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("ditinjau"), null=True, blank=True)
    reason = models.TextField(_("alasan pengembalian"), blank=True)
    is_demo = models.BooleanField(_("data demo"), default=False)
    # The sectors of the proposed types, set when the change is stored. Those of the site's
    # current types are read from the site; all of them must approve (a puskesmas proposed
    # to become a school needs health and education), and each one's queue shows it.
    sectors = models.ManyToManyField(
        "accounts.Sector", verbose_name=_("sektor peninjau"), blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("usulan perubahan situs")
        verbose_name_plural = _("usulan perubahan situs")
        ordering = ["submitted_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=PendingChangeState.values), name="pending_change_state_valid"
            ),
            models.UniqueConstraint(
                fields=["site"],
                condition=Q(state__in=["pending", "returned"]),
                name="pending_change_one_open_per_site",
            ),
            # Returning needs a reason the proposer can act on.
            models.CheckConstraint(
                condition=~Q(state="returned") | ~Q(reason=""), name="pending_change_return_reason"
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["approved", "returned"])
                | Q(reviewed_at__isnull=False, reviewed_by__isnull=False),
                name="pending_change_reviewed_has_reviewer",
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="pending_change_version_positive"
            ),
        ]
        indexes = [models.Index(fields=["state", "submitted_at"], name="pending_change_queue")]

    def __str__(self):
        return f"{self.site_id}: {self.get_state_display()}"

    def get_absolute_url(self):
        return reverse("services:pending_change", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in (PendingChangeState.PENDING, PendingChangeState.RETURNED)


class PendingChangeApproval(models.Model):
    """One sector's approval of a pending change; the change applies once every sector of
    PendingChange.sectors has one. Editing the proposal clears them (it is a new proposal)."""

    change = models.ForeignKey(PendingChange, on_delete=models.CASCADE, related_name="approvals")
    sector = models.ForeignKey("accounts.Sector", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("persetujuan sektor")
        verbose_name_plural = _("persetujuan sektor")
        constraints = [
            models.UniqueConstraint(
                fields=["change", "sector"], name="pending_change_approval_one_per_sector"
            )
        ]


class ReviewEvent(models.Model):
    """One step of a site's review: who, when, from which state to which, and why.

    The allowed steps are checked here by the database too, so no code path (an import,
    the shell, a bug) can record a transition the workflow does not have.
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="review_events")
    pending_change = models.ForeignKey(
        PendingChange,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
    )
    action = models.CharField(_("tindakan"), max_length=20, choices=ReviewAction.choices)
    from_state = models.CharField(_("dari status"), max_length=12, choices=ReviewState.choices)
    to_state = models.CharField(_("ke status"), max_length=12, choices=ReviewState.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("oleh"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    at = models.DateTimeField(_("waktu"), default=timezone.now, db_index=True)
    reason = models.TextField(_("alasan"), blank=True)
    # {"field": [old, new], ...} as display strings, like SiteChange.changes
    changes = models.JSONField(_("perubahan"), default=dict, blank=True)
    is_demo = models.BooleanField(_("data demo"), default=False)

    class Meta:
        verbose_name = _("langkah verifikasi")
        verbose_name_plural = _("langkah verifikasi")
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    action=ReviewAction.SUBMITTED,
                    from_state__in=[
                        ReviewState.REGISTERED,
                        ReviewState.DRAFT,
                        ReviewState.RETURNED,
                    ],
                    to_state=ReviewState.SUBMITTED,
                )
                | Q(
                    action=ReviewAction.VERIFIED,
                    from_state=ReviewState.SUBMITTED,
                    to_state=ReviewState.VERIFIED,
                )
                | Q(
                    action=ReviewAction.RETURNED,
                    from_state=ReviewState.SUBMITTED,
                    to_state=ReviewState.RETURNED,
                )
                | Q(
                    action__in=[ReviewAction.REVERIFIED, *_CHANGE_ACTIONS],
                    from_state=ReviewState.VERIFIED,
                    to_state=ReviewState.VERIFIED,
                ),
                name="review_event_transition_valid",
            ),
            models.CheckConstraint(
                condition=~Q(action__in=[ReviewAction.RETURNED, ReviewAction.CHANGE_RETURNED])
                | ~Q(reason=""),
                name="review_event_return_reason",
            ),
            models.CheckConstraint(
                condition=~Q(action__in=_CHANGE_ACTIONS) | Q(pending_change__isnull=False),
                name="review_event_change_has_pending_change",
            ),
        ]

    def __str__(self):
        return f"{self.site_id}: {self.get_action_display()}"


class SiteDataChange(models.Model):
    """A write to the tables a site list is made of, recorded by the database's own triggers
    (migration 0008): sites, their types, the catalogue, the clusters, the sectors and the
    regions. The version of the site data (sites.data_version) is read from these few rows in
    one small query, where an aggregate over every site grew with the registry (~1 ms for
    Jakarta's 5,856 sites a request, and linear in the national data).

    Triggers rather than signals: bulk_create, QuerySet.update, the importers, the admin and
    the shell are all seen. On PostgreSQL each write statement adds a row of weight 1
    (statement-level triggers; inserting takes no shared row lock, so concurrent writers never
    wait on each other here nor deadlock) and sites.data_version.collapse merges the rows into
    one of their summed weight. On SQLite (one writer at a time) the one row's token is
    replaced at each written row.
    """

    weight = models.PositiveBigIntegerField(default=1)
    # Random: tells apart the states of two histories whose weights sum alike (a flush that
    # restarts the ids, a restored backup).
    token = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        verbose_name = _("perubahan data situs")
        verbose_name_plural = _("perubahan data situs")

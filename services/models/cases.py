"""Cases ("Geschäfte"): what a submission becomes, with its timeline, messages, documents and payments."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from account.models import Membership, Organisation


class CaseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RECEIVED = "received", _("Received")
    IN_PROGRESS = "in_progress", _("In progress")
    AWAITING_APPLICANT = "awaiting_applicant", _("Awaiting your reply")
    COMPLETED = "completed", _("Completed")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATUSES = [
    CaseStatus.SUBMITTED,
    CaseStatus.RECEIVED,
    CaseStatus.IN_PROGRESS,
    CaseStatus.AWAITING_APPLICANT,
]
CLOSED_STATUSES = [CaseStatus.COMPLETED, CaseStatus.REJECTED, CaseStatus.WITHDRAWN]


class ReferenceCounter(models.Model):
    """The last reference number handed out per year; locked row by row so no number is given twice."""

    year = models.PositiveIntegerField(_("year"), unique=True)
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("reference counter")
        verbose_name_plural = _("reference counters")
        ordering = ["year"]

    def __str__(self):
        return f"{self.year}: {self.last_number}"


class CaseQuerySet(models.QuerySet):
    def submitted(self):
        return self.exclude(status=CaseStatus.DRAFT)

    def visible_to(self, user):
        """Every case the person may open: their own (incl. their drafts) and their organisations' by role.

        Owners and administrators of an organisation see all its cases; a plain member sees the
        organisation's cases they submitted themselves. Drafts are seen only by whoever started them.
        """
        if not user.is_authenticated:
            return self.none()
        managed = Membership.objects.filter(user=user, role__in=Membership.MANAGING_ROLES).values("organisation_id")
        member_of = Membership.objects.filter(user=user).values("organisation_id")
        return self.filter(
            Q(owner_user=user, owner_organisation__isnull=True)
            | (Q(owner_organisation__in=managed) & ~Q(status=CaseStatus.DRAFT))
            | Q(owner_organisation__in=member_of, submitted_by=user)
        )

    def in_context(self, acting_context):
        """The cases of the acting context (myself, or one organisation) among those visible."""
        user = acting_context.user
        visible = self.visible_to(user)
        if acting_context.organisation is None:
            return visible.filter(owner_organisation__isnull=True)
        return visible.filter(owner_organisation=acting_context.organisation)

    def for_clerk(self, user):
        """Cases a clerk works: those of services their groups are responsible for; all for superusers."""
        if not (user.is_authenticated and user.is_active and user.is_staff):
            return self.none()
        if user.is_superuser:
            return self.submitted()
        return self.submitted().filter(service_page__clerk_group__in=user.groups.all())

    def for_application(self, application):
        """Submitted cases a specialist application may read: its services and destinations, nothing else."""
        if application is None or not application.is_active or not application.may_read("cases"):
            return self.none()
        scope = Q(service_page__in=application.services.all())
        destinations = application.destination_list
        if destinations:
            scope |= Q(service_page__destination__in=destinations)
        return self.submitted().filter(scope)


class Case(models.Model):
    reference = models.CharField(_("reference"), max_length=32, unique=True, null=True, blank=True, editable=False)
    title = models.CharField(_("title"), max_length=255)
    service_page = models.ForeignKey(
        "services.ServicePage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("service"),
    )
    form = models.ForeignKey(
        "services.ServiceForm", on_delete=models.SET_NULL, null=True, blank=True, related_name="cases"
    )
    form_revision = models.ForeignKey(
        "wagtailcore.Revision", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    form_block_id = models.CharField(_("form block"), max_length=64, blank=True)
    # The questions as they were when submitted (labels, types, choices), so a case renders unchanged forever.
    fields_snapshot = models.JSONField(_("questions as submitted"), default=list, blank=True)
    data = models.JSONField(_("answers"), default=dict, blank=True)
    current_step = models.PositiveSmallIntegerField(_("current step"), default=0)

    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_cases",
        verbose_name=_("owner (person)"),
    )
    owner_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("owner (organisation)"),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="submitted_cases",
        verbose_name=_("submitted by"),
    )
    # Contact of an anonymous submission (forms that need no login).
    contact_email = models.EmailField(_("contact e-mail"), blank=True)

    status = models.CharField(_("status"), max_length=24, choices=CaseStatus.choices, default=CaseStatus.DRAFT)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("assignee"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    fee_rappen = models.PositiveIntegerField(_("fee (Rappen)"), default=0)
    submission_token = models.UUIDField(_("submission token"), default=uuid.uuid4, unique=True, editable=False)

    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-submitted_at", "-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner_user", "status", "-submitted_at"], name="case_owner_user_idx"),
            models.Index(fields=["owner_organisation", "status", "-submitted_at"], name="case_owner_org_idx"),
            models.Index(fields=["service_page", "status"], name="case_service_status_idx"),
            models.Index(fields=["assignee", "status"], name="case_assignee_idx"),
            models.Index(fields=["status", "due_date"], name="case_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="draft") | Q(reference__isnull=True), name="case_draft_has_no_reference"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(reference__isnull=False), name="case_submitted_has_reference"
            ),
        ]

    def __str__(self):
        return f"{self.reference or _('Draft')} – {self.title}"

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    @property
    def owner(self):
        return self.owner_organisation or self.owner_user

    @property
    def is_overdue(self):
        return bool(self.due_date and self.is_open and self.due_date < timezone.localdate())


class CaseEvent(models.Model):
    """One entry of a case's timeline."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        STATUS = "status", _("Status changed")
        MILESTONE = "milestone", _("Milestone")
        MESSAGE = "message", _("Message")
        QUESTION = "question", _("Question")
        ANSWER = "answer", _("Answer")
        DOCUMENT = "document", _("Document")
        PAYMENT = "payment", _("Payment")
        ASSIGNMENT = "assignment", _("Assignment")
        DELIVERY = "delivery", _("Delivery")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(_("by"), max_length=200, blank=True)
    status_from = models.CharField(_("from status"), max_length=24, choices=CaseStatus.choices, blank=True)
    status_to = models.CharField(_("to status"), max_length=24, choices=CaseStatus.choices, blank=True)
    text = models.TextField(_("text"), blank=True)
    visible_to_owner = models.BooleanField(_("visible to the applicant"), default=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="case_event_case_idx")]

    def __str__(self):
        return f"{self.case} · {self.get_kind_display()}"


class CaseMessage(models.Model):
    """A message between administration and applicant; a question awaits an answer."""

    class Direction(models.TextChoices):
        TO_APPLICANT = "to_applicant", _("To the applicant")
        FROM_APPLICANT = "from_applicant", _("From the applicant")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages", verbose_name=_("case"))
    direction = models.CharField(_("direction"), max_length=20, choices=Direction.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_label = models.CharField(_("author"), max_length=200, blank=True)
    body = models.TextField(_("message"))
    is_question = models.BooleanField(_("question"), default=False)
    due_date = models.DateField(_("answer by"), null=True, blank=True)
    requested_documents = models.TextField(_("requested documents"), blank=True)
    answer_to = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="answers", verbose_name=_("answer to")
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("case message")
        verbose_name_plural = _("case messages")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "is_question", "answered_at"], name="case_message_open_q_idx")]

    def __str__(self):
        return f"{self.case} · {self.body[:40]}"

    @property
    def is_open_question(self):
        return self.is_question and self.answered_at is None and self.withdrawn_at is None


def case_document_path(instance, filename):
    return f"cases/{instance.case.submission_token}/{uuid.uuid4().hex}/{filename}"


def private_storage():
    from django.core.files.storage import storages

    return storages["private"]


class CaseDocument(models.Model):
    """A file of a case, stored privately and served only through an authorised view."""

    class Origin(models.TextChoices):
        APPLICANT = "applicant", _("Applicant")
        ADMINISTRATION = "administration", _("Administration")
        APPLICATION = "application", _("Specialist application")
        SYSTEM = "system", _("Portal")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents", verbose_name=_("case"))
    file = models.FileField(_("file"), upload_to=case_document_path, storage=private_storage, max_length=300)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    title = models.CharField(_("title"), max_length=255, blank=True)
    origin = models.CharField(_("origin"), max_length=20, choices=Origin.choices)
    field_name = models.CharField(_("form field"), max_length=63, blank=True)
    message = models.ForeignKey(CaseMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="documents")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    read_at = models.DateTimeField(_("read by the applicant"), null=True, blank=True)
    created_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        verbose_name = _("case document")
        verbose_name_plural = _("case documents")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "origin", "read_at"], name="case_document_unread_idx")]

    def __str__(self):
        return self.title or self.filename


class Payment(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")

    class Method(models.TextChoices):
        QR_BILL = "qr_bill", _("QR-bill")
        ONLINE = "online", _("Online payment")
        COUNTER = "counter", _("At the counter")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="payments", verbose_name=_("case"))
    amount_rappen = models.PositiveIntegerField(_("amount (Rappen)"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    method = models.CharField(_("method"), max_length=12, choices=Method.choices, default=Method.QR_BILL)
    reference = models.CharField(_("payment reference"), max_length=64, blank=True)
    # The structured reference printed on the QR-bill (QRR with a QR-IBAN, else SCOR); bank notifications
    # (camt.054) are matched by it.
    qr_reference = models.CharField(_("QR reference"), max_length=32, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    confirmed_by = models.CharField(
        _("confirmed by"),
        max_length=200,
        blank=True,
        help_text=_("Clerk, specialist application, bank file or provider."),
    )

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["case", "status"], name="payment_case_status_idx")]

    def __str__(self):
        return f"CHF {self.amount_rappen / 100:.2f} ({self.get_status_display()})"

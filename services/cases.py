"""The case state machine and every rule that changes a case. Views, admin and API call these; nothing else
writes cases.

Each change writes a timeline event and notifies the owner in the same transaction; e-mails and PDFs are
queued on commit.
"""

import logging
import mimetypes
import uuid

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from account import notifications
from account.models import Membership
from integrations import events

from . import fulfilment
from .models import Case, CaseDocument, CaseEvent, CaseMessage, CaseStatus, Payment, ReferenceCounter

logger = logging.getLogger(__name__)

S = CaseStatus
# from-status → {to-status: who may make the change}
TRANSITIONS = {
    S.DRAFT: {S.SUBMITTED: "owner"},
    S.SUBMITTED: {S.RECEIVED: "office", S.REJECTED: "office", S.WITHDRAWN: "owner"},
    S.RECEIVED: {S.IN_PROGRESS: "office", S.REJECTED: "office", S.WITHDRAWN: "owner"},
    S.IN_PROGRESS: {
        S.AWAITING_APPLICANT: "office",
        S.COMPLETED: "office",
        S.REJECTED: "office",
        S.WITHDRAWN: "owner",
    },
    S.AWAITING_APPLICANT: {S.IN_PROGRESS: "owner_or_office", S.WITHDRAWN: "owner"},
}
STATUS_MESSAGES = {
    S.RECEIVED: gettext_lazy("Your submission %(reference)s has been received."),
    S.IN_PROGRESS: gettext_lazy("Your case %(reference)s is being processed."),
    S.AWAITING_APPLICANT: gettext_lazy("Your case %(reference)s awaits your reply."),
    S.COMPLETED: gettext_lazy("Your case %(reference)s has been completed."),
    S.REJECTED: gettext_lazy("Your case %(reference)s has been rejected."),
    S.WITHDRAWN: gettext_lazy("Your case %(reference)s has been withdrawn."),
}


class CaseError(Exception):
    """A rule of cases was broken; the message is shown to the person."""


class InvalidTransition(CaseError):
    pass


def allowed_transitions(case, by="office"):
    """The statuses `by` ("office" or "owner") may move the case to now."""
    return [to for to, who in TRANSITIONS.get(case.status, {}).items() if by in who.split("_or_")]


def case_url(case):
    return reverse("services:case_detail", kwargs={"reference": case.reference}) if case.reference else ""


# --- references -----------------------------------------------------------------------------------


def next_reference(prefix=None, today=None):
    """A new reference such as "MW-2026-00042"; must run inside the submitting transaction.

    The counter row is locked (SELECT … FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transactions
    serialise writers) so concurrent submissions never get the same number, and a rolled-back
    submission simply leaves a gap: numbers are never reused.
    """
    from django.conf import settings

    prefix = prefix or getattr(settings, "PORTAL_CASE_REFERENCE_PREFIX", "GP")
    year = (today or timezone.localdate()).year
    ReferenceCounter.objects.get_or_create(year=year)
    counter = ReferenceCounter.objects.select_for_update().get(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{prefix}-{year}-{counter.last_number:05d}"


# --- who hears about a case ----------------------------------------------------------------------


def recipients(case):
    """The people notified about a case: the owner, or the submitter and the organisation's managers."""
    if case.owner_organisation_id is None:
        return [case.owner_user] if case.owner_user_id else []
    people = {}
    if (
        case.submitted_by_id
        and Membership.objects.filter(user_id=case.submitted_by_id, organisation_id=case.owner_organisation_id).exists()
    ):
        people[case.submitted_by_id] = case.submitted_by
    for membership in Membership.objects.filter(
        organisation_id=case.owner_organisation_id, role__in=Membership.MANAGING_ROLES
    ).select_related("user"):
        people.setdefault(membership.user_id, membership.user)
    return list(people.values())


def notify_owner(case, title, body=""):
    """Notify everyone who follows the case, each in their own language.

    `title` and `body` may be callables that build the text; they run with the recipient's language active.
    """
    for person in recipients(case):
        with translation.override(person.language or settings.LANGUAGE_CODE):
            text_title = title() if callable(title) else str(title)
            text_body = body() if callable(body) else str(body)
        notifications.notify(person, "case", text_title, text_body, url=case_url(case))


def _event(case, kind, *, actor=None, actor_label="", text="", status_from="", status_to="", visible=True):
    # Every change in the timeline is a change of the case: lists sorted by it and the API's updatedSince
    # filter must see messages, documents and milestones too, not only saves of the case row.
    Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=actor_label or (str(actor) if getattr(actor, "is_authenticated", False) else ""),
        text=text,
        status_from=status_from,
        status_to=status_to,
        visible_to_owner=visible,
    )


def _emit(case, event_type, **ids):
    """Tell the specialist applications (through the outbox, same transaction) what the applicant did."""
    page = case.service_page
    events.emit(
        event_type,
        record_type="cases",
        subject_id=case.pk,
        subject_ref=case.reference or "",
        destination=page.destination if page else "",
        service_id=case.service_page_id,
        data=ids,
    )


def _emit_documents(case, documents):
    for document in documents:
        _emit(case, "case.document.added", documentId=document.pk)


# --- drafts and submission ------------------------------------------------------------------------


def owner_fields(acting_context):
    """Owner columns of a new case for the context a person acts in."""
    if acting_context.organisation is not None:
        return {"owner_user": None, "owner_organisation": acting_context.organisation}
    return {"owner_user": acting_context.user, "owner_organisation": None}


def save_draft(*, acting_context, service_page, form, block_id, data, step, submission_token, title=None):
    """Create or update the draft that belongs to this submission token (only its author may)."""
    user = acting_context.user
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(submission_token=submission_token).first()
        if case is not None and (case.status != S.DRAFT or case.submitted_by_id != user.pk):
            raise CaseError(_("This form has already been submitted."))
        if case is None:
            case = Case(
                submission_token=submission_token,
                submitted_by=user,
                service_page=service_page,
                form=form,
                form_block_id=block_id,
                title=title or service_page.title,
                **owner_fields(acting_context),
            )
        case.data = data
        case.current_step = step
        case.save()
    return case


def delete_draft(case, user):
    if case.status != S.DRAFT or case.submitted_by_id != user.pk:
        raise CaseError(_("Only your own drafts can be deleted."))
    for document in case.documents.all():
        document.file.delete(save=False)
    case.delete()


def submit(
    *,
    acting_context,
    service_page,
    form,
    form_revision,
    block_id,
    fields_snapshot,
    data,
    files=(),
    submission_token,
    contact_email="",
    title=None,
):
    """Turn a filled-in form into a submitted case, exactly once per submission token.

    `files` is a list of (field_name, django File) to store as the applicant's documents. A repeated
    call with the same token (double click, replayed POST) returns the case created the first time.
    """
    user = acting_context.user if acting_context and acting_context.user.is_authenticated else None
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(submission_token=submission_token).first()
        if case is not None and case.status != S.DRAFT:
            return case
        if case is not None and (user is None or case.submitted_by_id != user.pk):
            raise CaseError(_("This draft belongs to someone else."))
        if case is None:
            owner = owner_fields(acting_context) if user else {"owner_user": None, "owner_organisation": None}
            case = Case(submission_token=submission_token, submitted_by=user, **owner)
        now = timezone.now()
        case.service_page = service_page
        case.form = form
        case.form_revision = form_revision
        case.form_block_id = block_id
        case.title = title or service_page.title
        case.fields_snapshot = fields_snapshot
        case.data = data
        case.contact_email = contact_email
        case.fee_rappen = service_page.fee_rappen
        case.status = S.SUBMITTED
        case.reference = next_reference()
        case.submitted_at = now
        case.save()
        for field_name, file in files:
            add_document(
                case,
                file,
                origin=CaseDocument.Origin.APPLICANT,
                uploaded_by=user,
                field_name=field_name,
                record_event=False,
            )
        _event(
            case,
            CaseEvent.Kind.SUBMITTED,
            actor=user,
            status_from=S.DRAFT,
            status_to=S.SUBMITTED,
            text=_("Submitted online"),
        )
        _emit(case, "case.submitted")
        if case.fee_rappen:
            Payment.objects.create(case=case, amount_rappen=case.fee_rappen, reference=case.reference)
        notify_owner(
            case,
            lambda: _("We have received your submission %(reference)s.") % {"reference": case.reference},
            lambda: _("%(title)s: you can follow the case in your account.") % {"title": case.title},
        )
        fulfilment.submitted(case)
        transaction.on_commit(lambda: _queue_receipt(case.pk))
    logger.info("case %s submitted (service page %s)", case.reference, getattr(service_page, "pk", None))
    return case


def bill(owner, title, amount_rappen, *, key, lines=(), text=""):
    """Bill a person for something the portal sold outside a form (a school course, a month of lunches): a
    submitted case with a payment, paid like every other fee (QR-bill, online, bank file, clerk or API).

    `key` names what is billed (e.g. "lunch:3:2026-11"); billing the same key again returns the first case.
    `lines` are (label, answer) pairs shown as the case's answers.
    """
    token = uuid.uuid5(uuid.NAMESPACE_URL, f"gemeindeportal:bill:{key}")
    with transaction.atomic():
        existing = Case.objects.filter(submission_token=token).first()
        if existing is not None:
            return existing
        snapshot = [{"name": f"line_{i}", "label": str(label), "type": "text"} for i, (label, _a) in enumerate(lines)]
        data = {f"line_{i}": str(answer) for i, (_l, answer) in enumerate(lines)}
        case = Case.objects.create(
            submission_token=token,
            title=str(title)[:255],
            owner_user=owner,
            submitted_by=owner,
            fields_snapshot=snapshot,
            data=data,
            fee_rappen=amount_rappen,
            status=S.SUBMITTED,
            reference=next_reference(),
            submitted_at=timezone.now(),
            form_block_id="bill",
        )
        _event(case, CaseEvent.Kind.SUBMITTED, status_from=S.DRAFT, status_to=S.SUBMITTED, text=str(text or title))
        _emit(case, "case.submitted")
        if amount_rappen:
            Payment.objects.create(case=case, amount_rappen=amount_rappen, reference=case.reference)
        notify_owner(
            case,
            lambda: _("New bill %(reference)s: %(title)s") % {"reference": case.reference, "title": case.title},
            lambda: (
                _("CHF %(amount).2f, payable by QR-bill or online from your account.") % {"amount": amount_rappen / 100}
            ),
        )
    logger.info("bill %s created for %s (%s)", case.reference, key, amount_rappen)
    return case


def cancel_bill(case, *, actor=None, text=""):
    """Take back a bill that is no longer owed (a cancelled course place): its open payments are cancelled, the
    timeline says why, and the case is withdrawn. A fee already paid stays paid (a refund is the office's matter);
    returns whether anything was cancelled."""
    with transaction.atomic():
        open_payments = Payment.objects.select_for_update().filter(case=case, status=Payment.Status.OPEN)
        if not open_payments.update(status=Payment.Status.CANCELLED):
            return False
        _event(case, CaseEvent.Kind.PAYMENT, actor=actor, text=str(text or _("Fee cancelled")))
        if S.WITHDRAWN in allowed_transitions(case, "owner"):
            change_status(case, S.WITHDRAWN, actor=actor, by="owner", text=str(text))
    logger.info("bill %s cancelled", case.reference)
    return True


def _queue_receipt(case_id):
    from django_q.tasks import async_task

    async_task("services.tasks.create_receipt", case_id, task_name=f"receipt-{case_id}")


# --- transitions ------------------------------------------------------------------------------------


def change_status(case, to, *, actor=None, actor_label="", by="office", text=""):
    """Move the case to status `to` if the table allows it for `by` ("office" or "owner")."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if to not in allowed_transitions(case, by):
            raise InvalidTransition(
                _("A case in status “%(from)s” cannot change to “%(to)s”.")
                % {"from": case.get_status_display(), "to": CaseStatus(to).label}
            )
        previous = case.status
        case.status = to
        case.closed_at = timezone.now() if to in (S.COMPLETED, S.REJECTED, S.WITHDRAWN) else None
        case.save(update_fields=["status", "closed_at", "updated_at"])
        _event(
            case,
            CaseEvent.Kind.STATUS,
            actor=actor,
            actor_label=actor_label,
            status_from=previous,
            status_to=to,
            text=text,
        )
        if to in STATUS_MESSAGES:
            notify_owner(case, lambda: STATUS_MESSAGES[to] % {"reference": case.reference}, text)
        # Every transition tells the specialist applications, with exactly one event.
        if to == S.WITHDRAWN:
            _emit(case, "case.withdrawn")
        else:
            _emit(case, "case.status_changed", statusFrom=previous, statusTo=to)
    return case


def withdraw(case, user):
    """The owner withdraws the case while it is still open."""
    return change_status(case, S.WITHDRAWN, actor=user, by="owner", text=_("Withdrawn by the applicant"))


def add_milestone(case, text, *, actor=None, actor_label="", date=None):
    """A step reported by the office or a specialist application (e.g. "Publikation"), shown in the timeline."""
    with transaction.atomic():
        event = _event(case, CaseEvent.Kind.MILESTONE, actor=actor, actor_label=actor_label, text=text)
        if date:
            event.created_at = date
            event.save(update_fields=["created_at"])
        notify_owner(case, lambda: _("News on your case %(reference)s") % {"reference": case.reference}, text)
    return event


def assign(case, assignee, *, actor):
    with transaction.atomic():
        case.assignee = assignee
        case.save(update_fields=["assignee", "updated_at"])
        _event(
            case,
            CaseEvent.Kind.ASSIGNMENT,
            actor=actor,
            visible=False,
            text=_("Assigned to %(name)s") % {"name": assignee} if assignee else _("Unassigned"),
        )
    return case


def set_due_date(case, due_date, *, actor):
    case.due_date = due_date
    case.save(update_fields=["due_date", "updated_at"])
    return case


# --- messages, questions, answers ------------------------------------------------------------------


def send_message(case, body, *, author=None, author_label="", from_applicant=False, files=()):
    """A message in the case's thread, with optional files, from the office or from the applicant."""
    if not body.strip():
        raise CaseError(_("Write a message."))
    if from_applicant and not case.is_open:
        raise CaseError(_("This case is closed; messages can no longer be sent."))
    with transaction.atomic():
        message = CaseMessage.objects.create(
            case=case,
            direction=CaseMessage.Direction.FROM_APPLICANT if from_applicant else CaseMessage.Direction.TO_APPLICANT,
            author=author if getattr(author, "is_authenticated", False) else None,
            author_label=author_label or (str(author) if author else ""),
            body=body,
        )
        origin = CaseDocument.Origin.APPLICANT if from_applicant else CaseDocument.Origin.ADMINISTRATION
        documents = [
            add_document(case, file, origin=origin, uploaded_by=author, message=message, record_event=False)
            for file in files
        ]
        _event(
            case,
            CaseEvent.Kind.MESSAGE,
            actor=author,
            actor_label=author_label,
            text=_("Message from the applicant") if from_applicant else _("Message from the administration"),
        )
        if from_applicant:
            _emit(case, "case.message.created", messageId=message.pk)
            _emit_documents(case, documents)
        else:
            notify_owner(
                case, lambda: _("New message on your case %(reference)s") % {"reference": case.reference}, body
            )
    return message


def ask_question(case, body, *, author=None, author_label="", due_date=None, requested_documents="", files=()):
    """Ask the applicant a question; the case then awaits their reply."""
    if not body.strip():
        raise CaseError(_("Write the question."))
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        # Asking about a fresh submission means the office has received it and works on it.
        for step_from, step_to in ((S.SUBMITTED, S.RECEIVED), (S.RECEIVED, S.IN_PROGRESS)):
            if case.status == step_from:
                change_status(case, step_to, actor=author, actor_label=author_label)
                case.refresh_from_db()
        if case.status not in (S.IN_PROGRESS, S.AWAITING_APPLICANT):
            raise InvalidTransition(
                _("Questions can be asked only while a case is in progress (now: %(status)s).")
                % {"status": case.get_status_display()}
            )
        question = CaseMessage.objects.create(
            case=case,
            direction=CaseMessage.Direction.TO_APPLICANT,
            author=author if getattr(author, "is_authenticated", False) else None,
            author_label=author_label or (str(author) if author else ""),
            body=body,
            is_question=True,
            due_date=due_date,
            requested_documents=requested_documents,
        )
        for file in files:
            add_document(
                case,
                file,
                origin=CaseDocument.Origin.ADMINISTRATION,
                uploaded_by=author,
                message=question,
                record_event=False,
            )
        _event(case, CaseEvent.Kind.QUESTION, actor=author, actor_label=author_label, text=body)
        if case.status == S.IN_PROGRESS:
            change_status(case, S.AWAITING_APPLICANT, actor=author, actor_label=author_label)
        else:
            notify_owner(
                case, lambda: _("A question about your case %(reference)s") % {"reference": case.reference}, body
            )
    return question


def _resume_if_no_open_questions(case, *, actor=None, actor_label="", by="owner"):
    case.refresh_from_db()
    still_open = case.messages.filter(is_question=True, answered_at__isnull=True, withdrawn_at__isnull=True)
    if case.status == S.AWAITING_APPLICANT and not still_open.exists():
        change_status(case, S.IN_PROGRESS, actor=actor, actor_label=actor_label, by=by)


def answer(question, body, *, user, files=()):
    """The applicant answers an open question (text and/or files)."""
    if not body.strip() and not files:
        raise CaseError(_("Write an answer or attach a document."))
    with transaction.atomic():
        question = CaseMessage.objects.select_for_update().select_related("case").get(pk=question.pk)
        if not question.is_open_question:
            raise CaseError(_("This question has already been answered or withdrawn."))
        case = question.case
        reply = CaseMessage.objects.create(
            case=case,
            direction=CaseMessage.Direction.FROM_APPLICANT,
            author=user,
            author_label=str(user),
            body=body,
            answer_to=question,
        )
        documents = [
            add_document(
                case, file, origin=CaseDocument.Origin.APPLICANT, uploaded_by=user, message=reply, record_event=False
            )
            for file in files
        ]
        question.answered_at = timezone.now()
        question.save(update_fields=["answered_at"])
        _event(case, CaseEvent.Kind.ANSWER, actor=user, text=body or _("Documents sent"))
        _emit(case, "case.question.answered", questionId=question.pk, answerId=reply.pk)
        _emit_documents(case, documents)
        _resume_if_no_open_questions(case, actor=user)
    return reply


def withdraw_question(question, *, actor=None, actor_label=""):
    with transaction.atomic():
        question = CaseMessage.objects.select_for_update().select_related("case").get(pk=question.pk)
        if not question.is_open_question:
            raise CaseError(_("This question is no longer open."))
        question.withdrawn_at = timezone.now()
        question.save(update_fields=["withdrawn_at"])
        _event(
            question.case, CaseEvent.Kind.QUESTION, actor=actor, actor_label=actor_label, text=_("Question withdrawn")
        )
        _resume_if_no_open_questions(question.case, actor=actor, actor_label=actor_label, by="office")
    return question


# --- documents and payments ------------------------------------------------------------------------


def add_document(
    case, file, *, origin, uploaded_by=None, title="", field_name="", message=None, record_event=True, actor_label=""
):
    """Store `file` privately as a document of the case; issued documents notify the owner."""
    name = getattr(file, "name", "") or "document"
    name = name.rsplit("/", 1)[-1]
    content_type = getattr(file, "content_type", None) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    file.seek(0)
    document = CaseDocument(
        case=case,
        filename=name,
        content_type=content_type,
        size=getattr(file, "size", None) or 0,
        title=title or name,
        origin=origin,
        field_name=field_name,
        message=message,
        uploaded_by=uploaded_by if getattr(uploaded_by, "is_authenticated", False) else None,
    )
    document.file.save(name, file, save=False)
    document.size = document.file.size
    document.save()
    if record_event:
        _event(case, CaseEvent.Kind.DOCUMENT, actor=uploaded_by, actor_label=actor_label, text=document.title)
        if origin == CaseDocument.Origin.APPLICANT:
            _emit_documents(case, [document])
        else:
            notify_owner(
                case,
                lambda: _("New document for your case %(reference)s") % {"reference": case.reference},
                document.title,
            )
    return document


def mark_paid(payment, *, actor=None, actor_label="", method=None, confirmed_by=""):
    """Record that the fee is paid (once, however often it is confirmed) and run the service kind's handler."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status == Payment.Status.PAID:
            return payment
        payment.status = Payment.Status.PAID
        payment.paid_at = timezone.now()
        payment.method = method or payment.method
        payment.confirmed_by = (confirmed_by or actor_label or (str(actor) if actor else ""))[:200]
        payment.save(update_fields=["status", "paid_at", "method", "confirmed_by"])
        _event(
            payment.case,
            CaseEvent.Kind.PAYMENT,
            actor=actor,
            actor_label=actor_label,
            text=_("Fee of CHF %(amount).2f paid") % {"amount": payment.amount_rappen / 100},
        )
        fulfilment.paid(payment.case)
    return payment


def mark_read(case, user):
    """The applicant opened the case: messages and documents addressed to them count as read."""
    now = timezone.now()
    case.messages.filter(direction=CaseMessage.Direction.TO_APPLICANT, read_at__isnull=True).update(read_at=now)
    case.documents.exclude(origin=CaseDocument.Origin.APPLICANT).filter(read_at__isnull=True).update(read_at=now)

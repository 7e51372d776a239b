"""The services' share of the privacy self-service: their areas of "download my data", their part of "delete my
account" (registered with account.privacy and account.deletion, which find this module by autodiscovery).

Which cases are the person's
----------------------------
Their own cases (drafts included) and, of their organisations' cases, only those they submitted themselves. In
those, what other members contributed (their messages, their uploads, their steps in the timeline) is left out:
it is not the person's data.

What deletion keeps, and why
----------------------------
- Open cases: the administration is still working on them.
- Closed cases until `PORTAL_CASE_RETENTION_YEARS` (default 10) after they were closed: the municipality keeps its
  business records that long. Older closed cases are deleted with their documents and payments; drafts always.
- Cases the person submitted for an organisation: they belong to the organisation.
- Payments stay with the case they belong to (accounting records); they hold nothing else about the person.
- Certificates: an issued certificate is a public document; its frozen data stays so that whoever holds it can
  still check it at /verify/. It is no longer linked to the account.
- Parking permits: in the register while valid and for the retention period after; older ones are deleted.
- Tax accounts: unlinked from the account; the tax administration's account and documents stay.
In every kept case the person's full name and e-mail addresses are replaced (answers, contact address, the
labels and texts of their messages and timeline entries). Documents issued earlier (receipts, decisions) stay as
issued.
"""

from django.db.models import Prefetch, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from account import deletion, privacy
from account.privacy import AreaData, ExportFile, PrivacyArea, chf, choice, file_paths

from .models import (
    Case,
    CaseDocument,
    CaseEvent,
    CaseMessage,
    CaseMilestone,
    CaseStatus,
    Certificate,
    ParkingPermit,
    Payment,
    TaxAccount,
)
from .models.cases import CLOSED_STATUSES

CHUNK = 100


# --- download my data -------------------------------------------------------------------------------


def person_cases(user):
    """The person's own cases and the organisation cases they submitted, through the scoped queryset."""
    return Case.objects.visible_to(user).filter(Q(owner_organisation__isnull=True) | Q(submitted_by=user))


def _is_theirs(case, user_id, author_id):
    """In an organisation's case, only the person's own contributions are theirs (the office's replies too)."""
    return case.owner_organisation_id is None or author_id is None or author_id == user_id


def _timeline(case, user_id):
    return [
        {
            "time": e.created_at,
            "kind": choice(e.kind, e.get_kind_display()),
            "status_from": choice(e.status_from, e.get_status_from_display()),
            "status_to": choice(e.status_to, e.get_status_to_display()),
            "text": e.text,
        }
        for e in case.events.all()
        if e.actor_is_staff or _is_theirs(case, user_id, e.actor_id)
    ]


def _messages(case, user_id):
    rows = []
    for m in case.messages.all():
        from_office = m.direction == CaseMessage.Direction.TO_APPLICANT
        if not from_office and not _is_theirs(case, user_id, m.author_id):
            continue
        rows.append(
            {
                "from": "administration" if from_office else "you",
                "text": m.body,
                "is_question": m.is_question,
                "answer_by": m.due_date,
                "requested_documents": m.requested_documents,
                "sent_at": m.created_at,
                "answered_at": m.answered_at,
                "withdrawn_at": m.withdrawn_at,
                "read_at": m.read_at,
            }
        )
    return rows


def _documents(case, user_id):
    return [
        d
        for d in case.documents.all()
        if d.origin != CaseDocument.Origin.APPLICANT or _is_theirs(case, user_id, d.uploaded_by_id)
    ]


def _owner(case):
    if case.owner_organisation_id is None:
        return {"type": "person"}
    organisation = case.owner_organisation
    return {"type": "organisation", "name": organisation.name, "uid": organisation.uid}


def _case(case, user_id, files):
    documents = _documents(case, user_id)
    folder = f"documents/{privacy.safe_name(case.reference or f'draft-{case.pk}')}"
    paths = file_paths(folder, documents)
    files.extend(ExportFile(paths[d.pk], d.file.storage, d.file.name) for d in documents if d.file)
    return {
        "reference": case.reference,
        "title": case.title,
        "service": case.service_page.title if case.service_page else "",
        "owner": _owner(case),
        "submitted_by_you": case.submitted_by_id == user_id,
        "status": choice(case.status, case.get_status_display()),
        "created_at": case.created_at,
        "submitted_at": case.submitted_at,
        "closed_at": case.closed_at,
        "fee_chf": chf(case.fee_rappen),
        "contact_email": case.contact_email,
        "questions": case.fields_snapshot,
        "answers": case.data,
        "timeline": _timeline(case, user_id),
        "messages": _messages(case, user_id),
        "documents": [
            {
                "title": d.title,
                "file_name": d.filename,
                "content_type": d.content_type,
                "size": d.size,
                "from": choice(d.origin, d.get_origin_display()),
                "form_field": d.field_name,
                "added_at": d.created_at,
                "read_at": d.read_at,
                "file": paths[d.pk] if d.file else None,
            }
            for d in documents
        ],
        "payments": [
            {
                "amount_chf": chf(p.amount_rappen),
                "status": choice(p.status, p.get_status_display()),
                "method": choice(p.method, p.get_method_display()),
                "reference": p.reference,
                "qr_reference": p.qr_reference,
                "created_at": p.created_at,
                "paid_at": p.paid_at,
            }
            for p in case.payments.all()
        ],
        "procedure": [
            {
                "step": s.title,
                "status": choice(s.status, s.get_status_display()),
                "from": s.starts_on,
                "until": s.ends_on,
                "note": s.text,
            }
            for s in case.milestones.all()
        ],
    }


def collect_cases(user):
    # A fixed number of queries per chunk of cases, however many cases and entries there are.
    queryset = (
        person_cases(user)
        .select_related("service_page", "owner_organisation")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=CaseEvent.objects.filter(visible_to_owner=True)
                .annotate(actor_is_staff=Coalesce("actor__is_staff", Value(False)))
                .order_by("created_at", "pk"),
            ),
            Prefetch("messages", queryset=CaseMessage.objects.order_by("created_at", "pk")),
            Prefetch("documents", queryset=CaseDocument.objects.order_by("created_at", "pk")),
            Prefetch("payments", queryset=Payment.objects.order_by("created_at", "pk")),
            Prefetch("milestones", queryset=CaseMilestone.objects.order_by("created_at", "pk")),
        )
        .order_by("created_at", "pk")
    )
    files = []
    cases = [_case(case, user.pk, files) for case in queryset.iterator(chunk_size=CHUNK)]
    return AreaData(cases, tuple(files))


def collect_parking_permits(user):
    return [
        {
            "number": p.number,
            "zone": p.zone,
            "number_plates": p.plates,
            "valid_from": p.valid_from,
            "valid_until": p.valid_until,
            "case": p.case.reference if p.case else None,
        }
        for p in ParkingPermit.objects.visible_to(user).select_related("case").order_by("valid_from", "pk")
    ]


def collect_certificates(user):
    return [
        {
            "kind": choice(c.kind, c.get_kind_display()),
            "verification_code": c.code,
            "certified_data": c.data,
            "issued_at": c.issued_at,
            "valid_until": c.valid_until,
            "revoked_at": c.revoked_at,
            "reason_for_revocation": c.revoked_reason,
            "case": c.case.reference if c.case else None,
        }
        for c in Certificate.objects.visible_to(user).select_related("case").order_by("issued_at", "pk")
    ]


def collect_tax_accounts(user):
    accounts = TaxAccount.objects.visible_to(user).prefetch_related("entries", "documents").order_by("pk")
    return [
        {
            "taxpayer_number": a.taxpayer_number,
            "taxpayer": a.name,
            "balance_chf": chf(a.balance_rappen),
            "balance_as_of": a.balance_date,
            "linked_at": a.activated_at,
            "entries": [
                {
                    "kind": choice(e.kind, e.get_kind_display()),
                    "tax_year": e.tax_year,
                    "description": e.description,
                    "amount_chf": chf(e.amount_rappen),
                    "due": e.due_date,
                    "booked_on": e.booked_on,
                    "paid": e.is_paid,
                }
                for e in a.entries.all()
            ],
            # Metadata only: the tax documents are the tax administration's and stay downloadable in the account.
            "documents": [
                {
                    "title": d.title,
                    "tax_year": d.tax_year,
                    "file_name": d.filename,
                    "content_type": d.content_type,
                    "size": d.size,
                    "delivered_at": d.created_at,
                    "read_at": d.read_at,
                }
                for d in a.documents.all()
            ],
        }
        for a in accounts
    ]


privacy.register(
    PrivacyArea(
        "cases",
        gettext_lazy("Cases"),
        gettext_lazy(
            "Your cases and drafts, and the cases you submitted for an organisation: reference, service, status, "
            "the questions of the form as you saw them and your answers, the timeline, messages, documents "
            "(files in the documents folder), payments and procedure steps."
        ),
        collect_cases,
        order=50,
    )
)
privacy.register(
    PrivacyArea(
        "parking_permits",
        gettext_lazy("Parking permits"),
        gettext_lazy("Your parking permits: zone, number plates and validity."),
        collect_parking_permits,
        order=51,
    )
)
privacy.register(
    PrivacyArea(
        "certificates",
        gettext_lazy("Certificates"),
        gettext_lazy("Certificates issued to you, with their verification code and the data they certify."),
        collect_certificates,
        order=52,
    )
)
privacy.register(
    PrivacyArea(
        "tax_accounts",
        gettext_lazy("Tax accounts"),
        gettext_lazy("Tax accounts linked to your account: balance, entries and the list of tax documents."),
        collect_tax_accounts,
        order=53,
    )
)


# --- delete my account ------------------------------------------------------------------------------


def _personal_cases(user):
    return Case.objects.filter(owner_user=user, owner_organisation__isnull=True).exclude(status=CaseStatus.DRAFT)


def _past_retention(cases, cutoff):
    return (
        cases.filter(status__in=CLOSED_STATUSES)
        .alias(closed=Coalesce("closed_at", "updated_at"))
        .filter(closed__lt=cutoff)
    )


def _drafts(user):
    return Case.objects.filter(submitted_by=user, status=CaseStatus.DRAFT)


def _organisation_cases(user):
    return Case.objects.filter(submitted_by=user, owner_organisation__isnull=False).exclude(status=CaseStatus.DRAFT)


def _explain(user):
    cutoff = deletion.retention_cutoff()
    years = deletion.retention_years()
    personal = _personal_cases(user)
    old = _past_retention(personal, cutoff)
    closed = personal.filter(status__in=CLOSED_STATUSES)
    kept_case_ids = personal.exclude(pk__in=old.values("pk")).values("pk")
    Outcome = deletion.Outcome
    return [
        Outcome(_("Drafts of forms"), kept=False, count=_drafts(user).count()),
        Outcome(
            _("Closed cases older than %(years)s years, with their documents and payments") % {"years": years},
            kept=False,
            count=old.count(),
        ),
        Outcome(
            _("Parking permits that ended more than %(years)s years ago") % {"years": years},
            kept=False,
            count=ParkingPermit.objects.filter(holder=user, valid_until__lt=cutoff.date()).count(),
        ),
        Outcome(
            _("Open cases"),
            kept=True,
            count=personal.exclude(status__in=CLOSED_STATUSES).count(),
            reason=_(
                "The administration is still working on them. Your name and e-mail address in them are replaced; "
                "the answers you gave stay as the record of your request."
            ),
        ),
        Outcome(
            _("Closed cases of the last %(years)s years") % {"years": years},
            kept=True,
            count=closed.exclude(pk__in=old.values("pk")).count(),
            reason=_(
                "The municipality must keep its business records for %(years)s years after a case is closed; "
                "they are deleted after that. Your name and e-mail address in them are replaced."
            )
            % {"years": years},
        ),
        Outcome(
            _("Cases you submitted for an organisation"),
            kept=True,
            count=_organisation_cases(user).count(),
            reason=_("They belong to the organisation. Your name and e-mail address in them are replaced."),
        ),
        Outcome(
            _("Payments of the cases that are kept"),
            kept=True,
            count=Payment.objects.filter(case__in=kept_case_ids).count(),
            reason=_("Payments are accounting records and stay with their case."),
        ),
        Outcome(
            _("Certificates issued to you"),
            kept=True,
            count=Certificate.objects.filter(holder=user).count(),
            reason=_(
                "A certificate is a public document that was issued: what it certifies stays as it was issued, so "
                "that whoever holds it can still check it at /verify/. It is no longer linked to your account."
            ),
        ),
        Outcome(
            _("Parking permits"),
            kept=True,
            count=ParkingPermit.objects.filter(holder=user, valid_until__gte=cutoff.date()).count(),
            reason=_(
                "A permit stays in the register while it is valid and for %(years)s years after; older ones are "
                "deleted."
            )
            % {"years": years},
        ),
        Outcome(
            _("Tax accounts"),
            kept=True,
            count=TaxAccount.objects.filter(holder=user).count(),
            reason=_("They are unlinked from your account; the tax administration keeps the account itself."),
        ),
    ]


def _delete_cases(queryset):
    documents = CaseDocument.objects.filter(case__in=queryset.values("pk"))
    deletion.delete_files_on_commit([d.file for d in documents.only("pk", "file")])
    # Events, messages, documents, payments and procedure steps go with their case (on_delete=CASCADE).
    return deletion.delete_rows(Case.objects.filter(pk__in=list(queryset.values_list("pk", flat=True))))


def _anonymise_cases(case_ids, user, replacement):
    for case in Case.objects.filter(pk__in=case_ids).only("pk", "data", "contact_email").iterator(chunk_size=CHUNK):
        data = replacement.data(case.data)
        contact = replacement.email if case.contact_email.lower() in replacement.old_emails else case.contact_email
        if data != case.data or contact != case.contact_email:
            Case.objects.filter(pk=case.pk).update(data=data, contact_email=contact)
    for message in CaseMessage.objects.filter(case_id__in=case_ids).only("pk", "author_id", "author_label", "body"):
        label = replacement.name if message.author_id == user.pk else replacement.text(message.author_label)
        body = replacement.text(message.body)
        if (label, body) != (message.author_label, message.body):
            CaseMessage.objects.filter(pk=message.pk).update(author_label=label, body=body)
    for event in CaseEvent.objects.filter(case_id__in=case_ids).only("pk", "actor_id", "actor_label", "text"):
        label = replacement.name if event.actor_id == user.pk else replacement.text(event.actor_label)
        text = replacement.text(event.text)
        if (label, text) != (event.actor_label, event.text):
            CaseEvent.objects.filter(pk=event.pk).update(actor_label=label, text=text)


def _erase(user, replacement):
    cutoff = deletion.retention_cutoff()
    personal = _personal_cases(user)
    counts = {
        "drafts": _delete_cases(_drafts(user)),
        "cases_deleted": _delete_cases(_past_retention(personal, cutoff)),
    }
    kept = list(personal.values_list("pk", flat=True)) + list(_organisation_cases(user).values_list("pk", flat=True))
    _anonymise_cases(kept, user, replacement)
    counts["cases_kept"] = len(kept)
    counts["certificates_unlinked"] = Certificate.objects.filter(holder=user).update(holder=None)
    counts["parking_permits_deleted"] = deletion.delete_rows(
        ParkingPermit.objects.filter(holder=user, valid_until__lt=cutoff.date())
    )
    counts["tax_accounts_unlinked"] = TaxAccount.objects.filter(holder=user).update(
        holder=None, activated_at=None, failed_activation_attempts=0, updated_at=timezone.now()
    )
    return counts


deletion.register(deletion.DeletionPart(key="services", explain=_explain, erase=_erase, order=10))

"""The receipt of a submitted case as PDF, built with the portal's one PDF helper (home.pdf)."""

from django.conf import settings
from django.urls import NoReverseMatch
from django.utils import translation
from django.utils.translation import gettext as _

from home.pdf import chf, render_pdf, swiss_datetime

from .models import CaseDocument

RECEIPT_FIELD = "_receipt"  # field_name that marks the one receipt document of a case


# --- the receipt ----------------------------------------------------------------------------------------


def _answers(case):
    """(label, text) rows of all answers, by the questions stored with the case (so it prints as submitted)."""
    from .form_builder import display_answers

    return [(str(label), str(text)) for label, text in display_answers(case.fields_snapshot or [], case.data or {})]


def _person(user):
    if user is None:
        return ""
    name = user.get_full_name()
    return f"{name} ({user.email})" if name else user.email


def _case_link(case):
    from .cases import case_url

    try:
        path = case_url(case)
    except NoReverseMatch:
        path = ""
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + (path or "/account/cases/")


def receipt_language(case):
    """The receipt speaks the submitter's language (the task runs outside any request)."""
    person = case.submitted_by or case.owner_user
    return getattr(person, "language", "") or settings.LANGUAGE_CODE


def render_receipt(case, *, language=None, letterhead=None, compress=True):
    """The receipt ("Eingangsbestätigung") of a submitted case as PDF bytes."""
    language = language or receipt_language(case)
    with translation.override(language):
        attachments = [
            document.filename
            for document in case.documents.all()
            if document.origin == CaseDocument.Origin.APPLICANT and document.field_name != RECEIPT_FIELD
        ]
        answers = _answers(case)

        def story(document):
            owner_rows = []
            if case.owner_organisation_id:
                organisation = case.owner_organisation
                owner_rows.append((_("Applicant"), "\n".join([organisation.name, *organisation.address_lines])))
                owner_rows.append((_("Submitted by"), _person(case.submitted_by)))
            elif case.owner_user_id:
                owner = case.owner_user
                owner_rows.append((_("Applicant"), "\n".join([_person(owner), *owner.address_lines])))
                if case.submitted_by_id and case.submitted_by_id != case.owner_user_id:
                    owner_rows.append((_("Submitted by"), _person(case.submitted_by)))
            else:
                owner_rows.append((_("Contact e-mail"), case.contact_email or "–"))
            fee = chf(case.fee_rappen) if case.fee_rappen else _("free of charge")
            summary = [
                (_("Reference"), case.reference or "–"),
                (_("Service"), case.title),
                (_("Submitted on"), swiss_datetime(case.submitted_at)),
                *owner_rows,
                (_("Fee"), fee),
            ]
            parts = [
                document.heading(_("Receipt"), level=1),
                document.paragraph(
                    _("We have received your submission. Thank you. Please quote the reference in any enquiry.")
                ),
                document.spacer(2),
                document.details(summary),
                document.heading(_("Your answers")),
                document.details(answers) if answers else document.paragraph(_("No answers.")),
                document.heading(_("Attached documents")),
                *document.bullet_list(attachments, empty_text=_("No documents attached.")),
            ]
            has_account = bool(case.owner_user_id or case.owner_organisation_id)
            if case.fee_rappen and has_account:
                parts.append(
                    document.paragraph(
                        _("The fee of %(fee)s is due; you will find the payment details in your account.")
                        % {"fee": fee}
                    )
                )
            if has_account:
                follow = _(
                    "You can follow the progress of your case, answer questions and read documents at any time "
                    "in your account: %(link)s"
                ) % {"link": _case_link(case)}
            else:
                follow = _("We will reply to the e-mail address you gave. Please quote the reference.")
            parts += [document.spacer(4), document.paragraph(follow, "note")]
            return parts

        return render_pdf(
            _("Receipt"),
            story,
            reference=case.reference,
            letterhead=letterhead,
            subject=case.title,
            language=language,
            compress=compress,
        )

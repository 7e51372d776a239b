"""When the portal issues a certificate by itself: the population register confirms the data and the fee is paid.

What "the register confirms the data" means with what the portal knows
----------------------------------------------------------------------
The account's person data (name, date of birth, postal address) counts as confirmed by the population register
when the account's assurance level is at least ADDRESS: an activation letter was sent to the registered address
and its code entered, or a clerk checked the person at the counter. Where a letter proved the address, the name
and address in the account must still be those the letter went to — a profile edited afterwards is no longer
confirmed.

A certificate order is issued automatically only when all of these hold (`auto_issue_reason()` says which one
does not, in words for the resident):

- the kind is listed in the setting `PORTAL_CERTIFICATES_AUTO_ISSUE` (default: residence only; a Heimatausweis names
  the place of origin, which the account does not know).
  Capacity and conduct are never issued automatically — the portal cannot confirm them — even if listed;
- it is a personal order (no organisation context) by the account holder for themself;
- the account is confirmed as above and holds what the certificate prints (name, date of birth, and the address
  for a certificate of residence);
- the answers the certificate would print agree with the account: name, first/last name, date of birth and (for
  residence) address answers, found by field name as `certificates.kind_from_case` finds the kind. A place of
  origin answer cannot be confirmed (the account does not know it), so an order naming one waits for the office;
- the fee is paid.

When it happens: a free order right after submission, once the submission has committed (`on_submitted`); a PDF
that fails to render is logged and the case left to the office — the submission stands. An order with a fee when
it is paid (`on_paid`, inside the payment's transaction; a failure there is logged and does not undo the
payment). Never a second certificate for a case: once one exists (even revoked) only a clerk or the register
application issues again. Every order that waits gets a timeline note telling the resident what happens next.
"""

import datetime
import logging
import re
import unicodedata

from django.conf import settings
from django.core import checks
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from account import activation
from account.models import ActivationLetter, AssuranceLevel

from . import fulfilment
from .cases import add_milestone
from .certificates import ORIGIN_FIELDS, TITLES, issue, kind_from_case
from .models import Case, CaseDocument
from .models.certificates import Certificate, CertificateKind
from .models.pages import ServiceKind
from .payments import is_paid

logger = logging.getLogger(__name__)

K = CertificateKind
# The kinds whose content the portal can confirm (person data only); the setting can narrow this, never widen it.
CONFIRMABLE_KINDS = (K.RESIDENCE, K.HOMETOWN)
DEFAULT_AUTO_ISSUE = ("residence",)
AUTOMATIC = gettext_lazy("Portal (automatic issue)")
PORTAL = gettext_lazy("Portal")

# Form answers that state what the certificate prints from the account, by machine name.
FULL_NAME_FIELDS = ("name", "full_name", "name_vorname", "vorname_name")
FIRST_NAME_FIELDS = ("first_name", "vorname")
LAST_NAME_FIELDS = ("last_name", "nachname", "familienname")
BIRTH_DATE_FIELDS = ("date_of_birth", "geburtsdatum", "birth_date")
ADDRESS_FIELDS = ("address", "adresse", "wohnadresse")
ADDRESS_PARTS = ("street", "house_number", "postcode", "town")


def auto_issue_kinds():
    """The kinds the portal may issue by itself: the setting, limited to what the portal can confirm."""
    configured = getattr(settings, "PORTAL_CERTIFICATES_AUTO_ISSUE", DEFAULT_AUTO_ISSUE)
    return {kind for kind in CONFIRMABLE_KINDS if kind.value in configured}


@checks.register()
def check_auto_issue_setting(app_configs=None, **kwargs):
    configured = getattr(settings, "PORTAL_CERTIFICATES_AUTO_ISSUE", DEFAULT_AUTO_ISSUE)
    ignored = [value for value in configured if value not in {kind.value for kind in CONFIRMABLE_KINDS}]
    if not ignored:
        return []
    return [
        checks.Warning(
            f"PORTAL_CERTIFICATES_AUTO_ISSUE lists {', '.join(map(repr, ignored))}, which the portal never issues "
            "automatically.",
            hint="Use 'residence' and/or 'hometown'; capacity and conduct always need the clerk or the register "
            "application.",
            id="services.W001",
        )
    ]


# --- comparing answers with the account -------------------------------------------------------------------------


def _words(text):
    """The words of a name or address, case and punctuation aside, in any order ("Muster, Anna" = "anna muster")."""
    return sorted(re.findall(r"\w+", unicodedata.normalize("NFC", str(text or "")).casefold()))


def _as_date(value):
    if isinstance(value, datetime.date):
        return value
    text = str(value or "").strip()
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.datetime.strptime(text, "%d.%m.%Y").date()
    except ValueError:
        return None


def _answers(case, names):
    data = case.data or {}
    return [data[name] for name in names if name in data and not _is_empty(data[name])]


def _is_empty(value):
    if isinstance(value, dict):
        return not any(str(part or "").strip() for part in value.values())
    return not str(value if value is not None else "").strip()


def _address_agrees(answer, person):
    if isinstance(answer, dict):
        return all(_words(answer.get(part)) == _words(getattr(person, part, "")) for part in ADDRESS_PARTS)
    return _words(answer) == _words(" ".join(str(getattr(person, part, "") or "") for part in ADDRESS_PARTS))


def mismatching_answers(case, kind, person):
    """Labels of what the order's answers state differently from the account (what the certificate would print)."""
    found = []
    names = [
        (FULL_NAME_FIELDS, person.get_full_name()),
        (FIRST_NAME_FIELDS, person.first_name),
        (LAST_NAME_FIELDS, person.last_name),
    ]
    if any(_words(answer) != _words(value) for fields, value in names for answer in _answers(case, fields)):
        found.append(_("name"))
    if any(_as_date(answer) != person.date_of_birth for answer in _answers(case, BIRTH_DATE_FIELDS)):
        found.append(_("date of birth"))
    if kind == K.RESIDENCE and any(not _address_agrees(answer, person) for answer in _answers(case, ADDRESS_FIELDS)):
        found.append(_("address"))
    return found


def missing_person_data(kind, person):
    """Labels of what the certificate prints from the account but the account does not hold."""
    missing = []
    if not (person.first_name.strip() and person.last_name.strip()):
        missing.append(_("first and last name"))
    if not person.date_of_birth:
        missing.append(_("date of birth"))
    if kind == K.RESIDENCE and not all(getattr(person, part).strip() for part in ("street", "postcode", "town")):
        missing.append(_("postal address"))
    return missing


def changed_since_verified(person):
    """Whether name or address in the account differ from those the last used activation letter proved."""
    letter = ActivationLetter.objects.filter(user=person, used_at__isnull=False).order_by("-used_at").first()
    if letter is None:
        return False
    proved = letter.address or {}
    current = activation.address_snapshot(person)
    return any(_words(proved.get(part)) != _words(current.get(part)) for part in (*ADDRESS_PARTS, "name"))


# --- the rule ------------------------------------------------------------------------------------------------------


def confirmation_gap(case):
    """Why the register does not confirm what this order's certificate would state (for the resident), else None.

    Everything `auto_issue_reason` checks except the fee.
    """
    kind = kind_from_case(case)
    if kind is None:
        return _("Your order does not say which certificate you need.")
    if kind not in auto_issue_kinds():
        return _("The administration checks the register before it issues a %(title)s.") % {
            "title": str(TITLES[kind]).lower()
        }
    if case.owner_organisation_id or not case.owner_user_id:
        return _("Certificates are issued to persons only.")
    person = case.owner_user
    if case.submitted_by_id != person.pk:
        return _("A certificate is issued automatically only to the person who ordered it.")
    if person.assurance_level < AssuranceLevel.ADDRESS:
        return _(
            "Your postal address has not been verified yet (activation letter or at the counter), so the register "
            "has not confirmed the details in your account."
        )
    if changed_since_verified(person):
        return _("Your name or address in your account has changed since your postal address was verified.")
    missing = missing_person_data(kind, person)
    if missing:
        return _("Your account lacks details the certificate prints: %(details)s.") % {"details": ", ".join(missing)}
    different = mismatching_answers(case, kind, person)
    if different:
        return _("What you entered differs from your account: %(details)s.") % {"details": ", ".join(different)}
    if any(_answers(case, ORIGIN_FIELDS)):
        return _("The place of origin you entered is not recorded in your account.")
    return None


def auto_issue_reason(case):
    """Why the portal does not issue this order's certificate by itself now (a sentence for the resident), else None."""
    if not case.is_open:
        return _("The case is no longer open.")
    gap = confirmation_gap(case)
    if gap:
        return gap
    if not is_paid(case):
        return _("The fee has not been paid yet.")
    return None


def issue_automatically(case):
    """Issue the order's certificate if `auto_issue_reason` allows it now; else None and nothing changes.

    Never a second certificate for a case: a case that has one (even a revoked one) is left to the office.
    """
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).select_related("owner_user", "service_page").get(pk=case.pk)
        if Certificate.objects.filter(case=case).exists() or auto_issue_reason(case):
            return None
        return issue(
            case, kind_from_case(case), actor=None, actor_label=str(AUTOMATIC), origin=CaseDocument.Origin.SYSTEM
        )


# --- what the resident is told -----------------------------------------------------------------------------------


def _language(case):
    # Timeline texts are stored as written: in the language of the person who follows the case.
    person = case.owner_user or case.submitted_by
    return getattr(person, "language", "") or settings.LANGUAGE_CODE


def _office_will_issue(case, reason, fee="", paid=False):
    if paid:
        text = _(
            "Thank you for the payment. %(reason)s The administration now checks your order and issues the "
            "certificate; you will find it here."
        ) % {"reason": reason}
    elif fee:
        text = _(
            "%(reason)s The administration checks your order and issues the certificate once the fee of %(amount)s "
            "is paid; you will find it here."
        ) % {"reason": reason, "amount": fee}
    else:
        text = _(
            "%(reason)s The administration checks your order and issues the certificate; you will find it here."
        ) % {"reason": reason}
    add_milestone(case, text, actor_label=str(PORTAL))


def _log_failure(case, when):
    logger.exception(
        "certificate for case %s (%s, holder %s) could not be issued automatically %s; left to the office",
        case.reference,
        kind_from_case(case),
        case.owner_user_id,
        when,
    )


@fulfilment.on_submitted(ServiceKind.CERTIFICATE.value)
def after_submission(case):
    """A new order: issue a free, confirmed one right after commit; otherwise tell the resident what comes next."""
    from .page_views import chf

    with translation.override(_language(case)):
        gap = confirmation_gap(case)
        fee = "" if is_paid(case) else chf(case.fee_rappen)
        if gap is None and not fee:
            case_id = case.pk
            transaction.on_commit(lambda: _issue_after_commit(case_id))
        elif gap is None:
            add_milestone(
                case,
                _("Your certificate is issued automatically as soon as the fee of %(amount)s is paid; it appears here.")
                % {"amount": fee},
                actor_label=str(PORTAL),
            )
        else:
            _office_will_issue(case, gap, fee)


def _issue_after_commit(case_id):
    case = Case.objects.select_related("owner_user", "submitted_by", "service_page").get(pk=case_id)
    with translation.override(_language(case)):
        try:
            certificate = issue_automatically(case)
        except Exception:
            _log_failure(case, "after submission")
            certificate = None
            reason = _("Your certificate could not be issued automatically.")
        else:
            # Something changed between submission and commit (e.g. the account): say why it waits.
            reason = None if certificate else auto_issue_reason(case)
        if certificate is None and case.is_open and not Certificate.objects.filter(case_id=case_id).exists():
            try:
                _office_will_issue(case, reason or _("Your certificate could not be issued automatically."))
            except Exception:
                logger.exception("case %s: the note that the certificate waits for the office failed", case.reference)
    if certificate is not None:
        logger.info("certificate %s issued automatically on case %s", certificate.code, case.reference)
    return certificate


@fulfilment.on_paid(ServiceKind.CERTIFICATE.value)
def after_payment(case):
    """The fee is paid (inside the payment's transaction): issue if the register confirms the data, else say so.

    Idempotent: a case that already has a certificate is left alone. A certificate that fails to render does not
    undo the payment (issue_automatically runs in a savepoint): the error is logged and the office issues it.
    """
    case = Case.objects.select_related("owner_user", "submitted_by", "service_page").get(pk=case.pk)
    if not case.is_open or Certificate.objects.filter(case=case).exists():
        return None
    with translation.override(_language(case)):
        reason = auto_issue_reason(case)
        if reason:
            _office_will_issue(case, reason, paid=True)
            return None
        try:
            certificate = issue_automatically(case)
        except Exception:
            _log_failure(case, "on payment")
            _office_will_issue(case, _("Your certificate could not be issued automatically."))
            return None
    if certificate is not None:
        logger.info("certificate %s issued automatically on paid case %s", certificate.code, case.reference)
    return certificate

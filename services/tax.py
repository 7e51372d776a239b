"""Tax accounts: activation by taxpayer number and letter code, upserts from the tax application.

The tax application owns the data (balance, entries, documents) and sends it through the API; the portal
only shows it to the person who linked the account with the code from a letter. Until that link is
activated the account belongs to nobody (`TaxAccount.objects.visible_to` shows nothing).

Only a hash of an activation code is stored. A code is single use, expires, and five wrong codes for an
account block it until a new code is issued; a person also gets a limited number of attempts per window
(cache), so nobody can try numbers and codes in bulk.
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from account import link_codes, notifications
from account.dashboard import DashboardSection, register

from .forms import validate_upload
from .models import TaxAccount, TaxDocument, TaxEntry

MAX_FAILED_ATTEMPTS = 5
DEFAULT_VALID_DAYS = 90
# Per person, across all accounts: attempts within the window.
RATE_LIMIT_ATTEMPTS = 10
RATE_LIMIT_WINDOW = 15 * 60

NOTIFICATION_KIND = "tax"
ENTRY_KINDS = {kind.value for kind in TaxEntry.Kind}


class TaxError(Exception):
    """A rule refused; the message is meant for the person (activation) or the integrator (upserts)."""


class ActivationError(TaxError):
    pass


def wrong_number_or_code():
    # The same words whether the number exists or not: the form must not tell which numbers are real.
    return _("Taxpayer number or activation code is wrong.")


# --- activation codes ---------------------------------------------------------------------------------


normalise_code = link_codes.normalise
format_code = link_codes.display
new_code = link_codes.new


def normalise_number(number):
    return " ".join(str(number or "").split()).upper()


def set_activation_code(account, code=None, valid_days=DEFAULT_VALID_DAYS):
    """Give the account a new letter code and return it in plain text, formatted "ABCD-EFGH-JKMN".

    Only its hash and expiry are stored; the previous code stops working and failed attempts start again.
    """
    plain = normalise_code(code) if code else new_code()
    if not link_codes.is_well_formed(plain):
        raise TaxError(f"An activation code has {link_codes.LENGTH} characters of {link_codes.ALPHABET}.")
    account.activation_code_digest = link_codes.digest(plain)
    account.activation_code_expires_at = timezone.now() + datetime.timedelta(days=valid_days)
    account.failed_activation_attempts = 0
    account.save(update_fields=["activation_code_digest", "activation_code_expires_at", "failed_activation_attempts"])
    return format_code(plain)


def _rate_limited(user):
    return link_codes.too_many_attempts("tax", user, RATE_LIMIT_ATTEMPTS, RATE_LIMIT_WINDOW)


def _count_failure(account):
    TaxAccount.objects.filter(pk=account.pk).update(failed_activation_attempts=account.failed_activation_attempts + 1)


def activate(user, taxpayer_number, code):
    """Link the account with this number to `user` if the letter's code fits; return the account.

    Raises ActivationError with a message for the person. Wrong number and wrong code read the same.
    """
    if _rate_limited(user):
        raise ActivationError(_("Too many attempts. Please wait a quarter of an hour and try again."))
    number = normalise_number(taxpayer_number)
    plain = normalise_code(code)
    if not number or not plain:
        raise ActivationError(wrong_number_or_code())
    with transaction.atomic():
        # The failure count must survive the refusal, so refusals are returned from the block, not raised in it.
        account, error = _link(user, number, plain)
    if error:
        raise ActivationError(error)
    return account


def _link(user, number, plain):
    account = TaxAccount.objects.select_for_update().filter(taxpayer_number__iexact=number).first()
    if account is None:
        return None, wrong_number_or_code()
    usable = account.activation_code_digest and account.failed_activation_attempts < MAX_FAILED_ATTEMPTS
    if not usable or not link_codes.matches(plain, account.activation_code_digest):
        if account.activation_code_digest:
            _count_failure(account)
        return None, wrong_number_or_code()
    # From here on the person has the letter: the remaining reasons may be said plainly.
    if account.activation_code_expires_at and account.activation_code_expires_at < timezone.now():
        return None, _("This activation code has expired. Please ask the tax office for a new activation letter.")
    if account.holder_id and account.holder_id != user.pk and account.activated_at:
        return None, _("This tax account is already linked to another user account. Please contact the tax office.")
    account.holder = user
    account.activated_at = timezone.now()
    account.activation_code_digest = ""
    account.activation_code_expires_at = None
    account.failed_activation_attempts = 0
    account.save(
        update_fields=[
            "holder",
            "activated_at",
            "activation_code_digest",
            "activation_code_expires_at",
            "failed_activation_attempts",
        ]
    )
    _notify(
        account,
        lambda: _("Your tax account %(number)s is activated") % {"number": account.taxpayer_number},
        lambda: _("You now see its balance, instalments, payments and documents in your account."),
    )
    return account, ""


def _notify(account, title, body=""):
    """Tell the holder of an activated account, in their language."""
    holder = account.holder
    if holder is None or account.activated_at is None:
        return
    with translation.override(getattr(holder, "language", "") or settings.LANGUAGE_CODE):
        text_title = title() if callable(title) else str(title)
        text_body = body() if callable(body) else str(body)
        url = reverse("tax:account")
    notifications.notify(holder, NOTIFICATION_KIND, text_title, text_body, url=url)


# --- data from the tax application --------------------------------------------------------------------


def _entry_defaults(entry):
    kind = entry.get("kind")
    if kind not in ENTRY_KINDS:
        raise TaxError(f"Unknown entry kind '{kind}'; use one of {', '.join(sorted(ENTRY_KINDS))}.")
    return {
        "kind": kind,
        "tax_year": entry["tax_year"],
        "description": entry.get("description", "") or "",
        "amount_rappen": entry["amount_rappen"],
        "due_date": entry.get("due_date"),
        "booked_on": entry.get("booked_on"),
        "is_paid": bool(entry.get("is_paid", False)),
    }


def upsert_account(taxpayer_number, *, name, balance_rappen, balance_date, entries=(), replace_entries=False):
    """Create or update the account and its entries by their external ids; return (account, created).

    Sending the same data twice changes nothing. Entries not sent are kept unless `replace_entries`.
    Each entry is a dict: external_id, kind, tax_year, description, amount_rappen, due_date, booked_on, is_paid.
    """
    number = normalise_number(taxpayer_number)
    if not number:
        raise TaxError("The taxpayer number is empty.")
    prepared = {}
    for entry in entries:
        external_id = str(entry.get("external_id") or "").strip()
        if not external_id:
            raise TaxError("Every entry needs an externalId.")
        prepared[external_id] = _entry_defaults(entry)
    try:
        return _upsert(number, name, balance_rappen, balance_date, prepared, replace_entries)
    except IntegrityError:
        # Two first deliveries of the same account at once: the other one created it; update it now.
        return _upsert(number, name, balance_rappen, balance_date, prepared, replace_entries)


def _upsert(number, name, balance_rappen, balance_date, prepared, replace_entries):
    with transaction.atomic():
        account = TaxAccount.objects.select_for_update().filter(taxpayer_number__iexact=number).first()
        created = account is None
        if created:
            account = TaxAccount(taxpayer_number=number)
        header = {"name": name, "balance_rappen": balance_rappen, "balance_date": balance_date}
        changed = created or any(getattr(account, field) != value for field, value in header.items())
        for field, value in header.items():
            setattr(account, field, value)
        if created:
            account.save()
        existing = {entry.external_id: entry for entry in account.entries.all()}
        for external_id, values in prepared.items():
            entry = existing.get(external_id)
            if entry is None:
                TaxEntry.objects.create(account=account, external_id=external_id, **values)
                changed = True
            elif any(getattr(entry, field) != value for field, value in values.items()):
                for field, value in values.items():
                    setattr(entry, field, value)
                entry.save()
                changed = True
        if replace_entries:
            deleted, _kinds = account.entries.exclude(external_id__in=list(prepared)).delete()
            changed = changed or bool(deleted)
        # Unchanged data leaves the account as it was, `updated_at` included: a repeated delivery is a no-op.
        if changed and not created:
            account.save()
    return account, created


def add_document(account, external_id, file, title, tax_year=None):
    """Deliver a document to the account (checked like every upload); return (document, created).

    A second delivery with the same external id changes only title and year: the first file stays.
    Raises django's ValidationError (codes file_type, file_size, file_content, file_empty) for a refused file.
    """
    external_id = str(external_id or "").strip()
    if not external_id:
        raise TaxError("The document needs an externalId.")
    content_type = validate_upload(file)
    existing = account.documents.filter(external_id=external_id).first()
    if existing is not None:
        title = title or existing.title
        if (existing.title, existing.tax_year) != (title, tax_year):
            existing.title, existing.tax_year = title, tax_year
            existing.save(update_fields=["title", "tax_year"])
        return existing, False
    name = (getattr(file, "name", "") or "document").rsplit("/", 1)[-1]
    file.seek(0)
    document = TaxDocument(
        account=account,
        external_id=external_id,
        title=title or name,
        tax_year=tax_year,
        filename=name,
        content_type=content_type,
        size=0,
    )
    document.file.save(name, file, save=False)
    document.size = document.file.size
    document.save()
    _notify(
        account,
        lambda: _("New document in your tax account: %(title)s") % {"title": document.title},
        "",
    )
    return document, True


# --- what the resident sees ---------------------------------------------------------------------------


def open_instalments(account):
    return account.entries.filter(kind=TaxEntry.Kind.INSTALMENT, is_paid=False).order_by("due_date", "pk")


def years_of(account):
    """[(tax_year, [entries], [documents])] newest year first, in two queries."""
    # By the day that matters for the entry (due or booked), entries without a date last.
    day = Coalesce("due_date", "booked_on")
    entries = list(account.entries.order_by("-tax_year", day.asc(nulls_last=True), "pk"))
    documents = list(account.documents.order_by("-created_at"))
    years = sorted({e.tax_year for e in entries} | {d.tax_year for d in documents if d.tax_year}, reverse=True)
    grouped = [
        (year, [e for e in entries if e.tax_year == year], [d for d in documents if d.tax_year == year])
        for year in years
    ]
    undated = [d for d in documents if not d.tax_year]
    if undated:
        grouped.append((None, [], undated))
    return grouped


def dashboard_context(request):
    """Balance and next instalment of the person's activated accounts, else the invitation to activate.

    Two queries however many accounts and entries; hidden while acting for an organisation.
    """
    if not request.user.is_authenticated:
        return None
    acting = getattr(request, "acting_context", None)
    if acting is not None and not acting.is_personal:
        return None
    accounts = list(TaxAccount.objects.visible_to(request.user).order_by("taxpayer_number"))
    for account in accounts:
        account.credit_rappen = -account.balance_rappen
    next_instalment = None
    if accounts:
        next_instalment = (
            TaxEntry.objects.filter(account__in=accounts, kind=TaxEntry.Kind.INSTALMENT, is_paid=False)
            .select_related("account")
            .order_by("due_date", "pk")
            .first()
        )
    return {"accounts": accounts, "next_instalment": next_instalment}


register(
    DashboardSection(
        key="tax",
        title=gettext_lazy("My tax account"),
        template="services/tax/dashboard_section.html",
        order=40,
        get_context=dashboard_context,
    )
)
notifications.register_kind(NOTIFICATION_KIND, gettext_lazy("My tax account: activation and new documents"))

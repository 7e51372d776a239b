"""Raising a person's assurance level: the activation letter (address) and the counter check (identity).

The rules live here; the resident pages (activation_views.py) and the back office (wagtail_hooks.py) call them.

How the code of an activation letter is kept secret
---------------------------------------------------
Only a hash of the code is ever stored (`ActivationLetter.code_digest`, made with Django's password hashers).
A request by the resident creates the letter *without* a usable code (an unusable hash). The code is made when
a clerk prints the letter (`print_letters`): a fresh random code is drawn, its hash stored, and the plain code
goes only into the PDF returned to the clerk's browser. It is never written to the database, a log or a file.
Printing the same letter again (the printer jammed, the envelope got lost) draws a NEW code, which makes the
code of the earlier print useless; the letter is valid for `VALIDITY` from its (last) printing.

Rules
-----
- A letter can be requested with a verified e-mail address (level ≥ EMAIL) and a complete postal address.
- One open letter (unused and unexpired) per person: asking again returns it; if the address in the profile
  changed since (or the letter is locked by wrong codes), the old letter is voided (expired now) and a new one
  is requested for the current address.
- The code proves the address it was posted to: if the profile address changed after the letter went out,
  the code is refused and a new letter must be requested.
- `MAX_ATTEMPTS` wrong codes lock the letter; a code works once.
- At the counter a clerk with `useraccount.change_activationletter` who checked an identity document raises the
  level to IDENTITY; who did it and when is written to Wagtail's log of the person (action
  `useraccount.identity_verified`, visible in the back office's log views/reports).
"""

import secrets
from datetime import timedelta

from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import dashboard
from .models import ActivationLetter, AssuranceLevel, User
from .notifications import notify

# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: letters and digits a person cannot confuse when typing from paper.
ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 10
VALIDITY = timedelta(days=60)  # from printing
REQUEST_VALIDITY = timedelta(days=60)  # an unprinted request stays open this long
MAX_ATTEMPTS = 5
PERMISSION = "useraccount.change_activationletter"
ADDRESS_FIELDS = ("street", "house_number", "postcode", "town")
LOG_IDENTITY_VERIFIED = "useraccount.identity_verified"
LOG_LETTER_PRINTED = "useraccount.activation_letter_printed"


class ActivationError(Exception):
    """A rule refused the action; `str(error)` is a message for the person."""

    def __init__(self, message, missing=()):
        super().__init__(message)
        self.message = message
        self.missing = list(missing)

    def __str__(self):
        return str(self.message)


# --- codes ----------------------------------------------------------------------------------------------------


def new_code():
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code):
    """ACDEF-GHJKM: easier to read and type from paper."""
    half = CODE_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


def normalize_code(text):
    """What a person typed, without spaces and dashes, in capitals."""
    return "".join(char for char in (text or "").upper() if char.isalnum())


# --- addresses ------------------------------------------------------------------------------------------------


def missing_address_fields(user):
    """Labels of the postal address fields still empty in the profile."""
    return [str(User._meta.get_field(name).verbose_name) for name in ADDRESS_FIELDS if not getattr(user, name).strip()]


def address_snapshot(user):
    snapshot = {name: getattr(user, name).strip() for name in (*ADDRESS_FIELDS, "country")}
    snapshot["name"] = user.get_full_name() or user.email
    return snapshot


def address_lines(snapshot):
    """The envelope lines of a stored address snapshot."""
    first = " ".join(part for part in (snapshot.get("street"), snapshot.get("house_number")) if part)
    second = " ".join(part for part in (snapshot.get("postcode"), snapshot.get("town")) if part)
    lines = [line for line in (snapshot.get("name"), first, second) if line]
    if snapshot.get("country") and snapshot.get("country") != "CH":
        lines.append(snapshot["country"])
    return lines


def _same_address(snapshot, user):
    current = address_snapshot(user)
    return all((snapshot.get(name) or "").casefold() == current[name].casefold() for name in ADDRESS_FIELDS)


# --- states ---------------------------------------------------------------------------------------------------


def open_letter(user, now=None):
    """The person's letter that is neither used nor expired (there is at most one), or None."""
    now = now or timezone.now()
    return ActivationLetter.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now).first()


def latest_letter(user):
    return ActivationLetter.objects.filter(user=user).first()


def state(letter, now=None):
    """'requested', 'printed', 'used', 'expired' or 'locked'."""
    now = now or timezone.now()
    if letter.used_at:
        return "used"
    if letter.expires_at <= now:
        return "expired"
    if letter.printed_at is None:
        return "requested"
    if letter.failed_attempts >= MAX_ATTEMPTS:
        return "locked"
    return "printed"


# --- the resident ---------------------------------------------------------------------------------------------


def request_letter(user):
    """Request an activation letter to the profile address; returns (letter, created)."""
    if user.assurance_level < AssuranceLevel.EMAIL:
        raise ActivationError(_("Please confirm your e-mail address first; then you can request a letter."))
    if user.assurance_level >= AssuranceLevel.ADDRESS:
        raise ActivationError(_("Your postal address is already verified."))
    missing = missing_address_fields(user)
    if missing:
        raise ActivationError(
            _("Please complete your postal address in “My details” first. Missing: %(fields)s.")
            % {"fields": ", ".join(missing)},
            missing=missing,
        )
    now = timezone.now()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one request at a time per person
        letter = open_letter(user, now)
        if letter is not None:
            locked = letter.failed_attempts >= MAX_ATTEMPTS
            if not locked and _same_address(letter.address, user):
                return letter, False
            letter.expires_at = now  # the address changed or the letter is locked: it (and its code) is void
            letter.save(update_fields=["expires_at"])
        letter = ActivationLetter.objects.create(
            user=user,
            code_digest=make_password(None),  # unusable until a clerk prints the letter
            address=address_snapshot(user),
            requested_at=now,
            expires_at=now + REQUEST_VALIDITY,
        )
    return letter, True


def confirm_code(user, code):
    """Check the code the person typed; on success their level becomes (at least) ADDRESS. Returns the letter."""
    now = timezone.now()
    with transaction.atomic():
        letter = (
            ActivationLetter.objects.select_for_update()
            .filter(user=user, printed_at__isnull=False, used_at__isnull=True)
            .order_by("-printed_at")
            .first()
        )
        if letter is None:
            raise ActivationError(_("There is no activation letter waiting for a code. Please request one."))
        if letter.expires_at <= now:
            raise ActivationError(_("This activation code has expired. Please request a new letter."))
        if letter.failed_attempts >= MAX_ATTEMPTS:
            raise ActivationError(
                _("Too many wrong codes were entered. This letter is locked; please request a new letter.")
            )
        if not _same_address(letter.address, user):
            raise ActivationError(
                _(
                    "Your address has changed since this letter was sent. "
                    "Please request a new letter to your new address."
                )
            )
        wrong = not check_password(normalize_code(code), letter.code_digest)
        if wrong:
            # Counted here; the error is raised after the block has committed, so the count is kept.
            letter.failed_attempts += 1
            letter.save(update_fields=["failed_attempts"])
        else:
            letter.used_at = now
            letter.save(update_fields=["used_at"])
            user.raise_assurance(AssuranceLevel.ADDRESS)
            notify(
                user,
                "account",
                _("Your postal address has been verified"),
                _("You can now use the services that require a verified postal address."),
                url=reverse("useraccount:verification"),
            )
    if wrong:
        left = MAX_ATTEMPTS - letter.failed_attempts
        if left <= 0:
            raise ActivationError(_("This code is not correct. The letter is now locked; please request a new letter."))
        raise ActivationError(
            _("This code is not correct. Please check it and try again (%(left)s attempts left).") % {"left": left}
        )
    return letter


def can_request(user):
    return AssuranceLevel.EMAIL <= user.assurance_level < AssuranceLevel.ADDRESS


# --- the back office ------------------------------------------------------------------------------------------


def may_manage(user):
    return bool(user.is_authenticated and user.is_active and user.is_staff and user.has_perm(PERMISSION))


def letters_to_print(now=None):
    now = now or timezone.now()
    return ActivationLetter.objects.filter(printed_at__isnull=True, used_at__isnull=True, expires_at__gt=now)


def print_letters(letters, *, clerk):
    """Draw a fresh code for each letter, store only its hash; returns [(letter, plain code)] for the PDF."""
    if not may_manage(clerk):
        raise PermissionDenied
    now = timezone.now()
    printed = []
    with transaction.atomic():
        for letter in ActivationLetter.objects.select_for_update().filter(pk__in=[item.pk for item in letters]):
            if letter.used_at or letter.expires_at <= now:
                continue  # used or void letters are not printed again
            code = new_code()
            letter.code_digest = make_password(code)
            letter.printed_at = now
            letter.printed_by = clerk
            letter.expires_at = now + VALIDITY
            letter.failed_attempts = 0
            letter.save(update_fields=["code_digest", "printed_at", "printed_by", "expires_at", "failed_attempts"])
            _log(letter.user, LOG_LETTER_PRINTED, clerk, {"letter": letter.pk})
            printed.append((letter, code))
    return printed


def verify_at_counter(user, *, clerk):
    """A clerk checked an identity document of `user` at the counter: the level becomes IDENTITY."""
    if not may_manage(clerk):
        raise PermissionDenied
    if user.assurance_level >= AssuranceLevel.IDENTITY:
        return False
    with transaction.atomic():
        user.raise_assurance(AssuranceLevel.IDENTITY)
        _log(user, LOG_IDENTITY_VERIFIED, clerk, {"level": int(AssuranceLevel.IDENTITY)})
        notify(
            user,
            "account",
            _("Your identity has been verified"),
            _("Your identity was checked at the counter of the municipality. All services are open to you."),
            url=reverse("useraccount:verification"),
        )
    return True


def _log(instance, action, clerk, data):
    from wagtail.log_actions import log

    log(instance=instance, action=action, user=clerk, data=data)


LOG_ACTIONS = {
    LOG_IDENTITY_VERIFIED: (gettext_lazy("Identity verified at the counter"), gettext_lazy("Identity verified")),
    LOG_LETTER_PRINTED: (gettext_lazy("Activation letter printed"), gettext_lazy("Activation letter printed")),
}


# --- the letter (PDF) -----------------------------------------------------------------------------------------


def render_letters(printed):
    """One PDF with a letter per (letter, code); each starts on a new page with the letterhead."""
    from home.pdf import render_pdf

    def story(document):
        from reportlab.platypus import NextPageTemplate, PageBreak

        flowables = []
        for index, (letter, code) in enumerate(printed):
            if index:
                flowables += [NextPageTemplate("first"), PageBreak()]
            with translation.override(_language(letter) or document.language):
                flowables += _letter_story(document, letter, code)
        return flowables

    languages = {_language(letter) for letter, _code in printed}
    language = languages.pop() if len(languages) == 1 else None  # each letter is in its person's language anyway
    reference = str(printed[0][0].pk) if len(printed) == 1 else ""
    return render_pdf(_("Activation letter"), story, reference=reference, language=language)


def _language(letter):
    user = getattr(letter, "user", None)
    return getattr(user, "language", "") or None


def _letter_story(document, letter, code):
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Table, TableStyle

    from home.pdf import markup, swiss_date

    # The recipient block sits where the window of a Swiss C5/C4 envelope with a right-hand window is.
    lines = address_lines(letter.address)
    block = document.rich("<br/>".join(markup(line) for line in lines))
    window = Table([["", block]], colWidths=[96 * mm, 70 * mm], hAlign="LEFT")
    window.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    name = (letter.address or {}).get("name", "")
    big = document.styles["title"].clone("code", fontSize=26, leading=32, spaceBefore=6, spaceAfter=10)
    return [
        window,
        document.spacer(22),
        document.heading(_("Your activation code for the online counter"), level=1),
        document.paragraph(_("Dear %(name)s,") % {"name": name} if name else _("Good day,")),
        document.paragraph(
            _(
                "You asked for your postal address to be verified for your user account of the municipality. "
                "Please enter the following code in your account:"
            )
        ),
        Paragraph(format_code(code), big),
        document.details(
            [
                (_("Where to enter it"), _("My account > Verification (/account/verification/)")),
                (_("Valid until"), swiss_date(letter.expires_at)),
                (_("Requested on"), swiss_date(letter.requested_at)),
            ]
        ),
        document.spacer(4),
        document.paragraph(
            _(
                "Log in, open “Verification” and type the code (upper or lower case, with or without the dash). "
                "The code works once. If you did not ask for this letter, please contact us."
            )
        ),
        document.spacer(6),
        document.paragraph(_("Kind regards")),
        document.paragraph(document.letterhead.name),
    ]


# --- dashboard ------------------------------------------------------------------------------------------------


def _dashboard_context(request):
    user = request.user
    if user.assurance_level >= AssuranceLevel.ADDRESS:
        return None
    letter = open_letter(user)
    return {"user": user, "letter": letter, "state": state(letter) if letter else ""}


dashboard.register(
    dashboard.DashboardSection(
        key="verification",
        title=gettext_lazy("Verify your address"),
        template="account/activation/dashboard_section.html",
        order=890,
        get_context=_dashboard_context,
    )
)

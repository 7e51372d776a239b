"""Delete my account (Swiss FADP): remove what the portal may forget, keep and anonymise what it must keep.

Each app contributes a *part* (what happens to its records, and why) in its module `<app>/privacy.py`, found by
the same autodiscovery as the export areas; the account does its own part and decides about the person's row.

Rules
-----
- Refused for back-office accounts (an administrator closes those) and while the person is the only owner of
  an organisation that has other members: ownership must be handed on first, or the members are left without
  anyone who may manage the organisation.
- Deleted: the person's details, e-mail addresses, password, second factors, sessions (all of them end at once),
  known devices, notifications and preferences, memberships, invitations received and sent, data exports with
  their files, e-ID links, app tokens of the portal's OpenID Connect provider and activation letters. An
  organisation left without members is deleted with it unless the administration keeps cases of it.
- What other apps keep (services: open cases and closed ones within `PORTAL_CASE_RETENTION_YEARS`, payments,
  certificates) has the person's name and e-mail addresses replaced (see `Replacement`).
- The person's row itself is deleted when nothing kept refers to it; when something does (a kept case of which
  the person is the owner, a parking permit), the row stays as an empty shell: e-mail `deleted-<id>@invalid`,
  name "Deleted person" in the site's language, every other detail cleared, no usable password, inactive. So a
  kept case still says whose it was without saying who that was, and the administration can tell the cases of
  one former account apart.
- The log records what was done (numbers per kind of record) under the account's id, never personal data.
"""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Count, ProtectedError, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import privacy
from .models import (
    ActivationLetter,
    AssuranceLevel,
    DataExport,
    Invitation,
    KnownDevice,
    Membership,
    Notification,
    NotificationPreference,
    Organisation,
    User,
)

logger = logging.getLogger(__name__)


def retention_years():
    return int(getattr(settings, "PORTAL_CASE_RETENTION_YEARS", 10))


def retention_cutoff(now=None):
    """Records closed before this moment are past the retention period."""
    now = now or timezone.now()
    years = retention_years()
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February in a year that has none
        return now.replace(year=now.year - years, day=28)


# --- what parts report and receive ------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """One line of the explanation page: what happens to some of the person's records, and why."""

    title: str
    kept: bool
    count: int | None = None  # None: not a countable set of records (e.g. "your details")
    reason: str = ""


@dataclass(frozen=True)
class Replacement:
    """What stands for the person in the records that are kept."""

    name: str
    email: str
    old_names: tuple = ()
    old_emails: tuple = ()
    pattern: re.Pattern | None = field(default=None, compare=False)

    @classmethod
    def for_user(cls, user):
        with translation.override(settings.LANGUAGE_CODE):
            name = _("Deleted person")
        first, last = user.first_name.strip(), user.last_name.strip()
        # Whole names only: a first or last name alone would also replace ordinary words and other people.
        names = {f"{first} {last}", f"{last} {first}", f"{last}, {first}"} if first and last else set()
        emails = privacy.emails_of(user)
        needles = sorted({*names, *emails}, key=len, reverse=True)
        pattern = re.compile("|".join(re.escape(n) for n in needles), re.IGNORECASE) if needles else None
        return cls(
            name=name,
            email=f"deleted-{user.pk}@invalid",
            old_names=tuple(sorted(names)),
            old_emails=tuple(sorted(emails)),
            pattern=pattern,
        )

    def text(self, value):
        """`value` with the person's e-mail addresses and full name replaced."""
        if not value or self.pattern is None:
            return value

        def substitute(match):
            return self.email if "@" in match.group(0) else self.name

        return self.pattern.sub(substitute, value)

    def data(self, value):
        """Like `text`, through the strings of JSON data (answers of a form)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.data(item) for item in value]
        if isinstance(value, dict):
            return {key: self.data(item) for key, item in value.items()}
        return value


@dataclass(frozen=True)
class DeletionPart:
    key: str
    # user → [Outcome]: what the explanation page says about this part's records.
    explain: Callable
    # (user, Replacement) → {what: how many}: does it, inside the deletion's transaction.
    erase: Callable
    # user → [message]: reasons to refuse the deletion.
    refuse: Callable = field(default=lambda user: [])
    order: int = 100


_parts: dict[str, DeletionPart] = {}


def register(part):
    _parts[part.key] = part
    return part


def unregister(key):
    _parts.pop(key, None)


def parts():
    privacy.areas()  # the export's autodiscovery imports every app's privacy module, which registers parts too
    return sorted(_parts.values(), key=lambda p: (p.order, p.key))


# --- the plan shown to the person, and the deletion -------------------------------------------------


class DeletionRefused(Exception):
    def __init__(self, reasons):
        super().__init__(" ".join(str(r) for r in reasons))
        self.reasons = list(reasons)


@dataclass
class Plan:
    refusals: list
    deleted: list
    kept: list


def refusals(user):
    return [reason for part in parts() for reason in part.refuse(user)]


def plan(user):
    outcomes = [outcome for part in parts() for outcome in part.explain(user)]
    return Plan(
        refusals=refusals(user),
        deleted=[o for o in outcomes if not o.kept and o.count != 0],
        kept=[o for o in outcomes if o.kept and o.count != 0],
    )


@dataclass(frozen=True)
class DeletionResult:
    user_id: int
    row_deleted: bool
    counts: dict


def delete_account(user):
    """Delete the account of `user` as the rules above say; raises DeletionRefused (and changes nothing)."""
    user_id = user.pk
    counts = {}
    with transaction.atomic():
        # Locked, so two requests at once cannot both run (and the person's data cannot change meanwhile).
        user = User.objects.select_for_update().get(pk=user_id)
        reasons = refusals(user)
        if reasons:
            raise DeletionRefused(reasons)
        replacement = Replacement.for_user(user)
        for part in parts():
            for what, number in part.erase(user, replacement).items():
                counts[what] = counts.get(what, 0) + number
        row_deleted = _remove_or_anonymise(user, replacement)
    logger.info(
        "account %s deleted on request (%s): %s",
        user_id,
        "row deleted" if row_deleted else "row anonymised",
        ", ".join(f"{what}={number}" for what, number in sorted(counts.items())),
    )
    return DeletionResult(user_id=user_id, row_deleted=row_deleted, counts=counts)


def _remove_or_anonymise(user, replacement):
    try:
        with transaction.atomic():
            User.objects.filter(pk=user.pk).delete()
        return True
    except ProtectedError:
        # A kept record (a case, a permit) still names this account as its owner: keep an empty shell.
        anonymise(user, replacement)
        return False


def anonymise(user, replacement):
    user.email = replacement.email
    user.first_name = ""
    user.last_name = replacement.name
    user.date_of_birth = None
    user.phone = ""
    user.street = user.house_number = user.postcode = user.town = user.country = ""
    user.ahv_number = ""
    user.language = settings.LANGUAGE_CODE
    user.assurance_level = AssuranceLevel.NONE
    user.login_notifications = False
    user.is_active = user.is_staff = user.is_superuser = False
    user.last_login = None
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()


def delete_rows(queryset):
    """Delete and return how many rows of the queryset's own model went (not counting cascades)."""
    return queryset.delete()[1].get(queryset.model._meta.label, 0)


def delete_files_on_commit(field_files):
    """Remove stored files once the deletion is committed (a rolled-back deletion keeps them)."""
    stored = [(f.storage, f.name) for f in field_files if f]
    if not stored:
        return

    def remove():
        for storage, name in stored:
            try:
                storage.delete(name)
            except OSError:
                logger.warning("could not remove stored file %s", name)

    transaction.on_commit(remove)


# --- the account's own part -------------------------------------------------------------------------


def _sole_owner_memberships(user):
    """The person's owner memberships of organisations that have no other owner."""
    owned = Membership.objects.filter(user=user, role=Membership.Role.OWNER).select_related("organisation")
    other_owners = set(
        Membership.objects.filter(organisation__in=owned.values("organisation_id"), role=Membership.Role.OWNER)
        .exclude(user=user)
        .values_list("organisation_id", flat=True)
    )
    return [m for m in owned if m.organisation_id not in other_owners]


def _member_counts(organisation_ids):
    rows = Organisation.objects.filter(pk__in=organisation_ids).annotate(n=Count("memberships"))
    return {row.pk: row.n for row in rows}


def _account_refusals(user):
    if user.is_staff or user.is_superuser or user.has_perm("wagtailadmin.access_admin"):
        return [
            _("A back-office account cannot delete itself. Ask an administrator to close it."),
        ]
    sole = _sole_owner_memberships(user)
    counts = _member_counts([m.organisation_id for m in sole])
    blocked = [m.organisation.name for m in sole if counts.get(m.organisation_id, 0) > 1]
    if not blocked:
        return []
    return [
        ngettext(
            "You are the only owner of %(names)s, which has other members. Make another member owner first "
            "(or remove the other members), then delete your account.",
            "You are the only owner of %(names)s, which have other members. Make another member owner of each "
            "first (or remove the other members), then delete your account.",
            len(blocked),
        )
        % {"names": ", ".join(blocked)}
    ]


def _orphaned_organisations(user):
    """Organisations of which the person is the last member: (those deleted with the account, those kept)."""
    memberships = list(Membership.objects.filter(user=user).select_related("organisation"))
    counts = _member_counts([m.organisation_id for m in memberships])
    alone = [m.organisation for m in memberships if counts.get(m.organisation_id, 0) <= 1]
    with_cases = set(
        Organisation.objects.filter(pk__in=[o.pk for o in alone], cases__isnull=False).values_list("pk", flat=True)
    )
    return [o for o in alone if o.pk not in with_cases], [o for o in alone if o.pk in with_cases]


def _invitations(user, emails):
    """Invitations to the person's addresses, accepted by them, or sent by them."""
    return Invitation.objects.filter(Q(email__in=emails) | Q(invited_by=user) | Q(accepted_by=user))


def _account_explain(user):
    from allauth.idp.oidc.models import Token
    from allauth.socialaccount.models import SocialAccount

    emails = privacy.emails_of(user)
    removed_orgs, kept_orgs = _orphaned_organisations(user)
    outcomes = [
        Outcome(
            _("Your details: name, date of birth, phone, postal address, AHV number, language"),
            kept=False,
        ),
        Outcome(_("Your e-mail addresses, password and two-factor authentication"), kept=False),
        Outcome(_("Your sessions and known devices: you are logged out everywhere"), kept=False),
        Outcome(_("Notifications"), kept=False, count=Notification.objects.filter(user=user).count()),
        Outcome(_("Memberships in organisations"), kept=False, count=Membership.objects.filter(user=user).count()),
        Outcome(
            _("Invitations you received or sent"),
            kept=False,
            count=_invitations(user, emails).count(),
        ),
        Outcome(_("Data exports and their files"), kept=False, count=DataExport.objects.filter(user=user).count()),
        Outcome(_("Linked e-ID logins"), kept=False, count=SocialAccount.objects.filter(user=user).count()),
        Outcome(_("Logins to apps of the municipality"), kept=False, count=Token.objects.filter(user=user).count()),
        Outcome(_("Activation letters"), kept=False, count=ActivationLetter.objects.filter(user=user).count()),
    ]
    if removed_orgs:
        outcomes.append(
            Outcome(
                _("Organisations of which you are the last member: %(names)s")
                % {"names": ", ".join(o.name for o in removed_orgs)},
                kept=False,
                count=len(removed_orgs),
            )
        )
    if kept_orgs:
        outcomes.append(
            Outcome(
                _("Organisations of which you are the last member: %(names)s")
                % {"names": ", ".join(o.name for o in kept_orgs)},
                kept=True,
                count=len(kept_orgs),
                reason=_(
                    "The administration keeps cases of these organisations, so the organisation stays on record "
                    "(without members)."
                ),
            )
        )
    return outcomes


def _account_erase(user, replacement):
    from allauth.account.models import EmailAddress
    from allauth.idp.oidc.models import Token
    from allauth.mfa.models import Authenticator
    from allauth.socialaccount.models import SocialAccount
    from allauth.usersessions.models import UserSession

    emails = privacy.emails_of(user)
    counts = {}
    sessions = list(UserSession.objects.filter(user=user))
    for session in sessions:
        # Ends the session in the session store too, so no browser stays logged in.
        session.end()
    counts["sessions"] = len(sessions)
    exports = list(DataExport.objects.filter(user=user))
    delete_files_on_commit([e.file for e in exports])
    counts["data_exports"] = delete_rows(DataExport.objects.filter(user=user))
    removed_orgs, _kept_orgs = _orphaned_organisations(user)
    counts["memberships"] = delete_rows(Membership.objects.filter(user=user))
    counts["organisations"] = delete_rows(Organisation.objects.filter(pk__in=[o.pk for o in removed_orgs]))
    counts["invitations"] = delete_rows(_invitations(user, emails))
    for what, queryset in (
        ("notifications", Notification.objects.filter(user=user)),
        ("notification_preferences", NotificationPreference.objects.filter(user=user)),
        ("known_devices", KnownDevice.objects.filter(user=user)),
        ("authenticators", Authenticator.objects.filter(user=user)),
        ("e_id_links", SocialAccount.objects.filter(user=user)),
        ("app_tokens", Token.objects.filter(user=user)),
        ("activation_letters", ActivationLetter.objects.filter(user=user)),
        ("email_addresses", EmailAddress.objects.filter(user=user)),
    ):
        counts[what] = delete_rows(queryset)
    return counts


register(
    DeletionPart(
        key="account",
        explain=_account_explain,
        erase=_account_erase,
        refuse=_account_refusals,
        # Last: the other parts need the person's addresses and memberships to find what to anonymise.
        order=1000,
    )
)

"""Privacy self-service (Swiss FADP): everything the portal holds about a person, as a ZIP they can download.

The export is made of *areas* (profile, e-mail addresses, cases …), one JSON file each. The account registers
its own areas here; other apps register theirs in a module `<app>/privacy.py`, found by autodiscovery, so the
account knows nothing of services, schools or utilities (DESIGN §3), just as with the dashboard.

Rules
-----
- An area returns only the person's own records and nothing of anyone else: records are loaded through the
  scoped querysets (`visible_to`), other members of an organisation are never listed, and an invitation the
  person sent is listed without the invited address (that address is someone else's data).
- One export at a time per person. The ZIP is built by a django-q2 job (`privacy_tasks.build_data_export`),
  which reports its progress per area and per document; the finished file can be downloaded by its owner
  until `PORTAL_DATA_EXPORT_DAYS` (default 7) have passed, then the daily job deletes it.
- A job that has not finished after `STALE_AFTER` died with its worker: it is marked failed, so the person can
  ask again.
"""

import datetime
import json
import logging
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import (
    ActivationLetter,
    DataExport,
    Invitation,
    KnownDevice,
    Membership,
    Notification,
    NotificationPreference,
    User,
)

logger = logging.getLogger(__name__)

Status = DataExport.Status
IN_PROGRESS = (Status.PENDING, Status.RUNNING)
STALE_AFTER = datetime.timedelta(hours=1)
# Fields of the user row that are secrets or internal bookkeeping, not data about the person.
PROFILE_EXCLUDED_FIELDS = {"password"}


def export_days():
    return int(getattr(settings, "PORTAL_DATA_EXPORT_DAYS", 7))


# --- the registry of areas --------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportFile:
    """A stored file that goes into the ZIP at `path`."""

    path: str
    storage: object
    name: str


@dataclass(frozen=True)
class AreaData:
    """What an area found: JSON-able data and the files that belong to it."""

    data: object
    files: tuple = ()


@dataclass(frozen=True)
class PrivacyArea:
    key: str  # also the file name: <key>.json
    title: str
    # One or two sentences for the README in the ZIP: what the file holds (and what it leaves out).
    description: str
    # user → AreaData, or plain JSON-able data when the area has no files.
    collect: Callable
    order: int = 100


_areas: dict[str, PrivacyArea] = {}
_discovered = False


def register(area):
    """Add or replace an area (replacing by key keeps module reloads idempotent)."""
    _areas[area.key] = area
    return area


def unregister(key):
    _areas.pop(key, None)


def areas():
    global _discovered
    if not _discovered:
        autodiscover_modules("privacy")
        _discovered = True
    return sorted(_areas.values(), key=lambda a: (a.order, a.key))


def _area_data(area, user):
    result = area.collect(user)
    return result if isinstance(result, AreaData) else AreaData(result)


def person_language(user):
    """Labels in the export are in the person's language: the archive is for them."""
    return translation.override(user.language or settings.LANGUAGE_CODE)


def collect(user):
    """Everything the portal holds about `user`, as plain JSON-able data keyed by area."""
    with person_language(user):
        return {area.key: plain(_area_data(area, user).data) for area in areas()}


# --- helpers for areas ------------------------------------------------------------------------------


def plain(value):
    """`value` with dates, lazy texts, decimals and UUIDs turned into JSON types (times in Swiss local time)."""
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [plain(item) for item in value]
    if isinstance(value, datetime.datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def chf(rappen):
    """An amount as a plain number of francs with two decimals ("17.00"), for machines rather than people."""
    return f"{(rappen or 0) / 100:.2f}"


def choice(code, label):
    return {"code": code, "label": str(label)} if code else None


def safe_name(name, fallback="file"):
    """A file name that stays inside its folder of the ZIP."""
    cleaned = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip().lstrip(".")
    return cleaned or fallback


def file_paths(folder, documents):
    """{document: path in the ZIP} under `folder`; a second file of the same name gets its id in front."""
    used, paths = set(), {}
    for document in documents:
        name = safe_name(document.filename)
        path = f"{folder}/{name}"
        if path in used:
            path = f"{folder}/{document.pk}-{name}"
        used.add(path)
        paths[document.pk] = path
    return paths


def emails_of(user):
    from allauth.account.models import EmailAddress

    addresses = {user.email.lower()} if user.email else set()
    addresses.update(e.lower() for e in EmailAddress.objects.filter(user=user).values_list("email", flat=True))
    return addresses


# --- the account's own areas ------------------------------------------------------------------------


def _profile(user):
    data = {}
    for model_field in User._meta.concrete_fields:
        if model_field.name in PROFILE_EXCLUDED_FIELDS:
            continue
        data[model_field.name] = model_field.value_from_object(user)
    data["assurance_level"] = choice(str(user.assurance_level), user.get_assurance_level_display())
    data["language"] = choice(user.language, user.get_language_display())
    data["groups"] = list(user.groups.values_list("name", flat=True))
    return data


def _email_addresses(user):
    from allauth.account.models import EmailAddress

    return [
        {"email": e.email, "verified": e.verified, "primary": e.primary}
        for e in EmailAddress.objects.filter(user=user).order_by("-primary", "email")
    ]


def _two_factor(user):
    from allauth.mfa.models import Authenticator

    # Type and dates only: the data column holds secrets (TOTP seed, recovery codes, public keys).
    return [
        {"type": choice(a.type, a.get_type_display()), "created_at": a.created_at, "last_used_at": a.last_used_at}
        for a in Authenticator.objects.filter(user=user).order_by("created_at")
    ]


def _sessions(user):
    from allauth.usersessions.models import UserSession

    return [
        {"started_at": s.created_at, "last_seen_at": s.last_seen_at, "ip": s.ip, "user_agent": s.user_agent}
        for s in UserSession.objects.filter(user=user).order_by("-last_seen_at")
    ]


def _known_devices(user):
    return [
        {"device": d.label, "first_seen": d.first_seen, "last_seen": d.last_seen, "last_ip": d.last_ip}
        for d in KnownDevice.objects.filter(user=user).order_by("-last_seen")
    ]


def _memberships(user):
    return [
        {
            "organisation": m.organisation.name,
            "kind": choice(m.organisation.kind, m.organisation.get_kind_display()),
            "uid": m.organisation.uid,
            "role": choice(m.role, m.get_role_display()),
            "member_since": m.created_at,
        }
        for m in Membership.objects.filter(user=user).select_related("organisation").order_by("organisation__name")
    ]


def _invitation_state(invitation):
    if invitation.accepted_at:
        return "accepted"
    if invitation.revoked_at:
        return "revoked"
    return "open" if invitation.is_open else "expired"


def _invitations(user):
    received = Invitation.objects.filter(Q(email__in=emails_of(user)) | Q(accepted_by=user)).select_related(
        "organisation"
    )
    sent = Invitation.objects.filter(invited_by=user).select_related("organisation")

    def row(invitation, **extra):
        return {
            "organisation": invitation.organisation.name,
            "role": choice(invitation.role, invitation.get_role_display()),
            "state": _invitation_state(invitation),
            "created_at": invitation.created_at,
            "expires_at": invitation.expires_at,
            "accepted_at": invitation.accepted_at,
            "revoked_at": invitation.revoked_at,
            **extra,
        }

    return {
        "received": [row(i, email=i.email) for i in received.order_by("-created_at")],
        # The invited address is the other person's data, so a sent invitation is listed without it.
        "sent": [row(i) for i in sent.order_by("-created_at")],
    }


def _notifications(user):
    return {
        "notifications": [
            {
                "kind": n.kind,
                "title": n.title,
                "text": n.body,
                "link": n.url,
                "created_at": n.created_at,
                "read_at": n.read_at,
                "emailed_at": n.emailed_at,
            }
            for n in Notification.objects.visible_to(user).order_by("created_at", "pk").iterator(chunk_size=500)
        ],
        "email_preferences": [
            {"kind": p.kind, "by_email": p.email}
            for p in NotificationPreference.objects.filter(user=user).order_by("kind")
        ],
    }


def _activation_letters(user):
    # The code's hash and the clerk who printed the letter are not data about the person.
    return [
        {
            "address": letter.address,
            "requested_at": letter.requested_at,
            "printed_at": letter.printed_at,
            "valid_until": letter.expires_at,
            "used_at": letter.used_at,
            "failed_attempts": letter.failed_attempts,
        }
        for letter in ActivationLetter.objects.filter(user=user).order_by("requested_at")
    ]


def _data_exports(user):
    return [
        {
            "requested_at": e.created_at,
            "status": choice(e.status, e.get_status_display()),
            "finished_at": e.finished_at,
            "available_until": e.expires_at,
        }
        for e in exports_of(user).order_by("created_at")
    ]


def _e_id_logins(user):
    from allauth.socialaccount.models import SocialAccount

    return [
        {"provider": s.provider, "uid": s.uid, "linked_at": s.date_joined, "last_login": s.last_login}
        for s in SocialAccount.objects.filter(user=user).order_by("date_joined")
    ]


def _apps(user):
    from allauth.idp.oidc.models import Client, Token

    # What each app was allowed (scopes) and until when; the tokens themselves are stored hashed and left out.
    tokens = Token.objects.filter(user=user).select_related("client").order_by("created_at")
    return {
        "tokens": [
            {
                "app": t.client.name if t.client else "",
                "type": choice(t.type, t.get_type_display()),
                "scopes": t.get_scopes(),
                "created_at": t.created_at,
                "expires_at": t.expires_at,
            }
            for t in tokens
        ],
        "apps_registered_by_you": [
            {"name": c.name, "client_id": c.id, "created_at": c.created_at} for c in Client.objects.filter(owner=user)
        ],
    }


for _order, (_key, _title, _description, _collect) in enumerate(
    [
        (
            "profile",
            gettext_lazy("My details"),
            gettext_lazy(
                "Your account: name, e-mail address, date of birth, phone, postal address, AHV number, language, "
                "assurance level, whether you get e-mails about logins from new devices, and when you registered "
                "and last logged in. Your password is stored only as a one-way hash and is not included."
            ),
            _profile,
        ),
        ("email_addresses", gettext_lazy("E-mail addresses"), gettext_lazy("Your e-mail addresses."), _email_addresses),
        (
            "two_factor",
            gettext_lazy("Two-factor authentication"),
            gettext_lazy("The kinds of second factor you set up and when; never their secrets."),
            _two_factor,
        ),
        (
            "sessions",
            gettext_lazy("Sessions"),
            gettext_lazy("Where you are logged in: start, last activity, IP address and browser."),
            _sessions,
        ),
        (
            "known_devices",
            gettext_lazy("Known devices"),
            gettext_lazy("Browsers and devices you have logged in with (used to warn you about new ones)."),
            _known_devices,
        ),
        (
            "memberships",
            gettext_lazy("Organisations"),
            gettext_lazy("The organisations you belong to and your role; other members are not listed."),
            _memberships,
        ),
        (
            "invitations",
            gettext_lazy("Invitations"),
            gettext_lazy(
                "Invitations to organisations you received, and those you sent (without the invited address, "
                "which is someone else's data)."
            ),
            _invitations,
        ),
        (
            "notifications",
            gettext_lazy("Notifications"),
            gettext_lazy("Your notification inbox and which kinds of notification you receive by e-mail."),
            _notifications,
        ),
        (
            "activation_letters",
            gettext_lazy("Activation letters"),
            gettext_lazy("Letters with a code that confirmed your postal address; never the code itself."),
            _activation_letters,
        ),
        (
            "data_exports",
            gettext_lazy("Data exports"),
            gettext_lazy("The times you downloaded your data, including this export."),
            _data_exports,
        ),
        (
            "e_id_logins",
            gettext_lazy("e-ID logins"),
            gettext_lazy("E-ID logins (SwissID, AGOV) linked to your account: provider and your number there."),
            _e_id_logins,
        ),
        (
            "apps",
            gettext_lazy("Apps"),
            gettext_lazy("Apps of the municipality you logged in to with this account, and what they may read."),
            _apps,
        ),
    ]
):
    register(PrivacyArea(_key, _title, _description, _collect, order=_order))


# --- exports ----------------------------------------------------------------------------------------


def exports_of(user):
    """The person's own data exports; nobody else's."""
    if not user.is_authenticated:
        return DataExport.objects.none()
    return DataExport.objects.filter(user=user)


def is_downloadable(export, now=None):
    """Only a finished export within its date can be downloaded."""
    now = now or timezone.now()
    return (
        export.status == Status.READY
        and bool(export.file)
        and export.expires_at is not None
        and (export.expires_at > now)
    )


def fail_stale(queryset=None, now=None):
    """Mark exports that never finished (their worker died) as failed; returns how many."""
    cutoff = (now or timezone.now()) - STALE_AFTER
    queryset = DataExport.objects.all() if queryset is None else queryset
    return queryset.filter(status__in=IN_PROGRESS, created_at__lt=cutoff).update(
        status=Status.FAILED, error="did not finish in time", finished_at=now or timezone.now()
    )


def request_export(user):
    """Ask for a new export; returns (export, created). While one is being prepared, that one is returned."""
    with transaction.atomic():
        # Locking the person's row serialises two clicks at once, so only one job starts.
        list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
        fail_stale(exports_of(user))
        current = exports_of(user).filter(status__in=IN_PROGRESS).first()
        if current is not None:
            return current, False
        export = DataExport.objects.create(user=user)
        transaction.on_commit(lambda: queue_export(export.pk))
    logger.info("data export %s requested by user %s", export.pk, user.pk)
    return export, True


def queue_export(export_id):
    from django_q.tasks import async_task

    async_task("account.privacy_tasks.build_data_export", export_id, task_name=f"data-export-{export_id}")


class _Progress:
    """Writes the export's progress to the database only when the whole percentage changes."""

    def __init__(self, export):
        self.export = export
        self.last = export.progress

    def set(self, fraction):
        # 100 is kept for "finished": a ZIP that is still being written is never shown as complete.
        value = min(99, int(fraction * 100))
        if value > self.last:
            DataExport.objects.filter(pk=self.export.pk).update(progress=value)
            self.export.progress = self.last = value


def _copy_into(archive, item, missing):
    try:
        with item.storage.open(item.name, "rb") as source, archive.open(item.path, "w") as target:
            shutil.copyfileobj(source, target, 1024 * 1024)
    except (FileNotFoundError, OSError):
        logger.warning("data export: stored file %s missing", item.name)
        missing.append(item.path)


def build_export(export):
    """Write the ZIP of `export` (claimed by the job: status RUNNING) and make it downloadable.

    Returns False if the export was removed meanwhile (the account was deleted); its file is then removed too.
    """
    user = export.user
    chosen = areas()
    progress = _Progress(export)
    written, missing = [], []
    with tempfile.TemporaryFile() as buffer, person_language(user):
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for index, area in enumerate(chosen):
                result = _area_data(area, user)
                text = json.dumps(plain(result.data), ensure_ascii=False, indent=2)
                archive.writestr(f"{area.key}.json", text)
                written.append(area)
                for number, item in enumerate(result.files, start=1):
                    _copy_into(archive, item, missing)
                    progress.set((index + number / len(result.files)) / len(chosen))
                progress.set((index + 1) / len(chosen))
            readme = render_to_string(
                "account/privacy_export_readme.txt",
                {
                    "user": user,
                    "areas": written,
                    "missing": missing,
                    "created_at": timezone.localtime(),
                    "days": export_days(),
                },
            )
            archive.writestr("README.txt", readme)
        size = buffer.tell()
        buffer.seek(0)
        export.file.save(f"{export.token}.zip", File(buffer), save=False)
    now = timezone.now()
    expires_at = now + datetime.timedelta(days=export_days())
    finished = DataExport.objects.filter(pk=export.pk, status=Status.RUNNING).update(
        status=Status.READY,
        progress=100,
        file=export.file.name,
        size=size,
        error="",
        finished_at=now,
        expires_at=expires_at,
    )
    if not finished:
        export.file.delete(save=False)
        logger.info("data export %s was removed while it was built; file discarded", export.pk)
        return False
    export.refresh_from_db()
    _notify_ready(export)
    logger.info("data export %s ready (%s bytes, %s files missing)", export.pk, size, len(missing))
    return True


def _notify_ready(export):
    from .notifications import notify

    user = export.user
    with person_language(user):
        until = date_format(timezone.localtime(export.expires_at), "SHORT_DATE_FORMAT")
        notify(
            user,
            "account",
            _("Your data is ready to download"),
            _("The file with all your data can be downloaded until %(date)s.") % {"date": until},
            url=reverse("useraccount:privacy"),
        )


def mark_failed(export_id, reason):
    """The job gave up: the export is failed (with a reason free of personal data) and any file removed."""
    export = DataExport.objects.filter(pk=export_id).first()
    if export is None:
        return
    if export.file:
        export.file.delete(save=False)
    DataExport.objects.filter(pk=export_id).update(
        status=Status.FAILED, error=reason[:500], file="", size=0, finished_at=timezone.now()
    )


def expire(now=None):
    """Delete the files of exports past their date and mark them expired; also give up on dead jobs."""
    now = now or timezone.now()
    expired = 0
    for export in DataExport.objects.filter(status=Status.READY, expires_at__lte=now).iterator(chunk_size=200):
        if export.file:
            export.file.delete(save=False)
        expired += DataExport.objects.filter(pk=export.pk, status=Status.READY).update(
            status=Status.EXPIRED, file="", size=0
        )
    stale = fail_stale(now=now)
    for export in DataExport.objects.filter(status=Status.FAILED).exclude(file="").iterator(chunk_size=200):
        export.file.delete(save=False)
        DataExport.objects.filter(pk=export.pk).update(file="", size=0)
    if expired or stale:
        logger.info("data exports: %s expired, %s stale jobs failed", expired, stale)
    return expired


def status_text(export):
    if export.status in IN_PROGRESS:
        return _("%(status)s: %(progress)s %%") % {"status": export.get_status_display(), "progress": export.progress}
    return export.get_status_display()

"""Notices about logins from a browser or device the account has not used before.

Every login over HTTP remembers its device as a SHA-256 fingerprint of the user agent without its version numbers
(`KnownDevice`). When a
login comes from a device not seen before, and the account already knew another one, the person receives a
notice through the one delivery mechanism (account/notifications.py: inbox and e-mail) with the time, the device,
the IP address and a link to the sessions page, where they end sessions they do not recognise. The very first
device of an account sends nothing: that login is the person's own sign-up or first visit.

`User.login_notifications` switches the notice off; the person changes it on the notification settings page,
where it appears as one of the kinds (its e-mail choice and the switch are kept the same).
"""

import hashlib
import logging
import re

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import notifications
from .models import KnownDevice

logger = logging.getLogger(__name__)

KIND = "account.login"
notifications.register_kind(KIND, gettext_lazy("Logins to my account from a new browser or device"))

# Checked in this order: Edge and Opera also call themselves Chrome and Safari, Chrome calls itself Safari.
BROWSERS = (
    ("Edg", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("HeadlessChrome/", "Chrome (headless)"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
# iPhones and iPads say "like Mac OS X", Android says "Linux": the specific names come first.
SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("CrOS", "ChromeOS"),
    ("Macintosh", "macOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)
LABEL_LENGTH = KnownDevice._meta.get_field("label").max_length
VERSION_NUMBERS = re.compile(r"\d+")


def fingerprint(user_agent):
    """What identifies a device, without keeping the raw browser string.

    Version numbers are left out: browsers update every few weeks, and an update is not a new device.
    """
    return hashlib.sha256(VERSION_NUMBERS.sub("", (user_agent or "").strip()).encode()).hexdigest()


def device_label(user_agent):
    """A short, language-neutral label people recognise: "Firefox / Windows", "Safari / iPhone", "okhttp"."""
    user_agent = (user_agent or "").strip()
    if not user_agent:
        return ""
    browser = next((name for token, name in BROWSERS if token in user_agent), "")
    system = next((name for token, name in SYSTEMS if token in user_agent), "")
    if not browser and not system:
        # An app or a script: its product token ("okhttp/4.12" → "okhttp") says the most.
        return user_agent.split("/", 1)[0].split(" ", 1)[0][:LABEL_LENGTH]
    return " / ".join(part for part in (browser, system) if part)[:LABEL_LENGTH]


def client_ip(request):
    """The client's address as allauth determines it (honours ALLAUTH_TRUSTED_PROXY_COUNT behind a proxy)."""
    from allauth.core.internal.httpkit import get_client_ip

    try:
        return get_client_ip(request)
    except ImproperlyConfigured:  # a proxy count that does not match the request must not break the login itself
        logger.warning("could not determine the client IP of a login", exc_info=True)
        return None


def remember_device(user, user_agent, ip, now=None):
    """Record the login's device; returns (device, is_new, knew_other_devices)."""
    now = now or timezone.now()
    digest = fingerprint(user_agent)
    label = device_label(user_agent)
    with transaction.atomic():
        knew_other_devices = KnownDevice.objects.filter(user=user).exclude(fingerprint=digest).exists()
        device, created = KnownDevice.objects.get_or_create(
            user=user,
            fingerprint=digest,
            defaults={"label": label, "first_seen": now, "last_seen": now, "last_ip": ip},
        )
        if not created:
            KnownDevice.objects.filter(pk=device.pk).update(last_seen=now, last_ip=ip, label=label or device.label)
    return device, created, knew_other_devices


def send_notice(user, device, ip, when):
    """The notice, written in the person's language, linking to the sessions page."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        local = timezone.localtime(when)
        title = _("New login to your account")
        body = _(
            "Someone logged in to your account on %(date)s at %(time)s with %(device)s (IP address %(ip)s).\n"
            "If this was you, there is nothing to do. If not, end the sessions you do not recognise on the "
            "sessions page and change your password."
        ) % {
            "date": date_format(local, "SHORT_DATE_FORMAT"),
            "time": time_format(local, "H:i"),
            "device": device.label or _("an unknown browser or app"),
            "ip": ip or _("unknown"),
        }
        url = reverse("usersessions_list")
    return notifications.notify(user, KIND, title, body, url=url)


def note_login(user, request):
    """Remember the device of a login and, if it is new, tell the person (unless they switched that off)."""
    user_agent = request.META.get("HTTP_USER_AGENT", "")
    ip = client_ip(request)
    now = timezone.now()
    device, is_new, knew_other_devices = remember_device(user, user_agent, ip, now=now)
    if is_new and knew_other_devices and user.login_notifications and settings.PORTAL_LOGIN_NOTICES:
        return send_notice(user, device, ip, now)
    return None


def on_user_logged_in(sender, request, user, **kwargs):
    """Receiver of Django's user_logged_in (every login path: password, code, passkey, e-ID, headless, admin)."""
    # Logins without an HTTP client (the test client's force_login, scripts) have no device to remember.
    if request is None or not getattr(request, "META", {}).get("REMOTE_ADDR"):
        return
    note_login(user, request)

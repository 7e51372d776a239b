"""Webhook URLs must not point into the municipality's own network (SSRF).

Checked when an endpoint is saved and again before every delivery, because a host name may resolve to
another address later. Dev and test settings allow private addresses so a receiver on 127.0.0.1 works.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def _blocked(address):
    ip = ipaddress.ip_address(address)
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def check_webhook_url(url, *, allow_private=None):
    """Raise ValidationError unless `url` is http(s) and every address its host resolves to is public."""
    allow_private = settings.INTEGRATIONS_WEBHOOK_ALLOW_PRIVATE if allow_private is None else allow_private
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(_("Enter an http or https address."))
    if parts.username or parts.password:
        raise ValidationError(_("Webhook addresses may not contain a user name or password."))
    if allow_private:
        return
    if parts.scheme != "https":
        raise ValidationError(_("Webhook addresses must use https."))
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise ValidationError(_("The host %(host)s cannot be resolved.") % {"host": parts.hostname}) from error
    for info in infos:
        if _blocked(info[4][0]):
            raise ValidationError(
                _("%(host)s points to a private, loopback or link-local address; webhooks may only go to the internet.")
                % {"host": parts.hostname}
            )

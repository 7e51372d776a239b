"""Pages of the certificate feature: the public check at /verify/ and the person's certificates in the account."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import certificates
from .models.certificates import Certificate

# Lookups per client address and window: far more than a person checking documents needs, far too few to
# try codes (31^12 possible codes).
VERIFY_RATE_LIMIT = getattr(settings, "PORTAL_VERIFY_RATE_LIMIT", 30)
VERIFY_RATE_WINDOW = getattr(settings, "PORTAL_VERIFY_RATE_WINDOW", 300)


def _client_address(request):
    return request.META.get("REMOTE_ADDR") or "unknown"


def lookup_allowed(request):
    """Count one lookup of this client; False once it made more than the limit in the current window."""
    window = int(timezone.now().timestamp()) // VERIFY_RATE_WINDOW
    key = f"verify-rate:{_client_address(request)}:{window}"
    cache.add(key, 0, VERIFY_RATE_WINDOW + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, VERIFY_RATE_WINDOW + 5)
        count = 1
    return count <= VERIFY_RATE_LIMIT


@require_GET
@never_cache
def verify(request):
    """One field, sent by GET (?code=…) so a scanned QR code lands on the result directly."""
    code = (request.GET.get("code") or "").strip()[:60]
    result = None
    status = 200
    limited = False
    if code:
        if lookup_allowed(request):
            result = certificates.verify(code)
        else:
            limited = True
            status = 429
    response = render(
        request,
        "services/certificates/verify.html",
        {"code": code, "result": result, "limited": limited, "window_minutes": max(1, VERIFY_RATE_WINDOW // 60)},
        status=status,
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    if limited:
        response["Retry-After"] = str(VERIFY_RATE_WINDOW)
    return response


@login_required
def certificate_list(request):
    """The person's certificates, newest first, with their state and the PDF."""
    today = timezone.localdate()
    items = list(
        Certificate.objects.visible_to(request.user).select_related("case", "document").order_by("-issued_at", "-pk")
    )
    for item in items:
        if item.is_revoked:
            item.state = "revoked"
        elif item.valid_until is not None and item.valid_until < today:
            item.state = "expired"
        else:
            item.state = "valid"
        item.title = certificates.TITLES[certificates.K(item.kind)]
        item.verify_url = certificates.verification_url(item.code)
    return render(request, "services/certificates/certificate_list.html", {"certificates": items})

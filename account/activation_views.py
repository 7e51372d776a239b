"""Resident pages of the verification (assurance level): request an activation letter, enter its code.

Thin: the rules are in `activation.py`.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin import messages as wagtail_messages

from . import activation, audit
from .models import ActivationLetter, AssuranceLevel, User
from .views import _safe_next

# What each level opens, in plain words (shown on the verification page).
LEVEL_EXPLANATIONS = {
    AssuranceLevel.NONE: gettext_lazy("You can read everything and use forms that need no user account."),
    AssuranceLevel.EMAIL: gettext_lazy("You can submit most forms and follow your cases online."),
    AssuranceLevel.ADDRESS: gettext_lazy(
        "You can use services that need a proven postal address, e.g. parking cards or tax documents."
    ),
    AssuranceLevel.IDENTITY: gettext_lazy(
        "You can use all online services, including certificates about yourself, because your identity was checked."
    ),
}
LEVEL_HOW = {
    AssuranceLevel.NONE: gettext_lazy("Confirm your e-mail address with the link we sent you."),
    AssuranceLevel.EMAIL: gettext_lazy("Confirm the e-mail address of your account."),
    AssuranceLevel.ADDRESS: gettext_lazy("Request an activation letter and enter the code it contains."),
    AssuranceLevel.IDENTITY: gettext_lazy("Show an identity document (passport, ID card) at the municipal counter."),
}


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Activation code"),
        max_length=20,
        help_text=gettext_lazy("The 10 characters from the letter, e.g. ACDEF-GHJKM."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "characters"}),
    )


def _levels(user):
    return [
        {
            "value": level,
            "label": level.label,
            "allows": LEVEL_EXPLANATIONS[level],
            "how": LEVEL_HOW[level],
            "reached": user.assurance_level >= level,
            "current": user.assurance_level == level,
        }
        for level in AssuranceLevel
    ]


@login_required
def verification(request, code_form=None):
    user = request.user
    letter = activation.latest_letter(user)
    letter_state = activation.state(letter) if letter else ""
    context = {
        "current_label": AssuranceLevel(user.assurance_level).label,
        "current_allows": LEVEL_EXPLANATIONS[AssuranceLevel(user.assurance_level)],
        "levels": _levels(user),
        "letter": letter,
        "letter_state": letter_state,
        "letter_lines": activation.address_lines(letter.address) if letter else [],
        "profile_lines": activation.address_lines(activation.address_snapshot(user)),
        "missing": activation.missing_address_fields(user),
        "can_request": activation.can_request(user),
        "needs_email": user.assurance_level < AssuranceLevel.EMAIL,
        "address_verified": user.assurance_level >= AssuranceLevel.ADDRESS,
        "code_form": code_form or (CodeForm() if letter_state == "printed" else None),
        "max_attempts": activation.MAX_ATTEMPTS,
        # Where the person came from (e.g. a service page that needs a higher level): offered as the way back.
        "next_url": _safe_next(request, ""),
    }
    return render(request, "account/activation/verification.html", context, status=400 if code_form else 200)


@login_required
@require_POST
def request_letter(request):
    try:
        letter, created = activation.request_letter(request.user)
    except activation.ActivationError as error:
        messages.error(request, str(error))
        return _back_to_verification(request)
    if created:
        messages.success(
            request,
            _("Your activation letter has been requested. It will be posted to you within a few working days."),
        )
    else:
        messages.info(request, _("An activation letter has already been requested for you; no new one is needed."))
    return _back_to_verification(request)


def _back_to_verification(request):
    """The verification page again, keeping where the person came from."""
    url = reverse("useraccount:verification")
    target = _safe_next(request, "")
    return redirect(f"{url}?{urlencode({'next': target})}" if target else url)


@login_required
@require_POST
def confirm_code(request):
    form = CodeForm(request.POST)
    if not form.is_valid():
        return verification(request, code_form=form)
    try:
        activation.confirm_code(request.user, form.cleaned_data["code"])
    except activation.ActivationError as error:
        letter = activation.latest_letter(request.user)
        if letter is None or activation.state(letter) != "printed":
            # Locked, expired or no letter: no code can help any more; the page says what to do next.
            messages.error(request, str(error))
            return _back_to_verification(request)
        form.add_error("code", str(error))
        return verification(request, code_form=form)
    messages.success(request, _("Thank you. Your postal address is now verified."))
    target = _safe_next(request, "")
    return redirect(target) if target else redirect("useraccount:verification")


# --- back office (Wagtail admin; URLs registered in wagtail_hooks.py) ------------------------------------------

ADMIN_TABS = (
    ("open", gettext_lazy("To print")),
    ("printed", gettext_lazy("Posted")),
    ("used", gettext_lazy("Used")),
)


def _require_clerk(request):
    if not activation.may_manage(request.user):
        raise PermissionDenied


def _admin_context(request, title, **extra):
    return {
        "header_title": title,
        "header_icon": "mail",
        "breadcrumbs_items": [
            {"url": reverse("wagtailadmin_home"), "label": _("Home")},
            {"url": "", "label": title},
        ],
        **extra,
    }


def admin_letters(request):
    """The activation letters to print, posted and used."""
    _require_clerk(request)
    tab = request.GET.get("state", "open")
    if tab not in dict(ADMIN_TABS):
        tab = "open"
    now = timezone.now()
    letters = ActivationLetter.objects.select_related("user", "printed_by")
    if tab == "open":
        letters = activation.letters_to_print(now).select_related("user").order_by("requested_at")
    elif tab == "printed":
        letters = letters.filter(printed_at__isnull=False, used_at__isnull=True).order_by("-printed_at")
    else:
        letters = letters.filter(used_at__isnull=False).order_by("-used_at")
    rows = [
        {"letter": letter, "lines": activation.address_lines(letter.address), "state": activation.state(letter, now)}
        for letter in letters[:500]
    ]
    audit.record_many(
        request,
        audit.Action.VIEW,
        [row["letter"] for row in rows],
        summary=_("Listed in the activation letters (%(tab)s)") % {"tab": dict(ADMIN_TABS)[tab]},
    )
    context = _admin_context(
        request,
        _("Activation letters"),
        rows=rows,
        tab=tab,
        tabs=[{"key": key, "label": label, "active": key == tab} for key, label in ADMIN_TABS],
        counter_url=reverse("useraccount_activation:counter"),
    )
    return TemplateResponse(request, "account/activation/admin_letters.html", context)


@require_POST
def admin_print(request):
    """Print the chosen letters as one PDF (a fresh code for each; only its hash is stored)."""
    _require_clerk(request)
    ids = [request.POST["only"]] if request.POST.get("only") else request.POST.getlist("letters")
    ids = [int(value) for value in ids if str(value).isdigit()]
    letters = list(ActivationLetter.objects.filter(pk__in=ids).select_related("user"))
    printed = activation.print_letters(letters, clerk=request.user)
    if not printed:
        wagtail_messages.warning(request, _("No letter to print was selected."))
        return redirect("useraccount_activation:letters")
    pdf = activation.render_letters(printed)
    audit.record_many(
        request, audit.Action.EXPORT, [letter for letter, _code in printed], summary=_("Activation letter printed")
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"activation-letter-{printed[0][0].pk}.pdf" if len(printed) == 1 else "activation-letters.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Cache-Control"] = "no-store"  # the codes must not stay in a cache
    return response


def admin_counter(request):
    """Find a person (e-mail or name) to verify their identity at the counter."""
    _require_clerk(request)
    query = request.GET.get("q", "").strip()
    people = []
    if len(query) >= 2:
        people = User.objects.filter(
            Q(email__icontains=query) | Q(first_name__icontains=query) | Q(last_name__icontains=query)
        ).order_by("last_name", "first_name", "email")[:50]
        audit.record_many(
            request, audit.Action.VIEW, people, summary=_("Found at the counter (search: %(query)s)") % {"query": query}
        )
    context = _admin_context(
        request,
        _("Verify identity at the counter"),
        query=query,
        people=people,
        letters_url=reverse("useraccount_activation:letters"),
    )
    return TemplateResponse(request, "account/activation/admin_counter.html", context)


def admin_counter_confirm(request, pk):
    """GET asks the clerk to confirm that they checked an identity document; POST raises the level."""
    _require_clerk(request)
    person = get_object_or_404(User, pk=pk)
    if request.method == "POST":
        if activation.verify_at_counter(person, clerk=request.user):
            audit.record(request, audit.Action.CHANGE, record=person, summary=_("Identity verified at the counter"))
            wagtail_messages.success(request, _("The identity of %(name)s is now verified.") % {"name": person})
        else:
            wagtail_messages.warning(request, _("The identity of %(name)s was already verified.") % {"name": person})
        return redirect(f"{reverse('useraccount_activation:counter')}?{urlencode({'q': person.email})}")
    audit.record(request, audit.Action.VIEW, record=person, summary=_("Opened for the identity check at the counter"))
    context = _admin_context(
        request,
        _("Verify identity at the counter"),
        person=person,
        current_label=AssuranceLevel(person.assurance_level).label,
        counter_url=reverse("useraccount_activation:counter"),
    )
    return TemplateResponse(request, "account/activation/admin_counter_confirm.html", context)


admin_urlpatterns = [
    path("", admin_letters, name="letters"),
    path("print/", admin_print, name="print"),
    path("counter/", admin_counter, name="counter"),
    path("counter/<int:pk>/", admin_counter_confirm, name="counter_confirm"),
]

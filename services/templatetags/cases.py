"""Formatting helpers for case pages: status badge, status explanation, CHF amounts, the submitted answers."""

from collections.abc import Mapping

from django import template
from django.template.loader import render_to_string
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from ..models import CaseStatus

register = template.Library()

S = CaseStatus
# Status → group; each group has its own badge modifier (waiting for the applicant stands out).
STATUS_GROUPS = {
    S.DRAFT: "draft",
    S.SUBMITTED: "open",
    S.RECEIVED: "open",
    S.IN_PROGRESS: "open",
    S.AWAITING_APPLICANT: "action",
    S.COMPLETED: "done",
    S.REJECTED: "closed",
    S.WITHDRAWN: "closed",
}
BADGE_MODIFIERS = {
    "draft": "badge--draft",
    "open": "badge--open",
    "action": "badge--warning",
    "done": "badge--success",
    "closed": "badge--closed",
}
STATUS_EXPLANATIONS = {
    S.DRAFT: _("You have not submitted this form yet."),
    S.SUBMITTED: _("Your submission has arrived. The administration will confirm that it has received it."),
    S.RECEIVED: _("The administration has received your submission and will process it."),
    S.IN_PROGRESS: _("Your case is being processed."),
    S.AWAITING_APPLICANT: _("The administration needs something from you: please answer the open question."),
    S.COMPLETED: _("Your case has been completed."),
    S.REJECTED: _("Your case has been rejected. The messages and documents of the case give the reasons."),
    S.WITHDRAWN: _("This case has been withdrawn."),
}


@register.simple_tag
def status_badge(status):
    """<span class="badge badge--…">label</span> for a status value."""
    try:
        status = CaseStatus(status)
    except ValueError:
        return ""
    group = STATUS_GROUPS.get(status, "open")
    return format_html('<span class="badge {}">{}</span>', BADGE_MODIFIERS[group], status.label)


@register.filter
def status_group(status):
    return STATUS_GROUPS.get(status, "")


@register.filter
def status_explanation(status):
    return STATUS_EXPLANATIONS.get(status, "")


@register.filter
def chf(rappen):
    """Integer rappen as a Swiss amount: 125000 → "CHF 1’250.00"."""
    if rappen is None or rappen == "":
        return ""
    try:
        rappen = int(rappen)
    except (TypeError, ValueError):
        return ""
    sign = "-" if rappen < 0 else ""
    francs, cents = divmod(abs(rappen), 100)
    return f"CHF {sign}{francs:,}.{cents:02d}".replace(",", "’")


def _display_value(value):
    if value is None or value == "":
        return "–"
    if isinstance(value, SafeString):
        return value
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value if item not in (None, "")) or "–"
    if isinstance(value, Mapping):
        return ", ".join(str(item) for item in value.values() if item not in (None, "")) or "–"
    return str(value)


def _rows(result):
    """Normalise what the form builder returns into rows of {label, value, is_heading}."""
    rows = []
    for item in result:
        if isinstance(item, Mapping):
            label = item.get("label", "")
            value = item.get("display", item.get("value"))
            is_heading = item.get("type") == "heading" or item.get("is_heading", False)
        else:
            label, value = item[0], item[1]
            is_heading = False
        rows.append({"label": label, "value": "" if is_heading else _display_value(value), "is_heading": is_heading})
    return rows


@register.simple_tag
def case_answers(case):
    """The answers of a case exactly as submitted: rendered from the questions frozen with the case."""
    # Imported here: the form builder pulls in the form machinery, which list pages never need.
    from ..form_builder import display_answers

    result = display_answers(case.fields_snapshot, case.data)
    if isinstance(result, str):
        return conditional_escape(result)
    return render_to_string("services/includes/case_answers.html", {"rows": _rows(result)})

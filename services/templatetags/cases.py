"""Formatting helpers for case pages: status badge, status explanation, CHF amounts, the submitted answers."""

from django import template
from django.template.loader import render_to_string
from django.utils.html import format_html
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


def answer_rows(case):
    """The answers of a case as rows of {label, value}, from the questions frozen with the case."""
    # Imported here: the form builder pulls in the form machinery, which list pages never need.
    from ..form_builder import display_answers

    return [
        {"label": label, "value": value if value not in (None, "") else "–", "is_heading": False}
        for label, value in display_answers(case.fields_snapshot, case.data)
    ]


@register.simple_tag
def case_answers(case):
    """The answers of a case exactly as submitted: rendered from the questions frozen with the case."""
    return render_to_string("services/includes/case_answers.html", {"rows": answer_rows(case)})

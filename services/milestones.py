"""Procedure steps of a case (e.g. Vorprüfung, Publikation, Einsprachefrist, Entscheid): recording and progress.

The plan is the `procedure` of the case's service page; where one step stands for one case is a CaseMilestone.
The specialist application (API) and the clerks (back office) record steps with `record_step`; the resident's
case page and the API show `progress`, the plan merged with what was recorded.
"""

import re
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from home.pdf import swiss_date

from . import cases
from .models import Case, CaseMilestone, CaseStatus
from .models.cases import CLOSED_STATUSES

Status = CaseMilestone.Status
# The rule of ProcedureStepBlock's keys, within the model's 60 characters.
KEY = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
TITLE_MAX_LENGTH = CaseMilestone._meta.get_field("title").max_length

# The first line of the timeline entry; a whole phrase per status reads better in every language.
TIMELINE_TEXTS = {
    Status.PENDING: gettext_lazy("%(title)s: upcoming"),
    Status.ACTIVE: gettext_lazy("%(title)s: in progress"),
    Status.DONE: gettext_lazy("%(title)s: completed"),
    Status.SKIPPED: gettext_lazy("%(title)s: not needed"),
}


class StepError(cases.CaseError):
    """A procedure step was refused. `field` names the argument at fault (for form and API field errors).

    The message is rendered when it is read, so the API (English) and a clerk's form (their language) each
    show it in their own language even though the rule ran in the site's language.
    """

    def __init__(self, message, field="", **params):
        self.message = message
        self.field = field
        self.params = params
        super().__init__(message)

    def __str__(self):
        return str(self.message) % self.params if self.params else str(self.message)


@dataclass(frozen=True)
class PlannedStep:
    key: str
    title: str
    description: str = ""
    is_period: bool = False


@dataclass
class Step:
    """One line of the progress view: a planned step, a recorded one, or both."""

    key: str
    title: str
    status: str = Status.PENDING
    description: str = ""
    is_period: bool = False
    planned: bool = True
    starts_on: object = None
    ends_on: object = None
    text: str = ""
    document: object = None
    milestone: object = None
    current: bool = False

    @property
    def status_label(self):
        return Status(self.status).label

    @property
    def is_recorded(self):
        return self.milestone is not None

    @property
    def updated_at(self):
        return self.milestone.updated_at if self.milestone else None

    @property
    def reported_by(self):
        return self.milestone.reported_by if self.milestone else ""


def planned_steps(service_page):
    """The steps of the service's procedure, in the editor's order (none without a page)."""
    if service_page is None:
        return []
    return [
        PlannedStep(
            key=child.value["key"],
            title=child.value["title"],
            description=child.value.get("description") or "",
            is_period=bool(child.value.get("is_period")),
        )
        for child in service_page.procedure
        if child.block_type == "step"
    ]


# --- recording ----------------------------------------------------------------------------------------------


def record_step(
    case,
    key,
    *,
    status,
    title=None,
    starts_on=None,
    ends_on=None,
    text="",
    document=None,
    actor=None,
    actor_label="",
):
    """Set where step `key` of the case's procedure stands, and tell the applicant if that changed anything.

    The step is replaced as a whole (dates, note and document left out are emptied). `title` defaults to the
    title of the planned step, else to the title recorded before; a step that is not in the plan needs one.
    Recording the same state again changes nothing: no timeline entry, no notification.
    """
    key = (key or "").strip()
    title = (title or "").strip()
    text = (text or "").strip()
    _check(case, key, status, title, starts_on, ends_on, document)
    with transaction.atomic():
        # One writer per case at a time, so two reports of one step never race for the unique (case, key).
        Case.objects.select_for_update().filter(pk=case.pk).first()
        milestone = CaseMilestone.objects.filter(case=case, key=key).select_related("document").first()
        plan = {step.key: step for step in planned_steps(case.service_page)}
        title = title or (plan[key].title if key in plan else "") or (milestone.title if milestone else "")
        if not title:
            raise StepError(
                gettext_lazy("The step “%(key)s” is not in the procedure of this service: give it a title."),
                "title",
                key=key,
            )
        wanted = {
            "title": title,
            "status": status,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "text": text,
            "document_id": document.pk if document else None,
        }
        if milestone is not None and all(getattr(milestone, name) == value for name, value in wanted.items()):
            return milestone
        if milestone is None:
            milestone = CaseMilestone(case=case, key=key)
        for name, value in wanted.items():
            if name != "document_id":
                setattr(milestone, name, value)
        milestone.document = document
        reporter = actor_label or (str(actor) if getattr(actor, "is_authenticated", False) else "")
        milestone.reported_by = reporter[:200]
        milestone.save()
        cases.add_milestone(case, timeline_text(milestone), actor=actor, actor_label=actor_label)
    return milestone


def _check(case, key, status, title, starts_on, ends_on, document):
    if case.status == CaseStatus.DRAFT:
        raise StepError(gettext_lazy("Procedure steps can be recorded only for submitted cases."))
    if not KEY.match(key):
        raise StepError(
            gettext_lazy(
                "The key of a step uses lower-case letters, digits and underscores, starts with a letter and has "
                "at most 60 characters."
            ),
            "key",
        )
    if status not in Status.values:
        raise StepError(
            gettext_lazy("Unknown status “%(status)s”; use one of %(choices)s."),
            "status",
            status=status,
            choices=", ".join(Status.values),
        )
    if len(title) > TITLE_MAX_LENGTH:
        raise StepError(gettext_lazy("The title has at most %(max)s characters."), "title", max=TITLE_MAX_LENGTH)
    if starts_on and ends_on and ends_on < starts_on:
        raise StepError(gettext_lazy("The end date lies before the start date."), "ends_on")
    if document is not None and document.case_id != case.pk:
        raise StepError(gettext_lazy("The document must be one of this case's documents."), "document")


def timeline_text(milestone):
    """e.g. "Publikation: completed (03.03.2027–23.03.2027)", then the note and the document on their own lines."""
    first = TIMELINE_TEXTS[milestone.status] % {"title": milestone.title}
    period = period_text(milestone.starts_on, milestone.ends_on)
    lines = [f"{first} ({period})" if period else first]
    if milestone.text:
        lines.append(milestone.text)
    if milestone.document_id:
        lines.append(_("Document: %(title)s") % {"title": milestone.document})
    return "\n".join(lines)


def period_text(starts_on, ends_on):
    if starts_on and ends_on:
        if starts_on == ends_on:
            return swiss_date(starts_on)
        return f"{swiss_date(starts_on)}–{swiss_date(ends_on)}"
    if starts_on:
        return _("from %(date)s") % {"date": swiss_date(starts_on)}
    if ends_on:
        return _("until %(date)s") % {"date": swiss_date(ends_on)}
    return ""


# --- progress -----------------------------------------------------------------------------------------------


def progress(case):
    """The steps to show, in order: the planned ones merged with what was recorded, then steps recorded outside
    the plan (in the order they were first reported). One query for the recorded steps and their documents.

    The current step is the active one, else the first upcoming step after the last completed one of the plan
    (steps outside the plan are listed last whenever they happened, so they do not move it); a closed case has
    none, its procedure is over.
    """
    recorded = {milestone.key: milestone for milestone in case.milestones.select_related("document")}
    steps = []
    for planned in planned_steps(case.service_page):
        step = Step(
            key=planned.key,
            title=planned.title,
            description=planned.description,
            is_period=planned.is_period,
        )
        milestone = recorded.pop(planned.key, None)
        if milestone is not None:
            _apply(step, milestone)
        steps.append(step)
    for milestone in recorded.values():
        period = bool(milestone.starts_on and milestone.ends_on and milestone.starts_on != milestone.ends_on)
        step = Step(key=milestone.key, title=milestone.title, planned=False, is_period=period)
        _apply(step, milestone)
        steps.append(step)
    if case.status not in CLOSED_STATUSES:
        current = _current(steps)
        if current is not None:
            current.current = True
    return steps


def _apply(step, milestone):
    step.milestone = milestone
    step.title = milestone.title
    step.status = milestone.status
    step.starts_on = milestone.starts_on
    step.ends_on = milestone.ends_on
    step.text = milestone.text
    step.document = milestone.document


def _current(steps):
    for step in steps:
        if step.status == Status.ACTIVE:
            return step
    ordered = [step for step in steps if step.planned] or steps
    last_done = max((index for index, step in enumerate(ordered) if step.status == Status.DONE), default=-1)
    return next((step for step in ordered[last_done + 1 :] if step.status == Status.PENDING), None)


def step_choices(case):
    """(key, title) of every step a clerk may record: the plan's, then those recorded outside it."""
    return [(step.key, step.title) for step in progress(case)]

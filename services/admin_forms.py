"""Forms of the clerks' actions on a case in the back office (each posts to its own view)."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from home.pdf import swiss_date

from . import cases, milestones
from .forms import MultipleFileField, validate_upload
from .models import CaseDocument, CaseMilestone, CaseStatus

# The applicant is waiting for a question only when one is asked, so that status is reached by asking.
STATUS_SET_BY_QUESTION = {CaseStatus.AWAITING_APPLICANT}
# The model's labels speak to the applicant ("Awaiting your reply"); the office reads them from its side.
OFFICE_STATUS_LABELS = {CaseStatus.AWAITING_APPLICANT: _("Awaiting the applicant")}


def office_status_label(status):
    if not status:
        return ""
    return OFFICE_STATUS_LABELS.get(status) or CaseStatus(status).label


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class StatusForm(forms.Form):
    """Move the case to one of the statuses the state machine allows the office now."""

    prefix = "status"

    status = forms.ChoiceField(label=_("New status"))
    text = forms.CharField(
        label=_("Note to the applicant"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional; shown in the timeline and sent with the notification."),
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        targets = [to for to in cases.allowed_transitions(case, by="office") if to not in STATUS_SET_BY_QUESTION]
        self.fields["status"].choices = [(to, office_status_label(to)) for to in targets]

    @property
    def has_targets(self):
        return bool(self.fields["status"].choices)


def assignable_clerks(case):
    """Who may be assigned: active clerks of the service's group and superusers."""
    group = case.service_page.clerk_group if case.service_page_id else None
    who = Q(is_superuser=True)
    if group is not None:
        who |= Q(groups=group)
    return get_user_model().objects.filter(who, is_active=True).distinct().order_by("last_name", "first_name", "email")


class AssignForm(forms.Form):
    prefix = "assign"

    assignee = forms.ModelChoiceField(
        label=_("Assignee"), queryset=get_user_model().objects.none(), required=False, empty_label=_("Nobody")
    )

    def __init__(self, *args, case, **kwargs):
        kwargs.setdefault("initial", {"assignee": case.assignee_id})
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_clerks(case)


class DueDateForm(forms.Form):
    prefix = "due"

    due_date = forms.DateField(
        label=_("Due date"), required=False, widget=DateInput(), help_text=_("Leave empty to remove the due date.")
    )

    def __init__(self, *args, case, **kwargs):
        kwargs.setdefault("initial", {"due_date": case.due_date})
        super().__init__(*args, **kwargs)


class MessageForm(forms.Form):
    prefix = "message"

    body = forms.CharField(label=_("Message to the applicant"), widget=forms.Textarea(attrs={"rows": 5}))
    files = MultipleFileField(label=_("Attachments"))

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)

    def clean_body(self):
        body = self.cleaned_data["body"]
        if not body.strip():
            raise ValidationError(_("Write a message."), code="required")
        return body


class QuestionForm(forms.Form):
    prefix = "question"

    body = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 5}))
    due_date = forms.DateField(label=_("Answer by"), required=False, widget=DateInput())
    requested_documents = forms.CharField(
        label=_("Requested documents"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional; one document per line."),
    )
    files = MultipleFileField(label=_("Attachments"))

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)

    def clean_body(self):
        body = self.cleaned_data["body"]
        if not body.strip():
            raise ValidationError(_("Write the question."), code="required")
        return body

    def clean_due_date(self):
        due_date = self.cleaned_data.get("due_date")
        if due_date and due_date < timezone.localdate():
            raise ValidationError(_("The answer date cannot be in the past."), code="past")
        return due_date


class DocumentForm(forms.Form):
    """Issue a document to the applicant (a decision, a permit, an invoice …)."""

    prefix = "document"

    file = forms.FileField(label=_("File"))
    title = forms.CharField(
        label=_("Title"), required=False, max_length=255, help_text=_("Shown to the applicant; default: the file name.")
    )

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)

    def clean_file(self):
        file = self.cleaned_data["file"]
        file.content_type = validate_upload(file)
        return file


class MilestoneForm(forms.Form):
    prefix = "milestone"

    text = forms.CharField(
        label=_("Milestone"), max_length=500, help_text=_("A step the applicant sees in the timeline.")
    )

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)

    def clean_text(self):
        text = self.cleaned_data["text"].strip()
        if not text:
            raise ValidationError(_("Describe the milestone."), code="required")
        return text


class DocumentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, document):
        return f"{document} ({document.filename}, {swiss_date(document.created_at)})"


class ProcedureStepForm(forms.Form):
    """Record where one step of the case's procedure stands (the same rule as the specialist applications use).

    Opened for a step (`?step=<key>` on the case page, else the current step), it shows that step as recorded,
    because saving replaces the step as a whole.
    """

    prefix = "procedure"

    key = forms.ChoiceField(label=_("Step"))
    status = forms.ChoiceField(label=_("Status"), choices=CaseMilestone.Status.choices)
    starts_on = forms.DateField(label=_("From"), required=False, widget=DateInput())
    ends_on = forms.DateField(
        label=_("Until"),
        required=False,
        widget=DateInput(),
        help_text=_("For a period, e.g. the period for objections."),
    )
    text = forms.CharField(
        label=_("Note for the applicant"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional; shown with the step and in the timeline. Fields left empty are cleared."),
    )
    document = DocumentChoiceField(
        label=_("Document"),
        queryset=CaseDocument.objects.none(),
        required=False,
        empty_label=_("None"),
        help_text=_("A document of this case to show with the step, e.g. the decision. Issue it first."),
    )

    def __init__(self, *args, case, step=None, **kwargs):
        self.steps = milestones.progress(case)
        chosen = next((item for item in self.steps if item.key == step), None) or next(
            (item for item in self.steps if item.current), None
        )
        if chosen is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "key": chosen.key,
                "status": chosen.status if chosen.is_recorded else CaseMilestone.Status.ACTIVE,
                "starts_on": chosen.starts_on,
                "ends_on": chosen.ends_on,
                "text": chosen.text,
                "document": chosen.document.pk if chosen.document else None,
            }
        super().__init__(*args, **kwargs)
        self.case = case
        self.opened = chosen is not None and step is not None
        self.fields["key"].choices = [(item.key, item.title) for item in self.steps]
        self.fields["document"].queryset = case.documents.order_by("-created_at", "-pk")

    @property
    def has_steps(self):
        return bool(self.steps)

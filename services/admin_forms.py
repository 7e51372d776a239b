"""Forms of the clerks' actions on a case in the back office (each posts to its own view)."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import cases
from .forms import MultipleFileField, validate_upload
from .models import CaseStatus

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

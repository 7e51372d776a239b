"""Forms of absences and leave requests; the rules themselves are in schools.absences."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Absence, ReasonCategory


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _date_field(label, required=True):
    return forms.DateField(label=label, required=required, widget=DateInput(), input_formats=["%Y-%m-%d", "%d.%m.%Y"])


class _PeriodMixin:
    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The last day must not be before the first day."))
        return cleaned


class AbsenceReportForm(_PeriodMixin, forms.Form):
    """A guardian reports an absence."""

    starts_on = _date_field(_("First day"))
    ends_on = _date_field(_("Last day"))
    half_days = forms.IntegerField(
        label=_("Number of half-days"),
        min_value=1,
        max_value=200,
        help_text=_("A whole school day is two half-days (morning and afternoon)."),
    )
    reason = forms.ChoiceField(label=_("Reason"), choices=ReasonCategory.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Note for the teacher (optional)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Practical information only (for example homework to be collected), never a diagnosis or other "
            "health details."
        ),
    )


class AbsenceRecordForm(_PeriodMixin, forms.Form):
    """A teacher records an absence or a late arrival of a student of the class."""

    student = forms.ModelChoiceField(label=_("Student"), queryset=None, empty_label=_("Choose a student"))
    kind = forms.ChoiceField(label=_("What"), choices=Absence.Kind.choices, widget=forms.RadioSelect)
    starts_on = _date_field(_("Date or first day"))
    ends_on = _date_field(_("Last day (absences)"), required=False)
    half_days = forms.IntegerField(
        label=_("Number of half-days (absences)"), min_value=1, max_value=200, required=False
    )
    minutes_late = forms.IntegerField(
        label=_("Minutes late (late arrivals)"), min_value=1, max_value=240, required=False
    )
    reason = forms.ChoiceField(label=_("Reason"), choices=ReasonCategory.choices, widget=forms.RadioSelect)
    status = forms.ChoiceField(
        label=_("Assessment"),
        choices=[(Absence.Status.EXCUSED, _("Excused")), (Absence.Status.UNEXCUSED, _("Unexcused"))],
        widget=forms.RadioSelect,
        help_text=_("The guardians are notified when an absence or late arrival is unexcused."),
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Practical information only, never a diagnosis."),
    )

    def __init__(self, *args, students, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["student"].queryset = students
        self.fields["student"].label_from_instance = lambda user: user.get_full_name() or user.email

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == Absence.Kind.LATE:
            if not cleaned.get("minutes_late"):
                self.add_error("minutes_late", _("Enter the minutes late."))
        elif cleaned.get("kind") == Absence.Kind.ABSENCE:
            if not cleaned.get("ends_on") and "ends_on" not in self.errors:
                self.add_error("ends_on", _("Enter the last day of the absence."))
            if not cleaned.get("half_days") and "half_days" not in self.errors:
                self.add_error("half_days", _("Enter the number of half-days."))
        return cleaned


class AssessForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Assessment"),
        choices=[(Absence.Status.EXCUSED, _("Excused")), (Absence.Status.UNEXCUSED, _("Unexcused"))],
    )


class LeaveRequestForm(_PeriodMixin, forms.Form):
    """A guardian asks for leave in advance."""

    starts_on = _date_field(_("First day"))
    ends_on = _date_field(_("Last day"))
    half_days = forms.IntegerField(
        label=_("Number of half-days"),
        min_value=1,
        max_value=400,
        help_text=_("A whole school day is two half-days (morning and afternoon)."),
    )
    reason = forms.CharField(
        label=_("Reason for the leave"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For example a family celebration or a move. Please do not give health details."),
    )


class LeaveDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("decline", _("Decline"))],
        widget=forms.RadioSelect,
    )
    reason = forms.ChoiceField(
        label=_("Record the approved absence as"),
        choices=[
            (ReasonCategory.FAMILY, ReasonCategory.FAMILY.label),
            (ReasonCategory.OTHER, ReasonCategory.OTHER.label),
        ],
        initial=ReasonCategory.FAMILY,
        required=False,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note to the guardians"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you decline."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "decline" and not (cleaned.get("note") or "").strip():
            self.add_error("note", _("Please say why the leave is declined."))
        return cleaned

"""The teacher's assessment form: subject, title, date, weight and one grid row (grade, comment) per student."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import grades

OTHER = "__other__"


class AssessmentForm(forms.Form):
    subject = forms.ChoiceField(label=_("Subject"))
    title = forms.CharField(label=_("Title"), max_length=200, help_text=_("e.g. “Test fractions” or “Essay”"))
    date = forms.DateField(
        label=_("Date"),
        input_formats=["%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    weight = forms.CharField(label=_("Weight"), max_length=6, initial="1", help_text=grades.WEIGHT_HELP)

    def __init__(self, *args, user, school_class, students, assessment=None, **kwargs):
        self.school_class = school_class
        self.assessment = assessment
        self.students = list(students)
        if assessment is not None and "initial" not in kwargs:
            existing = {grade.student_id: grade for grade in assessment.grades.all()}
            initial = {
                "subject": assessment.subject,
                "title": assessment.title,
                "date": assessment.date,
                "weight": grades.format_grade(assessment.weight),
            }
            for student in self.students:
                grade = existing.get(student.pk)
                if grade is not None:
                    initial[f"grade_{student.pk}"] = grades.format_grade(grade.value)
                    initial[f"comment_{student.pk}"] = grade.comment
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        subjects, self.may_type = grades.allowed_subjects(user, school_class)
        if assessment is not None and assessment.subject.casefold() not in {s.casefold() for s in subjects}:
            subjects = [*subjects, assessment.subject]
        choices = [(subject, subject) for subject in subjects]
        if self.may_type:
            choices = [("", _("— choose —")), *choices, (OTHER, _("Another subject (type it below)"))]
            self.fields["subject_other"] = forms.CharField(
                label=_("Other subject"),
                max_length=grades.MAX_SUBJECT_LENGTH,
                required=False,
                help_text=_("Only when you chose “Another subject”."),
            )
            # Keep the typed field right after the choice.
            order = ["subject", "subject_other", "title", "date", "weight"]
            self.order_fields(order)
        elif len(choices) != 1:
            choices = [("", _("— choose —")), *choices]
        self.fields["subject"].choices = choices
        if not self.is_bound and assessment is None:
            self.initial.setdefault("date", timezone.localdate())
        for student in self.students:
            name = student.get_full_name() or student.email
            self.fields[f"grade_{student.pk}"] = forms.CharField(
                label=_("Grade of %(name)s") % {"name": name},
                required=False,
                max_length=10,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 5, "autocomplete": "off"}),
            )
            self.fields[f"comment_{student.pk}"] = forms.CharField(
                label=_("Comment for %(name)s") % {"name": name}, required=False, max_length=300
            )

    @property
    def head_fields(self):
        return [self[name] for name in ("subject", "subject_other", "title", "date", "weight") if name in self.fields]

    @property
    def rows(self):
        return [
            {"student": student, "grade": self[f"grade_{student.pk}"], "comment": self[f"comment_{student.pk}"]}
            for student in self.students
        ]

    def clean_weight(self):
        text = (self.cleaned_data.get("weight") or "").strip().replace(",", ".")
        try:
            weight = Decimal(text)
        except InvalidOperation:
            raise forms.ValidationError(_("The weight is a number such as 1 or 0.5.")) from None
        if not weight.is_finite() or weight < Decimal("0.25") or weight > Decimal("10"):
            raise forms.ValidationError(_("The weight lies between 0.25 and 10."))
        if (weight * 4) % 1:
            raise forms.ValidationError(_("The weight is given in quarters (e.g. 0.5 or 1.25)."))
        return weight

    def clean(self):
        cleaned = super().clean()
        subject = cleaned.get("subject")
        if self.may_type:
            other = (cleaned.get("subject_other") or "").strip()
            if subject == OTHER:
                if not other:
                    self.add_error("subject_other", _("Type the subject."))
                cleaned["subject"] = other
            elif not subject:
                if other:
                    cleaned["subject"] = other
                else:
                    self.add_error("subject", _("Choose a subject."))
        self.grade_values = {}
        for student in self.students:
            field = f"grade_{student.pk}"
            try:
                value = grades.parse_grade(cleaned.get(field))
            except grades.GradeError as error:
                self.add_error(field, str(error))
                continue
            comment = (cleaned.get(f"comment_{student.pk}") or "").strip()
            if value is None and comment:
                self.add_error(field, _("Enter the grade this comment belongs to, or clear the comment."))
                continue
            self.grade_values[student.pk] = (value, comment)
        return cleaned

    def save(self, user):
        """Store through the grade rules; a broken rule becomes a form error (nothing typed is lost)."""
        try:
            return grades.save_assessment(
                user,
                self.school_class,
                subject=self.cleaned_data["subject"],
                title=self.cleaned_data["title"],
                date=self.cleaned_data["date"],
                weight=self.cleaned_data["weight"],
                grades=self.grade_values,
                assessment=self.assessment,
            )
        except grades.GradeError as error:
            self.add_error(None, str(error))
            return None

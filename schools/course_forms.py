"""Forms of course registrations: which child to register, and the confirmation of a cancellation."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ChildChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.email


class RegisterForm(forms.Form):
    """Register one of the guardian's children; the choices are the children the course is open to."""

    student = ChildChoiceField(
        label=_("Child"),
        queryset=None,
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": _("Choose the child to register."),
            "invalid_choice": _("Choose one of your children this course is open to."),
        },
    )

    def __init__(self, *args, children, only_child=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["student"].queryset = children
        if only_child is not None and not self.is_bound:
            self.fields["student"].initial = only_child.pk


class CancelForm(forms.Form):
    """Nothing to fill in: the cancellation is confirmed by sending the form (with its CSRF token)."""

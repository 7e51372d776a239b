"""Forms of the lunch table pages: weekdays of a booking, cancelling one day, the kitchen list's date."""

from django import forms
from django.utils.translation import gettext_lazy as _

from . import lunch


class WeekdaysForm(forms.Form):
    """The weekdays a child eats at the lunch table in a term (none = no lunch)."""

    weekdays = forms.TypedMultipleChoiceField(
        label=_("Lunch days"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Changes apply from the first day that can still be cancelled; earlier days stay booked."),
    )

    def __init__(self, *args, offer, **kwargs):
        kwargs.setdefault("prefix", f"offer-{offer.pk}")
        super().__init__(*args, **kwargs)
        self.offer = offer
        self.fields["weekdays"].choices = [(day, lunch.weekday_name(day)) for day in offer.weekday_list]


class CancelDayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.HiddenInput, input_formats=["%Y-%m-%d"])


class KitchenDateForm(forms.Form):
    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), input_formats=["%Y-%m-%d"]
    )

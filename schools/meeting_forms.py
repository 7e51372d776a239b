"""Forms of the parent–teacher meetings: opening a series, adding slots, booking a slot."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import meetings


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class SlotsForm(forms.Form):
    """When and where the meetings take place: slots one after another on one day."""

    day = forms.DateField(label=_("Date"), widget=DateInput())
    first_start = forms.TimeField(label=_("First meeting starts at"), widget=TimeInput())
    count = forms.IntegerField(
        label=_("Number of meetings"),
        required=False,
        min_value=1,
        max_value=meetings.MAX_SLOTS_AT_ONCE,
        help_text=_("Either the number of meetings or the time the last one ends."),
    )
    until = forms.TimeField(label=_("Last meeting ends by"), required=False, widget=TimeInput())
    length = forms.IntegerField(label=_("Length (minutes)"), min_value=5, max_value=240, initial=20)
    pause = forms.IntegerField(label=_("Break between meetings (minutes)"), min_value=0, max_value=120, initial=5)
    location = forms.CharField(label=_("Place"), max_length=200, required=False, help_text=_("e.g. classroom 5b"))
    online_url = forms.URLField(
        label=_("Online meeting link"),
        required=False,
        assume_scheme="https",
        help_text=_("Instead of or besides a place."),
    )

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned.get("count") is None and cleaned.get("until") is None:
            self.add_error("count", _("Give the number of meetings or the time the last one ends."))
        if not cleaned.get("location") and not cleaned.get("online_url"):
            self.add_error("location", _("Give a place or an online meeting link."))
        if cleaned.get("day") and cleaned.get("first_start"):
            start = meetings.local_datetime(cleaned["day"], cleaned["first_start"])
            if start <= timezone.now():
                self.add_error("day", _("Meetings can only be planned in the future."))
        if not self.errors:
            try:
                cleaned["times"] = meetings.slot_times(
                    cleaned["day"],
                    cleaned["first_start"],
                    cleaned["length"],
                    cleaned["pause"],
                    count=cleaned.get("count"),
                    until=None if cleaned.get("count") is not None else cleaned.get("until"),
                )
            except meetings.MeetingError as error:
                self.add_error(error.field if error.field in self.fields else None, error.message)
        return cleaned

    def slot_values(self):
        data = self.cleaned_data
        return {
            "day": data["day"],
            "first_start": data["first_start"],
            "length": data["length"],
            "pause": data["pause"],
            "count": data.get("count"),
            "until": None if data.get("count") is not None else data.get("until"),
            "location": data.get("location", ""),
            "online_url": data.get("online_url", ""),
        }


class SeriesForm(SlotsForm):
    """A new series: what it is about and until when guardians book, then the slots of the first day."""

    title = forms.CharField(label=_("Title"), max_length=200, initial=_("Parent–teacher meetings"))
    description = forms.CharField(
        label=_("Information for guardians"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("e.g. what the meeting is about, what to bring."),
    )
    booking_deadline = forms.DateTimeField(
        label=_("Booking, cancelling and moving until"),
        widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"],
        help_text=_("Afterwards guardians see their booking but cannot change it."),
    )

    field_order = ["title", "description", "booking_deadline"]

    def clean(self):
        cleaned = super().clean()
        deadline = cleaned.get("booking_deadline")
        if deadline is not None:
            if deadline <= timezone.now():
                self.add_error("booking_deadline", _("The booking deadline must be in the future."))
            elif cleaned.get("times") and deadline > cleaned["times"][0]:
                self.add_error("booking_deadline", _("The booking deadline must be before the first meeting."))
        return cleaned


class SeriesChangeForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Information for guardians"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    booking_deadline = forms.DateTimeField(
        label=_("Booking, cancelling and moving until"),
        widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"],
    )


class SlotChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, slot):
        place = meetings.slot_place(slot)
        return f"{meetings.format_slot(slot)}{' · ' + place if place else ''}"


class BookingForm(forms.Form):
    """One free slot for one child (prefixed by the child: a guardian may have two children in the class)."""

    slot = SlotChoiceField(
        label=_("Choose a time"),
        queryset=None,
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"invalid_choice": _("This slot has just been taken, please choose another.")},
    )

    def __init__(self, *args, series, student, **kwargs):
        kwargs.setdefault("prefix", f"child-{student.pk}")
        super().__init__(*args, **kwargs)
        self.student = student
        self.fields["slot"].queryset = series.slots.filter(booking__isnull=True, starts_at__gt=timezone.now()).order_by(
            "starts_at", "pk"
        )

"""The form of a reported meter reading and the check of its photo; the rules are in utilities.reporting."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from home.uploads import EXTENSION_ALIASES, MIME_TYPES, validate_upload

PHOTO_EXTENSIONS = ("jpg", "png", "webp")


def photo_content_type(name):
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return MIME_TYPES.get(EXTENSION_ALIASES.get(extension, extension), "application/octet-stream")


def check_photo(file):
    """The portal's upload check for a photo: JPEG, PNG or WebP by name and by content, at most 10 MB."""
    validate_upload(file, allowed=PHOTO_EXTENSIONS)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class ReadingReportForm(forms.Form):
    """What the person reads off the meter. `confirm` is offered only once the check has warned."""

    read_on = forms.DateField(
        label=_("Reading date"), widget=DateInput(), input_formats=["%Y-%m-%d", "%d.%m.%Y"], initial=timezone.localdate
    )
    value = forms.DecimalField(
        label=_("Meter reading"),
        min_value=0,
        max_digits=15,
        decimal_places=3,
        help_text=_("All digits before the decimal point, as the display shows them, e.g. 1234.5"),
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    photo = forms.ImageField(
        label=_("Photo of the meter display (optional)"),
        required=False,
        validators=[check_photo],
        help_text=_("JPEG, PNG or WebP, at most 10 MB. It helps us if a value looks unusual."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    meter_changed = forms.BooleanField(
        label=_("The meter was replaced"),
        required=False,
        help_text=_("Tick this if a new meter was installed since the last reading: it starts again from a low value."),
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(label=_("Confirm this reading"), required=False)

    def __init__(self, *args, warning="", offer_confirm=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.warning = warning
        self.offers_confirm = bool(warning) if offer_confirm is None else offer_confirm
        if self.offers_confirm:
            self.fields["comment"].label = _("Comment")
            self.fields["comment"].help_text = _("Required to confirm: why is the consumption unusual?")
            self.fields["confirm"].help_text = _("The value is right although it is unusual.")
        else:
            del self.fields["confirm"]

    def clean(self):
        cleaned = super().clean()
        if self.offers_confirm and cleaned.get("confirm") and not (cleaned.get("comment") or "").strip():
            self.add_error("comment", _("Please tell us why the consumption is unusual."))
        return cleaned

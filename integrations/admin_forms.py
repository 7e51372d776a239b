"""Forms of the integrations back office: an application with its scopes, a webhook endpoint, a new token.

The scopes are stored as JSON lists; here they become check boxes, so a clerk can only pick record and
event types that exist. The models' clean() still checks them, because the API and scripts save too.
"""

from django import forms
from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from services.models import ServicePage

from .events import EVENT_TYPES
from .models import SpecialistApplication
from .scopes import record_type_choices


def event_type_choices():
    return [(name, f"{name}: {description}") for name, (_version, description) in EVENT_TYPES.items()]


def _record_types_field(label, help_text):
    return forms.MultipleChoiceField(
        label=label,
        help_text=help_text,
        choices=record_type_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class SpecialistApplicationForm(WagtailAdminModelForm):
    read_types = _record_types_field(
        _("May read"), _("Record types the application may fetch, and whose events it receives.")
    )
    write_types = _record_types_field(_("May write"), _("Record types the application may change through the API."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "slug" in self.fields:
            # Left empty, the identifier is made from the name (see clean()).
            self.fields["slug"].required = False
            self.fields["slug"].help_text = _(
                "Used as the recipient id in message headers, e.g. 'betreibungsamt-musterwil'. "
                "Left empty, it is made from the name."
            )
        if "services" in self.fields:
            # Live services to choose from, plus any already linked that were unpublished since: unticking
            # them must be a decision, not a side effect of saving the form.
            linked = Q(pk__in=self.instance.services.all()) if self.instance.pk else Q(pk__in=[])
            self.fields["services"].queryset = ServicePage.objects.filter(Q(live=True) | linked).order_by("title")

    def clean(self):
        cleaned_data = super().clean()
        if "slug" in self.fields and not cleaned_data.get("slug") and cleaned_data.get("name"):
            # Set here rather than in the model so the uniqueness check of the form covers it.
            cleaned_data["slug"] = slugify(cleaned_data["name"])[:60]
        return cleaned_data


class WebhookEndpointForm(WagtailAdminModelForm):
    event_types = forms.MultipleChoiceField(
        label=_("Event types"),
        help_text=_("Leave all unticked to receive every event the application may read."),
        choices=event_type_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "application" in self.fields:
            self.fields["application"].queryset = SpecialistApplication.objects.order_by("name")

    def save(self, commit=True):
        if self.instance.is_active:
            # Switching an endpoint back on is the answer to whatever disabled it.
            self.instance.disabled_reason = ""
        return super().save(commit=commit)


class TokenForm(forms.Form):
    label = forms.CharField(
        label=_("Label"),
        max_length=120,
        required=False,
        help_text=_("Where the token is used, e.g. 'production server'. Shown in the list, never secret."),
    )

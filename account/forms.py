"""Forms of the account: signup extras, profile, organisations, invitations."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import Membership, Organisation, User
from .validators import normalize_ahv, normalize_uid, validate_swiss_postcode


class SignupExtraForm(forms.Form):
    """Fields allauth's signup form gets in addition to e-mail and password."""

    first_name = forms.CharField(
        label=_("First name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )

    field_order = ["first_name", "last_name", "email", "password1", "password2"]

    def signup(self, request, user):
        user.first_name = self.cleaned_data["first_name"]
        user.last_name = self.cleaned_data["last_name"]
        user.language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
        user.save(update_fields=["first_name", "last_name", "language"])


class AddressCleaningMixin:
    """Swiss postcodes are four digits; other countries keep what was typed."""

    def clean(self):
        cleaned = super().clean()
        postcode = cleaned.get("postcode")
        if postcode and (cleaned.get("country") or "CH").upper() == "CH":
            try:
                validate_swiss_postcode(postcode)
            except forms.ValidationError as error:
                self.add_error("postcode", error)
        if cleaned.get("country"):
            cleaned["country"] = cleaned["country"].upper()
        return cleaned


class ProfileForm(AddressCleaningMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = [
            "first_name",
            "last_name",
            "date_of_birth",
            "phone",
            "street",
            "house_number",
            "postcode",
            "town",
            "country",
            "language",
            "ahv_number",
        ]
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "date_of_birth": forms.DateInput(attrs={"autocomplete": "bday", "placeholder": "TT.MM.JJJJ"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
            "street": forms.TextInput(attrs={"autocomplete": "address-line1"}),
            "postcode": forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
            "town": forms.TextInput(attrs={"autocomplete": "address-level2"}),
            "country": forms.TextInput(attrs={"autocomplete": "country", "size": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].required = True
        self.fields["last_name"].required = True

    def clean_ahv_number(self):
        value = self.cleaned_data.get("ahv_number", "").strip()
        return normalize_ahv(value) if value else ""


class OrganisationForm(AddressCleaningMixin, forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["kind", "name", "uid", "email", "phone", "street", "house_number", "postcode", "town", "country"]

    def clean_uid(self):
        value = self.cleaned_data.get("uid", "").strip()
        return normalize_uid(value) if value else ""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == Organisation.Kind.BUSINESS and not cleaned.get("uid") and "uid" not in self.errors:
            self.add_error("uid", _("A business needs its UID (e.g. CHE-123.456.788)."))
        return cleaned


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)

"""The form a person types the customer number and the letter's activation code into."""

from django import forms
from django.utils.translation import gettext_lazy as _


class LinkForm(forms.Form):
    customer_number = forms.CharField(
        label=_("Customer number"),
        max_length=30,
        help_text=_("As printed at the top of the letter and on your invoices, e.g. 100200."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    code = forms.CharField(
        label=_("Activation code"),
        max_length=30,
        help_text=_("12 characters from the letter, e.g. ABCD-EFGH-JKMN. Upper or lower case."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
    )

    def forget_code(self):
        """Empty the code field after a refusal: a code is never shown again, the number stays for a retry."""
        self.data = self.data.copy()
        self.data["code"] = ""

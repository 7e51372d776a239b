"""The resident's tax account: activation with the letter's code, then balance, entries and documents.

Accounts are loaded only through `TaxAccount.objects.visible_to(user)`: an account that is not linked
and activated for the person does not exist for them (404), whatever its number or id.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import tax
from .models import TaxAccount, TaxDocument, TaxEntry


class ActivationForm(forms.Form):
    taxpayer_number = forms.CharField(
        label=gettext_lazy("Taxpayer number"),
        max_length=30,
        help_text=gettext_lazy("As printed on the activation letter and on your tax bills."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    code = forms.CharField(
        label=gettext_lazy("Activation code"),
        max_length=30,
        help_text=gettext_lazy("12 characters from the letter, e.g. ABCD-EFGH-JKMN. Upper or lower case."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
    )


def _account_rows(account):
    account.credit_rappen = -account.balance_rappen
    return {
        "account": account,
        "credit_rappen": -account.balance_rappen,
        "open_instalments": list(tax.open_instalments(account)),
        "years": tax.years_of(account),
    }


@login_required
def account(request):
    form = ActivationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            tax.activate(request.user, form.cleaned_data["taxpayer_number"], form.cleaned_data["code"])
        except tax.ActivationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your tax account is activated."))
            return redirect("tax:account")
    accounts = [_account_rows(item) for item in TaxAccount.objects.visible_to(request.user)]
    return render(
        request,
        "services/tax/account.html",
        {"accounts": accounts, "form": form, "kinds": TaxEntry.Kind, "today": timezone.localdate()},
    )


@login_required
def download_document(request, pk):
    document = get_object_or_404(
        TaxDocument.objects.filter(account__in=TaxAccount.objects.visible_to(request.user)), pk=pk
    )
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404(_("The file is no longer available.")) from error
    if document.read_at is None:
        TaxDocument.objects.filter(pk=document.pk).update(read_at=timezone.now())
    response = FileResponse(handle, as_attachment=True, filename=document.filename, content_type=document.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response

"""Energy and water in the account: the overview of linked customer accounts, linking and unlinking, invoices with
their PDFs and QR-bills, contracts with their terms.

Lists show the acting context's customer accounts; a single record is loaded through utilities/policies.py among
everything the person may see, so anything else is 404.
"""

import logging
import mimetypes

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import linking, policies
from .invoice_pdf import InvoiceError, render_invoice
from .link_forms import LinkForm
from .models import Contract, Invoice, Meter

logger = logging.getLogger(__name__)

PDF = "application/pdf"


def _private(response):
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _language(request):
    return getattr(request, "LANGUAGE_CODE", None) or translation.get_language() or "de"


def _open_file(field):
    """The stored file opened for reading, or None if there is none or it has gone from the storage."""
    if not field:
        return None
    try:
        return field.open("rb")
    except (FileNotFoundError, ValueError, OSError):
        logger.error("stored utility file %s is missing", field.name)
        return None


# --- overview, link, unlink -----------------------------------------------------------------------------------


def customers_with_details(request):
    """The context's customer accounts with contracts, meters and open invoices: four queries however many."""
    return list(
        policies.customers_in_context(request).prefetch_related(
            Prefetch("contracts", queryset=Contract.objects.order_by("-starts_on", "contract_number")),
            Prefetch("meters", queryset=Meter.objects.order_by("medium", "meter_number")),
            Prefetch(
                "invoices",
                queryset=Invoice.objects.filter(status=Invoice.Status.OPEN).order_by("due_on", "invoice_number"),
                to_attr="open_invoices",
            ),
        )
    )


@login_required
def overview(request):
    customers = customers_with_details(request)
    return render(
        request,
        "utilities/overview/overview.html",
        {"customers": customers, "form": None if customers else LinkForm(), "today": timezone.localdate()},
    )


@login_required
def link(request):
    form = LinkForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            customer = linking.link(
                request.acting_context, form.cleaned_data["customer_number"], form.cleaned_data["code"]
            )
        except linking.LinkError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("Customer account %(number)s is linked.") % {"number": customer.customer_number}
            )
            return redirect("utilities:overview")
    if form.is_bound:
        form.forget_code()
    return render(request, "utilities/overview/link.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def unlink(request, pk):
    customer = policies.get_customer(request, pk)
    if request.method == "POST":
        try:
            linking.unlink(request.acting_context, customer)
        except linking.LinkError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, _("Customer account %(number)s is no longer linked.") % {"number": customer.customer_number}
            )
        return redirect("utilities:overview")
    return render(request, "utilities/overview/unlink_confirm.html", {"customer": customer})


# --- invoices ---------------------------------------------------------------------------------------------------


class InvoiceFilterForm(forms.Form):
    # "Open" means not paid yet, overdue ones included: what the customer still has to pay.
    STATUSES = [
        ("", gettext_lazy("All")),
        ("open", gettext_lazy("Open")),
        ("overdue", gettext_lazy("Overdue")),
        ("paid", gettext_lazy("Paid")),
        ("cancelled", gettext_lazy("Cancelled")),
    ]

    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=STATUSES, required=False)
    year = forms.TypedChoiceField(label=gettext_lazy("Year"), coerce=int, empty_value=None, required=False)

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("All years")), *((year, year) for year in years)]


def filter_invoices(invoices, status, year, today):
    """Invoices narrowed to a status as the customer reads it (open, overdue, paid, cancelled) and an issue year."""
    if status == "open":
        invoices = invoices.filter(status=Invoice.Status.OPEN)
    elif status == "overdue":
        invoices = invoices.filter(status=Invoice.Status.OPEN, due_on__lt=today)
    elif status in (Invoice.Status.PAID, Invoice.Status.CANCELLED):
        invoices = invoices.filter(status=status)
    if year:
        invoices = invoices.filter(issued_on__year=year)
    return invoices


@login_required
def invoices(request):
    today = timezone.localdate()
    all_invoices = Invoice.objects.filter(customer__in=policies.customers_in_context(request))
    years = [day.year for day in all_invoices.dates("issued_on", "year", order="DESC")]
    form = InvoiceFilterForm(request.GET or None, years=years)
    status, year = "", None
    if form.is_valid():
        status, year = form.cleaned_data["status"], form.cleaned_data["year"]
    shown = filter_invoices(all_invoices, status, year, today).select_related("customer", "contract")
    return render(
        request,
        "utilities/overview/invoices.html",
        {
            "form": form,
            "invoices": list(shown.order_by("-issued_on", "-invoice_number")),
            "filtered": bool(status or year),
            "today": today,
        },
    )


@login_required
def invoice_pdf(request, pk):
    """The billing application's PDF; if it sent none (or the file is gone), one made here."""
    invoice = policies.get_invoice(request, pk)
    handle = _open_file(invoice.pdf)
    if handle is not None:
        return _private(
            FileResponse(handle, as_attachment=True, filename=f"{invoice.invoice_number}.pdf", content_type=PDF)
        )
    try:
        pdf = render_invoice(invoice, _language(request))
    except InvoiceError:
        # Without a creditor the bill cannot be printed, but the invoice itself can still be read.
        pdf = render_invoice(invoice, _language(request), with_bill=False)
    return _pdf_response(pdf, f"{invoice.invoice_number}.pdf")


@login_required
def invoice_qr(request, pk):
    """Always the generated PDF with the QR-bill, for open invoices only."""
    invoice = policies.get_invoice(request, pk)
    if invoice.status != Invoice.Status.OPEN:
        raise Http404
    try:
        pdf = render_invoice(invoice, _language(request), with_bill=True)
    except InvoiceError as error:
        messages.error(request, str(error))
        return redirect("utilities:invoices")
    return _pdf_response(pdf, f"{invoice.invoice_number}-qr-bill.pdf")


def _pdf_response(pdf, filename):
    response = HttpResponse(pdf, content_type=PDF)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _private(response)


# --- contracts --------------------------------------------------------------------------------------------------


@login_required
def contracts(request):
    rows = (
        Contract.objects.filter(customer__in=policies.customers_in_context(request))
        .select_related("customer")
        .order_by("customer__customer_number", "-starts_on", "contract_number")
    )
    return render(request, "utilities/overview/contracts.html", {"contracts": list(rows)})


@login_required
def contract_terms(request, pk):
    contract = policies.get_contract(request, pk)
    handle = _open_file(contract.terms_document)
    if handle is None:
        raise Http404
    filename = contract.terms_document.name.rsplit("/", 1)[-1]
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return _private(FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type))

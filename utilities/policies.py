"""Who sees which utility records: the holder of a linked customer account, in the context it is linked to.

Lists show the acting context's customer accounts (`customers_in_context`); a single record is found among
everything the person may see in any context (`*_visible_to`), so a bookmark keeps working after switching the
context, and anything else is 404. Organisation-linked accounts are seen by the organisation's owners and
administrators only. The back office uses model permissions instead.
"""

from django.shortcuts import get_object_or_404

from .models import Contract, Invoice, Meter, ReadingReport, UtilityCustomer


def customers_visible_to(user):
    return UtilityCustomer.objects.visible_to(user)


def customers_in_context(request):
    return UtilityCustomer.objects.of_context(request.acting_context)


def meters_visible_to(user):
    return Meter.objects.filter(customer__in=customers_visible_to(user))


def contracts_visible_to(user):
    return Contract.objects.filter(customer__in=customers_visible_to(user))


def invoices_visible_to(user):
    return Invoice.objects.filter(customer__in=customers_visible_to(user))


def reports_visible_to(user):
    return ReadingReport.objects.filter(meter__customer__in=customers_visible_to(user))


def get_meter(request, pk):
    return get_object_or_404(meters_visible_to(request.user).select_related("customer", "contract"), pk=pk)


def get_contract(request, pk):
    return get_object_or_404(contracts_visible_to(request.user).select_related("customer"), pk=pk)


def get_invoice(request, pk):
    return get_object_or_404(invoices_visible_to(request.user).select_related("customer", "contract"), pk=pk)


def get_customer(request, pk):
    return get_object_or_404(customers_visible_to(request.user), pk=pk)

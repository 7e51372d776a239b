"""URLs of the overview pages (mounted by utilities/account_urls.py): accounts, linking, invoices, contracts."""

from django.urls import path

from . import overview_views

urlpatterns = [
    path("", overview_views.overview, name="overview"),
    path("link/", overview_views.link, name="link"),
    path("customers/<int:pk>/unlink/", overview_views.unlink, name="unlink"),
    path("invoices/", overview_views.invoices, name="invoices"),
    path("invoices/<int:pk>/pdf/", overview_views.invoice_pdf, name="invoice_pdf"),
    path("invoices/<int:pk>/qr-bill/", overview_views.invoice_qr, name="invoice_qr"),
    path("contracts/", overview_views.contracts, name="contracts"),
    path("contracts/<int:pk>/terms/", overview_views.contract_terms, name="contract_terms"),
]

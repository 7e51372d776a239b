"""URLconf for the lunch admin tests (no tests here): the read-only lunch lists mounted as the Schools menu will
mount them, before the portal's own URLs."""

from django.urls import include, path

from config.urls import urlpatterns as portal_urlpatterns
from schools.lunch_admin import LunchBookingAdmin, LunchInvoiceAdmin

urlpatterns = [
    path("admin/", include([*LunchBookingAdmin().get_admin_urls_for_registration()])),
    path("admin/", include([*LunchInvoiceAdmin().get_admin_urls_for_registration()])),
    *portal_urlpatterns,
]

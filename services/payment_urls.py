"""URLs of the payment pages: /account/payments/…"""

from django.urls import path

from . import payment_views as views

app_name = "payment"

urlpatterns = [
    path("provider/test/notify/", views.test_provider_notify, name="test_notify"),
    path("test-checkout/<str:provider_reference>/", views.test_checkout, name="test_checkout"),
    path(
        "test-checkout/<str:provider_reference>/complete/",
        views.test_checkout_complete,
        name="test_checkout_complete",
    ),
    path("<str:reference>/pay/", views.pay_online, name="pay"),
    path("<str:reference>/invoice.pdf", views.invoice_pdf, name="invoice"),
]

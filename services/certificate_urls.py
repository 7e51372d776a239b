"""URLs of the certificate pages in the account: /account/certificates/."""

from django.urls import path

from . import certificate_views

app_name = "certificate"

urlpatterns = [
    path("", certificate_views.certificate_list, name="list"),
]

"""URLs of the tax pages (/account/tax/)."""

from django.urls import path

from . import tax_views

app_name = "tax"

urlpatterns = [
    path("", tax_views.account, name="account"),
    path("documents/<int:pk>/", tax_views.download_document, name="document"),
]

"""The public document check at /verify/ (no login)."""

from django.urls import path

from . import certificate_views

app_name = "verify"

urlpatterns = [
    path("", certificate_views.verify, name="index"),
]

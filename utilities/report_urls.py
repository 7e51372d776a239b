"""URLs of the report pages (mounted by utilities/account_urls.py at readings/)."""

from django.urls import path

from . import report_views

urlpatterns = [
    path("<int:pk>/", report_views.report, name="report"),
    path("photo/<int:report_pk>/", report_views.report_photo, name="report_photo"),
]

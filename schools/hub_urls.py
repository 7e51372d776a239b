"""The school overview and the calendar feed page (/account/school/, /account/school/calendars/)."""

from django.urls import path

from . import hub_views

urlpatterns = [
    path("", hub_views.hub, name="hub"),
    path("calendars/", hub_views.calendars, name="calendars"),
    path("calendars/renew/", hub_views.calendars_renew, name="calendars_renew"),
]

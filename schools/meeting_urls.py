"""Parent–teacher meetings in the account (/account/school/meetings/…), names prefixed with meetings_."""

from django.urls import path

from . import meeting_views as views

urlpatterns = [
    path("", views.overview, name="meetings"),
    path("new/<int:class_id>/", views.series_new, name="meetings_new"),
    path("<int:pk>/", views.series_detail, name="meetings_series"),
    path("<int:pk>/edit/", views.series_edit, name="meetings_edit"),
    path("<int:pk>/slots/add/", views.slots_add, name="meetings_slots_add"),
    path("<int:pk>/slots/<int:slot_pk>/delete/", views.slot_delete, name="meetings_slot_delete"),
    path("<int:pk>/book/", views.book, name="meetings_book"),
    path("<int:pk>/export.csv", views.export, name="meetings_export"),
    path("bookings/<int:pk>/cancel/", views.cancel, name="meetings_cancel"),
    path("bookings/<int:pk>/meeting.ics", views.booking_ics, name="meetings_ics"),
]

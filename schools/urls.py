"""Agenda feeds: addresses that calendar apps keep, so without a language prefix."""

from django.urls import path

from . import views

app_name = "schools"

urlpatterns = [
    path("<slug:code>/agenda.ics", views.school_agenda, name="school_agenda"),
    path("<slug:code>/<int:class_id>/agenda.ics", views.class_agenda, name="class_agenda"),
]

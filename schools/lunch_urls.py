"""Lunch table pages: /account/school/lunch/… (names in the `school` namespace, prefixed lunch)."""

from django.urls import path

from . import lunch_views

urlpatterns = [
    path("", lunch_views.overview, name="lunch"),
    path("<int:student_id>/", lunch_views.child, name="lunch_child"),
    path("<int:student_id>/offers/<int:offer_id>/", lunch_views.book, name="lunch_book"),
    path("<int:student_id>/cancel/", lunch_views.cancel, name="lunch_cancel"),
    path("kitchen/<int:school_id>/", lunch_views.kitchen, name="lunch_kitchen"),
]

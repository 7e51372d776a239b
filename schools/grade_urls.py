"""Grades in the account, under /account/school/grades/ in the `school` namespace (names start with `grades`)."""

from django.urls import path

from . import grade_views

urlpatterns = [
    path("", grade_views.overview, name="grades"),
    path("student/<int:student_id>/", grade_views.student, name="grades_student"),
    path("class/<int:class_id>/", grade_views.school_class, name="grades_class"),
    path("class/<int:class_id>/new/", grade_views.create, name="grades_create"),
    path("assessment/<int:pk>/", grade_views.edit, name="grades_edit"),
    path("assessment/<int:pk>/publish/", grade_views.publish, name="grades_publish"),
    path("assessment/<int:pk>/withdraw/", grade_views.withdraw, name="grades_withdraw"),
    path("assessment/<int:pk>/delete/", grade_views.delete, name="grades_delete"),
]

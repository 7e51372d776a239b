"""Course registrations in the account: /account/school/courses/… (names prefixed courses_, in the school namespace)."""

from django.urls import path

from . import course_views as views

urlpatterns = [
    path("", views.course_list, name="courses"),
    path("<int:pk>/", views.course_detail, name="courses_detail"),
    path("<int:pk>/register/", views.register, name="courses_register"),
    path("registrations/<int:pk>/cancel/", views.cancel, name="courses_cancel"),
]

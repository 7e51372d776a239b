"""Weekly plan pages: /account/school/plans/… (in the `school` namespace, names prefixed plans_)."""

from django.urls import path

from . import weekly_plan_views as views

urlpatterns = [
    path("", views.plan_list, name="plans"),
    path("new/", views.plan_new, name="plans_new"),
    path("<int:pk>/", views.plan_detail, name="plans_detail"),
    path("<int:pk>/edit/", views.plan_edit, name="plans_edit"),
    path("<int:pk>/publish/", views.plan_publish, name="plans_publish"),
    path("<int:pk>/delete/", views.plan_delete, name="plans_delete"),
    path("<int:pk>/acknowledge/", views.plan_acknowledge, name="plans_acknowledge"),
    path("<int:pk>/files/<int:attachment_pk>/", views.plan_attachment, name="plans_attachment"),
]

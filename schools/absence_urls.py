"""Account pages of absences and leave requests, under /account/school/absences/ in the `school` namespace."""

from django.urls import path

from . import absence_views as views

urlpatterns = [
    path("", views.index, name="absences"),
    path("child/<int:student_id>/", views.child, name="absences_child"),
    path("child/<int:student_id>/report/", views.report, name="absences_report"),
    path("child/<int:student_id>/leave/", views.leave_new, name="absences_leave_new"),
    path("class/<int:class_id>/", views.class_page, name="absences_class"),
    path("class/<int:class_id>/record/", views.record, name="absences_record"),
    path("<int:pk>/", views.absence_detail, name="absences_detail"),
    path("<int:pk>/assess/", views.assess, name="absences_assess"),
    path("leave/<int:pk>/", views.leave_detail, name="absences_leave"),
    path("leave/<int:pk>/decide/", views.leave_decide, name="absences_leave_decide"),
    path("leave/<int:pk>/withdraw/", views.leave_withdraw, name="absences_leave_withdraw"),
]

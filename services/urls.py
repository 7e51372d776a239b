"""Case URLs in the account: /account/cases/…"""

from django.urls import path

from . import views

app_name = "services"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("<str:reference>/", views.case_detail, name="case_detail"),
]

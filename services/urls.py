"""Case URLs in the account: /account/cases/…"""

from django.urls import path

from . import views

app_name = "services"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("drafts/<uuid:token>/delete/", views.delete_draft, name="delete_draft"),
    path("<str:reference>/", views.case_detail, name="case_detail"),
    path("<str:reference>/questions/<int:question_pk>/answer/", views.answer_question, name="answer_question"),
    path("<str:reference>/messages/", views.send_message, name="send_message"),
    path("<str:reference>/withdraw/", views.withdraw_case, name="withdraw"),
    path("<str:reference>/documents/<int:pk>/", views.download_document, name="download_document"),
]

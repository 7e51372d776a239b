"""URLs of My documents: /account/documents/…"""

from django.urls import path

from . import document_views

app_name = "documents"

urlpatterns = [
    path("", document_views.document_list_view, name="list"),
    path("cases/<str:reference>/<int:pk>/", document_views.case_document, name="case_document"),
]

"""URLs of the API for specialist applications, mounted at /api/v1/."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import absences, certificates_views, events_views, payments_views, school_records, tax_views, utility_records
from . import cases_views as cases
from . import meter_readings as readings
from . import reading_reports as reports
from . import schema as _schema  # noqa: F401 — registers the bearer scheme with drf-spectacular

app_name = "api"

PUBLIC = {"authentication_classes": [], "permission_classes": []}

urlpatterns = [
    path("", cases.ApiRootView.as_view(), name="root"),
    path("schema/", SpectacularAPIView.as_view(**PUBLIC), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema", **PUBLIC), name="docs"),
    path("events", events_views.EventFeedView.as_view(), name="events"),
    path("events/ack", events_views.EventAckView.as_view(), name="events_ack"),
    path("cases", cases.CaseListView.as_view(), name="cases"),
    path("cases/<str:reference>", cases.CaseDetailView.as_view(), name="case"),
    path("cases/<str:reference>/acknowledgement", cases.AcknowledgementView.as_view(), name="case_acknowledgement"),
    path("cases/<str:reference>/status", cases.StatusView.as_view(), name="case_status"),
    path("cases/<str:reference>/milestones", cases.MilestonesView.as_view(), name="case_milestones"),
    path("cases/<str:reference>/milestones/<str:key>", cases.MilestoneStepView.as_view(), name="case_milestone"),
    path("cases/<str:reference>/messages", cases.MessageView.as_view(), name="case_messages"),
    path("cases/<str:reference>/questions", cases.QuestionView.as_view(), name="case_questions"),
    path("cases/<str:reference>/documents", cases.DocumentUploadView.as_view(), name="case_documents"),
    path(
        "cases/<str:reference>/documents/<int:document_id>/content",
        cases.DocumentContentView.as_view(),
        name="case_document_content",
    ),
    path(
        "cases/<str:reference>/payments/confirmation",
        payments_views.PaymentConfirmationView.as_view(),
        name="case_payment_confirmation",
    ),
    path("cases/<str:reference>/answers", cases.AnswerListView.as_view(), name="case_answers"),
    path("cases/<str:reference>/answers/<int:answer_id>", cases.AnswerDetailView.as_view(), name="case_answer"),
    path(
        "cases/<str:reference>/certificate",
        certificates_views.CertificateIssueView.as_view(),
        name="case_certificate",
    ),
    path(
        "cases/<str:reference>/certificate/revocation",
        certificates_views.CertificateRevocationView.as_view(),
        name="case_certificate_revocation",
    ),
    path("tax-accounts/<str:taxpayer_number>", tax_views.TaxAccountView.as_view(), name="tax_account"),
    path(
        "tax-accounts/<str:taxpayer_number>/documents",
        tax_views.TaxDocumentUploadView.as_view(),
        name="tax_account_documents",
    ),
    path(
        "tax-accounts/<str:taxpayer_number>/activation-code",
        tax_views.ActivationCodeView.as_view(),
        name="tax_account_activation_code",
    ),
    path("school-records", school_records.SchoolRecordsView.as_view(), name="school_records"),
    path("absences", absences.AbsenceListView.as_view(), name="absences"),
    path("absences/<int:pk>", absences.AbsenceView.as_view(), name="absence"),
    path("leave-requests", absences.LeaveRequestListView.as_view(), name="leave_requests"),
    path("leave-requests/<int:pk>", absences.LeaveRequestView.as_view(), name="leave_request"),
    path("meter-readings", readings.MeterReadingsView.as_view(), name="meter_readings"),
    path("meter-reading-reports", reports.ReadingReportListView.as_view(), name="meter_reading_reports"),
    path("meter-reading-reports/<int:pk>", reports.ReadingReportView.as_view(), name="meter_reading_report"),
    path(
        "meter-reading-reports/<int:pk>/photo",
        reports.ReadingReportPhotoView.as_view(),
        name="meter_reading_report_photo",
    ),
    path("utility-records", utility_records.UtilityRecordsView.as_view(), name="utility_records"),
    path(
        "utility-customers/<str:customer_number>",
        utility_records.UtilityCustomerView.as_view(),
        name="utility_customer",
    ),
    path(
        "utility-customers/<str:customer_number>/activation-code",
        utility_records.ActivationCodeView.as_view(),
        name="utility_customer_activation_code",
    ),
    path(
        "utility-invoices/<str:invoice_number>/pdf",
        utility_records.InvoicePdfView.as_view(),
        name="utility_invoice_pdf",
    ),
    path(
        "utility-contracts/<str:contract_number>/terms",
        utility_records.ContractTermsView.as_view(),
        name="utility_contract_terms",
    ),
]

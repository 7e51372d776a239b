"""The clerks' back office: case register, case view and its actions, scoped to the clerk's services."""

import datetime
import uuid

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from wagtail.users.models import UserProfile

from account.acting_context import ActingContext
from account.models import Notification
from services import cases
from services.models import (
    CaseDocument,
    CaseEvent,
    CaseMessage,
    CaseStatus,
    Payment,
    ServiceIndexPage,
    ServicePage,
)
from tests.factories import UserFactory

S = CaseStatus
INDEX_URL = "/admin/services/case/"
SNAPSHOT = [
    {"name": "kennzeichen", "label": "Kennzeichen", "type": "text"},
    {"name": "bemerkung", "label": "Bemerkung", "type": "long_text"},
]
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


# --- builders -----------------------------------------------------------------------------------------------


def clerk_group(name):
    group, _created = Group.objects.get_or_create(name=name)
    group.permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        Permission.objects.get(content_type__app_label="services", codename="view_case"),
        Permission.objects.get(content_type__app_label="services", codename="change_case"),
    )
    return group


def staff(*groups, **extra):
    user = UserFactory(is_staff=True, **extra)
    user.groups.add(*groups)
    # The admin speaks the person's language; English keeps the assertions independent of the catalogue.
    UserProfile.objects.update_or_create(user=user, defaults={"preferred_language": "en"})
    return user


def submit(service, owner, data=None, snapshot=SNAPSHOT, files=()):
    return cases.submit(
        acting_context=ActingContext(user=owner),
        service_page=service,
        form=None,
        form_revision=None,
        block_id="b1",
        fields_snapshot=snapshot,
        data=data if data is not None else {"kennzeichen": "SG 12345", "bemerkung": "Bitte rasch"},
        files=files,
        submission_token=uuid.uuid4(),
    )


def detail_url(case):
    return reverse("services_backoffice:case_detail", args=[case.pk])


def action_url(case, action):
    return reverse(f"services_backoffice:case_{action}", args=[case.pk])


# --- fixtures -----------------------------------------------------------------------------------------------


@pytest.fixture
def group_a(db):
    return clerk_group("Parkierung")


@pytest.fixture
def group_b(db):
    return clerk_group("Bauverwaltung")


@pytest.fixture
def index(db):
    from home.demo_content import ensure_demo_site

    home = ensure_demo_site()
    return home.add_child(instance=ServiceIndexPage(title="Online-Schalter", slug="schalter"))


@pytest.fixture
def service_a(index, group_a):
    return index.add_child(
        instance=ServicePage(title="Parkkarte", slug="parkkarte", fee_rappen=2500, clerk_group=group_a)
    )


@pytest.fixture
def service_b(index, group_b):
    return index.add_child(instance=ServicePage(title="Baugesuch", slug="baugesuch", clerk_group=group_b))


@pytest.fixture
def clerk_a(group_a):
    return staff(group_a)


@pytest.fixture
def clerk_b(group_b):
    return staff(group_b)


@pytest.fixture
def superuser(db):
    return staff(is_superuser=True)


@pytest.fixture
def resident(db):
    return UserFactory(first_name="Rita", last_name="Muster", email="rita@example.org")


@pytest.fixture
def case_a(service_a, resident):
    return submit(service_a, resident, files=[("beilage", ContentFile(PDF, name="ausweis.pdf"))])


@pytest.fixture
def case_b(service_b, resident):
    return submit(service_b, resident, files=[("plan", ContentFile(PDF, name="plan.pdf"))])


@pytest.fixture
def as_clerk_a(client, clerk_a):
    client.force_login(clerk_a)
    return client


def in_progress(case, clerk):
    cases.change_status(case, S.RECEIVED, actor=clerk)
    cases.change_status(case, S.IN_PROGRESS, actor=clerk)
    case.refresh_from_db()
    return case


# --- scope -----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_list_shows_the_cases_of_the_clerks_services_only(as_clerk_a, case_a, case_b):
    response = as_clerk_a.get(INDEX_URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert case_a.reference in content
    assert case_b.reference not in content
    assert detail_url(case_a) in content


@pytest.mark.django_db
def test_the_superuser_sees_every_case(client, superuser, case_a, case_b):
    client.force_login(superuser)
    content = client.get(INDEX_URL).content.decode()
    assert case_a.reference in content and case_b.reference in content
    assert client.get(detail_url(case_b)).status_code == 200


@pytest.mark.django_db
def test_drafts_never_appear(as_clerk_a, service_a, resident, case_a):
    draft = cases.save_draft(
        acting_context=ActingContext(user=resident),
        service_page=service_a,
        form=None,
        block_id="b1",
        data={"kennzeichen": "ENTWURF"},
        step=0,
        submission_token=uuid.uuid4(),
    )
    response = as_clerk_a.get(INDEX_URL)
    assert "ENTWURF" not in response.content.decode()
    assert list(response.context["object_list"]) == [case_a]
    assert as_clerk_a.get(detail_url(draft)).status_code == 404


def out_of_scope_requests(case):
    """Every URL of the back office that names a case, with the method and data it takes."""
    question = CaseMessage.objects.filter(case=case, is_question=True).first()
    payment = Payment.objects.filter(case=case).first()
    document = CaseDocument.objects.filter(case=case).first()
    requests = [
        ("get", detail_url(case), {}),
        ("post", action_url(case, "status"), {"status-status": S.RECEIVED}),
        ("post", action_url(case, "assign"), {"assign-assignee": ""}),
        ("post", action_url(case, "due_date"), {"due-due_date": "2030-01-31"}),
        ("post", action_url(case, "message"), {"message-body": "Hallo"}),
        ("post", action_url(case, "question"), {"question-body": "Warum?"}),
        ("post", action_url(case, "document"), {"document-file": SimpleUploadedFile("a.pdf", PDF)}),
        ("post", action_url(case, "milestone"), {"milestone-text": "Publikation"}),
        ("get", reverse("services_backoffice:download_document", args=[case.pk, document.pk]), {}),
        ("get", reverse("services_backoffice:export", args=[case.service_page_id, "csv"]), {}),
        ("get", reverse("services_backoffice:export", args=[case.service_page_id, "xlsx"]), {}),
    ]
    if question:
        requests.append(("post", reverse("services_backoffice:withdraw_question", args=[case.pk, question.pk]), {}))
    if payment:
        requests.append(("post", reverse("services_backoffice:mark_paid", args=[case.pk, payment.pk]), {}))
    return requests


@pytest.mark.django_db
def test_a_clerk_gets_404_for_every_url_of_another_services_case(as_clerk_a, clerk_b, service_b, resident):
    case_b = in_progress(submit(service_b, resident, files=[("plan", ContentFile(PDF, name="plan.pdf"))]), clerk_b)
    cases.ask_question(case_b, "Fehlt noch etwas?", author=clerk_b)
    Payment.objects.create(case=case_b, amount_rappen=1000)
    case_b.refresh_from_db()
    before = (case_b.status, case_b.events.count(), case_b.messages.count(), case_b.documents.count())

    requests = out_of_scope_requests(case_b)
    assert len(requests) == 13
    for method, url, data in requests:
        response = getattr(as_clerk_a, method)(url, data)
        assert response.status_code == 404, (method, url, response.status_code)

    case_b.refresh_from_db()
    assert (case_b.status, case_b.events.count(), case_b.messages.count(), case_b.documents.count()) == before
    assert case_b.assignee is None and case_b.due_date is None
    assert Payment.objects.filter(case=case_b, status=Payment.Status.PAID).count() == 0
    assert case_b.messages.get(is_question=True).is_open_question


@pytest.mark.django_db
def test_a_case_id_in_a_document_url_does_not_unlock_another_cases_document(as_clerk_a, case_a, case_b):
    foreign_document = case_b.documents.get()
    url = reverse("services_backoffice:download_document", args=[case_a.pk, foreign_document.pk])
    assert as_clerk_a.get(url).status_code == 404


@pytest.mark.django_db
def test_staff_without_a_clerk_group_get_no_menu_item_and_no_cases(client, case_a, group_a):
    # Admin access and case permissions, but in no group a service names as its clerk group.
    editors = clerk_group("Editors")
    editor = staff(editors)
    client.force_login(editor)
    dashboard = client.get("/admin/")
    assert dashboard.status_code == 200
    assert INDEX_URL not in dashboard.content.decode()
    assert client.get(INDEX_URL).status_code == 302  # Wagtail turns "permission denied" into a redirect home
    assert client.get(detail_url(case_a)).status_code == 404


@pytest.mark.django_db
def test_staff_without_any_group_see_nothing(client, case_a):
    client.force_login(staff())
    for url in (INDEX_URL, detail_url(case_a)):
        response = client.get(url)
        assert response.status_code == 302
        assert case_a.reference not in response.content.decode()


@pytest.mark.django_db
def test_the_clerk_sees_the_menu_item_once_a_service_names_their_group(as_clerk_a, index, group_a):
    assert INDEX_URL not in as_clerk_a.get("/admin/").content.decode()
    index.add_child(instance=ServicePage(title="Parkkarte", slug="parkkarte", clerk_group=group_a))
    assert INDEX_URL in as_clerk_a.get("/admin/").content.decode()


@pytest.mark.django_db
def test_a_clerk_with_view_permission_only_sees_the_case_but_cannot_act(client, group_a, case_a):
    readers = Group.objects.create(name="Lesende")
    readers.permissions.add(
        Permission.objects.get(codename="access_admin"), Permission.objects.get(codename="view_case")
    )
    service = case_a.service_page
    service.clerk_group = readers
    service.save()
    client.force_login(staff(readers))
    page = client.get(detail_url(case_a))
    assert page.status_code == 200
    assert action_url(case_a, "status") not in page.content.decode()
    client.post(action_url(case_a, "status"), {"status-status": S.RECEIVED})
    case_a.refresh_from_db()
    assert case_a.status == S.SUBMITTED


@pytest.mark.django_db
def test_modeladmins_own_edit_and_delete_views_do_not_exist(as_clerk_a, case_a):
    for action in ("edit", "delete", "inspect", "history"):
        assert as_clerk_a.get(f"{INDEX_URL}{action}/{case_a.pk}/").status_code == 404
    assert as_clerk_a.get(f"{INDEX_URL}create/").status_code == 404


# --- the list: filters, search, ordering -----------------------------------------------------------------------


@pytest.mark.django_db
def test_newest_first_and_filters(as_clerk_a, clerk_a, service_a, resident):
    first = submit(service_a, resident)
    second = submit(service_a, resident)
    third = submit(service_a, resident)
    cases.change_status(second, S.RECEIVED, actor=clerk_a)
    cases.assign(third, clerk_a, actor=clerk_a)
    cases.set_due_date(first, timezone.localdate() - datetime.timedelta(days=1), actor=clerk_a)

    def listed(query=""):
        return list(as_clerk_a.get(INDEX_URL + query).context["object_list"])

    assert listed() == [third, second, first]
    assert listed(f"?status={S.RECEIVED}") == [second]
    assert listed("?assignee=me") == [third]
    assert listed("?assignee=none") == [second, first]
    assert listed("?overdue=yes") == [first]
    assert listed("?overdue=no") == [third, second]
    assert listed(f"?service_page={service_a.pk}") == [third, second, first]


@pytest.mark.django_db
def test_overdue_cases_are_marked_in_the_list(as_clerk_a, clerk_a, case_a):
    cases.set_due_date(case_a, timezone.localdate() - datetime.timedelta(days=3), actor=clerk_a)
    content = as_clerk_a.get(INDEX_URL).content.decode()
    assert "case-overdue" in content
    assert "Overdue" in content


@pytest.mark.django_db
def test_the_list_filters_by_service_only_among_the_clerks_services(client, superuser, case_a, case_b, service_b):
    client.force_login(superuser)
    assert list(client.get(f"{INDEX_URL}?service_page={service_b.pk}").context["object_list"]) == [case_b]


@pytest.mark.django_db
def test_unknown_query_parameters_do_not_reach_the_database_filter(as_clerk_a, case_a):
    response = as_clerk_a.get(INDEX_URL + "?owner_user__password__startswith=zzz")
    assert response.status_code == 200
    assert list(response.context["object_list"]) == [case_a]


@pytest.mark.django_db
@pytest.mark.parametrize("term", ["reference", "Muster", "rita@example.org", "Parkkarte"])
def test_search_by_reference_title_owner_name_and_email(as_clerk_a, service_a, case_a, term):
    other = submit(service_a, UserFactory(first_name="Otto", last_name="Anders", email="otto@example.org"))
    other.title = "Anderes"
    other.save(update_fields=["title"])
    query = case_a.reference if term == "reference" else term
    assert list(as_clerk_a.get(INDEX_URL, {"q": query}).context["object_list"]) == [case_a]


# --- the case view ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_case_view_shows_facts_answers_timeline_messages_and_documents(as_clerk_a, clerk_a, case_a):
    case = in_progress(case_a, clerk_a)
    cases.assign(case, clerk_a, actor=clerk_a)
    cases.ask_question(case, "Bitte Fahrzeugausweis senden", author=clerk_a, requested_documents="Fahrzeugausweis")
    response = as_clerk_a.get(detail_url(case))
    assert response.status_code == 200
    content = response.content.decode()
    assert case.reference in content and "Parkkarte" in content
    assert "rita@example.org" in content  # owner's contact
    assert "SG 12345" in content and "Kennzeichen" in content  # the submitted answers
    assert "Bitte Fahrzeugausweis senden" in content
    assert "internal" in content  # the assignment event is shown, marked internal
    kinds = [event.kind for event in response.context["events"]]
    assert CaseEvent.Kind.ASSIGNMENT in kinds and CaseEvent.Kind.QUESTION in kinds
    document = case.documents.get()
    assert reverse("services_backoffice:download_document", args=[case.pk, document.pk]) in content
    assert "CHF 25.00" in content


@pytest.mark.django_db
def test_a_document_downloads_from_private_storage(as_clerk_a, case_a):
    document = case_a.documents.get()
    response = as_clerk_a.get(reverse("services_backoffice:download_document", args=[case_a.pk, document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment")
    assert "ausweis.pdf" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]


# --- actions -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_change_status_writes_the_timeline_and_notifies_the_owner(as_clerk_a, case_a, resident):
    notified = Notification.objects.filter(user=resident).count()
    response = as_clerk_a.post(action_url(case_a, "status"), {"status-status": S.RECEIVED, "status-text": "Danke"})
    assert response.status_code == 302 and response["Location"] == detail_url(case_a)
    case_a.refresh_from_db()
    assert case_a.status == S.RECEIVED
    event = case_a.events.latest("id")
    assert (event.kind, event.status_to, event.text) == (CaseEvent.Kind.STATUS, S.RECEIVED, "Danke")
    assert Notification.objects.filter(user=resident).count() == notified + 1
    followed = as_clerk_a.get(response["Location"])
    assert "The status is now" in followed.content.decode()


@pytest.mark.django_db
def test_an_invalid_status_change_shows_an_error_and_changes_nothing(as_clerk_a, case_a):
    events = case_a.events.count()
    response = as_clerk_a.post(action_url(case_a, "status"), {"status-status": S.COMPLETED, "status-text": "Zu früh"})
    assert response.status_code == 200
    assert response.context["forms"]["status"].errors["status"]
    content = response.content.decode()
    assert "Zu früh" in content  # the input is kept
    assert "could not be carried out" in content
    case_a.refresh_from_db()
    assert case_a.status == S.SUBMITTED and case_a.events.count() == events


@pytest.mark.django_db
def test_the_status_form_offers_only_the_allowed_targets(as_clerk_a, case_a):
    form = as_clerk_a.get(detail_url(case_a)).context["forms"]["status"]
    assert [value for value, _label in form.fields["status"].choices] == [S.RECEIVED, S.REJECTED]


@pytest.mark.django_db
def test_assign_to_a_clerk_of_the_service(as_clerk_a, clerk_a, case_a, resident):
    response = as_clerk_a.post(action_url(case_a, "assign"), {"assign-assignee": clerk_a.pk})
    assert response.status_code == 302
    case_a.refresh_from_db()
    assert case_a.assignee == clerk_a
    event = case_a.events.latest("id")
    assert event.kind == CaseEvent.Kind.ASSIGNMENT and not event.visible_to_owner


@pytest.mark.django_db
def test_assign_refuses_people_outside_the_services_group(as_clerk_a, clerk_b, case_a):
    response = as_clerk_a.post(action_url(case_a, "assign"), {"assign-assignee": clerk_b.pk})
    assert response.status_code == 200
    assert response.context["forms"]["assign"].errors
    case_a.refresh_from_db()
    assert case_a.assignee is None


@pytest.mark.django_db
def test_set_and_clear_the_due_date(as_clerk_a, case_a):
    as_clerk_a.post(action_url(case_a, "due_date"), {"due-due_date": "2030-01-31"})
    case_a.refresh_from_db()
    assert case_a.due_date == datetime.date(2030, 1, 31)
    as_clerk_a.post(action_url(case_a, "due_date"), {"due-due_date": ""})
    case_a.refresh_from_db()
    assert case_a.due_date is None


@pytest.mark.django_db
def test_send_a_message_with_a_file(as_clerk_a, case_a, resident):
    notified = Notification.objects.filter(user=resident).count()
    response = as_clerk_a.post(
        action_url(case_a, "message"),
        {"message-body": "Ihre Karte ist unterwegs.", "message-files": [SimpleUploadedFile("brief.pdf", PDF)]},
    )
    assert response.status_code == 302
    message = case_a.messages.get()
    assert message.direction == CaseMessage.Direction.TO_APPLICANT and message.body == "Ihre Karte ist unterwegs."
    assert message.documents.get().origin == CaseDocument.Origin.ADMINISTRATION
    assert case_a.events.filter(kind=CaseEvent.Kind.MESSAGE).exists()
    assert Notification.objects.filter(user=resident).count() == notified + 1


@pytest.mark.django_db
def test_an_empty_message_is_refused(as_clerk_a, case_a):
    response = as_clerk_a.post(action_url(case_a, "message"), {"message-body": "   "})
    assert response.status_code == 200
    assert response.context["forms"]["message"].errors["body"]
    assert not case_a.messages.exists()


@pytest.mark.django_db
def test_ask_a_question_makes_the_case_await_the_applicant(as_clerk_a, clerk_a, case_a, resident):
    case = in_progress(case_a, clerk_a)
    notified = Notification.objects.filter(user=resident).count()
    due = timezone.localdate() + datetime.timedelta(days=10)
    response = as_clerk_a.post(
        action_url(case, "question"),
        {
            "question-body": "Bitte senden Sie den Fahrzeugausweis.",
            "question-due_date": due.isoformat(),
            "question-requested_documents": "Fahrzeugausweis",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == S.AWAITING_APPLICANT
    question = case.messages.get(is_question=True)
    assert question.is_open_question
    assert question.due_date == due and question.requested_documents == "Fahrzeugausweis"
    assert Notification.objects.filter(user=resident).count() > notified


@pytest.mark.django_db
def test_a_question_on_a_fresh_submission_acknowledges_it(as_clerk_a, case_a):
    response = as_clerk_a.post(action_url(case_a, "question"), {"question-body": "Welches Datum genau?"})
    assert response.status_code == 302
    case_a.refresh_from_db()
    assert case_a.status == CaseStatus.AWAITING_APPLICANT
    statuses = list(case_a.events.exclude(status_to="").values_list("status_to", flat=True))
    assert statuses[-3:] == [CaseStatus.RECEIVED, CaseStatus.IN_PROGRESS, CaseStatus.AWAITING_APPLICANT]


@pytest.mark.django_db
def test_a_question_on_a_closed_case_shows_the_rule_as_error(as_clerk_a, clerk_a, case_a):
    case = in_progress(case_a, clerk_a)
    cases.change_status(case, CaseStatus.COMPLETED, actor=clerk_a)
    response = as_clerk_a.post(action_url(case, "question"), {"question-body": "Zu spät?"})
    assert response.status_code == 200
    assert response.context["forms"]["question"].non_field_errors()
    assert not case.messages.exists()


@pytest.mark.django_db
def test_a_question_date_in_the_past_is_refused(as_clerk_a, clerk_a, case_a):
    case = in_progress(case_a, clerk_a)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = as_clerk_a.post(
        action_url(case, "question"), {"question-body": "Frage", "question-due_date": yesterday.isoformat()}
    )
    assert response.status_code == 200
    assert response.context["forms"]["question"].errors["due_date"]
    assert not case.messages.exists()


@pytest.mark.django_db
def test_withdraw_an_open_question(as_clerk_a, clerk_a, case_a):
    case = in_progress(case_a, clerk_a)
    question = cases.ask_question(case, "Noch etwas?", author=clerk_a)
    response = as_clerk_a.post(reverse("services_backoffice:withdraw_question", args=[case.pk, question.pk]))
    assert response.status_code == 302
    question.refresh_from_db()
    case.refresh_from_db()
    assert question.withdrawn_at is not None
    assert case.status == S.IN_PROGRESS


@pytest.mark.django_db
def test_issue_a_document(as_clerk_a, case_a, resident):
    notified = Notification.objects.filter(user=resident).count()
    response = as_clerk_a.post(
        action_url(case_a, "document"),
        {"document-file": SimpleUploadedFile("verfuegung.pdf", PDF), "document-title": "Verfügung"},
    )
    assert response.status_code == 302
    document = case_a.documents.get(origin=CaseDocument.Origin.ADMINISTRATION)
    assert document.title == "Verfügung" and document.file.read() == PDF
    assert case_a.events.filter(kind=CaseEvent.Kind.DOCUMENT, text="Verfügung").exists()
    assert Notification.objects.filter(user=resident).count() == notified + 1


@pytest.mark.django_db
def test_a_renamed_executable_is_not_issued(as_clerk_a, case_a):
    response = as_clerk_a.post(
        action_url(case_a, "document"),
        {"document-file": SimpleUploadedFile("verfuegung.pdf", b"MZ\x90\x00" + b"\x00" * 200)},
    )
    assert response.status_code == 200
    assert response.context["forms"]["document"].errors["file"]
    assert not case_a.documents.filter(origin=CaseDocument.Origin.ADMINISTRATION).exists()


@pytest.mark.django_db
def test_add_a_milestone(as_clerk_a, case_a):
    as_clerk_a.post(action_url(case_a, "milestone"), {"milestone-text": "Publikation im Amtsblatt"})
    event = case_a.events.latest("id")
    assert (event.kind, event.text, event.visible_to_owner) == (
        CaseEvent.Kind.MILESTONE,
        "Publikation im Amtsblatt",
        True,
    )


@pytest.mark.django_db
def test_mark_a_payment_paid(as_clerk_a, case_a):
    payment = case_a.payments.get()
    response = as_clerk_a.post(reverse("services_backoffice:mark_paid", args=[case_a.pk, payment.pk]))
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID and payment.paid_at is not None
    assert case_a.events.filter(kind=CaseEvent.Kind.PAYMENT).count() == 1
    # A second click changes nothing and says so.
    as_clerk_a.post(reverse("services_backoffice:mark_paid", args=[case_a.pk, payment.pk]))
    assert case_a.events.filter(kind=CaseEvent.Kind.PAYMENT).count() == 1


@pytest.mark.django_db
def test_actions_take_post_only(as_clerk_a, case_a):
    assert as_clerk_a.get(action_url(case_a, "status")).status_code == 405


@pytest.mark.django_db
def test_actions_need_the_csrf_token(client, clerk_a, case_a):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(clerk_a)
    response = csrf_client.post(action_url(case_a, "status"), {"status-status": S.RECEIVED})
    assert response.status_code == 403
    case_a.refresh_from_db()
    assert case_a.status == S.SUBMITTED


# --- form definitions ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_service_forms_are_a_snippet_in_the_menu(client, superuser):
    from services.models import ServiceForm

    ServiceForm.objects.create(title="Kontaktformular", live=True)
    ServiceForm.objects.create(title="Veranstaltung melden", live=False)
    client.force_login(superuser)
    url = reverse("wagtailsnippets_services_serviceform:list")
    assert url in client.get("/admin/").content.decode()
    response = client.get(url, {"q": "Kontakt"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "Kontaktformular" in content and "Veranstaltung melden" not in content


@pytest.mark.django_db
def test_the_list_costs_the_same_number_of_queries_for_3_and_12_cases(as_clerk_a, clerk_a, service_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert as_clerk_a.get(INDEX_URL).status_code == 200
        return len(captured)

    def add(count):
        for _ in range(count):
            case = submit(service_a, UserFactory())
            cases.assign(case, clerk_a, actor=clerk_a)
            cases.set_due_date(case, timezone.localdate() - datetime.timedelta(days=1), actor=clerk_a)

    add(3)
    queries()  # the first request of a session stores the session and user-session rows
    few = queries()
    add(9)
    assert queries() == few


# The permissions the lead grants the Wagtail group "Editors" in seed_demo so editors build forms.
EDITOR_FORM_PERMISSIONS = [
    "add_serviceform",
    "change_serviceform",
    "delete_serviceform",
    "publish_serviceform",
    "lock_serviceform",
    "unlock_serviceform",
]


@pytest.mark.django_db
def test_an_editor_with_the_form_permissions_builds_and_publishes_forms(client):
    editors = Group.objects.get(name="Editors")  # created by Wagtail's migrations, with admin access
    editors.permissions.add(
        *Permission.objects.filter(content_type__app_label="services", codename__in=EDITOR_FORM_PERMISSIONS)
    )
    assert editors.permissions.filter(content_type__app_label="services").count() == len(EDITOR_FORM_PERMISSIONS)
    client.force_login(staff(editors))
    list_url = reverse("wagtailsnippets_services_serviceform:list")
    assert list_url in client.get("/admin/").content.decode()
    add_page = client.get(reverse("wagtailsnippets_services_serviceform:add"))
    assert add_page.status_code == 200
    assert 'name="action-publish"' in add_page.content.decode()
    assert INDEX_URL not in client.get("/admin/").content.decode()  # forms, not cases

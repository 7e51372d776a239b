"""The event outbox: which case rules emit which events, in the same transaction, and which endpoints get
a delivery for them (scopes, event-type subscriptions)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from integrations.models import Event, WebhookDelivery, WebhookEndpoint
from services import cases
from services.models import Case, CaseDocument, CaseStatus
from tests.factories import UserFactory
from tests.integration_fixtures import PDF, submit_case


def pdf(name="beilage.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def events_since(first_id=0):
    return [(event.type, event.data) for event in Event.objects.filter(id__gt=first_id).order_by("id")]


def last_event_id():
    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0


@pytest.fixture
def clerk(db):
    return UserFactory(first_name="Bea", last_name="Beamtin")


@pytest.fixture
def endpoint(make_application, service_page):
    application, _token = make_application(services=[service_page])
    return WebhookEndpoint.objects.create(application=application, url="https://hooks.example.org/gemeinde")


# --- who emits what -------------------------------------------------------------------------------------


def test_submit_emits_case_submitted_with_the_case_ids(service_page, resident, endpoint):
    case = submit_case(service_page, resident, files=[("plan", pdf("plan.pdf"))])

    (event,) = Event.objects.all()
    assert (event.type, event.record_type, event.subject_id, event.subject_ref) == (
        "case.submitted",
        "cases",
        str(case.pk),
        case.reference,
    )
    assert (event.service_id, event.destination, event.data) == (service_page.pk, service_page.destination, {})
    # Files of the form belong to the submission: no separate document events.
    assert WebhookDelivery.objects.get().event == event


def test_withdraw_emits_case_withdrawn(service_page, resident, endpoint):
    case = submit_case(service_page, resident)
    before = last_event_id()

    cases.withdraw(case, resident)

    assert events_since(before) == [("case.withdrawn", {})]
    assert Event.objects.get(type="case.withdrawn").subject_ref == case.reference


def test_a_message_of_the_applicant_emits_the_message_and_each_document(service_page, resident, endpoint):
    case = submit_case(service_page, resident)
    before = last_event_id()

    message = cases.send_message(case, "Hier die Pläne", author=resident, from_applicant=True, files=[pdf(), pdf()])

    documents = sorted(message.documents.values_list("pk", flat=True))
    assert len(documents) == 2
    assert events_since(before) == [
        ("case.message.created", {"messageId": message.pk}),
        ("case.document.added", {"documentId": documents[0]}),
        ("case.document.added", {"documentId": documents[1]}),
    ]
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 4


def test_a_document_added_by_the_applicant_emits_document_added(service_page, resident, endpoint):
    case = submit_case(service_page, resident)
    before = last_event_id()

    document = cases.add_document(case, pdf(), origin=CaseDocument.Origin.APPLICANT, uploaded_by=resident)

    assert events_since(before) == [("case.document.added", {"documentId": document.pk})]


def test_an_answer_emits_question_answered_and_its_documents(service_page, resident, endpoint, clerk):
    case = submit_case(service_page, resident)
    question = cases.ask_question(case, "Wie viele Personen?", author=clerk)
    before = last_event_id()

    reply = cases.answer(question, "Etwa 80", user=resident, files=[pdf()])

    document = CaseDocument.objects.get(message=reply)
    assert events_since(before) == [
        ("case.question.answered", {"questionId": question.pk, "answerId": reply.pk}),
        ("case.document.added", {"documentId": document.pk}),
        # The answer resumes the case: a transition, so one status event.
        ("case.status_changed", {"statusFrom": "awaiting_applicant", "statusTo": "in_progress"}),
    ]


def test_what_the_office_does_emits_only_its_status_changes(service_page, resident, endpoint, clerk):
    case = submit_case(service_page, resident)
    before = last_event_id()

    cases.send_message(case, "Wir prüfen Ihr Gesuch.", author=clerk, files=[pdf()])
    question = cases.ask_question(case, "Wann genau?", author=clerk, requested_documents="Plan")
    cases.withdraw_question(question, actor=clerk)
    cases.add_milestone(case, "Publikation", actor=clerk)
    cases.add_document(case, pdf("bewilligung.pdf"), origin=CaseDocument.Origin.ADMINISTRATION, uploaded_by=clerk)
    cases.add_document(case, pdf("entscheid.pdf"), origin=CaseDocument.Origin.APPLICATION)
    cases.change_status(case, CaseStatus.COMPLETED, actor=clerk)

    case.refresh_from_db()
    assert case.status == CaseStatus.COMPLETED
    # Messages, questions, milestones and documents of the office are not news to the applications;
    # every status transition is (DESIGN: each transition emits an integration event).
    transitions = [
        ("submitted", "received"),
        ("received", "in_progress"),
        ("in_progress", "awaiting_applicant"),
        ("awaiting_applicant", "in_progress"),
        ("in_progress", "completed"),
    ]
    assert events_since(before) == [
        ("case.status_changed", {"statusFrom": old, "statusTo": new}) for old, new in transitions
    ]
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 1 + len(transitions)


# --- same transaction -----------------------------------------------------------------------------------


def test_a_failed_submission_leaves_no_event_and_no_delivery(
    service_page, resident, endpoint, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise RuntimeError("mail server exploded")

    # notify_owner runs after the event was emitted, inside the submitting transaction.
    monkeypatch.setattr(cases, "notify_owner", broken)

    with django_capture_on_commit_callbacks(execute=True) as queued, pytest.raises(RuntimeError):
        submit_case(service_page, resident)

    assert queued == []
    assert Event.objects.count() == 0
    assert WebhookDelivery.objects.count() == 0
    assert Case.objects.count() == 0


def test_an_outer_transaction_that_fails_takes_the_event_with_it(service_page, resident, endpoint):
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        case = submit_case(service_page, resident)
        assert Event.objects.filter(subject_id=str(case.pk)).exists()
        assert WebhookDelivery.objects.filter(endpoint=endpoint).exists()
        1 / 0  # noqa: B018 — whatever fails after the submission within the same transaction

    assert Event.objects.count() == 0
    assert WebhookDelivery.objects.count() == 0


def test_event_ids_increase_in_the_order_the_changes_were_made(service_page, resident, endpoint, clerk):
    first = submit_case(service_page, resident)
    second = submit_case(service_page, resident)
    question = cases.ask_question(first, "Frage", author=clerk)
    with pytest.raises(RuntimeError), transaction.atomic():
        submit_case(service_page, resident)
        raise RuntimeError("rolled back")
    cases.send_message(second, "Nachtrag", author=resident, from_applicant=True)
    cases.answer(question, "Antwort", user=resident)
    cases.withdraw(second, resident)

    events = list(Event.objects.order_by("id"))
    assert [(event.type, event.subject_ref) for event in events] == [
        ("case.submitted", first.reference),
        ("case.submitted", second.reference),
        ("case.status_changed", first.reference),  # asking a question: received,
        ("case.status_changed", first.reference),  # in progress,
        ("case.status_changed", first.reference),  # awaiting the applicant
        ("case.message.created", second.reference),
        ("case.question.answered", first.reference),
        ("case.status_changed", first.reference),  # the answer resumes the case
        ("case.withdrawn", second.reference),
    ]
    times = [event.occurred_at for event in events]
    assert times == sorted(times)
    # Deliveries follow the events, one each.
    assert list(WebhookDelivery.objects.order_by("id").values_list("event_id", flat=True)) == [e.id for e in events]


# --- who gets a delivery ---------------------------------------------------------------------------------


def test_an_event_outside_an_applications_scope_creates_no_delivery_for_it(
    make_application, make_service_page, resident
):
    mine, theirs = make_service_page(), make_service_page(destination="bauamt")
    my_app, _token = make_application(services=[mine])
    by_destination, _token = make_application(destinations="bauamt")
    no_read, _token = make_application(services=[theirs], read=())
    inactive, _token = make_application(services=[theirs], is_active=False)
    endpoints = {
        app.slug: WebhookEndpoint.objects.create(application=app, url=f"https://hooks.example.org/{app.slug}")
        for app in (my_app, by_destination, no_read, inactive)
    }

    event = Event.objects.get(subject_id=str(submit_case(theirs, resident).pk))

    assert list(WebhookDelivery.objects.filter(event=event).values_list("endpoint", flat=True)) == [
        endpoints[by_destination.slug].pk
    ]


def test_disabled_endpoints_get_no_delivery(service_page, resident, endpoint):
    endpoint.disable("moved")

    submit_case(service_page, resident)

    assert Event.objects.count() == 1
    assert WebhookDelivery.objects.count() == 0


def test_an_endpoint_gets_only_the_event_types_it_subscribed_to(service_page, resident, endpoint):
    withdrawals = WebhookEndpoint.objects.create(
        application=endpoint.application, url="https://hooks.example.org/withdrawn", event_types=["case.withdrawn"]
    )

    case = submit_case(service_page, resident)
    cases.send_message(case, "Noch etwas", author=resident, from_applicant=True)
    cases.withdraw(case, resident)

    def types(target):
        return list(
            WebhookDelivery.objects.filter(endpoint=target).order_by("event_id").values_list("event__type", flat=True)
        )

    assert types(withdrawals) == ["case.withdrawn"]
    assert types(endpoint) == ["case.submitted", "case.message.created", "case.withdrawn"]

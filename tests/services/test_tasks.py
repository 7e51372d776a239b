"""Background jobs of services: the receipt PDF is created once per case, privately stored and attached."""

import logging
import uuid

import pytest
from django.core.files.storage import storages

from account.acting_context import ActingContext
from services import cases, tasks
from services.models import CaseDocument, ServiceIndexPage, ServicePage
from tests.factories import UserFactory


@pytest.fixture
def service_page(db):
    from home.demo_content import ensure_demo_site

    home = ensure_demo_site()
    index = home.add_child(instance=ServiceIndexPage(title="Online-Schalter", slug="schalter-test"))
    return index.add_child(instance=ServicePage(title="Hundemarke bestellen", slug="hundemarke", fee_rappen=3000))


def submit(service_page, user):
    return cases.submit(
        acting_context=ActingContext(user=user),
        service_page=service_page,
        form=None,
        form_revision=None,
        block_id="b1",
        fields_snapshot=[{"name": "hund", "label": "Name des Hundes", "type": "text"}],
        data={"hund": "Bello"},
        submission_token=uuid.uuid4(),
    )


@pytest.mark.django_db
def test_create_receipt_twice_attaches_one_private_receipt(service_page):
    resident = UserFactory()
    case = submit(service_page, resident)

    first = tasks.create_receipt(case.pk)
    second = tasks.create_receipt(case.pk)

    receipts = case.documents.filter(field_name="_receipt")
    assert receipts.count() == 1
    assert first.pk == second.pk == receipts.get().pk
    receipt = receipts.get()
    assert receipt.origin == CaseDocument.Origin.SYSTEM
    assert receipt.filename == f"Eingangsbestaetigung-{case.reference}.pdf"
    assert receipt.content_type == "application/pdf"
    assert case.reference in receipt.title
    # Private storage only: the file lives in the private location and has no public URL.
    assert receipt.file.storage.location == storages["private"].location
    assert storages["private"].exists(receipt.file.name)
    with receipt.file.open("rb") as handle:
        content = handle.read()
    assert content.startswith(b"%PDF") and receipt.size == len(content)
    # Issued quietly: the submission already told the owner; no timeline entry for the receipt.
    assert not case.events.filter(kind="document").exists()


@pytest.mark.django_db
def test_submitting_queues_the_receipt_after_commit(service_page, django_capture_on_commit_callbacks):
    resident = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        case = submit(service_page, resident)

    assert case.documents.filter(field_name="_receipt", origin=CaseDocument.Origin.SYSTEM).count() == 1


@pytest.mark.django_db
def test_receipt_for_a_missing_case_or_a_draft_does_nothing(service_page):
    resident = UserFactory()
    draft = cases.save_draft(
        acting_context=ActingContext(user=resident),
        service_page=service_page,
        form=None,
        block_id="b1",
        data={"hund": "Rex"},
        step=0,
        submission_token=uuid.uuid4(),
    )
    assert tasks.create_receipt(draft.pk) is None
    assert tasks.create_receipt(987654) is None
    assert not CaseDocument.objects.exists()


@pytest.mark.django_db
def test_a_failing_render_is_logged_with_the_case_and_raised_for_a_retry(service_page, monkeypatch, caplog):
    case = submit(service_page, UserFactory())

    def broken(case, **kwargs):
        raise RuntimeError("layout failed")

    monkeypatch.setattr(tasks, "render_receipt", broken)
    with caplog.at_level(logging.ERROR, logger="services.tasks"), pytest.raises(RuntimeError):
        tasks.create_receipt(case.pk)

    assert case.reference in caplog.text
    assert not case.documents.exists()
    monkeypatch.undo()
    assert tasks.create_receipt(case.pk) is not None  # the retry succeeds


@pytest.mark.django_db
def test_abandoned_uploads_are_cleaned_up_daily():
    from django_q.models import Schedule

    schedule = Schedule.objects.get(func="services.tasks.cleanup_pending_uploads")
    assert schedule.schedule_type == Schedule.DAILY and schedule.repeats < 0

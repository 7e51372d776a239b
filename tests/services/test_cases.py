"""The case state machine and the rules in services/cases.py, without any view."""

import threading
import uuid

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.db import connection, connections
from django.utils import translation

from account.acting_context import ActingContext
from account.models import Notification
from services import cases
from services.models import Case, CaseDocument, CaseEvent, CaseStatus, Payment, ServicePage
from tests.factories import MembershipFactory, UserFactory

S = CaseStatus


@pytest.fixture
def parking_page(db):
    from home.demo_content import ensure_demo_site
    from services.models import ServiceIndexPage

    home = ensure_demo_site()
    index = home.add_child(instance=ServiceIndexPage(title="Online-Schalter", slug="schalter"))
    return index.add_child(instance=ServicePage(title="Parkkarte", slug="parkkarte", fee_rappen=2500))


def submit(parking_page, user, organisation_membership=None, token=None, files=()):
    context = ActingContext(user=user, membership=organisation_membership)
    return cases.submit(
        acting_context=context,
        service_page=parking_page,
        form=None,
        form_revision=None,
        block_id="b1",
        fields_snapshot=[{"name": "kennzeichen", "label": "Kennzeichen", "type": "text"}],
        data={"kennzeichen": "SG 12345"},
        files=files,
        submission_token=token or uuid.uuid4(),
    )


@pytest.fixture
def resident(db):
    return UserFactory()


@pytest.mark.django_db
def test_submit_creates_a_case_with_reference_event_payment_and_notification(parking_page, resident):
    case = submit(parking_page, resident, files=[("beilage", ContentFile(b"%PDF-1.4 test", name="beilage.pdf"))])
    assert case.status == S.SUBMITTED
    assert case.reference.startswith("MW-") and case.reference.endswith("-00001")
    assert case.owner_user == resident and case.owner_organisation is None
    assert list(case.events.values_list("kind", flat=True)) == [CaseEvent.Kind.SUBMITTED]
    assert Payment.objects.get(case=case).amount_rappen == 2500
    document = case.documents.get()
    assert document.origin == CaseDocument.Origin.APPLICANT and document.file.read() == b"%PDF-1.4 test"
    assert Notification.objects.filter(user=resident, kind="case").count() == 1


@pytest.mark.django_db
def test_the_same_token_never_makes_two_cases(parking_page, resident):
    token = uuid.uuid4()
    first = submit(parking_page, resident, token=token)
    second = submit(parking_page, resident, token=token)
    assert first.pk == second.pk
    assert Case.objects.count() == 1


@pytest.mark.django_db
def test_references_are_sequential_and_never_reused(parking_page, resident):
    first = submit(parking_page, resident)
    first.delete()
    second = submit(parking_page, resident)
    assert int(second.reference.rsplit("-", 1)[1]) == int(first.reference.rsplit("-", 1)[1]) + 1


@pytest.mark.django_db
def test_draft_then_submit_keeps_the_case(parking_page, resident):
    context = ActingContext(user=resident)
    token = uuid.uuid4()
    draft = cases.save_draft(
        acting_context=context,
        service_page=parking_page,
        form=None,
        block_id="b1",
        data={"a": 1},
        step=1,
        submission_token=token,
    )
    assert draft.status == S.DRAFT and draft.reference is None
    assert Case.objects.visible_to(UserFactory()).count() == 0
    case = submit(parking_page, resident, token=token)
    assert case.pk == draft.pk and case.status == S.SUBMITTED


@pytest.mark.django_db
def test_another_person_cannot_take_over_a_draft(parking_page, resident):
    token = uuid.uuid4()
    cases.save_draft(
        acting_context=ActingContext(user=resident),
        service_page=parking_page,
        form=None,
        block_id="b1",
        data={},
        step=0,
        submission_token=token,
    )
    with pytest.raises(cases.CaseError):
        submit(parking_page, UserFactory(), token=token)


WALK = [
    (S.SUBMITTED, S.RECEIVED, "office", True),
    (S.SUBMITTED, S.REJECTED, "office", True),
    (S.SUBMITTED, S.WITHDRAWN, "owner", True),
    (S.SUBMITTED, S.COMPLETED, "office", False),
    (S.SUBMITTED, S.RECEIVED, "owner", False),
    (S.RECEIVED, S.IN_PROGRESS, "office", True),
    (S.IN_PROGRESS, S.COMPLETED, "office", True),
    (S.IN_PROGRESS, S.AWAITING_APPLICANT, "office", True),
    (S.IN_PROGRESS, S.WITHDRAWN, "owner", True),
    (S.AWAITING_APPLICANT, S.IN_PROGRESS, "owner", True),
    (S.AWAITING_APPLICANT, S.COMPLETED, "office", False),
    (S.COMPLETED, S.IN_PROGRESS, "office", False),
    (S.COMPLETED, S.WITHDRAWN, "owner", False),
    (S.REJECTED, S.RECEIVED, "office", False),
    (S.WITHDRAWN, S.SUBMITTED, "owner", False),
]


@pytest.mark.django_db
@pytest.mark.parametrize("start, target, by, allowed", WALK)
def test_transition_table(parking_page, resident, start, target, by, allowed):
    case = submit(parking_page, resident)
    Case.objects.filter(pk=case.pk).update(status=start)
    case.refresh_from_db()
    if allowed:
        cases.change_status(case, target, by=by, actor=resident)
        case.refresh_from_db()
        assert case.status == target
        event = case.events.last()
        assert (event.status_from, event.status_to) == (start, target)
    else:
        with pytest.raises(cases.InvalidTransition):
            cases.change_status(case, target, by=by, actor=resident)
        case.refresh_from_db()
        assert case.status == start


@pytest.mark.django_db
def test_question_and_answer_cycle(parking_page, resident, django_capture_on_commit_callbacks):
    clerk = UserFactory(is_staff=True)
    case = submit(parking_page, resident)
    with django_capture_on_commit_callbacks(execute=True):
        question = cases.ask_question(
            case, "Bitte Fahrzeugausweis senden.", author=clerk, requested_documents="Ausweis"
        )
    case.refresh_from_db()
    assert case.status == S.AWAITING_APPLICANT
    assert question.is_open_question
    assert any("Bitte" in m.body or case.reference in m.subject for m in mail.outbox)

    cases.answer(question, "Anbei", user=resident, files=[ContentFile(b"%PDF-1.4 x", name="ausweis.pdf")])
    case.refresh_from_db()
    question.refresh_from_db()
    assert case.status == S.IN_PROGRESS
    assert not question.is_open_question
    assert case.documents.get(origin=CaseDocument.Origin.APPLICANT).message.answer_to == question
    with pytest.raises(cases.CaseError):
        cases.answer(question, "nochmals", user=resident)


@pytest.mark.django_db
def test_withdrawn_question_resumes_the_case(parking_page, resident):
    clerk = UserFactory(is_staff=True)
    case = submit(parking_page, resident)
    question = cases.ask_question(case, "Frage", author=clerk)
    cases.withdraw_question(question, actor=clerk)
    case.refresh_from_db()
    assert case.status == S.IN_PROGRESS


@pytest.mark.django_db
def test_question_needs_an_open_case(parking_page, resident):
    case = submit(parking_page, resident)
    Case.objects.filter(pk=case.pk).update(status=S.COMPLETED)
    with translation.override("en"), pytest.raises(cases.InvalidTransition, match="in progress"):
        cases.ask_question(case, "Frage", author=UserFactory(is_staff=True))


@pytest.mark.django_db
def test_organisation_cases_notify_submitter_and_managers(parking_page):
    owner = MembershipFactory(role="owner")
    member = MembershipFactory(organisation=owner.organisation, role="member")
    bystander = MembershipFactory(organisation=owner.organisation, role="member")
    case = submit(parking_page, member.user, organisation_membership=member)
    assert case.owner_organisation == owner.organisation and case.owner_user is None
    notified = set(Notification.objects.values_list("user_id", flat=True))
    assert notified == {owner.user_id, member.user_id}
    assert bystander.user_id not in notified
    # Visibility: the managers and the submitter see it, a plain member who did not submit does not.
    assert Case.objects.visible_to(owner.user).filter(pk=case.pk).exists()
    assert Case.objects.visible_to(member.user).filter(pk=case.pk).exists()
    assert not Case.objects.visible_to(bystander.user).filter(pk=case.pk).exists()


@pytest.mark.django_db
def test_mark_paid_is_idempotent(parking_page, resident):
    case = submit(parking_page, resident)
    payment = case.payments.get()
    cases.mark_paid(payment)
    cases.mark_paid(payment)
    assert case.events.filter(kind=CaseEvent.Kind.PAYMENT).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_get_distinct_references(parking_page):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL (set DATABASE_URL); SQLite serialises writers anyway")
    users = [UserFactory() for _ in range(50)]
    references, errors = [], []
    barrier = threading.Barrier(50)

    def worker(user):
        try:
            barrier.wait(timeout=30)
            references.append(submit(parking_page, user).reference)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(references) == 50 and len(set(references)) == 50
    assert Case.objects.count() == 50

"""Who may open and act on which case in the account: role × case × action, through views and policies.

A case is either a resident's own, or an organisation's submitted by a plain member or by its owner.
Whoever may not see a case gets 404 for every page and action, and nothing changes.
"""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from account.models import Membership
from services import policies
from services.models import Case, CaseDocument, CaseMessage, CaseStatus
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.services.test_case_views import (
    PDF,
    in_progress_with_question,
    issue_document,
    make_case,
    upload,
)
from tests.services.test_case_views import (
    _remove_stored_files as _remove_stored_files,  # noqa: F401  (fixture: clean the private storage)
)

S = CaseStatus
ROLES = ["owner", "other_resident", "org_owner", "org_admin", "submitter", "org_member", "non_member", "clerk"]
CASES = ["personal", "by_member", "by_org_owner"]

# Who sees (and so may act on) each kind of case.
ALLOWED = {
    "personal": {"owner"},
    "by_member": {"org_owner", "org_admin", "submitter"},
    "by_org_owner": {"org_owner", "org_admin"},
}


@pytest.fixture
def world(db):
    """Every role and every kind of case; each case is in work with an open question and an issued document."""
    organisation = OrganisationFactory()
    people = {
        "owner": UserFactory(),
        "other_resident": UserFactory(),
        "org_owner": MembershipFactory(organisation=organisation, role=Membership.Role.OWNER).user,
        "org_admin": MembershipFactory(organisation=organisation, role=Membership.Role.ADMIN).user,
        "submitter": MembershipFactory(organisation=organisation, role=Membership.Role.MEMBER).user,
        "org_member": MembershipFactory(organisation=organisation, role=Membership.Role.MEMBER).user,
        "non_member": MembershipFactory(role=Membership.Role.OWNER).user,
        "clerk": UserFactory(is_staff=True),
    }
    people["clerk"].groups.add(Group.objects.create(name="Einwohnerkontrolle"))
    all_cases = {
        "personal": make_case(people["owner"]),
        "by_member": make_case(organisation=organisation, submitted_by=people["submitter"]),
        "by_org_owner": make_case(organisation=organisation, submitted_by=people["org_owner"]),
    }
    questions = {key: in_progress_with_question(case) for key, case in all_cases.items()}
    documents = {key: issue_document(case) for key, case in all_cases.items()}
    return {"people": people, "cases": all_cases, "questions": questions, "documents": documents}


def _request(client, world, case_key, action):
    case = world["cases"][case_key]
    reference = case.reference
    question = world["questions"][case_key]
    document = world["documents"][case_key]
    if action == "view":
        return client.get(reverse("services:case_detail", kwargs={"reference": reference}))
    if action == "download":
        return client.get(reverse("services:download_document", kwargs={"reference": reference, "pk": document.pk}))
    if action == "answer":
        prefix = f"answer-{question.pk}"
        return client.post(
            reverse("services:answer_question", kwargs={"reference": reference, "question_pk": question.pk}),
            {f"{prefix}-body": "Hier die Antwort", f"{prefix}-files": [upload("beleg.pdf", PDF)]},
        )
    if action == "message":
        return client.post(reverse("services:send_message", kwargs={"reference": reference}), {"message-body": "Hallo"})
    if action == "withdraw_page":
        return client.get(reverse("services:withdraw", kwargs={"reference": reference}))
    if action == "withdraw":
        return client.post(reverse("services:withdraw", kwargs={"reference": reference}), {"confirm": "on"})
    raise AssertionError(action)


def _snapshot(case):
    """What an action could change: status, messages and the applicant's documents."""
    case = Case.objects.get(pk=case.pk)
    return (
        case.status,
        CaseMessage.objects.filter(case=case).count(),
        CaseDocument.objects.filter(case=case, origin=CaseDocument.Origin.APPLICANT).count(),
    )


ACTIONS = {"view": 200, "download": 200, "withdraw_page": 200, "answer": 302, "message": 302, "withdraw": 302}


@pytest.mark.django_db
@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("case_key", CASES)
@pytest.mark.parametrize("role", ROLES)
def test_role_case_action(client, world, role, case_key, action):
    case = world["cases"][case_key]
    before = _snapshot(case)
    client.force_login(world["people"][role])

    response = _request(client, world, case_key, action)

    if role in ALLOWED[case_key]:
        assert response.status_code == ACTIONS[action]
        if action in ("answer", "message", "withdraw"):
            assert _snapshot(case) != before
    else:
        assert response.status_code == 404
        assert _snapshot(case) == before


@pytest.mark.django_db
@pytest.mark.parametrize("action", list(ACTIONS))
def test_anonymous_is_sent_to_log_in_and_nothing_changes(client, world, action):
    case = world["cases"]["personal"]
    before = _snapshot(case)

    response = _request(client, world, "personal", action)

    assert response.status_code == 302
    assert response["Location"].startswith("/auth/login/")
    assert _snapshot(case) == before


@pytest.mark.django_db
@pytest.mark.parametrize("case_key", CASES)
@pytest.mark.parametrize("role", ROLES)
def test_policies_match_the_table_and_the_scoped_queryset(world, role, case_key):
    person = world["people"][role]
    case = Case.objects.get(pk=world["cases"][case_key].pk)
    question = world["questions"][case_key]
    allowed = role in ALLOWED[case_key]

    assert policies.can_view(person, case) is allowed
    assert Case.objects.visible_to(person).filter(pk=case.pk).exists() is allowed
    assert policies.can_withdraw(person, case) is allowed
    assert policies.can_message(person, case) is allowed
    assert policies.can_answer(person, case, question) is allowed
    assert policies.can_download(person, case, world["documents"][case_key]) is allowed


@pytest.mark.django_db
def test_policies_refuse_anonymous(world):
    from django.contrib.auth.models import AnonymousUser

    case = world["cases"]["personal"]
    assert not policies.can_view(AnonymousUser(), case)
    assert not policies.can_withdraw(AnonymousUser(), case)


@pytest.mark.django_db
@pytest.mark.parametrize("status", [S.COMPLETED, S.REJECTED, S.WITHDRAWN])
def test_closed_cases_stay_visible_but_take_no_actions(status):
    owner = UserFactory()
    case = make_case(owner, status=status)
    assert policies.can_view(owner, case)
    assert not policies.can_withdraw(owner, case)
    assert not policies.can_message(owner, case)
    assert not policies.can_answer(owner, case)


@pytest.mark.django_db
def test_drafts_are_only_their_authors():
    organisation = OrganisationFactory()
    author = MembershipFactory(organisation=organisation, role=Membership.Role.MEMBER).user
    manager = MembershipFactory(organisation=organisation, role=Membership.Role.OWNER).user
    draft = make_case(organisation=organisation, submitted_by=author, status=S.DRAFT)

    assert policies.can_delete_draft(author, draft)
    assert not policies.can_delete_draft(manager, draft)
    assert not policies.can_view(manager, draft)
    # A draft is not a case to act on, even for its author.
    assert not policies.can_withdraw(author, draft)


@pytest.mark.django_db
def test_an_answered_question_or_one_of_another_case_cannot_be_answered(world):
    from services import cases

    owner = world["people"]["owner"]
    case = world["cases"]["personal"]
    assert not policies.can_answer(owner, case, world["questions"]["by_member"])
    question = world["questions"]["personal"]
    assert policies.can_answer(owner, case, question)
    cases.answer(question, "Erledigt", user=owner)
    question.refresh_from_db()
    assert not policies.can_answer(owner, Case.objects.get(pk=case.pk), question)


@pytest.mark.django_db
def test_a_member_who_left_loses_access(client, world):
    submitter = world["people"]["submitter"]
    case = world["cases"]["by_member"]
    Membership.objects.filter(user=submitter).delete()
    client.force_login(submitter)
    assert client.get(reverse("services:case_detail", kwargs={"reference": case.reference})).status_code == 404
    assert not policies.can_view(submitter, Case.objects.get(pk=case.pk))

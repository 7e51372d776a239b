"""Who may see or do what with a case on the applicant's side (clerks work cases in the back office).

The rules mirror `Case.objects.visible_to()`: a personal case belongs to its owner; an organisation's
submitted cases are seen by its owners and administrators, and a plain member sees the ones they
submitted. Drafts are seen only by whoever started them. Views load cases through that queryset;
these functions decide the actions and let templates show only what is allowed.
"""

from account.models import Membership

from .models import CaseStatus
from .models.cases import CaseMessage

_CACHE_ATTRIBUTE = "_policy_roles"


def _organisation_role(user, case):
    """The user's role in the case's organisation (None if not a member); one query per user and case."""
    cache = case.__dict__.setdefault(_CACHE_ATTRIBUTE, {})
    if user.pk not in cache:
        cache[user.pk] = (
            Membership.objects.filter(user=user, organisation_id=case.owner_organisation_id)
            .values_list("role", flat=True)
            .first()
        )
    return cache[user.pk]


def can_view(user, case):
    if user is None or not user.is_authenticated:
        return False
    if case.owner_organisation_id is None:
        return case.owner_user_id == user.pk
    role = _organisation_role(user, case)
    if role is None:
        return False
    if case.submitted_by_id == user.pk:
        return True
    return role in Membership.MANAGING_ROLES and case.status != CaseStatus.DRAFT


def _can_act(user, case):
    """Actions on a submitted case are for those who see it: the applicant's side."""
    return case.status != CaseStatus.DRAFT and can_view(user, case)


def can_withdraw(user, case):
    from .cases import allowed_transitions

    return _can_act(user, case) and CaseStatus.WITHDRAWN in allowed_transitions(case, by="owner")


def can_message(user, case):
    return _can_act(user, case) and case.is_open


def can_answer(user, case, question=None):
    """May answer questions of the case; with `question`, that particular question (it must still be open)."""
    if not (_can_act(user, case) and case.is_open):
        return False
    if question is None:
        return True
    return (
        question.case_id == case.pk
        and question.direction == CaseMessage.Direction.TO_APPLICANT
        and question.is_open_question
    )


def can_download(user, case, document):
    return document.case_id == case.pk and _can_act(user, case)


def can_delete_draft(user, case):
    return (
        user is not None
        and user.is_authenticated
        and case.status == CaseStatus.DRAFT
        and case.submitted_by_id == user.pk
        and can_view(user, case)
    )

"""The acting context: whether a person acts for themselves or for one of their organisations.

Stored in the session as the organisation's id; resolved once per request into `request.acting_context`.
Anything a person submits belongs to the context they act in.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from .models import Membership

SESSION_KEY = "acting_organisation_id"


@dataclass(frozen=True)
class ActingContext:
    user: object
    membership: Membership | None = None

    @property
    def organisation(self):
        return self.membership.organisation if self.membership else None

    @property
    def is_personal(self):
        return self.membership is None

    @property
    def label(self):
        if self.membership is None:
            return self.user.get_full_name() or self.user.email if self.user.is_authenticated else ""
        return self.membership.organisation.name

    @property
    def kind_label(self):
        return _("Personal") if self.membership is None else self.membership.organisation.get_kind_display()


def resolve(request):
    """The context stored in the session, falling back to personal if the membership has gone."""
    user = request.user
    if not user.is_authenticated:
        return ActingContext(user=user)
    organisation_id = request.session.get(SESSION_KEY)
    if organisation_id is None:
        return ActingContext(user=user)
    membership = (
        Membership.objects.select_related("organisation").filter(user=user, organisation_id=organisation_id).first()
    )
    if membership is None:
        request.session.pop(SESSION_KEY, None)
        return ActingContext(user=user)
    return ActingContext(user=user, membership=membership)


def switch(request, organisation_id):
    """Switch to an organisation of the user (Membership.DoesNotExist if not a member) or, with None, to self."""
    if organisation_id is None:
        request.session.pop(SESSION_KEY, None)
        return ActingContext(user=request.user)
    membership = Membership.objects.select_related("organisation").get(
        user=request.user, organisation_id=organisation_id
    )
    request.session[SESSION_KEY] = membership.organisation_id
    return ActingContext(user=request.user, membership=membership)

"""Template context of the account: the acting context and the organisations to switch to."""

from .models import Membership


def acting_context(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def memberships():
        return list(Membership.objects.filter(user=user).select_related("organisation"))

    return {"acting_context": getattr(request, "acting_context", None), "my_memberships": memberships}

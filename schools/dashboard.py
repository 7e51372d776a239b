"""The "School" section of the account dashboard: each child, the person's own school and the classes they teach,
with what every school feature registered in schools.summaries. Hidden for people without a school role."""

from django.utils.translation import gettext_lazy as _

from account.dashboard import DashboardSection, register


def school_context(request):
    """The person's school cards with their summaries; None (hidden) without a school role or when acting for an
    organisation (school roles are personal)."""
    from .hub_overview import overview

    user = request.user
    if not user.is_authenticated:
        return None
    acting = getattr(request, "acting_context", None)
    if acting is not None and not acting.is_personal:
        return None
    school = overview(user)
    if not school.has_role:
        return None
    return {"overview": school}


register(
    DashboardSection(
        key="school",
        title=_("School"),
        template="schools/hub/dashboard_section.html",
        order=30,
        get_context=school_context,
    )
)

"""The cases section of the account dashboard (registered with account.dashboard)."""

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from account.dashboard import DashboardSection, register

LATEST_COUNT = 5


def cases_context(request):
    """Counts and the latest cases of the acting context, in a fixed number of queries however many cases."""
    from .models import Case
    from .models.cases import OPEN_STATUSES
    from .views import drafts_of, with_activity_counts

    if not request.user.is_authenticated:
        return None
    submitted = Case.objects.in_context(request.acting_context).submitted()
    # One query for every count: the per-case subquery counts are summed over the context's cases.
    totals = with_activity_counts(submitted).aggregate(
        total=Count("pk"),
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        questions=Sum("open_questions"),
        # The alias must differ from the annotation's name, or the annotation is dropped from the inner query.
        documents=Sum("unread_documents"),
    )
    latest = list(with_activity_counts(submitted.select_related("service_page"))[:LATEST_COUNT])
    drafts = drafts_of(request).count()
    return {
        "total": totals["total"] or 0,
        "open": totals["open"] or 0,
        "questions": totals["questions"] or 0,
        "unread_documents": totals["documents"] or 0,
        "latest": latest,
        "drafts": drafts,
    }


register(
    DashboardSection(
        key="cases",
        title=_("My cases"),
        template="services/dashboard_section.html",
        order=10,
        get_context=cases_context,
    )
)


def documents_context(request):
    """The newest delivered documents and how many are unopened (a few queries); hidden when there are none."""
    from .document_list import summary

    if not request.user.is_authenticated:
        return None
    return summary(request.acting_context)


register(
    DashboardSection(
        key="documents",
        title=_("My documents"),
        template="services/documents/dashboard_section.html",
        order=15,
        get_context=documents_context,
    )
)

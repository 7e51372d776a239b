"""The Wagtail admin report "Access to personal data": the audit trail for administrators (URLs in wagtail_hooks.py).

Only superusers and holders of `useraccount.view_personaldataaccess` open it. Filters: the person concerned
(searched by e-mail), the staff member, the action and a date range.
"""

import django_filters
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.reports import ReportView

from . import audit
from .models import PersonalDataAccess, User


def _staff_members(request):
    # Only the people who appear in the trail: the choice list stays short and shows no one else.
    return User.objects.filter(pk__in=PersonalDataAccess.objects.filter(actor__isnull=False).values("actor")).order_by(
        "email"
    )


class AccessFilterSet(WagtailFilterSet):
    person = django_filters.CharFilter(
        label=_("Person concerned (e-mail)"), field_name="subject__email", lookup_expr="icontains"
    )
    actor = django_filters.ModelChoiceFilter(label=_("Staff member"), queryset=_staff_members)
    action = django_filters.ChoiceFilter(label=_("Action"), choices=PersonalDataAccess.Action.choices)
    at = django_filters.DateFromToRangeFilter(label=_("Date"), widget=DateRangePickerWidget)

    class Meta:
        model = PersonalDataAccess
        fields = []


def _time(entry):
    local = timezone.localtime(entry.at)
    return f"{date_format(local, 'SHORT_DATE_FORMAT')} {date_format(local, 'H:i')}"


def _actor(entry):
    return entry.actor.email if entry.actor_id else entry.actor_label


def _subject(entry):
    return entry.subject.email if entry.subject_id else ""


def _record(entry):
    return f"{audit.record_type_label(entry.record_type)} {entry.record_id}".strip()


class PersonalDataAccessReport(ReportView):
    page_title = _("Access to personal data")
    header_icon = "view"
    model = PersonalDataAccess
    filterset_class = AccessFilterSet
    index_url_name = "useraccount_audit:report"
    index_results_url_name = "useraccount_audit:report_results"
    verbose_name_plural = _("accesses to personal data")
    columns = [
        Column("at", label=_("Time"), accessor=_time),
        Column("actor", label=_("Staff member"), accessor=_actor),
        Column("action", label=_("Action"), accessor="get_action_display"),
        Column("subject", label=_("Person concerned"), accessor=_subject),
        Column("record", label=_("Record"), accessor=_record),
        Column("summary", label=_("What"), accessor="summary"),
    ]

    def dispatch(self, request, *args, **kwargs):
        if not audit.may_view_trail(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        self.queryset = PersonalDataAccess.objects.select_related("actor", "subject").order_by("-at", "-pk")
        return super().get_queryset()

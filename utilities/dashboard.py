"""The "Energy and water" section of the account dashboard: this month's consumption against the same days a year
ago, open invoices and the next reading due, for the acting context's linked customer accounts."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from account.dashboard import DashboardSection, register

from . import consumption, policies
from .models import Invoice, Meter, Register

# One query per smart meter; an account with more meters is sent to the overview instead of a slow dashboard.
MAX_METERS_COMPARED = 12


@dataclass
class MediumUsage:
    medium: str
    unit: str
    current: Decimal | None
    previous: Decimal | None

    @property
    def change_percent(self):
        if self.current is None or not self.previous:
            return None
        return round((self.current - self.previous) / self.previous * 100)


def year_earlier(moment):
    """The same wall-clock moment a year before; 29 February becomes 28 February."""
    try:
        return moment.replace(year=moment.year - 1)
    except ValueError:
        return moment.replace(year=moment.year - 1, day=28)


def month_so_far(now):
    """(start, end) of this month up to `now` and of the same days a year earlier, as aware local datetimes."""
    now = timezone.localtime(now)
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (start, now), (year_earlier(start), year_earlier(now))


def usage_by_medium(meters, now):
    """Consumption (import register) of the smart meters this month so far and on the same days last year, per
    medium and unit. A medium's figure is None when any of its meters lacks the data: half a sum would mislead."""
    (start, end), (last_start, last_end) = month_so_far(now)
    groups = {}
    for meter in meters:
        begin, finish, last_begin, last_finish = consumption.values_at(
            meter, Register.IMPORT, [start, end, last_start, last_end]
        )
        current = consumption.bar_consumption(begin, finish, start, end)
        previous = consumption.bar_consumption(last_begin, last_finish, last_start, last_end)
        key = (meter.medium, meter.unit)
        group = groups.setdefault(
            key, MediumUsage(meter.get_medium_display(), meter.get_unit_display(), Decimal(0), Decimal(0))
        )
        group.current = None if current is None or group.current is None else group.current + current
        group.previous = None if previous is None or group.previous is None else group.previous + previous
    return list(groups.values())


def open_invoice_summary(customers, today):
    """Count, total and next due date of the open invoices (overdue ones included), in one query."""
    return Invoice.objects.filter(customer__in=customers, status=Invoice.Status.OPEN).aggregate(
        count=Count("pk"),
        total_rappen=Sum("amount_rappen"),
        next_due_on=Min("due_on"),
        overdue=Count("pk", filter=Q(due_on__lt=today)),
    )


def dashboard_context(request):
    """Hidden (None) for people without any linked customer account; at most four queries plus one per smart meter
    (up to MAX_METERS_COMPARED)."""
    user = request.user
    if not user.is_authenticated:
        return None
    customers = list(policies.customers_in_context(request))
    if not customers:
        if not policies.customers_visible_to(user).exists():
            return None
        return {"customers": [], "elsewhere": True}
    today = timezone.localdate()
    meters = list(Meter.objects.filter(customer__in=customers).order_by("medium", "meter_number"))
    smart = [meter for meter in meters if meter.is_smart]
    too_many = len(smart) > MAX_METERS_COMPARED
    due = [meter for meter in meters if meter.reading_due_on]
    return {
        "customers": customers,
        "usage": [] if too_many else usage_by_medium(smart, timezone.now()),
        "too_many_meters": too_many,
        "invoices": open_invoice_summary(customers, today),
        "next_reading": min(due, key=lambda meter: (meter.reading_due_on, meter.meter_number)) if due else None,
        "today": today,
    }


register(
    DashboardSection(
        key="utilities",
        title=_("Energy and water"),
        template="utilities/dashboard_section.html",
        order=50,
        get_context=dashboard_context,
    )
)

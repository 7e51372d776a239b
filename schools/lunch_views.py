"""Lunch table pages in the account: the overview (children, invoices, kitchen lists), a child's bookings and lunch
days with cancelling, and the kitchen list of a day.

Children are loaded through `lunch.lunch_students(user)` (guardians and the student themself; others get 404);
booking and cancelling need a guardian with custody who is not information-only (others 403).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import lunch, policies
from .lunch_forms import CancelDayForm, KitchenDateForm, WeekdaysForm
from .models import LunchInvoice


def _student(request, student_id):
    return get_object_or_404(lunch.lunch_students(request.user), pk=student_id)


@login_required
def overview(request):
    """The entry page: the person's children (or themself), their invoices, kitchen lists they may open."""
    students = list(lunch.lunch_students(request.user).order_by("first_name", "last_name", "pk"))
    wanted = request.GET.get("student")
    if wanted:
        if not wanted.isdigit() or int(wanted) not in {s.pk for s in students}:
            raise Http404
        return redirect("school:lunch_child", student_id=int(wanted))
    invoices = list(LunchInvoice.objects.filter(guardian=request.user).select_related("school", "case"))
    for invoice in invoices:
        invoice.amount = lunch.money(invoice.amount_rappen)
    return render(
        request,
        "schools/lunch/overview.html",
        {
            "students": students,
            "invoices": invoices,
            "kitchen_schools": list(lunch.kitchen_schools(request.user)),
            "today": timezone.localdate(),
        },
    )


def _child_page(request, student, bound_forms=None):
    bound_forms = bound_forms or {}
    offers = []
    for offer in lunch.offers_for(student):
        active = lunch.active_weekdays(offer, student)
        form = bound_forms.get(offer.pk) or WeekdaysForm(offer=offer, initial={"weekdays": active})
        offers.append(
            {
                "offer": offer,
                "form": form,
                "price": lunch.money(offer.price_rappen),
                "served": [lunch.weekday_name(day) for day in offer.weekday_list],
                "booked": [lunch.weekday_name(day) for day in active],
            }
        )
    return render(
        request,
        "schools/lunch/child.html",
        {
            "student": student,
            "school_class": lunch.current_class(student),
            "can_act": policies.may_act_for_student(request.user, student),
            "offers": offers,
            "days": lunch.upcoming_days(student),
        },
        status=400 if bound_forms else 200,
    )


@login_required
def child(request, student_id):
    return _child_page(request, _student(request, student_id))


@login_required
@require_POST
def book(request, student_id, offer_id):
    student = _student(request, student_id)
    offer = get_object_or_404(lunch.offers_for(student), pk=offer_id)
    if not policies.may_act_for_student(request.user, student):
        raise PermissionDenied
    form = WeekdaysForm(request.POST, offer=offer)
    if not form.is_valid():
        return _child_page(request, student, {offer.pk: form})
    try:
        added, removed = lunch.set_weekdays(request.user, student, offer, form.cleaned_data["weekdays"])
    except lunch.LunchError as error:
        form.add_error(None, str(error))
        return _child_page(request, student, {offer.pk: form})
    if added or removed:
        messages.success(request, _("The lunch days of %(name)s are saved.") % {"name": student.get_full_name()})
    else:
        messages.info(request, _("Nothing changed."))
    return redirect("school:lunch_child", student_id=student.pk)


@login_required
@require_POST
def cancel(request, student_id):
    student = _student(request, student_id)
    if not policies.may_act_for_student(request.user, student):
        raise PermissionDenied
    form = CancelDayForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose a lunch day to cancel."))
        return redirect("school:lunch_child", student_id=student.pk)
    day = form.cleaned_data["date"]
    try:
        lunch.cancel_day(request.user, student, day)
    except lunch.LunchError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Lunch on %(date)s is cancelled.") % {"date": lunch.swiss_date(day)})
    return redirect("school:lunch_child", student_id=student.pk)


@login_required
def kitchen(request, school_id):
    """The kitchen list of a school and day (print view)."""
    school = get_object_or_404(lunch.kitchen_schools(request.user), pk=school_id)
    form = KitchenDateForm(request.GET if "date" in request.GET else None, initial={"date": timezone.localdate()})
    day = form.cleaned_data["date"] if form.is_bound and form.is_valid() else timezone.localdate()
    result = lunch.kitchen_list(school, day)
    return render(
        request,
        "schools/lunch/kitchen.html",
        {
            "school": school,
            "day": day,
            "weekday": lunch.weekday_name(day.weekday()),
            "form": form,
            **result,
        },
        status=400 if form.is_bound and form.errors else 200,
    )

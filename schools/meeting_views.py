"""Parent–teacher meetings in the account: the overview, a series (teacher or family view), booking, export, iCal.

Thin views: records come through the scoped querysets of schools.meetings (404 for anything not visible), the rules
there decide and raise MeetingError with the message to show.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import meetings, policies
from .meeting_forms import BookingForm, SeriesChangeForm, SeriesForm, SlotsForm
from .models import Guardianship
from .models.meetings import MeetingSlot


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _families(user):
    """Q for the enrolments of the person themself and of their children (also information only)."""
    return Q(student=user) | Q(student__in=Guardianship.objects.filter(guardian=user).values("student"))


def _acting_for(user):
    """Ids of the children the person may act for (custody, not information only): one query."""
    return set(
        Guardianship.objects.filter(guardian=user, has_custody=True, information_only=False).values_list(
            "student_id", flat=True
        )
    )


@login_required
def overview(request):
    """Teachers: the series of their classes; guardians and students: the series of the children's classes."""
    user, now = request.user, timezone.now()
    class_filter, student_filter = _int(request.GET.get("class")), _int(request.GET.get("student"))

    taught = list(meetings.taught_classes(user).select_related("school", "school_year").order_by("name", "pk"))
    if class_filter is not None and any(c.pk == class_filter for c in taught):
        taught = [c for c in taught if c.pk == class_filter]
    teacher_series = {}
    if taught:
        for series in meetings.with_counts(
            meetings.series_taught_by(user).filter(school_class__in=taught).select_related("teacher")
        ).order_by("-booking_deadline", "pk"):
            teacher_series.setdefault(series.school_class_id, []).append(series)
    teacher_classes = [{"school_class": c, "series": teacher_series.get(c.pk, [])} for c in taught]

    enrolments = list(
        policies.current_enrolments()
        .filter(_families(user))
        .select_related("student", "school_class__school")
        .order_by("student__first_name", "student__last_name", "school_class__name")
    )
    if student_filter is not None and any(e.student_id == student_filter for e in enrolments):
        enrolments = [e for e in enrolments if e.student_id == student_filter]
    children = []
    if enrolments:
        class_ids = {e.school_class_id for e in enrolments}
        series_list = list(
            meetings.upcoming(meetings.series_visible_to(user).filter(school_class__in=class_ids), now)
            .select_related("teacher")
            .order_by("booking_deadline", "pk")
        )
        bookings = {
            (b.series_id, b.student_id): b
            for b in meetings.bookings_visible_to(user)
            .filter(series__in=[s.pk for s in series_list], student__in=[e.student_id for e in enrolments])
            .select_related("slot")
        }
        acting = _acting_for(user)
        for enrolment in enrolments:
            entries = [
                {
                    "series": series,
                    "booking": bookings.get((series.pk, enrolment.student_id)),
                    "open": meetings.is_open(series, now),
                }
                for series in series_list
                if series.school_class_id == enrolment.school_class_id
            ]
            children.append(
                {
                    "student": enrolment.student,
                    "school_class": enrolment.school_class,
                    "is_self": enrolment.student_id == user.pk,
                    "may_act": enrolment.student_id in acting,
                    "entries": entries,
                }
            )
    return render(
        request,
        "schools/meetings/overview.html",
        {"teacher_classes": teacher_classes, "children": children, "now": now},
    )


def _visible_series(request, pk):
    return get_object_or_404(
        meetings.series_visible_to(request.user).select_related("school_class__school", "teacher"), pk=pk
    )


def _render_series(request, series, bound=None, status=200):
    user, now = request.user, timezone.now()
    slots = list(series.slots.select_related("booking__student", "booking__booked_by").order_by("starts_at", "pk"))
    for slot in slots:
        slot.ends_at = meetings.slot_end(slot)
        slot.current_booking = getattr(slot, "booking", None)
        if slot.current_booking is not None:
            slot.current_booking.slot = slot
    is_teacher = policies.is_teacher_of(user, series.school_class)
    is_open = meetings.is_open(series, now)
    context = {
        "series": series,
        "slots": slots,
        "is_teacher": is_teacher,
        "may_manage": is_teacher and series.teacher_id == user.pk,
        "is_open": is_open,
        "booked_count": sum(1 for slot in slots if slot.current_booking),
    }
    if is_teacher:
        booked_students = {slot.current_booking.student_id for slot in slots if slot.current_booking}
        context["not_booked"] = [
            enrolment.student
            for enrolment in policies.current_enrolments()
            .filter(school_class=series.school_class)
            .select_related("student")
            .order_by("student__last_name", "student__first_name")
            if enrolment.student_id not in booked_students
        ]
    # The family part: the person themself or their children in this class (also information only).
    family = list(
        policies.current_enrolments()
        .filter(_families(user), school_class=series.school_class)
        .select_related("student")
        .order_by("student__first_name", "student__last_name")
    )
    student_filter = _int(request.GET.get("student"))
    if student_filter is not None and any(e.student_id == student_filter for e in family):
        family = [e for e in family if e.student_id == student_filter]
    acting = _acting_for(user) if family else set()
    bookings = {slot.current_booking.student_id: slot.current_booking for slot in slots if slot.current_booking}
    has_free = any(not slot.current_booking and slot.starts_at > now for slot in slots)
    children = []
    for enrolment in family:
        student = enrolment.student
        may_act = student.pk in acting
        form = None
        if may_act and is_open and has_free:
            form = bound if bound is not None and bound.student.pk == student.pk else None
            form = form or BookingForm(series=series, student=student)
        children.append(
            {
                "student": student,
                "is_self": student.pk == user.pk,
                "may_act": may_act,
                "booking": bookings.get(student.pk),
                "form": form,
            }
        )
    context["children"] = children
    context["family_ids"] = {entry["student"].pk for entry in children}
    context["show_slots_to_family"] = any(entry["may_act"] for entry in children)
    return render(request, "schools/meetings/series.html", context, status=status)


@login_required
def series_detail(request, pk):
    return _render_series(request, _visible_series(request, pk))


@login_required
def series_new(request, class_id):
    school_class = get_object_or_404(
        policies.classes_visible_to(request.user).select_related("school", "school_year"), pk=class_id
    )
    if not policies.is_teacher_of(request.user, school_class):
        raise PermissionDenied
    form = SeriesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            series = meetings.open_series(
                request.user,
                school_class,
                title=data["title"],
                description=data["description"],
                booking_deadline=data["booking_deadline"],
                **form.slot_values(),
            )
        except meetings.MeetingError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request,
                _("The meetings are open for booking: %(count)d times.") % {"count": series.slots.count()},
            )
            return redirect("school:meetings_series", pk=series.pk)
    return render(request, "schools/meetings/series_form.html", {"form": form, "school_class": school_class})


@login_required
def series_edit(request, pk):
    series = _visible_series(request, pk)
    if not meetings.may_manage(request.user, series):
        raise PermissionDenied
    initial = {
        "title": series.title,
        "description": series.description,
        "booking_deadline": timezone.localtime(series.booking_deadline),
    }
    form = SeriesChangeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        meetings.update_series(request.user, series, **form.cleaned_data)
        messages.success(request, _("The changes have been saved."))
        return redirect("school:meetings_series", pk=series.pk)
    return render(
        request,
        "schools/meetings/series_form.html",
        {"form": form, "series": series, "school_class": series.school_class},
    )


@login_required
def slots_add(request, pk):
    series = _visible_series(request, pk)
    if not meetings.may_manage(request.user, series):
        raise PermissionDenied
    last = series.slots.order_by("-starts_at").first()
    initial = {}
    if last is not None:
        initial = {
            "day": timezone.localtime(last.starts_at).date(),
            "first_start": timezone.localtime(meetings.slot_end(last)).time().replace(second=0, microsecond=0),
            "length": last.duration_minutes,
            "location": last.location,
            "online_url": last.online_url,
        }
    form = SlotsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            slots = meetings.add_slots(request.user, series, **form.slot_values())
        except meetings.MeetingError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("%(count)d times added.") % {"count": len(slots)})
            return redirect("school:meetings_series", pk=series.pk)
    return render(request, "schools/meetings/slots_form.html", {"form": form, "series": series})


@login_required
@require_POST
def slot_delete(request, pk, slot_pk):
    series = _visible_series(request, pk)
    slot = get_object_or_404(MeetingSlot.objects.filter(series=series), pk=slot_pk)
    if not meetings.may_manage(request.user, series):
        raise PermissionDenied
    slot.series = series
    try:
        meetings.delete_slot(request.user, slot)
    except meetings.MeetingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The time %(time)s has been deleted.") % {"time": meetings.format_slot(slot)})
    return redirect("school:meetings_series", pk=series.pk)


@login_required
@require_POST
def book(request, pk):
    """Book a slot for a child, or move the child's booking there."""
    series = _visible_series(request, pk)
    user = request.user
    # A child the person does not see answers 404; a child they see but may not act for, 403.
    student = get_object_or_404(
        policies.students_visible_to(user).filter(
            pk__in=policies.current_enrolments().filter(school_class=series.school_class).values("student")
        ),
        pk=_int(request.POST.get("student")) or 0,
    )
    if not policies.may_act_for_student(user, student):
        raise PermissionDenied
    back = reverse("school:meetings_series", kwargs={"pk": series.pk}) + f"?student={student.pk}"
    if not meetings.is_open(series):
        messages.error(
            request,
            _("Booking closed on %(deadline)s. Please contact the teacher.")
            % {"deadline": timezone.localtime(series.booking_deadline).strftime("%d.%m.%Y %H:%M")},
        )
        return redirect(back)
    form = BookingForm(request.POST, series=series, student=student)
    if form.is_valid():
        slot = form.cleaned_data["slot"]
        slot.series = series
        existing = meetings.bookings_visible_to(user).filter(series=series, student=student).select_related("slot")
        existing = existing.first()
        try:
            if existing is None:
                booking = meetings.book(user, slot, student)
                messages.success(
                    request,
                    _("Booked: %(time)s for %(name)s. A confirmation is on its way.")
                    % {"time": meetings.format_slot(booking.slot), "name": student.first_name or student},
                )
            else:
                existing.series, existing.student = series, student
                booking = meetings.rebook(user, existing, slot)
                messages.success(
                    request,
                    _("Moved: the meeting for %(name)s is now on %(time)s.")
                    % {"time": meetings.format_slot(booking.slot), "name": student.first_name or student},
                )
            return redirect(back)
        except meetings.MeetingError as error:
            if error.field != "slot":
                messages.error(request, str(error))
                return redirect(back)
            form.add_error("slot", error.message)
    return _render_series(request, series, bound=form)


@login_required
@require_POST
def cancel(request, pk):
    booking = get_object_or_404(
        meetings.bookings_visible_to(request.user).select_related(
            "slot", "series__teacher", "series__school_class", "student", "booked_by"
        ),
        pk=pk,
    )
    user = request.user
    if not (meetings.may_manage(user, booking.series) or policies.may_act_for_student(user, booking.student)):
        raise PermissionDenied
    try:
        meetings.cancel(user, booking)
    except meetings.MeetingError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("The meeting on %(time)s for %(name)s has been cancelled.")
            % {"time": meetings.format_slot(booking.slot), "name": booking.student.first_name or booking.student},
        )
    url = reverse("school:meetings_series", kwargs={"pk": booking.series_id})
    if booking.student_id != user.pk and not policies.is_teacher_of(user, booking.series.school_class):
        url += f"?student={booking.student_id}"
    return redirect(url)


@login_required
def booking_ics(request, pk):
    booking = get_object_or_404(
        meetings.bookings_visible_to(request.user).select_related("slot", "series__teacher", "student"), pk=pk
    )
    url = request.build_absolute_uri(reverse("school:meetings_series", kwargs={"pk": booking.series_id}))
    content = meetings.booking_calendar(booking, request.get_host().split(":")[0], url=url)
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    day = timezone.localtime(booking.slot.starts_at).strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="meeting-{day}.ics"'
    return response


@login_required
def export(request, pk):
    series = _visible_series(request, pk)
    if not policies.is_teacher_of(request.user, series.school_class):
        raise PermissionDenied
    response = HttpResponse(meetings.export_csv(series), content_type="text/csv; charset=utf-8")
    name = f"meetings-{series.school_class.name}-{series.pk}.csv".replace(" ", "_")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response

"""Back office of courses: school administrators maintain courses and see their registrations (with the waiting list).

`CourseAdmin` lists, adds and edits courses (with places taken and the waiting list's length); its inspect view
shows the course with all its registrations. `CourseRegistrationAdmin` lists registrations, filtered by course,
school and status, read-only: registrations change only through the rules in `schools.courses` (guardians
register and cancel in their account), so the waiting list always moves up and fees are always billed and
cancelled. Raising the capacity of a course gives the new places to those waiting at once.

Both follow `schools.admin_base` (model permissions, only for active staff; only declared list filters) and
are wired into its "Schools" menu group. Registrations are personal records: every one a page shows is written to
the audit trail.
"""

from django.contrib import messages
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail_modeladmin.views import EditView, InspectView

from account import audit

from . import courses as rules
from .admin_base import DeclaredFiltersIndexView, SchoolsModelAdmin, SchoolsPermissionHelper
from .models import Course, CourseRegistration

Status = CourseRegistration.Status


def _record_views(request, registrations, summary):
    for registration in registrations:
        audit.record(request, audit.Action.VIEW, record=registration, subject=registration.student_id, summary=summary)


class CourseAdminForm(WagtailAdminModelForm):
    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("registration_opens_at"), cleaned.get("registration_closes_at")
        if opens and closes and closes <= opens:
            self.add_error("registration_closes_at", _("Registration must close after it opens."))
        low, high = cleaned.get("min_grade"), cleaned.get("max_grade")
        if low is not None and high is not None and high < low:
            self.add_error("max_grade", _("The highest grade cannot be below the lowest."))
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The course cannot end before it starts."))
        if cleaned.get("capacity") == 0:
            self.add_error("capacity", _("A course needs at least one place."))
        return cleaned


class CourseEditView(EditView):
    def form_valid(self, form):
        response = super().form_valid(form)
        # More places: those waiting move up now (billed and told), in the order they registered.
        moved = rules.fill_places(self.instance)
        if moved:
            messages.info(
                self.request,
                _("%(count)d registration(s) moved up from the waiting list.") % {"count": len(moved)},
            )
        return response


class CourseInspectView(InspectView):
    """The course's facts, then all its registrations: places, waiting list (in order) and cancellations."""

    def get_template_names(self):
        return ["schools/courses/admin_course_inspect.html"]

    def get_context_data(self, **kwargs):
        registrations = list(
            rules.with_positions(self.instance.registrations.all())
            .select_related("student", "registered_by", "fee_case")
            .order_by("created_at", "pk")
        )
        for registration in registrations:
            registration.position = rules.position_of(registration)
        _record_views(
            self.request, registrations, _("Course registrations of “%(course)s”") % {"course": self.instance}
        )
        groups = [
            (_("Registered"), [r for r in registrations if r.status == Status.REGISTERED]),
            (_("Waiting list"), [r for r in registrations if r.status == Status.WAITING]),
            (_("Cancelled"), [r for r in registrations if r.status == Status.CANCELLED]),
        ]
        return super().get_context_data(registration_groups=groups, **kwargs)


class CourseAdmin(SchoolsModelAdmin):
    model = Course
    menu_label = gettext_lazy("Courses")
    menu_icon = "list-ul"
    list_display = ("title", "school", "grades", "capacity", "places_taken", "waiting_list", "registration_closes_at")
    list_filter = ("school",)
    search_fields = ("title", "school__name")
    list_select_related = ("school",)
    inspect_view_enabled = True
    inspect_view_class = CourseInspectView
    edit_view_class = CourseEditView
    inspect_view_fields = (
        "title",
        "school",
        "description",
        "min_grade",
        "max_grade",
        "capacity",
        "registration_opens_at",
        "registration_closes_at",
        "starts_on",
        "ends_on",
        "schedule",
        "fee_rappen",
    )
    edit_handler = ObjectList(
        [
            FieldPanel("school"),
            FieldPanel("title"),
            FieldPanel("description"),
            FieldRowPanel([FieldPanel("min_grade"), FieldPanel("max_grade")], heading=gettext_lazy("Grade levels")),
            FieldPanel("capacity"),
            MultiFieldPanel(
                [FieldPanel("registration_opens_at"), FieldPanel("registration_closes_at")],
                heading=gettext_lazy("Registration window"),
            ),
            FieldRowPanel([FieldPanel("starts_on"), FieldPanel("ends_on")], heading=gettext_lazy("Dates")),
            FieldPanel("schedule"),
            FieldPanel(
                "fee_rappen",
                help_text=gettext_lazy("In Rappen: 4000 = CHF 40.00. 0 for a free course."),
            ),
        ],
        base_form_class=CourseAdminForm,
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                taken_count=Count("registrations", filter=Q(registrations__status=Status.REGISTERED), distinct=True),
                waiting_count=Count("registrations", filter=Q(registrations__status=Status.WAITING), distinct=True),
            )
        )

    @staticmethod
    def grades(course):
        if course.min_grade is None and course.max_grade is None:
            return _("All grade levels")
        return f"{course.min_grade if course.min_grade is not None else '…'}–{course.max_grade or '…'}"

    grades.short_description = gettext_lazy("Grade levels")

    @staticmethod
    def places_taken(course):
        return course.taken_count

    places_taken.short_description = gettext_lazy("Places taken")

    @staticmethod
    def waiting_list(course):
        return course.waiting_count

    waiting_list.short_description = gettext_lazy("Waiting list")


class RegistrationPermissionHelper(SchoolsPermissionHelper):
    """Registrations are listed and inspected, never added, edited or deleted here (the rules keep the list)."""

    def user_can_create(self, user):
        return False

    def user_can_edit_obj(self, user, obj):
        return False

    def user_can_delete_obj(self, user, obj):
        return False


class RegistrationIndexView(DeclaredFiltersIndexView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        _record_views(self.request, context["object_list"], _("Listed in “Course registrations”"))
        return context


class RegistrationInspectView(InspectView):
    def get_context_data(self, **kwargs):
        _record_views(self.request, [self.instance], _("Course registration inspected"))
        return super().get_context_data(**kwargs)


class CourseRegistrationAdmin(SchoolsModelAdmin):
    model = CourseRegistration
    menu_label = gettext_lazy("Course registrations")
    menu_icon = "user"
    permission_helper_class = RegistrationPermissionHelper
    index_view_class = RegistrationIndexView
    inspect_view_class = RegistrationInspectView
    inspect_view_enabled = True
    list_display = ("student", "course", "status", "created_at", "moved_up_at", "cancelled_at", "fee")
    list_filter = ("course", "course__school", "status")
    search_fields = ("student__first_name", "student__last_name", "student__email", "course__title")
    list_select_related = ("student", "course", "fee_case")
    inspect_view_fields = (
        "course",
        "student",
        "registered_by",
        "status",
        "created_at",
        "moved_up_at",
        "cancelled_at",
        "fee_case",
    )

    @staticmethod
    def fee(registration):
        return registration.fee_case.reference if registration.fee_case_id else "–"

    fee.short_description = gettext_lazy("Fee case")

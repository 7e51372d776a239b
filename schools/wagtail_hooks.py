"""Back office of the school records: school houses, school years, terms, classes, enrolments, guardianships and
teaching assignments, maintained by school administrators.

One menu group, "Schools", shown to superusers and to active staff holding a permission on one of its models; each
list, form and delete view asks the model permission of its own model (a group may e.g. maintain enrolments only).
"""

from django.utils.translation import gettext_lazy as _
from wagtail_modeladmin.options import ModelAdminGroup, modeladmin_register

from .admin_base import SchoolsModelAdmin
from .course_admin import CourseAdmin, CourseRegistrationAdmin
from .lunch_admin import LunchBookingAdmin, LunchCancellationAdmin, LunchInvoiceAdmin, LunchOfferAdmin
from .models import Enrolment, Guardianship, School, SchoolClass, SchoolYear, TeachingAssignment, Term


class SchoolAdmin(SchoolsModelAdmin):
    model = School
    menu_icon = "home"
    list_display = ("name", "code", "grades_visible_without_custody")
    list_filter = ("grades_visible_without_custody",)
    search_fields = ("name", "code")


class SchoolYearAdmin(SchoolsModelAdmin):
    model = SchoolYear
    menu_icon = "date"
    list_display = ("name", "starts_on", "ends_on")
    search_fields = ("name",)


class TermAdmin(SchoolsModelAdmin):
    model = Term
    menu_icon = "calendar"
    list_display = ("name", "school_year", "starts_on", "ends_on")
    list_filter = ("school_year",)
    search_fields = ("name", "school_year__name")
    list_select_related = ("school_year",)


class SchoolClassAdmin(SchoolsModelAdmin):
    model = SchoolClass
    menu_icon = "group"
    list_display = ("name", "school", "school_year", "grade", "external_id")
    list_filter = ("school", "school_year", "grade")
    search_fields = ("name", "external_id", "school__name")
    list_select_related = ("school", "school_year")


class EnrolmentAdmin(SchoolsModelAdmin):
    model = Enrolment
    menu_icon = "user"
    list_display = ("student", "school_class", "starts_on", "ends_on")
    list_filter = ("school_class__school", "school_class__school_year", "school_class")
    search_fields = ("student__first_name", "student__last_name", "student__email", "school_class__name")
    list_select_related = ("student", "school_class__school", "school_class__school_year")


class GuardianshipAdmin(SchoolsModelAdmin):
    model = Guardianship
    menu_icon = "user"
    list_display = ("guardian", "student", "has_custody", "information_only")
    list_filter = ("has_custody", "information_only")
    search_fields = (
        "guardian__first_name",
        "guardian__last_name",
        "guardian__email",
        "student__first_name",
        "student__last_name",
        "student__email",
    )
    list_select_related = ("guardian", "student")


class TeachingAssignmentAdmin(SchoolsModelAdmin):
    model = TeachingAssignment
    menu_icon = "user"
    list_display = ("teacher", "school_class", "is_class_teacher", "subjects")
    list_filter = ("school_class__school", "school_class__school_year", "is_class_teacher")
    search_fields = ("teacher__first_name", "teacher__last_name", "teacher__email", "school_class__name", "subjects")
    list_select_related = ("teacher", "school_class__school", "school_class__school_year")


class SchoolsGroup(ModelAdminGroup):
    menu_label = _("Schools")
    menu_icon = "home"
    menu_order = 500
    items = (
        SchoolAdmin,
        SchoolYearAdmin,
        TermAdmin,
        SchoolClassAdmin,
        EnrolmentAdmin,
        GuardianshipAdmin,
        TeachingAssignmentAdmin,
        CourseAdmin,
        CourseRegistrationAdmin,
        LunchOfferAdmin,
        LunchBookingAdmin,
        LunchCancellationAdmin,
        LunchInvoiceAdmin,
    )


modeladmin_register(SchoolsGroup)

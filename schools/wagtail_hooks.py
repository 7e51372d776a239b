"""Back office of the school records: school houses, school years, terms, classes, enrolments, guardianships and
teaching assignments, maintained by school administrators.

One menu group, "Schools", shown to superusers and to active staff holding a permission on one of its models; each
list, form and delete view asks the model permission of its own model (a group may e.g. maintain enrolments only).
"""

from django.contrib.auth import get_permission_codename
from django.utils.translation import gettext_lazy as _
from wagtail_modeladmin.helpers import PermissionHelper
from wagtail_modeladmin.options import ModelAdmin, ModelAdminGroup, modeladmin_register
from wagtail_modeladmin.views import IndexView

from .models import Enrolment, Guardianship, School, SchoolClass, SchoolYear, TeachingAssignment, Term

ANY = ("add", "change", "delete", "view")


def is_staff(user):
    return user.is_authenticated and user.is_active and (user.is_staff or user.is_superuser)


def may(user, model, *actions):
    if not is_staff(user):
        return False
    opts = model._meta
    return any(user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}") for action in actions)


class SchoolsPermissionHelper(PermissionHelper):
    """Model permissions as usual, but only for active staff: guardians and teachers never get here."""

    def user_has_specific_permission(self, user, perm_codename):
        return is_staff(user) and super().user_has_specific_permission(user, perm_codename)

    def user_has_any_permissions(self, user):
        return may(user, self.model, *ANY)


class DeclaredFiltersIndexView(IndexView):
    """modeladmin would pass any other query parameter to .filter() (e.g. student__password__startswith=…)."""

    def get_filters_params(self, params=None):
        lookup_params = super().get_filters_params(params)
        allowed = set()
        for field in self.model_admin.list_filter:
            allowed |= {f"{field}__exact", f"{field}__id__exact", f"{field}__isnull"}
        return {key: value for key, value in lookup_params.items() if key in allowed}


class SchoolsModelAdmin(ModelAdmin):
    permission_helper_class = SchoolsPermissionHelper
    index_view_class = DeclaredFiltersIndexView
    list_per_page = 50
    add_to_admin_menu = False


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
    )


modeladmin_register(SchoolsGroup)

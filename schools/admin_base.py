"""The building blocks of the school back office: model permissions for active staff only, declared filters only.

`schools.wagtail_hooks` and each feature's admin module (courses, lunch …) build their lists from these.
"""

from django.contrib.auth import get_permission_codename
from wagtail_modeladmin.helpers import PermissionHelper
from wagtail_modeladmin.options import ModelAdmin
from wagtail_modeladmin.views import IndexView

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

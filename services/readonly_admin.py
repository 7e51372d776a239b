"""A register the back office lists but never edits: its records change only through the rules' actions.

The registers hold personal records (parking permits, tax accounts, certificates), so their list is audited here
once for all of them: every record a page shows (or a spreadsheet exports) is an entry in the audit trail.
"""

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from wagtail_modeladmin.helpers import PermissionHelper
from wagtail_modeladmin.views import IndexView

from account import audit


class ReadOnlyPermissionHelper(PermissionHelper):
    """Subclasses say who may list (`user_can_list`); nobody creates, inspects, edits or deletes here."""

    def user_can_create(self, user):
        return False

    def user_can_inspect_obj(self, user, obj):
        return False

    def user_can_edit_obj(self, user, obj):
        return False

    def user_can_delete_obj(self, user, obj):
        return False


class AuditedIndexView(IndexView):
    """The list of a read-only register: each record shown is recorded as read by the clerk, with the search."""

    def _summary(self):
        summary = _("Listed in “%(register)s”") % {"register": capfirst(self.opts.verbose_name_plural)}
        if self.query:
            summary += " " + _("(search: %(query)s)") % {"query": self.query}
        return summary

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The page's records are fetched here once; the template then renders the same, already loaded list.
        audit.record_many(self.request, audit.Action.VIEW, context["object_list"], summary=self._summary())
        return context

    def as_spreadsheet(self, queryset, spreadsheet_format):
        audit.record_many(self.request, audit.Action.EXPORT, queryset, summary=self._summary())
        return super().as_spreadsheet(queryset, spreadsheet_format)

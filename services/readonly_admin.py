"""A register the back office lists but never edits: its records change only through the rules' actions."""

from wagtail_modeladmin.helpers import PermissionHelper


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

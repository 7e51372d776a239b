"""School staff edit only their school's pages: one editor group per school page, with rights on that subtree only.

`ensure_school_editors(school_page)` makes (or repairs) the group "<school name>: Redaktion": it may open the Wagtail
admin, add, change, publish, lock and unlock pages below and including the school page, and use a document and image
collection of its own (named after the school) to upload files for those pages. Nothing else in the page tree is
theirs: Wagtail's explorer and edit views answer with "no permission" for any other page. Administrators add people
to the group in Settings → Users (or `add_school_editor`).
"""

import logging

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission

logger = logging.getLogger(__name__)

GROUP_NAME = "{school}: Redaktion"
PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")
COLLECTION_PERMISSIONS = {
    "wagtaildocs": ("add_document", "change_document", "choose_document"),
    "wagtailimages": ("add_image", "change_image", "choose_image"),
}


def group_name(school):
    return GROUP_NAME.format(school=school.name)[:150]


def school_collection(school):
    """The collection for the school's documents and images, below the root collection (created if missing)."""
    # Wagtail's migration makes the root collection; a flushed test database has none.
    root = Collection.get_first_root_node() or Collection.add_root(name="Root")
    collection = root.get_children().filter(name=school.name).first()
    if collection is None:
        collection = root.add_child(instance=Collection(name=school.name))
    return collection


def _permissions(app_label, codenames):
    return list(Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))


@transaction.atomic
def ensure_school_editors(school_page):
    """The editor group of the school page's school, with rights on that page's subtree and collection only."""
    school = school_page.school
    group, created = Group.objects.get_or_create(name=group_name(school))
    group.permissions.add(*_permissions("wagtailadmin", ["access_admin"]))

    page_permissions = _permissions("wagtailcore", PAGE_PERMISSIONS)
    # The group is for this school only: rights on any other page (the school page was replaced) are taken away.
    GroupPagePermission.objects.filter(group=group).exclude(page=school_page).delete()
    for permission in page_permissions:
        GroupPagePermission.objects.get_or_create(group=group, page=school_page, permission=permission)

    collection = school_collection(school)
    GroupCollectionPermission.objects.filter(group=group).exclude(collection=collection).delete()
    for app_label, codenames in COLLECTION_PERMISSIONS.items():
        for permission in _permissions(app_label, codenames):
            GroupCollectionPermission.objects.get_or_create(group=group, collection=collection, permission=permission)
    if created:
        logger.info("Editor group %r created for school page %s", group.name, school_page.pk)
    return group


def add_school_editor(school_page, user):
    """Make `user` an editor of the school's pages (and of nothing else through this group)."""
    group = ensure_school_editors(school_page)
    user.groups.add(group)
    logger.info("User %s added to the editor group %r", user.pk, group.name)
    return group

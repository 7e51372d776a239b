"""Who may see a school news item or event: the audience rule of school pages and the agenda feeds.

An item is for everyone, for the school's community (guardians of its current students, its teachers and those
students) or for one class (that class's guardians, teachers and students). A person's classes are found in one
query from enrolments, guardianships and teaching assignments, so filtering a list never costs a query per item.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models.records import Enrolment, SchoolClass, TeachingAssignment


class Audience(models.TextChoices):
    PUBLIC = "public", _("Everyone")
    SCHOOL = "school", _("Parents, teachers and students of the school")
    SCHOOL_CLASS = "class", _("One class")


def current_enrolments():
    # A student who has left a class (ends_on in the past) no longer belongs to its audience, nor do their guardians.
    today = timezone.localdate()
    return Enrolment.objects.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))


def classes_of(user):
    """The classes a person belongs to as student, guardian of a student or teacher (one query when evaluated)."""
    if not user.is_authenticated:
        return SchoolClass.objects.none()
    enrolments = current_enrolments()
    return SchoolClass.objects.filter(
        Q(id__in=enrolments.filter(student=user).values("school_class_id"))
        | Q(id__in=enrolments.filter(student__guardians__guardian=user).values("school_class_id"))
        | Q(id__in=TeachingAssignment.objects.filter(teacher=user).values("school_class_id"))
    )


def memberships_of(user):
    """The (class id, school id) pairs of a person, read in one query."""
    return set(classes_of(user).values_list("id", "school_id"))


def visible_filter(user, school, *, memberships=None):
    """A Q on news or event pages of `school` that keeps only what `user` may see.

    Pass `memberships` (from memberships_of) when filtering several lists for the same request.
    """
    visible = Q(audience=Audience.PUBLIC)
    if not user.is_authenticated:
        return visible
    pairs = memberships if memberships is not None else memberships_of(user)
    # The class must belong to this school too: pages only offer the school's classes, but a moved page must not
    # widen its audience.
    school_class_ids = {class_id for class_id, school_id in pairs if school_id == school.pk}
    if school_class_ids:
        visible |= Q(audience=Audience.SCHOOL)
        visible |= Q(audience=Audience.SCHOOL_CLASS, audience_class_id__in=school_class_ids)
    return visible


def can_see(user, item, school):
    """Whether `user` may see one news or event page of `school`."""
    if item.audience == Audience.PUBLIC:
        return True
    if not user.is_authenticated or school is None:
        return False
    classes = classes_of(user).filter(school=school)
    if item.audience == Audience.SCHOOL:
        return classes.exists()
    if item.audience == Audience.SCHOOL_CLASS:
        return item.audience_class_id is not None and classes.filter(id=item.audience_class_id).exists()
    return False

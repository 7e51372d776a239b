"""Who sees and does what with school records: guardians their children, teachers their classes, students themselves.

Every school feature loads people and classes through these scoped querysets and asks these predicates; the rules
come only from current enrolments, guardianships and teaching assignments (DESIGN.md 5.4 and 7). Back-office staff
are not covered here: the Wagtail admin uses model permissions.

Each function costs at most a few queries, independent of how many children, classes or assignments a person has.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from .models import Enrolment, Guardianship, SchoolClass, TeachingAssignment


def _person(user):
    return user is not None and user.is_authenticated and user.is_active


def current_enrolments(today=None):
    """Enrolments that have not ended; the end date is the last school day, so it still counts."""
    today = today or timezone.localdate()
    return Enrolment.objects.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))


def children_of(user):
    """The students this person is a guardian of (with or without custody)."""
    User = get_user_model()
    if not _person(user):
        return User.objects.none()
    return User.objects.filter(pk__in=Guardianship.objects.filter(guardian=user).values("student"))


def classes_visible_to(user):
    """Teachers: classes they are assigned to; guardians: current classes of their children; students: their own."""
    if not _person(user):
        return SchoolClass.objects.none()
    enrolments = current_enrolments()
    return SchoolClass.objects.filter(
        Q(pk__in=TeachingAssignment.objects.filter(teacher=user).values("school_class"))
        | Q(pk__in=enrolments.filter(student=user).values("school_class"))
        | Q(
            pk__in=enrolments.filter(student__in=Guardianship.objects.filter(guardian=user).values("student")).values(
                "school_class"
            )
        )
    )


def students_visible_to(user):
    """Students themselves, guardians their children, teachers the students currently in their classes."""
    User = get_user_model()
    if not _person(user):
        return User.objects.none()
    enrolments = current_enrolments()
    taught = TeachingAssignment.objects.filter(teacher=user).values("school_class")
    return User.objects.filter(
        Q(pk__in=enrolments.filter(student=user).values("student"))
        | Q(pk__in=Guardianship.objects.filter(guardian=user).values("student"))
        | Q(pk__in=enrolments.filter(school_class__in=taught).values("student"))
    )


def is_teacher_of(user, school_class):
    if not _person(user):
        return False
    return TeachingAssignment.objects.filter(teacher=user, school_class=school_class).exists()


def is_class_teacher_of(user, school_class):
    if not _person(user):
        return False
    return TeachingAssignment.objects.filter(teacher=user, school_class=school_class, is_class_teacher=True).exists()


def teaches_student(user, student):
    """The person teaches one of the student's current classes."""
    if not _person(user):
        return False
    return current_enrolments().filter(student=student, school_class__teaching_assignments__teacher=user).exists()


def may_act_for_student(user, student):
    """Book, register, report absences for the student: a guardian with custody who is not only informed."""
    if not _person(user):
        return False
    return Guardianship.objects.filter(
        guardian=user, student=student, has_custody=True, information_only=False
    ).exists()


def may_see_grades(user, student):
    """Published grades: the student, guardians with custody, guardians without custody where the student's school
    allows it, and the teachers of the student's current classes."""
    if not _person(user):
        return False
    if user.pk == student.pk:
        return current_enrolments().filter(student=student).exists()
    guardianship = Guardianship.objects.filter(guardian=user, student=student).first()
    if guardianship is not None and (
        guardianship.has_custody
        or current_enrolments()
        .filter(student=student, school_class__school__grades_visible_without_custody=True)
        .exists()
    ):
        return True
    # A guardian may also teach the child's class.
    return teaches_student(user, student)

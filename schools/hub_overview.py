"""What the school overview (/account/school/) and the dashboard show a person, and their calendar feed addresses.

A person's school roles come only from the records (schools.policies): the children they are a guardian of, their
own current enrolment as a student, and the classes they teach in a school year that is not over. One person may
hold several roles; each gives its own cards. Building the cards costs a fixed number of queries however many
children or classes there are; what each feature adds (schools.summaries) costs its own fixed number per card.
"""

import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import summaries
from .calendar import token_for
from .models import Guardianship, TeachingAssignment
from .models.pages import CalendarToken, SchoolPage, new_calendar_token
from .policies import classes_visible_to, current_enrolments

logger = logging.getLogger(__name__)

# The six feature pages every card links to: (URL name, label). Each page takes ?student=<id> or ?class=<id>.
FEATURES = (
    ("school:plans", _("Weekly plans")),
    ("school:meetings", _("Parent–teacher meetings")),
    ("school:grades", _("Grades")),
    ("school:absences", _("Absences")),
    ("school:courses", _("Courses")),
    ("school:lunch", _("Lunch table")),
)


@dataclass
class Link:
    url: str
    label: str


@dataclass
class ChildCard:
    """A student as seen by a guardian (or by the student themself, `own=True`)."""

    student: object
    enrolments: list
    own: bool = False
    has_custody: bool = False
    information_only: bool = False
    links: list = field(default_factory=list)
    summaries: list = field(default_factory=list)

    @property
    def classes(self):
        return [enrolment.school_class for enrolment in self.enrolments]


@dataclass
class ClassCard:
    """A class as seen by one of its teachers."""

    school_class: object
    is_class_teacher: bool
    subjects: list
    links: list = field(default_factory=list)
    summaries: list = field(default_factory=list)


@dataclass
class Overview:
    children: list
    own: ChildCard | None
    classes: list

    @property
    def has_role(self):
        return bool(self.children or self.own or self.classes)


def _person(user):
    return user is not None and user.is_authenticated and user.is_active


def _links(query, value, *, grades=True):
    links = []
    for name, label in FEATURES:
        if name == "school:grades" and not grades:
            continue
        links.append(Link(f"{reverse(name)}?{query}={value}", label))
    return links


def _grades_visible(card):
    """The grades link for a guardian: custody, or the school lets guardians without custody see grades."""
    return card.has_custody or any(c.school.grades_visible_without_custody for c in card.classes)


def overview(user, *, with_summaries=True):
    """The person's cards: their children, themself as a student, the classes they teach (three queries)."""
    if not _person(user):
        return Overview([], None, [])
    guardianships = list(
        Guardianship.objects.filter(guardian=user)
        .select_related("student")
        .order_by("student__first_name", "student__last_name", "student__pk")
    )
    student_ids = [g.student_id for g in guardianships] + [user.pk]
    enrolments_by_student = {}
    for enrolment in (
        current_enrolments()
        .filter(student_id__in=student_ids)
        .select_related("school_class__school", "school_class__school_year")
        .order_by("school_class__school__name", "school_class__name")
    ):
        enrolments_by_student.setdefault(enrolment.student_id, []).append(enrolment)

    children = []
    for guardianship in guardianships:
        card = ChildCard(
            student=guardianship.student,
            enrolments=enrolments_by_student.get(guardianship.student_id, []),
            has_custody=guardianship.has_custody,
            information_only=guardianship.information_only,
        )
        card.links = _links("student", card.student.pk, grades=_grades_visible(card))
        children.append(card)

    own = None
    if enrolments_by_student.get(user.pk):
        own = ChildCard(student=user, enrolments=enrolments_by_student[user.pk], own=True)
        own.links = _links("student", user.pk)

    today = timezone.localdate()
    classes = [
        ClassCard(
            school_class=assignment.school_class,
            is_class_teacher=assignment.is_class_teacher,
            subjects=assignment.subject_list,
            links=_links("class", assignment.school_class_id),
        )
        for assignment in TeachingAssignment.objects.filter(teacher=user, school_class__school_year__ends_on__gte=today)
        .select_related("school_class__school", "school_class__school_year")
        .order_by("school_class__school__name", "school_class__name", "school_class__pk")
    ]

    if with_summaries:
        for card in [*children, *([own] if own else [])]:
            card.summaries = summaries.for_child(user, card.student)
        for card in classes:
            card.summaries = summaries.for_class(user, card.school_class)
    return Overview(children, own, classes)


# --- calendar feeds ------------------------------------------------------------------------------------------


@dataclass
class Feed:
    title: str
    url: str

    @property
    def webcal_url(self):
        """The same address for calendar apps: webcal:// makes the browser offer to subscribe."""
        scheme, _sep, rest = self.url.partition("://")
        return f"webcal://{rest}" if scheme in ("http", "https") else self.url


def calendar_feeds(user, request):
    """The public agenda of each of the person's schools and a personal feed per class they belong to.

    Only schools with a live, public school page have feeds (the feed views answer 404 otherwise). Returns
    (school feeds, class feeds); a fixed number of queries.
    """
    if not _person(user):
        return [], []
    classes = list(
        classes_visible_to(user)
        .filter(school_year__ends_on__gte=timezone.localdate())
        .select_related("school", "school_year")
        .order_by("school__name", "name", "pk")
    )
    if not classes:
        return [], []
    pages = SchoolPage.objects.live().public().filter(school_id__in={c.school_id for c in classes})
    school_ids_with_page = set(pages.values_list("school_id", flat=True))
    token = token_for(user)
    school_feeds, class_feeds, seen = [], [], set()
    for school_class in classes:
        school = school_class.school
        if school.pk not in school_ids_with_page:
            continue
        if school.pk not in seen:
            seen.add(school.pk)
            url = reverse("schools:school_agenda", kwargs={"code": school.code})
            school_feeds.append(Feed(school.name, request.build_absolute_uri(url)))
        url = reverse("schools:class_agenda", kwargs={"code": school.code, "class_id": school_class.pk})
        class_feeds.append(
            Feed(f"{school.name} – {school_class.name}", request.build_absolute_uri(f"{url}?token={token}"))
        )
    return school_feeds, class_feeds


def renew_calendar_token(user):
    """Give the person a new feed secret: every personal feed address given out before stops working."""
    with transaction.atomic():
        token, created = CalendarToken.objects.select_for_update().get_or_create(user=user)
        if not created:
            token.token = new_calendar_token()
            token.save(update_fields=["token"])
    logger.info("Calendar feed token renewed for user %s", user.pk)
    return token.token

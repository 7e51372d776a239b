"""A school with its pages, classes and people, shared by the school page and agenda feed tests."""

import datetime

from django.utils import timezone

from home.demo_content import ensure_demo_site
from schools.audience import Audience
from schools.models import (
    Enrolment,
    Guardianship,
    School,
    SchoolClass,
    SchoolEventPage,
    SchoolIndexPage,
    SchoolNewsPage,
    SchoolPage,
    SchoolYear,
    TeachingAssignment,
)
from tests.factories import UserFactory

ROLES = ("student_a", "parent_a", "teacher_a", "student_b", "parent_b", "teacher_b", "other_school_parent", "stranger")


def build_school_world():
    today = timezone.localdate()
    home = ensure_demo_site()
    index = home.add_child(instance=SchoolIndexPage(title="Schulen", slug="schulen"))
    school = School.objects.create(name="Schulhaus Dorf", code="dorf")
    other_school = School.objects.create(name="Schulhaus Berg", code="berg")
    year = SchoolYear.objects.create(
        name="2026/27", starts_on=today - datetime.timedelta(days=60), ends_on=today + datetime.timedelta(days=300)
    )
    class_a = SchoolClass.objects.create(school=school, school_year=year, name="3a")
    class_b = SchoolClass.objects.create(school=school, school_year=year, name="5b")
    class_other = SchoolClass.objects.create(school=other_school, school_year=year, name="1c")
    page = index.add_child(instance=SchoolPage(title="Schulhaus Dorf", slug="dorf", school=school))
    index.add_child(instance=SchoolPage(title="Schulhaus Berg", slug="berg", school=other_school))

    people = {role: UserFactory(language="en") for role in ROLES}
    other_child = UserFactory(language="en")
    Enrolment.objects.create(student=people["student_a"], school_class=class_a)
    Enrolment.objects.create(student=people["student_b"], school_class=class_b)
    Enrolment.objects.create(student=other_child, school_class=class_other)
    Guardianship.objects.create(guardian=people["parent_a"], student=people["student_a"])
    Guardianship.objects.create(guardian=people["parent_b"], student=people["student_b"])
    Guardianship.objects.create(guardian=people["other_school_parent"], student=other_child)
    TeachingAssignment.objects.create(teacher=people["teacher_a"], school_class=class_a, is_class_teacher=True)
    TeachingAssignment.objects.create(teacher=people["teacher_b"], school_class=class_b)
    return {"page": page, "school": school, "class_a": class_a, "class_b": class_b, **people}


def add_news(school_page, title, audience=Audience.PUBLIC, school_class=None, days_ago=0):
    news = SchoolNewsPage(
        title=title,
        slug=title.lower().replace(" ", "-"),
        audience=audience,
        audience_class=school_class,
        date=timezone.localdate() - datetime.timedelta(days=days_ago),
        teaser=f"Teaser of {title}",
    )
    school_page.add_child(instance=news)
    news.save_revision().publish()
    return news


def add_event(school_page, title, audience=Audience.PUBLIC, school_class=None, in_days=7, **fields):
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=in_days)
    event = SchoolEventPage(
        title=title,
        slug=title.lower().replace(" ", "-"),
        audience=audience,
        audience_class=school_class,
        start=fields.pop("start", start),
        end=fields.pop("end", start + datetime.timedelta(hours=2)),
        **fields,
    )
    school_page.add_child(instance=event)
    event.save_revision().publish()
    return event

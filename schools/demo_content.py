"""The demo school records of Musterwil: one school house, the current school year, two classes and their people."""

import datetime

from allauth.account.models import EmailAddress
from django.utils import timezone

from account.demo_users import DEMO_PASSWORD
from account.models import AssuranceLevel, User

from .models import Enrolment, Guardianship, School, SchoolClass, SchoolYear, TeachingAssignment, Term

DEMO_SCHOOL_CODE = "dorf"
# The second child of the demo parent has no entry in DEMO_USERS: children are made here, with the school.
DEMO_CHILD_EMAIL = "lina@musterwil.example"


def current_school_year_dates(today):
    """Swiss school years run from August to July."""
    start_year = today.year if today.month >= 8 else today.year - 1
    return datetime.date(start_year, 8, 1), datetime.date(start_year + 1, 7, 31)


def _ensure_child():
    child = User.objects.filter(email__iexact=DEMO_CHILD_EMAIL).first() or User(email=DEMO_CHILD_EMAIL)
    child.first_name, child.last_name, child.language = "Lina", "Muster", "de"
    child.assurance_level = max(child.assurance_level, AssuranceLevel.EMAIL)
    child.set_password(DEMO_PASSWORD)
    child.save()
    EmailAddress.objects.update_or_create(
        user=child, email=DEMO_CHILD_EMAIL, defaults={"verified": True, "primary": True}
    )
    return child


def ensure_demo_school_records(users):
    """Create or refresh the demo school records; returns {"school", "school_year", "terms", "classes", "children"}."""
    starts_on, ends_on = current_school_year_dates(timezone.localdate())
    school, _ = School.objects.update_or_create(code=DEMO_SCHOOL_CODE, defaults={"name": "Schulhaus Dorf"})
    school_year, _ = SchoolYear.objects.update_or_create(
        name=f"{starts_on.year}/{str(ends_on.year)[-2:]}", defaults={"starts_on": starts_on, "ends_on": ends_on}
    )
    second_term_starts = datetime.date(ends_on.year, 2, 1)
    terms = [
        Term.objects.update_or_create(
            school_year=school_year, name=name, defaults={"starts_on": term_start, "ends_on": term_end}
        )[0]
        for name, term_start, term_end in (
            ("1. Semester", starts_on, second_term_starts - datetime.timedelta(days=1)),
            ("2. Semester", second_term_starts, ends_on),
        )
    ]
    classes = {}
    for name, grade in (("3a", 3), ("5b", 5)):
        classes[name], _ = SchoolClass.objects.update_or_create(
            school=school, school_year=school_year, name=name, defaults={"grade": grade}
        )

    lina, sara = _ensure_child(), users["student"]
    for child, school_class in ((lina, classes["3a"]), (sara, classes["5b"])):
        Enrolment.objects.update_or_create(
            student=child, school_class=school_class, defaults={"starts_on": starts_on, "ends_on": None}
        )
        Guardianship.objects.update_or_create(
            guardian=users["parent"], student=child, defaults={"has_custody": True, "information_only": False}
        )
    TeachingAssignment.objects.update_or_create(
        teacher=users["teacher"],
        school_class=classes["5b"],
        defaults={"is_class_teacher": True, "subjects": "Deutsch, Mathematik, NMG"},
    )
    TeachingAssignment.objects.update_or_create(
        teacher=users["teacher"], school_class=classes["3a"], defaults={"is_class_teacher": False, "subjects": "Musik"}
    )
    return {
        "school": school,
        "school_year": school_year,
        "terms": terms,
        "classes": classes,
        "children": {"lina": lina, "student": sara},
    }


def ensure_demo_school(home, users):
    """The whole demo school: records, web pages, and one example of every school feature (idempotent)."""
    from .demo_absences import ensure_demo_absences
    from .demo_courses import ensure_demo_courses
    from .demo_grades import ensure_demo_grades
    from .demo_lunch import ensure_demo_lunch
    from .demo_meetings import ensure_demo_meetings
    from .demo_pages import ensure_demo_school_pages
    from .demo_weekly_plans import ensure_demo_weekly_plans

    records = ensure_demo_school_records(users)
    ensure_demo_school_pages(home, records, users)
    for ensure in (
        ensure_demo_weekly_plans,
        ensure_demo_meetings,
        ensure_demo_grades,
        ensure_demo_absences,
        ensure_demo_courses,
        ensure_demo_lunch,
    ):
        ensure(records, users)
    return records

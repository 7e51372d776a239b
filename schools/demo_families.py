"""The other demo families of Schulhaus Dorf: classmates of the demo children and their parents.

Every school demo (grades, meetings, courses) uses these same families, so class lists, bookings and waiting lists
tell one story. All accounts have the demo password.
"""

from allauth.account.models import EmailAddress

from account.demo_users import DEMO_PASSWORD
from account.models import AssuranceLevel, User

from .models import Enrolment, Guardianship

# key: (family name, child's first name, guardian's first name, class); e-mails are first.family@musterwil.example
FAMILIES = {
    "keller": ("Keller", "Noah", "Karin", "5b"),
    "huber": ("Huber", "Mia", "Marc", "5b"),
    "meier": ("Meier", "Leo", "Eva", "3a"),
}


def _email(first_name, last_name):
    return f"{first_name.lower()}.{last_name.lower()}@musterwil.example"


def ensure_person(email, first_name, last_name):
    person = User.objects.filter(email__iexact=email).first()
    if person is None:
        person = User(email=email, first_name=first_name, last_name=last_name, language="de")
        person.set_password(DEMO_PASSWORD)
    person.assurance_level = max(person.assurance_level, AssuranceLevel.EMAIL)
    person.save()
    EmailAddress.objects.update_or_create(user=person, email=email, defaults={"verified": True, "primary": True})
    return person


def ensure_demo_families(records):
    """Create or refresh the families; returns {key: {"child", "guardian", "class"}}."""
    families = {}
    for key, (last_name, child_name, guardian_name, class_name) in FAMILIES.items():
        child = ensure_person(_email(child_name, last_name), child_name, last_name)
        guardian = ensure_person(_email(guardian_name, last_name), guardian_name, last_name)
        school_class = records["classes"][class_name]
        Enrolment.objects.update_or_create(
            student=child,
            school_class=school_class,
            defaults={"starts_on": records["school_year"].starts_on, "ends_on": None},
        )
        Guardianship.objects.update_or_create(
            guardian=guardian, student=child, defaults={"has_custody": True, "information_only": False}
        )
        families[key] = {"child": child, "guardian": guardian, "class": school_class}
    return families

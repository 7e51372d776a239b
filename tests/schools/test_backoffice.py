"""School administrators maintain the school records in the back office; nobody else sees them there."""

import pytest
from django.contrib.auth.models import Group, Permission
from wagtail.users.models import UserProfile

from account.demo_users import ensure_demo_users
from schools.demo_content import ensure_demo_school_records
from schools.models import Enrolment, School, SchoolClass, SchoolYear
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LISTS = {
    "school": "Schulhaus Dorf",
    "schoolyear": None,  # the current school year, e.g. 2026/27
    "term": "2. Semester",
    "schoolclass": "5b",
    "enrolment": "Lina Muster",
    "guardianship": "Lina Muster",
    "teachingassignment": "Musik",
}


def staff(*codenames, superuser=False):
    user = UserFactory(is_staff=True, is_superuser=superuser, language="en")
    group = Group.objects.create(name=f"School office {user.pk}")
    group.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    for codename in codenames:
        group.permissions.add(Permission.objects.get(content_type__app_label="schools", codename=codename))
    user.groups.add(group)
    UserProfile.objects.update_or_create(user=user, defaults={"preferred_language": "en"})
    return user


@pytest.fixture
def demo():
    return ensure_demo_school_records(ensure_demo_users())


def test_superuser_sees_every_list_in_the_schools_menu(client, demo):
    client.force_login(staff(superuser=True))
    dashboard = client.get("/admin/").content.decode()
    assert "Schools" in dashboard
    for model, text in LISTS.items():
        response = client.get(f"/admin/schools/{model}/")
        assert response.status_code == 200, model
        assert (text or demo["school_year"].name) in response.content.decode(), model


def test_lists_filter_and_search(client, demo):
    client.force_login(staff(superuser=True))
    class_3a = demo["classes"]["3a"]
    filtered = client.get(f"/admin/schools/enrolment/?school_class__id__exact={class_3a.pk}").content.decode()
    assert "Lina Muster" in filtered and "Sara" not in filtered
    found = client.get("/admin/schools/guardianship/?q=Sara").content.decode()
    assert "Sara" in found and "Lina Muster" not in found
    # Undeclared lookups are ignored instead of reaching .filter().
    probe = client.get("/admin/schools/enrolment/?student__password__startswith=x").content.decode()
    assert "Lina Muster" in probe


def test_permissions_are_per_model(client, demo):
    clerk = staff("view_enrolment", "add_enrolment")
    client.force_login(clerk)
    assert client.get("/admin/schools/enrolment/").status_code == 200
    assert client.get("/admin/schools/guardianship/").status_code in (302, 403)
    assert client.get("/admin/schools/school/create/").status_code in (302, 403)

    lina = demo["children"]["lina"]
    class_5b = demo["classes"]["5b"]
    response = client.post(
        "/admin/schools/enrolment/create/",
        {"student": lina.pk, "school_class": class_5b.pk, "starts_on": "", "ends_on": ""},
    )
    assert response.status_code == 302
    assert Enrolment.objects.filter(student=lina, school_class=class_5b).exists()


def test_non_staff_and_staff_without_school_permissions_get_nothing(client, demo):
    teacher = demo["classes"]["3a"].teaching_assignments.get().teacher
    client.force_login(teacher)
    assert client.get("/admin/schools/school/").status_code in (302, 403)

    editor = staff()
    client.force_login(editor)
    assert "Schools" not in client.get("/admin/").content.decode()
    assert client.get("/admin/schools/enrolment/").status_code in (302, 403)
    assert School.objects.count() == 1 and SchoolYear.objects.count() == 1 and SchoolClass.objects.count() == 2

"""Lunch table pages: who sees and does what (authorisation tables per record type), booking, cancelling, invoices,
the kitchen list, query counts."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from schools import lunch
from schools.models import Enrolment, Guardianship, LunchBooking, LunchCancellation, LunchInvoice
from tests.factories import UserFactory
from tests.schools.test_lunch_helpers import book, make_offer, next_weekday

pytestmark = pytest.mark.django_db

ALL = (
    "parent",
    "informed_parent",
    "other_parent",
    "classmate_parent",
    "teacher",
    "subject_teacher",
    "other_teacher",
    "child",
    "classmate",
    "other_child",
    "stranger",
    "anonymous",
)


def login(client, world, role):
    if role != "anonymous":
        client.force_login(world[role])


def text(response):
    return " ".join(BeautifulSoup(response.content.decode(), "html.parser").get_text(" ").split())


def expect_status(response, expected):
    if expected == "login":
        assert response.status_code == 302 and "/auth/login/" in response["Location"]
    else:
        assert response.status_code == expected


@pytest.fixture
def lunch_world(school_world):
    offer = make_offer(school_world, location="Mensa")
    book(offer, school_world["child"], 0, 3)
    book(offer, school_world["other_child"], 1)
    school_world["offer"] = offer
    return school_world


# --- authorisation tables ----------------------------------------------------------------------------------------

# Seeing the child's offer, bookings, lunch days and cancellations (GET /lunch/<child>/): guardians (also the
# informed one) and the child; teachers use the kitchen list; everybody else 404.
SEE_CHILD = {
    "parent": 200,
    "informed_parent": 200,
    "other_parent": 404,
    "classmate_parent": 404,
    "teacher": 404,
    "subject_teacher": 404,
    "other_teacher": 404,
    "child": 200,
    "classmate": 404,
    "other_child": 404,
    "stranger": 404,
    "anonymous": "login",
}


@pytest.mark.parametrize("role", ALL)
def test_who_sees_a_childs_lunch_days(client, lunch_world, role):
    login(client, lunch_world, role)
    response = client.get(f"/en/account/school/lunch/{lunch_world['child'].pk}/")
    expect_status(response, SEE_CHILD[role])
    if response.status_code == 200:
        page = text(response)
        assert "Monday, Thursday" in page and "CHF 9.50" in page and "Mensa" in page
        assert ("Save lunch days" in page) is (role == "parent")
        assert ("Cancel lunch on" in page) is (role == "parent")
        assert ("Only a guardian with custody" in page) is (role != "parent")


# Acting for the child (booking weekdays, cancelling a day): only the guardian with custody; the informed guardian
# and the child see the page but may not act (403); the others do not see the child (404).
ACT_FOR_CHILD = {**SEE_CHILD, "informed_parent": 403, "child": 403, "parent": 302}


@pytest.mark.parametrize("role", ALL)
def test_who_books_weekdays_for_a_child(client, lunch_world, role):
    login(client, lunch_world, role)
    child, offer = lunch_world["child"], lunch_world["offer"]
    response = client.post(
        f"/en/account/school/lunch/{child.pk}/offers/{offer.pk}/", {f"offer-{offer.pk}-weekdays": ["0", "1", "3"]}
    )
    expect_status(response, ACT_FOR_CHILD[role])
    weekdays = sorted(LunchBooking.objects.filter(student=child).values_list("weekday", flat=True))
    assert weekdays == ([0, 1, 3] if role == "parent" else [0, 3])


@pytest.mark.parametrize("role", ALL)
def test_who_cancels_a_lunch_day(client, lunch_world, role):
    login(client, lunch_world, role)
    child, monday = lunch_world["child"], next_weekday(0, weeks=1)
    response = client.post(f"/en/account/school/lunch/{child.pk}/cancel/", {"date": monday.isoformat()})
    expect_status(response, ACT_FOR_CHILD[role])
    assert LunchCancellation.objects.filter(student=child, date=monday).exists() is (role == "parent")


# The invoice (LunchInvoice) is the paying guardian's: listed on their lunch page only, linking to the case.
SEE_INVOICE = {role: role == "parent" for role in ALL}


@pytest.mark.parametrize("role", ALL)
def test_who_sees_a_lunch_invoice(client, lunch_world, role):
    month = lunch.month_start(lunch.month_start(timezone.localdate()) - datetime.timedelta(days=1))
    invoice = lunch.bill_month(lunch_world["school"], month)[0]
    assert invoice.guardian == lunch_world["parent"]
    login(client, lunch_world, role)
    response = client.get("/en/account/school/lunch/")
    if role == "anonymous":
        expect_status(response, "login")
        return
    assert response.status_code == 200
    assert (f'href="/en/account/cases/{invoice.case.reference}/"' in response.content.decode()) is SEE_INVOICE[role]


# The kitchen list of the school (who eats on a day): the school management and the teachers of the school's
# classes; guardians, students and strangers get 404.
SEE_KITCHEN = {
    "parent": 404,
    "informed_parent": 404,
    "other_parent": 404,
    "classmate_parent": 404,
    "teacher": 200,
    "subject_teacher": 200,
    "other_teacher": 200,
    "child": 404,
    "classmate": 404,
    "other_child": 404,
    "head": 200,
    "stranger": 404,
    "anonymous": "login",
}


@pytest.mark.parametrize("role", [*ALL, "head"])
def test_who_sees_the_kitchen_list(client, lunch_world, role):
    login(client, lunch_world, role)
    monday = next_weekday(0, weeks=1)
    response = client.get(f"/en/account/school/lunch/kitchen/{lunch_world['school'].pk}/?date={monday.isoformat()}")
    expect_status(response, SEE_KITCHEN[role])
    if response.status_code == 200:
        page = text(response)
        assert lunch_world["child"].last_name in page and "1 lunch" in page
        assert lunch_world["other_child"].last_name not in page  # booked on Tuesdays


def test_back_office_staff_with_the_lunch_permission_see_the_kitchen_list(client, lunch_world):
    clerk = UserFactory(is_staff=True, language="en")
    url = f"/en/account/school/lunch/kitchen/{lunch_world['school'].pk}/"
    client.force_login(clerk)
    assert client.get(url).status_code == 404
    clerk.user_permissions.add(Permission.objects.get(content_type__app_label="schools", codename="view_lunchbooking"))
    clerk = type(clerk).objects.get(pk=clerk.pk)
    client.force_login(clerk)
    response = client.get(url)
    assert response.status_code == 200 and 'href="/static/schools/lunch-print.css"' in response.content.decode()


def test_the_overview_links_only_own_children(client, lunch_world):
    client.force_login(lunch_world["parent"])
    child = lunch_world["child"]
    response = client.get(f"/en/account/school/lunch/?student={child.pk}")
    assert response.status_code == 302 and response["Location"].endswith(f"/account/school/lunch/{child.pk}/")
    assert client.get(f"/en/account/school/lunch/?student={lunch_world['other_child'].pk}").status_code == 404
    page = text(client.get("/en/account/school/lunch/"))
    assert child.get_full_name() in page and lunch_world["other_child"].get_full_name() not in page


# --- booking and cancelling through the pages ----------------------------------------------------------------------


def test_the_parent_changes_weekdays_and_cancels_a_day(client, lunch_world):
    parent, child, offer = lunch_world["parent"], lunch_world["child"], lunch_world["offer"]
    client.force_login(parent)
    url = f"/en/account/school/lunch/{child.pk}/"
    response = client.post(f"{url}offers/{offer.pk}/", {f"offer-{offer.pk}-weekdays": ["1", "3"]}, follow=True)
    assert "The lunch days of" in text(response) and "Tuesday, Thursday" in text(response)

    monday, tuesday = next_weekday(0, weeks=1), next_weekday(1, weeks=1)
    page = BeautifulSoup(client.get(url).content.decode(), "html.parser")
    assert page.find("tr", attrs={"data-day": tuesday.isoformat(), "data-state": "booked"})
    response = client.post(f"{url}cancel/", {"date": tuesday.isoformat()}, follow=True)
    assert f"Lunch on {tuesday:%d.%m.%Y} is cancelled." in text(response)
    page = BeautifulSoup(response.content.decode(), "html.parser")
    assert page.find("tr", attrs={"data-day": tuesday.isoformat(), "data-state": "cancelled"})
    # Monday's lunches are cancelled from now on (the days before stay booked and billed).
    row = page.find("tr", attrs={"data-day": monday.isoformat()})
    assert row is not None and row["data-state"] == "cancelled"
    # Cancelling again is harmless; a past day is too late, with a clear message.
    client.post(f"{url}cancel/", {"date": tuesday.isoformat()})
    assert LunchCancellation.objects.filter(student=child, date=tuesday).count() == 1
    last_thursday = next_weekday(3) - datetime.timedelta(days=7)
    response = client.post(f"{url}cancel/", {"date": last_thursday.isoformat()}, follow=True)
    assert "Too late: lunch on" in text(response)
    assert not LunchCancellation.objects.filter(student=child, date=last_thursday).exists()


def test_a_day_without_lunch_is_refused_and_the_choice_kept(client, lunch_world):
    client.force_login(lunch_world["parent"])
    child, offer = lunch_world["child"], lunch_world["offer"]
    response = client.post(
        f"/en/account/school/lunch/{child.pk}/offers/{offer.pk}/", {f"offer-{offer.pk}-weekdays": ["1", "2"]}
    )
    assert response.status_code == 400
    page = BeautifulSoup(response.content.decode(), "html.parser")
    assert page.find(class_="error-summary")
    assert page.find("input", attrs={"name": f"offer-{offer.pk}-weekdays", "value": "1", "checked": True})
    assert sorted(LunchBooking.objects.filter(student=child).values_list("weekday", flat=True)) == [0, 3]


# --- query counts ------------------------------------------------------------------------------------------------


def test_pages_cost_the_same_with_more_children_and_bookings(client, lunch_world, django_assert_max_num_queries):
    offer, parent, head = lunch_world["offer"], lunch_world["parent"], lunch_world["head"]
    monday = next_weekday(0, weeks=1)
    this_month = lunch.month_start(timezone.localdate())
    pages = (
        (head, f"/en/account/school/lunch/kitchen/{lunch_world['school'].pk}/?date={monday}"),
        (parent, "/en/account/school/lunch/"),
        (parent, f"/en/account/school/lunch/{lunch_world['child'].pk}/"),
    )

    def count_queries():
        counts = []
        for user, url in pages:
            client.force_login(user)
            client.get(url)  # warm per-process caches (site, settings) so both rounds count the same things
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts.append(len(queries))
        return counts

    lunch.bill_month(lunch_world["school"], lunch.month_start(this_month - datetime.timedelta(days=1)))
    before = count_queries()
    for n in range(12):
        pupil = UserFactory(last_name=f"Kind{n:02d}")
        Enrolment.objects.create(student=pupil, school_class=lunch_world["class_a"])
        Guardianship.objects.create(guardian=parent, student=pupil)
        book(offer, pupil, 0, 1, 3, 4)
        LunchCancellation.objects.create(
            offer=offer, student=pupil, date=monday, reason=LunchCancellation.Reason.ABSENCE
        )
    book(offer, lunch_world["child"], 1, 4)
    lunch.bill_month(lunch_world["school"], this_month)
    assert LunchInvoice.objects.filter(guardian=parent).count() == 2

    for (user, url), limit in zip(pages, before, strict=True):
        client.force_login(user)
        client.get(url)
        with django_assert_max_num_queries(limit):
            response = client.get(url)
    client.force_login(head)
    page = BeautifulSoup(client.get(pages[0][1]).content.decode(), "html.parser")
    assert len(page.select("[data-list=eating] tbody tr")) == 1
    assert len(page.select("[data-list=cancelled] tbody tr")) == 12
    assert response.status_code == 200

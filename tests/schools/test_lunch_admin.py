"""Back office of the lunch table (classes wired into the Schools menu by the lead) and the demo."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from wagtail.users.models import UserProfile

from account.demo_users import ensure_demo_users
from schools import lunch
from schools.demo_content import ensure_demo_school_records
from schools.demo_lunch import ensure_demo_lunch
from schools.lunch_admin import LunchBookingAdmin, LunchInvoiceAdmin, LunchOfferAdmin, LunchOfferForm
from schools.models import LunchBooking, LunchCancellation, LunchInvoice, LunchOffer
from tests.factories import UserFactory
from tests.schools.test_lunch_helpers import make_offer

pytestmark = pytest.mark.django_db


def test_the_offer_form_stores_the_checked_weekdays(school_world):
    form_class = LunchOfferAdmin().get_edit_handler().bind_to_model(LunchOffer).get_form_class()
    assert issubclass(form_class, LunchOfferForm)
    data = {
        "school": school_world["school"].pk,
        "term": school_world["term"].pk,
        "weekdays": ["0", "2", "4"],
        "price_rappen": "950",
        "cancellation_deadline": "08:00",
        "location": "Mensa",
    }
    form = form_class(data=data)
    assert form.is_valid(), form.errors
    offer = form.save()
    assert offer.weekdays == "0,2,4" and offer.weekday_list == [0, 2, 4]
    assert form_class(instance=offer).initial["weekdays"] == [0, 2, 4]
    assert form_class(data={**data, "weekdays": []}).is_valid() is False


def test_bookings_and_invoices_are_listed_read_only_for_staff_with_the_permission(school_world):
    offer = make_offer(school_world)
    clerk, outsider = UserFactory(is_staff=True), UserFactory()
    clerk.user_permissions.add(Permission.objects.get(codename="view_lunchbooking"))
    clerk = type(clerk).objects.get(pk=clerk.pk)
    helper = LunchBookingAdmin().permission_helper
    assert helper.user_can_list(clerk) and not helper.user_can_list(outsider)
    assert not helper.user_can_create(clerk) and not helper.user_can_edit_obj(clerk, LunchBooking(offer=offer))
    assert not LunchInvoiceAdmin().permission_helper.user_can_list(clerk)  # no permission on invoices
    link = LunchOfferAdmin().kitchen_list(offer)
    assert f"/account/school/lunch/kitchen/{school_world['school'].pk}/" in link


def test_the_demo_lunch_table_is_created_once():
    users = ensure_demo_users()
    records = ensure_demo_school_records(users)
    first = ensure_demo_lunch(records, users)
    counts = [m.objects.count() for m in (LunchOffer, LunchBooking, LunchCancellation, LunchInvoice)]
    again = ensure_demo_lunch(records, users)
    assert [m.objects.count() for m in (LunchOffer, LunchBooking, LunchCancellation, LunchInvoice)] == counts
    assert again["invoices"] == []

    offer = first["offers"][0]
    assert offer.weekday_list == [0, 1, 3, 4] and offer.price_rappen == 950
    assert offer.cancellation_deadline == datetime.time(8, 0)
    lina, sara = records["children"]["lina"], records["children"]["student"]
    assert sorted(LunchBooking.objects.filter(offer=offer, student=lina).values_list("weekday", flat=True)) == [0, 3]
    assert list(LunchBooking.objects.filter(offer=offer, student=sara).values_list("weekday", flat=True)) == [1]
    assert first["cancellation"] is None or first["cancellation"].date > timezone.localdate()
    last_month = lunch.month_start(lunch.month_start(timezone.localdate()) - datetime.timedelta(days=1))
    if last_month >= records["school_year"].starts_on:
        invoice = LunchInvoice.objects.get()
        assert invoice.guardian == users["parent"] and invoice.month == last_month and invoice.case


def test_the_booking_list_is_read_only_and_audited(client, school_world):
    from django.contrib.auth.models import Group

    from account.models import PersonalDataAccess
    from tests.schools.test_lunch_helpers import book

    offer = make_offer(school_world)
    book(offer, school_world["child"], 0, 3)
    clerk = UserFactory(is_staff=True, language="en")
    group = Group.objects.create(name="Lunch office")
    for codename in ("access_admin", "view_lunchbooking"):
        group.permissions.add(Permission.objects.get(codename=codename))
    clerk.groups.add(group)
    UserProfile.objects.update_or_create(user=clerk, defaults={"preferred_language": "en"})
    client.force_login(clerk)

    response = client.get("/admin/schools/lunchbooking/")

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count(str(school_world["child"])) == 2  # Monday and Thursday
    assert "/admin/schools/lunchbooking/create/" not in page and "/edit/" not in page
    entries = PersonalDataAccess.objects.filter(actor=clerk, record_type="schools.lunchbooking")
    assert entries.count() == 2 and {e.subject_id for e in entries} == {school_world["child"].pk}
    # Invoices need their own permission.
    assert client.get("/admin/schools/lunchinvoice/").status_code in (302, 403)

"""Parking permits: issue and renewal on payment, the permit PDF, reminders, expiry, account pages and back office."""

import datetime
import uuid

import pytest
from django.conf import settings
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from account.acting_context import ActingContext
from account.models import Notification
from services import cases, parking
from services.demo_parking import DEMO_NUMBER, PARKING_FORM_FIELDS, ensure_demo_parking
from services.form_builder import fields_snapshot
from services.models import Case, CaseDocument, CaseStatus, ParkingPermit, Payment, ServiceKind
from tests.factories import UserFactory
from tests.services.conftest import make_form_for
from tests.services.test_pdf import pdf_text

TODAY = timezone.localdate()


def days(n):
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def parking_page(make_service_page):
    form = make_form_for(PARKING_FORM_FIELDS, title="Parkkarte beantragen")
    return make_service_page(
        form=form, title="Parkkarte beantragen", service_kind=ServiceKind.PARKING_PERMIT, fee_rappen=24000
    )


def make_permit(holder, number="PK-2026-0001", valid_until=None, **fields):
    return ParkingPermit.objects.create(
        number=number,
        holder=holder,
        zone=fields.pop("zone", "Blaue Zone Dorfkern"),
        plates=fields.pop("plates", ["SG 123 456"]),
        valid_from=fields.pop("valid_from", days(-345)),
        valid_until=valid_until or days(20),
        **fields,
    )


def submit_parking(page, user, **answers):
    block_id, value = page.form_blocks()[0]
    form = value["form"]
    data = {"zone": "Blaue Zone Dorfkern", "kennzeichen": "SG 123 456", "dauer": "12", **answers}
    return cases.submit(
        acting_context=ActingContext(user=user),
        service_page=page,
        form=form,
        form_revision=form.live_revision,
        block_id=block_id,
        fields_snapshot=fields_snapshot(form),
        data=data,
        submission_token=uuid.uuid4(),
    )


def pay(case):
    cases.mark_paid(case.payments.get(), actor_label="Testzahlung")
    case.refresh_from_db()
    return case


# --- issue and renew on payment -----------------------------------------------------------------------------


def test_a_paid_case_issues_a_permit_with_its_pdf_and_completes_the_case(parking_page, resident):
    case = submit_parking(parking_page, resident, kennzeichen="sg 123 456,\nZH 98765", dauer="6")
    assert not ParkingPermit.objects.exists()

    case = pay(case)

    permit = ParkingPermit.objects.get()
    assert permit.number == f"PK-{TODAY.year}-0001"
    assert permit.holder == resident and permit.case == case
    assert permit.zone == "Blaue Zone Dorfkern"
    assert permit.plates == ["SG 123 456", "ZH 98765"]
    assert permit.valid_from == TODAY
    assert permit.valid_until == parking.add_months(TODAY, 6) - datetime.timedelta(days=1)
    document = permit.document
    assert document.case == case and document.origin == CaseDocument.Origin.SYSTEM
    assert permit.number in document.title and document.field_name == parking.PERMIT_FIELD
    with document.file.open("rb") as handle:
        assert handle.read().startswith(b"%PDF")
    assert case.status == CaseStatus.COMPLETED
    assert list(case.events.filter(kind="status").values_list("status_to", flat=True)) == [
        CaseStatus.RECEIVED,
        CaseStatus.IN_PROGRESS,
        CaseStatus.COMPLETED,
    ]
    assert case.events.filter(status_to=CaseStatus.COMPLETED, actor_label="Parkkarten").exists()
    with translation.override(resident.language or settings.LANGUAGE_CODE):
        completed = str(cases.STATUS_MESSAGES[CaseStatus.COMPLETED] % {"reference": case.reference})
    assert Notification.objects.filter(user=resident, kind="case", title=completed).count() == 1


def test_the_next_permit_gets_the_next_number(parking_page, resident):
    make_permit(UserFactory(), number=f"PK-{TODAY.year}-0041")
    pay(submit_parking(parking_page, resident))
    assert ParkingPermit.objects.filter(holder=resident).get().number == f"PK-{TODAY.year}-0042"


def test_paying_a_renewal_extends_from_the_old_expiry(parking_page, resident):
    permit = make_permit(resident, valid_until=days(20), reminded_30_for=days(20))
    case = pay(submit_parking(parking_page, resident, permit=permit.number, kennzeichen="SG 123 456, SG 777"))

    permit.refresh_from_db()
    assert ParkingPermit.objects.count() == 1
    assert permit.valid_until == parking.add_months(days(20), 12)
    assert permit.valid_from == days(-345)  # unchanged
    assert permit.plates == ["SG 123 456", "SG 777"]
    assert permit.case == case and permit.document.case == case
    assert case.status == CaseStatus.COMPLETED


def test_paying_a_renewal_of_an_expired_permit_extends_from_today(parking_page, resident):
    permit = make_permit(resident, valid_until=days(-10), expired_marked_at=timezone.now())
    pay(submit_parking(parking_page, resident, permit=permit.number))

    permit.refresh_from_db()
    assert permit.valid_from == TODAY
    assert permit.valid_until == parking.add_months(TODAY, 12) - datetime.timedelta(days=1)
    assert permit.expired_marked_at is None


def test_running_the_handler_twice_extends_once(parking_page, resident):
    permit = make_permit(resident, valid_until=days(20))
    case = pay(submit_parking(parking_page, resident, permit=permit.number))
    permit.refresh_from_db()
    extended = permit.valid_until

    again = parking.issue_or_renew(case)  # e.g. a clerk's repair
    cases.mark_paid(case.payments.get())  # a second confirmation of the same payment

    permit.refresh_from_db()
    assert again.pk == permit.pk
    assert permit.valid_until == extended
    assert case.documents.filter(field_name=parking.PERMIT_FIELD).count() == 1
    assert case.payments.get().status == Payment.Status.PAID


def test_a_first_case_rerun_after_a_later_renewal_changes_nothing(parking_page, resident):
    first = pay(submit_parking(parking_page, resident))
    permit = ParkingPermit.objects.get()
    pay(submit_parking(parking_page, resident, permit=permit.number))
    permit.refresh_from_db()
    until = permit.valid_until

    parking.issue_or_renew(first)

    permit.refresh_from_db()
    assert permit.valid_until == until and ParkingPermit.objects.count() == 1


def test_someone_elses_permit_number_is_not_renewed(parking_page, resident):
    other = make_permit(UserFactory(), number="PK-2026-0500", valid_until=days(5))
    pay(submit_parking(parking_page, resident, permit=other.number))

    other.refresh_from_db()
    assert other.valid_until == days(5)
    assert ParkingPermit.objects.get(holder=resident).number != other.number


def test_the_permit_pdf_names_the_permit(resident):
    permit = make_permit(resident, plates=["SG 123 456", "AR 1234"])

    text = pdf_text(parking.render_permit_pdf(permit, compress=False))
    for expected in (permit.number, "Blaue Zone Dorfkern", "SG 123 456", "AR 1234", "Anna Muster"):
        assert expected in text


# --- reminders and expiry -----------------------------------------------------------------------------------


def parking_notifications(user):
    return list(Notification.objects.filter(user=user, kind="parking").order_by("pk"))


def test_reminders_30_and_7_days_before_expiry_are_sent_once(resident):
    permit = make_permit(resident, valid_until=days(30))

    assert parking.send_expiry_reminders(TODAY) == 1
    assert parking.send_expiry_reminders(TODAY) == 0
    assert parking.send_expiry_reminders(days(1)) == 0  # still in the 30-day window: nothing new
    sent = parking_notifications(resident)
    assert len(sent) == 1 and permit.number in sent[0].title
    assert sent[0].url == f"/account/parking/{permit.number}/renew/"

    assert parking.send_expiry_reminders(days(23)) == 1  # 7 days left
    assert parking.send_expiry_reminders(days(23)) == 0
    assert parking.send_expiry_reminders(days(25)) == 0
    assert len(parking_notifications(resident)) == 2
    permit.refresh_from_db()
    assert permit.reminded_30_for == permit.reminded_7_for == days(30)


def test_no_reminder_long_before_expiry(resident):
    make_permit(resident, valid_until=days(31))
    assert parking.send_expiry_reminders(TODAY) == 0


def test_a_renewal_re_arms_the_reminders(parking_page, resident):
    permit = make_permit(resident, valid_until=days(7))
    assert parking.send_expiry_reminders(TODAY) == 1
    pay(submit_parking(parking_page, resident, permit=permit.number))
    permit.refresh_from_db()
    new_until = permit.valid_until

    assert parking.send_expiry_reminders(new_until - datetime.timedelta(days=30)) == 1
    assert parking.send_expiry_reminders(new_until - datetime.timedelta(days=7)) == 1
    assert parking.send_expiry_reminders(new_until - datetime.timedelta(days=7)) == 0


def test_expired_permits_are_marked_once(resident):
    expired = make_permit(resident, valid_until=days(-1))
    valid = make_permit(resident, number="PK-2026-0002", valid_until=TODAY)

    assert parking.daily_job(TODAY) == {"reminders": 1, "expired": 1}
    assert parking.daily_job(TODAY) == {"reminders": 0, "expired": 0}

    expired.refresh_from_db()
    valid.refresh_from_db()
    assert expired.expired_marked_at is not None and valid.expired_marked_at is None
    titles = [n.title for n in parking_notifications(resident)]
    assert sum("expired" in title or "abgelaufen" in title for title in titles) == 1


def test_the_schedule_is_declared():
    assert parking.schedules() == [("services: parking permit reminders", "services.parking.daily_job", "D", {})]


# --- account -------------------------------------------------------------------------------------------------


def test_the_dashboard_shows_the_permits_with_their_state(client, resident, parking_page, soup):
    make_permit(resident, valid_until=days(20))
    make_permit(resident, number="PK-2026-0002", zone="Blaue Zone Bahnhof", valid_until=days(200))
    make_permit(resident, number="PK-2026-0003", valid_until=days(-3))
    make_permit(UserFactory(), number="PK-2026-0004")
    client.force_login(resident)

    html = soup(client.get("/account/"))

    section = html.select_one("#dashboard-parking").find_parent("section")
    rows = {row["data-permit"]: row for row in section.select("tr[data-permit]")}
    assert set(rows) == {"PK-2026-0001", "PK-2026-0002", "PK-2026-0003"}
    assert "Blaue Zone Bahnhof" in rows["PK-2026-0002"].get_text()
    assert "SG 123 456" in rows["PK-2026-0001"].get_text()
    assert rows["PK-2026-0001"].select_one("[data-state]")["data-state"] == "expiring"
    assert "20" in rows["PK-2026-0001"].select_one("[data-state]").get_text()
    assert rows["PK-2026-0002"].select_one("[data-state]")["data-state"] == "valid"
    assert rows["PK-2026-0003"].select_one("[data-state]")["data-state"] == "expired"
    assert rows["PK-2026-0001"].select_one("form")["action"] == "/account/parking/PK-2026-0001/renew/"


def test_no_parking_section_without_permits(client, resident, soup):
    client.force_login(resident)
    assert soup(client.get("/account/")).select_one("#dashboard-parking") is None


def test_the_dashboard_section_needs_the_same_queries_for_one_and_five_permits(resident, parking_page):
    request = RequestFactory().get("/account/")
    request.user = resident
    request.acting_context = ActingContext(user=resident)

    make_permit(resident)
    with CaptureQueriesContext(connection) as one:
        assert len(parking.dashboard_context(request)["permits"]) == 1
    for n in range(2, 6):
        make_permit(resident, number=f"PK-2026-000{n}", valid_until=days(n * 10))
    with CaptureQueriesContext(connection) as five:
        context = parking.dashboard_context(request)
        assert len(context["permits"]) == 5
        [permit.document.case.reference if permit.document_id else "" for permit in context["permits"]]
    assert len(one) == len(five)


def test_the_list_page_links_the_permit_pdf(client, parking_page, resident, soup):
    case = pay(submit_parking(parking_page, resident))
    permit = ParkingPermit.objects.get()
    client.force_login(resident)

    html = soup(client.get("/account/parking/"))

    link = html.select_one(f"tr[data-permit='{permit.number}'] a")
    assert link["href"] == f"/account/cases/{case.reference}/documents/{permit.document_id}/"
    response = client.get(link["href"])
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")


def test_renew_creates_a_prefilled_draft_and_the_resident_submits_and_pays(client, parking_page, resident, soup):
    permit = make_permit(resident, plates=["SG 123 456", "SG 42"], valid_until=days(20))
    client.force_login(resident)

    assert client.get(f"/account/parking/{permit.number}/renew/").status_code == 200
    response = client.post(f"/account/parking/{permit.number}/renew/")

    draft = Case.objects.get(status=CaseStatus.DRAFT, submitted_by=resident)
    assert draft.service_page_id == parking_page.pk and draft.owner_user == resident
    assert draft.data["permit"] == permit.number and draft.data["kennzeichen"] == "SG 123 456, SG 42"
    assert response.status_code == 302
    assert response["Location"] == f"{parking_page.url}?resume={draft.submission_token}"
    # Asking again reuses the open draft.
    client.post(f"/account/parking/{permit.number}/renew/")
    assert Case.objects.filter(status=CaseStatus.DRAFT).count() == 1

    response = client.get(response["Location"])
    assert response.status_code == 303
    block_id = parking_page.form_blocks()[0][0]
    form = soup(client.get(parking_page.url)).select_one(f"#form-{block_id} form")
    assert form.select_one("[name=kennzeichen]")["value"] == "SG 123 456, SG 42"
    assert form.select_one("[name=permit]")["value"] == permit.number
    assert form.select_one("[name=zone][value='Blaue Zone Dorfkern']").has_attr("checked")
    assert form.select_one("[name=dauer][value='12']").has_attr("checked")

    # The resident only confirms: the posted form is what was prefilled.
    posted = {
        element["name"]: element.get("value", "")
        for element in form.select("input")
        if element.get("type") not in ("radio", "checkbox") and element.get("name")
    }
    posted.update(zone="Blaue Zone Dorfkern", dauer="12", action="submit")
    response = client.post(parking_page.url, posted)
    assert response.status_code == 303

    case = Case.objects.get(pk=draft.pk)
    assert case.status == CaseStatus.SUBMITTED
    pay(case)
    permit.refresh_from_db()
    assert permit.valid_until == parking.add_months(days(20), 12)
    page = soup(client.get("/account/parking/"))
    cell = page.select_one(f"tr[data-permit='{permit.number}'] [data-valid-until]")
    assert cell.get_text() == permit.valid_until.strftime("%d.%m.%Y")


def test_another_person_gets_404_for_someone_elses_permit(client, parking_page, resident):
    permit = make_permit(resident)
    client.force_login(UserFactory())

    assert client.get(f"/account/parking/{permit.number}/renew/").status_code == 404
    assert client.post(f"/account/parking/{permit.number}/renew/").status_code == 404
    assert not Case.objects.filter(status=CaseStatus.DRAFT).exists()
    assert permit.number not in client.get("/account/parking/").content.decode()


def test_renew_without_a_parking_page_explains(client, resident):
    permit = make_permit(resident)
    client.force_login(resident)
    response = client.post(f"/account/parking/{permit.number}/renew/", follow=True)
    assert response.redirect_chain[-1][0] == "/account/parking/"
    assert not Case.objects.exists()


def test_the_list_needs_login(client):
    response = client.get("/account/parking/")
    assert response.status_code == 302 and "login" in response["Location"]


# --- demo ----------------------------------------------------------------------------------------------------


def test_the_demo_permit_is_created_once_close_to_expiry(resident, home_page):
    first = ensure_demo_parking(home_page, resident)
    second = ensure_demo_parking(home_page, resident)
    assert first.pk == second.pk and ParkingPermit.objects.count() == 1
    assert first.number == DEMO_NUMBER and first.holder == resident
    assert 0 < (first.valid_until - TODAY).days <= 30
    assert {f["value"]["name"] for f in PARKING_FORM_FIELDS if "name" in f["value"]} == {
        "zone",
        "kennzeichen",
        "dauer",
        "permit",
    }


# --- back office ---------------------------------------------------------------------------------------------

ADMIN_URL = "/admin/services/parkingpermit/"


def test_clerks_of_the_parking_service_see_the_register_and_search_by_plate(client, parking_page, resident, soup):
    from tests.services.test_backoffice import clerk_group, staff

    group = clerk_group("Parkierung")
    parking_page.clerk_group = group
    parking_page.save_revision().publish()
    make_permit(resident, plates=["SG 123 456"])
    make_permit(UserFactory(last_name="Beispiel"), number="PK-2026-0002", plates=["AR 999"], valid_until=days(-2))
    client.force_login(staff(group))

    assert ADMIN_URL in client.get("/admin/").content.decode()
    html = soup(client.get(ADMIN_URL))
    text = html.select_one("table").get_text(" ", strip=True)
    assert "PK-2026-0001" in text and "PK-2026-0002" in text and "Expired" in text
    found = soup(client.get(ADMIN_URL, {"q": "AR 999"})).select_one("table").get_text(" ", strip=True)
    assert "PK-2026-0002" in found and "PK-2026-0001" not in found
    found = soup(client.get(ADMIN_URL, {"q": "PK-2026-0001"})).select_one("table").get_text(" ", strip=True)
    assert "PK-2026-0001" in found and "PK-2026-0002" not in found
    # Read-only: modeladmin's own edit and delete views do not exist.
    permit = ParkingPermit.objects.get(number="PK-2026-0001")
    assert client.get(f"{ADMIN_URL}edit/{permit.pk}/").status_code == 404
    assert client.get(f"{ADMIN_URL}delete/{permit.pk}/").status_code == 404


def test_other_clerks_get_no_parking_register(client, parking_page, make_service_page, resident):
    from tests.services.test_backoffice import clerk_group, staff

    other = clerk_group("Bauverwaltung")
    make_service_page(clerk_group=other)
    make_permit(resident)
    client.force_login(staff(other))

    assert ADMIN_URL not in client.get("/admin/").content.decode()
    response = client.get(ADMIN_URL)
    assert response.status_code == 302 and "PK-2026-0001" not in response.content.decode()

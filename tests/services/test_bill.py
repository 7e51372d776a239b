"""Bills for what the portal sells outside a form (school courses, lunches): a case the person pays like any fee."""

import pytest
from wagtail.models import Site

from account.models import Notification
from services import cases
from services.demo_payments import ensure_demo_payment_settings
from services.models import Case, CaseStatus, Payment
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_bill_is_a_submitted_case_with_an_open_payment_and_the_lines_as_answers(client, soup, home_page):
    ensure_demo_payment_settings(Site.objects.get(is_default_site=True))
    guardian = UserFactory(language="en")
    case = cases.bill(
        guardian,
        "Mittagstisch November 2026",
        4750,
        key="lunch:1:2:2026-11",
        lines=[("Lina Muster", "5 × CHF 9.50")],
    )

    assert case.status == CaseStatus.SUBMITTED and case.reference
    assert case.owner_user == guardian and case.fee_rappen == 4750
    payment = case.payments.get()
    assert payment.status == Payment.Status.OPEN and payment.amount_rappen == 4750
    assert Notification.objects.filter(user=guardian, kind="case", title__contains=case.reference).exists()

    client.force_login(guardian)
    page = soup(client.get(f"/en/account/cases/{case.reference}/"))
    text = page.get_text(" ", strip=True)
    assert "Mittagstisch November 2026" in text and "Lina Muster" in text and "5 × CHF 9.50" in text
    assert page.find(id="fee").find("a", href=f"/en/account/payments/{case.reference}/invoice.pdf")
    invoice = client.get(f"/en/account/payments/{case.reference}/invoice.pdf")
    assert invoice.status_code == 200 and invoice.content.startswith(b"%PDF")


def test_billing_the_same_thing_again_returns_the_first_bill():
    guardian = UserFactory()
    first = cases.bill(guardian, "Kurs Schach", 4000, key="course-registration:7")
    again = cases.bill(guardian, "Kurs Schach", 4000, key="course-registration:7")

    assert again.pk == first.pk
    assert Case.objects.filter(owner_user=guardian).count() == 1
    assert Payment.objects.filter(case__owner_user=guardian).count() == 1


def test_nobody_else_sees_a_bill(client):
    case = cases.bill(UserFactory(), "Kurs Schach", 4000, key="course-registration:8")
    client.force_login(UserFactory())

    assert client.get(f"/en/account/cases/{case.reference}/").status_code == 404
    assert client.get(f"/en/account/payments/{case.reference}/invoice.pdf").status_code == 404


def test_a_bill_no_longer_owed_is_cancelled_and_withdrawn_but_a_paid_one_stays():
    owner = UserFactory()
    open_bill = cases.bill(owner, "Kurs Schach", 4000, key="course-registration:9")
    paid_bill = cases.bill(owner, "Kurs Theater", 2500, key="course-registration:10")
    cases.mark_paid(paid_bill.payments.get(), actor_label="Bank")

    assert cases.cancel_bill(open_bill, actor=owner, text="Kursanmeldung storniert")
    assert not cases.cancel_bill(paid_bill, actor=owner, text="Kursanmeldung storniert")

    open_bill.refresh_from_db()
    assert open_bill.status == CaseStatus.WITHDRAWN
    assert open_bill.payments.get().status == Payment.Status.CANCELLED
    assert open_bill.events.filter(kind="payment", text="Kursanmeldung storniert").exists()
    assert paid_bill.payments.get().status == Payment.Status.PAID
    paid_bill.refresh_from_db()
    assert paid_bill.status == CaseStatus.SUBMITTED

"""POST /api/v1/cases/{reference}/payments/confirmation: the specialist application confirms the fee."""

import datetime

from django.utils import timezone

from services.models import CaseEvent, Payment
from tests.api.helpers import assert_problem
from tests.integration_fixtures import submit_case


def url(case):
    return f"/api/v1/cases/{case.reference}/payments/confirmation"


def body(amount=2500, method="counter", paid_on=None):
    return {"amountRappen": amount, "paidOn": (paid_on or timezone.localdate()).isoformat(), "method": method}


def test_the_application_confirms_the_fee_once(api, application, submitted_case):
    response = api.post(url(submitted_case), body(method="qr_bill"), format="json")

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "paid" and data["amountRappen"] == 2500 and data["method"] == "qr_bill"
    assert data["currency"] == "CHF" and data["paidAt"]
    assert data["confirmedBy"].startswith(application.name)
    payment = submitted_case.payments.get()
    assert payment.status == Payment.Status.PAID and payment.method == Payment.Method.QR_BILL
    event = submitted_case.events.get(kind=CaseEvent.Kind.PAYMENT)
    assert event.actor_label == application.name

    again = api.post(url(submitted_case), body(method="qr_bill"), format="json")

    assert again.status_code == 200
    assert again.json()["paidAt"] == data["paidAt"]
    assert submitted_case.events.filter(kind=CaseEvent.Kind.PAYMENT).count() == 1
    detail = api.get(f"/api/v1/cases/{submitted_case.reference}").json()
    assert detail["case"]["fee"] == {"amountRappen": 2500, "currency": "CHF", "paid": True}


def test_a_wrong_amount_is_unprocessable_and_changes_nothing(api, submitted_case):
    problem = assert_problem(api.post(url(submitted_case), body(amount=2000), format="json"), 422, "amount-mismatch")

    assert problem["errors"][0]["field"] == "amountRappen"
    assert submitted_case.payments.get().status == Payment.Status.OPEN
    assert api.get(f"/api/v1/cases/{submitted_case.reference}").json()["case"]["fee"]["paid"] is False


def test_validation_of_the_body(api, submitted_case):
    assert_problem(api.post(url(submitted_case), body(method="cash"), format="json"), 400, "validation-error")
    future = timezone.localdate() + datetime.timedelta(days=2)
    assert_problem(api.post(url(submitted_case), body(paid_on=future), format="json"), 400, "validation-error")
    assert submitted_case.payments.get().status == Payment.Status.OPEN


def test_a_case_without_fee_is_a_conflict(api, make_service_page, application, resident):
    page = make_service_page(fee_rappen=0)
    application.services.add(page)
    case = submit_case(page, resident)

    assert_problem(api.post(url(case), body(), format="json"), 409, "no-fee")


def test_cases_outside_the_scope_are_not_found(make_application, make_service_page, submitted_case):
    _other, token = make_application(services=[make_service_page()])
    from tests.integration_fixtures import bearer

    assert_problem(bearer(token).post(url(submitted_case), body(), format="json"), 404)
    assert submitted_case.payments.get().status == Payment.Status.OPEN


def test_an_application_without_write_permission_is_refused(make_application, service_page, submitted_case):
    _app, token = make_application(services=[service_page], write=())
    from tests.integration_fixtures import bearer

    assert_problem(bearer(token).post(url(submitted_case), body(), format="json"), 403, "insufficient-scope")

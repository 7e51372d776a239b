"""The register application issues and revokes certificates through the API: scoped, idempotent, checked."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from account.models import Membership, Organisation
from services import certificates
from services.models import CaseStatus
from services.models.certificates import Certificate
from tests.api.helpers import assert_problem, download
from tests.integration_fixtures import bearer, submit_case

SNAPSHOT = [{"name": "certificate_kind", "label": "Bescheinigung", "type": "choice"}]


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def certificate_page(make_service_page):
    return make_service_page(title="Bescheinigung bestellen", service_kind="certificate", fee_rappen=0)


@pytest.fixture
def register(make_application, certificate_page):
    return bearer(make_application(services=[certificate_page], name="Einwohnerregister")[1])


@pytest.fixture
def order(certificate_page, resident):
    return submit_case(certificate_page, resident, data={"certificate_kind": "Heimatausweis"}, snapshot=SNAPSHOT)


def url(case, suffix=""):
    return f"/api/v1/cases/{case.reference}/certificate{suffix}"


def test_the_register_issues_the_ordered_certificate_once(register, order, resident, client):
    valid_until = timezone.localdate() + datetime.timedelta(days=30)

    response = register.post(url(order), {"validUntil": valid_until.isoformat()}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "hometown"
    assert body["validUntil"] == valid_until.isoformat()
    assert body["revokedAt"] is None
    assert certificates.normalise_code(body["code"]) == body["code"]
    assert body["verifyHref"] == f"http://testserver/verify/?code={body['code']}"
    _response, content = download(register, body["documentHref"])
    assert content.startswith(b"%PDF")
    order.refresh_from_db()
    assert order.status == CaseStatus.COMPLETED
    assert order.events.filter(actor_label="Einwohnerregister").exists()
    # The resident sees it in the account.
    client.force_login(resident)
    assert body["code"] in client.get("/account/certificates/").content.decode()

    again = register.post(url(order), {"kind": "residence"}, format="json")
    assert again.status_code == 200
    assert again.json()["code"] == body["code"]
    assert Certificate.objects.filter(case=order).count() == 1


def test_the_register_revokes_the_certificate_idempotently(register, order, client):
    code = register.post(url(order), {}, format="json").json()["code"]

    missing_reason = register.post(url(order, "/revocation"), {}, format="json")
    assert_problem(missing_reason, 400, "validation-error")

    response = register.post(url(order, "/revocation"), {"reason": "Irrtümlich ausgestellt"}, format="json")
    assert response.status_code == 200, response.content
    revoked_at = response.json()["revokedAt"]
    assert revoked_at
    again = register.post(url(order, "/revocation"), {"reason": "Nochmals"}, format="json")
    assert again.status_code == 200 and again.json()["revokedAt"] == revoked_at
    assert Certificate.objects.get(code=code).revoked_reason == "Irrtümlich ausgestellt"
    assert 'data-state="revoked"' in client.get("/verify/", {"code": code}).content.decode()


def test_revoking_without_a_certificate_is_not_found(register, order):
    assert_problem(register.post(url(order, "/revocation"), {"reason": "x"}, format="json"), 404)


def test_other_applications_do_not_find_the_case(make_application, make_service_page, order):
    other_page = make_service_page()
    outsider = bearer(make_application(services=[other_page])[1])

    assert_problem(outsider.post(url(order), {}, format="json"), 404)
    assert_problem(outsider.post(url(order, "/revocation"), {"reason": "x"}, format="json"), 404)
    assert not Certificate.objects.exists()


def test_a_read_only_application_may_not_issue(make_application, certificate_page, order):
    reader = bearer(make_application(services=[certificate_page], write=())[1])
    assert_problem(reader.post(url(order), {}, format="json"), 403, "insufficient-scope")


def test_an_order_without_a_kind_needs_one_and_organisations_are_refused(register, certificate_page, resident):
    plain = submit_case(certificate_page, resident, data={}, snapshot=[])
    problem = assert_problem(register.post(url(plain), {}, format="json"), 400, "validation-error")
    assert problem["errors"][0]["field"] == "kind"
    assert register.post(url(plain), {"kind": "conduct"}, format="json").status_code == 201

    organisation = Organisation.objects.create(name="Turnverein Musterwil", kind=Organisation.Kind.ASSOCIATION)
    membership = Membership.objects.create(user=resident, organisation=organisation, role=Membership.Role.OWNER)
    theirs = submit_case(
        certificate_page, resident, data={"certificate_kind": "residence"}, snapshot=SNAPSHOT, membership=membership
    )
    problem = assert_problem(register.post(url(theirs), {}, format="json"), 409, "certificate-refused")
    assert "organisation" in problem["detail"]

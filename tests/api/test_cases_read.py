"""Reading cases: the envelope, the applicant in eCH names, answers with labels, attachments, list and scopes."""

import datetime
import uuid

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from account.acting_context import ActingContext
from services import cases
from services.models import Case, CaseStatus
from tests.api.helpers import assert_problem, download, empty_values, pdf
from tests.integration_fixtures import PDF, bearer, submit_case

SNAPSHOT_WITH_DATE = [
    {"name": "kennzeichen", "label": "Kennzeichen", "type": "text"},
    {"name": "gueltig_ab", "label": "Gültig ab", "type": "date"},
    {"name": "anhaenger", "label": "Mit Anhänger?", "type": "yes_no"},
    {"name": "nicht_beantwortet", "label": "Nicht beantwortet", "type": "text"},
]


@pytest.fixture
def resident_with_ahv(resident):
    resident.ahv_number = "756.1234.5678.97"
    resident.save()
    return resident


def test_case_detail_has_the_ech_header(api, application, submitted_case):
    response = api.get(f"/api/v1/cases/{submitted_case.reference}")

    assert response.status_code == 200
    header = response.json()["header"]
    assert header["businessProcessId"] == submitted_case.reference
    assert header["recipientId"] == application.slug
    assert header["senderId"] == settings.INTEGRATIONS_SENDER_ID
    assert header["messageType"] == "gemeindeportal.case"
    assert header["action"] == "1"
    assert header["testDeliveryFlag"] is False
    assert header["sendingApplication"] == {
        "manufacturer": "Gemeindeportal",
        "product": "Gemeindeportal",
        "productVersion": "1.0",
    }
    assert uuid.UUID(header["messageId"]).version == 4
    assert datetime.datetime.fromisoformat(header["messageDate"]).tzinfo is not None
    # A new message id for every message.
    assert api.get(f"/api/v1/cases/{submitted_case.reference}").json()["header"]["messageId"] != header["messageId"]


def test_test_applications_and_withdrawn_cases_are_flagged(make_application, service_page, resident):
    _app, token = make_application(services=[service_page], is_test=True)
    case = submit_case(service_page, resident)
    cases.withdraw(case, resident)

    header = bearer(token).get(f"/api/v1/cases/{case.reference}").json()["header"]

    assert header["testDeliveryFlag"] is True
    assert header["action"] == "3"


def test_destination_becomes_the_sub_message_type(make_application, make_service_page, resident):
    page = make_service_page(destination="bauamt")
    _app, token = make_application(destinations="bauamt")
    case = submit_case(page, resident)

    assert bearer(token).get(f"/api/v1/cases/{case.reference}").json()["header"]["subMessageType"] == "bauamt"


def test_person_applicant_in_ech_names_without_empty_values(api, service_page, resident_with_ahv):
    case = submit_case(service_page, resident_with_ahv)

    applicant = api.get(f"/api/v1/cases/{case.reference}").json()["case"]["applicant"]

    assert applicant == {
        "personIdentification": {
            "vn": "7561234567897",
            "localPersonId": {"personIdCategory": "CH.GEMEINDEPORTAL", "personId": str(resident_with_ahv.pk)},
            "officialName": "Muster",
            "firstName": "Anna",
            "dateOfBirth": {"yearMonthDay": "1985-04-12"},
        },
        "mailAddress": {
            "person": {"firstName": "Anna", "lastName": "Muster"},
            "addressInformation": {
                "street": "Dorfstrasse",
                "houseNumber": "5a",
                "swissZipCode": 9999,
                "town": "Musterwil",
                "country": {"countryIdISO2": "CH"},
            },
        },
        "contact": {"emailAddress": "anna.muster@example.org", "phoneNumber": "+41 44 123 45 67"},
    }


def test_missing_personal_data_is_left_out_not_sent_empty(api, service_page, user):
    user.first_name, user.date_of_birth, user.phone, user.street, user.postcode, user.town = "", None, "", "", "", ""
    user.save()
    case = submit_case(service_page, user)

    body = api.get(f"/api/v1/cases/{case.reference}").json()

    applicant = body["case"]["applicant"]
    assert empty_values(applicant) == []
    assert empty_values(body["header"]) == []
    assert "vn" not in applicant["personIdentification"]
    assert "dateOfBirth" not in applicant["personIdentification"]
    assert "addressInformation" not in applicant.get("mailAddress", {})
    assert applicant["contact"] == {"emailAddress": user.email}


def test_organisation_applicant_with_uid_and_the_submitting_member(
    api, service_page, resident, organisation, make_member
):
    organisation.uid = "CHE-123.456.788"
    organisation.email = "info@turnverein.example"
    organisation.street, organisation.house_number = "Turnhallenweg", "1"
    organisation.save()
    membership = make_member(organisation, role="owner", user=resident)
    case = submit_case(service_page, resident, membership=membership)

    applicant = api.get(f"/api/v1/cases/{case.reference}").json()["case"]["applicant"]

    assert "personIdentification" not in applicant
    assert applicant["organisationIdentification"] == {
        "uid": {"uidOrganisationIdCategorie": "CHE", "uidOrganisationId": "123456788"},
        "localOrganisationId": {"organisationIdCategory": "CH.GEMEINDEPORTAL", "organisationId": str(organisation.pk)},
        "organisationName": organisation.name,
    }
    assert applicant["mailAddress"] == {
        "organisation": {"organisationName": organisation.name},
        "addressInformation": {
            "street": "Turnhallenweg",
            "houseNumber": "1",
            "swissZipCode": 9999,
            "town": "Musterwil",
            "country": {"countryIdISO2": "CH"},
        },
    }
    assert applicant["contact"] == {"emailAddress": "info@turnverein.example"}
    submitter = applicant["submittedBy"]["personIdentification"]
    assert submitter["officialName"] == "Muster"
    assert submitter["localPersonId"]["personId"] == str(resident.pk)
    assert empty_values(applicant) == []


def test_fields_carry_labels_raw_values_and_display_values(api, service_page, resident):
    data = {"kennzeichen": "SG 12345", "gueltig_ab": "2026-12-24", "anhaenger": "yes"}
    case = submit_case(service_page, resident, data=data, snapshot=SNAPSHOT_WITH_DATE)

    fields = api.get(f"/api/v1/cases/{case.reference}").json()["case"]["fields"]

    assert fields == [
        {
            "name": "kennzeichen",
            "label": "Kennzeichen",
            "type": "text",
            "value": "SG 12345",
            "displayValue": "SG 12345",
        },
        {
            "name": "gueltig_ab",
            "label": "Gültig ab",
            "type": "date",
            "value": "2026-12-24",
            "displayValue": "24.12.2026",
        },
        {"name": "anhaenger", "label": "Mit Anhänger?", "type": "yes_no", "value": "yes", "displayValue": "Ja"},
    ]


def test_case_body_with_status_fee_and_attachments_that_download(api, service_page, resident):
    case = submit_case(service_page, resident, files=[("plan", pdf("situationsplan.pdf"))])

    body = api.get(f"/api/v1/cases/{case.reference}").json()["case"]

    assert body["reference"] == case.reference
    assert body["status"] == "submitted"
    assert body["statusLabel"]
    assert body["service"] == {"id": service_page.pk, "title": service_page.title, "destination": ""}
    assert body["fee"] == {"amountRappen": 2500, "currency": "CHF", "paid": False}
    assert body["closedAt"] is None and body["dueDate"] is None
    assert body["submittedAt"]
    [attachment] = body["attachments"]
    assert attachment["filename"] == "situationsplan.pdf"
    assert attachment["fieldName"] == "plan"
    assert attachment["origin"] == "applicant"
    assert attachment["contentType"] == "application/pdf"
    assert attachment["size"] == len(PDF)
    assert attachment["href"].endswith(f"/api/v1/cases/{case.reference}/documents/{attachment['id']}/content")
    response, content = download(api, attachment["href"])
    assert content == PDF
    assert response["Content-Disposition"].startswith("attachment")
    assert 'filename="situationsplan.pdf"' in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert [entry["kind"] for entry in body["timeline"]] == ["submitted"]


def test_download_ignores_what_the_client_accepts(api, service_page, resident):
    case = submit_case(service_page, resident, files=[("plan", pdf())])
    href = api.get(f"/api/v1/cases/{case.reference}").json()["case"]["attachments"][0]["href"]

    response = api.get(href, HTTP_ACCEPT="application/pdf")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_questions_milestones_and_timeline_show_what_the_owner_sees(api, application, submitted_case):
    cases.assign(submitted_case, None, actor=None)  # an internal step the applicant does not see
    question = cases.ask_question(
        submitted_case,
        "Bitte Fahrzeugausweis senden",
        author_label="Bauamt",
        due_date=timezone.localdate() + datetime.timedelta(days=10),
        requested_documents="Fahrzeugausweis\nVollmacht",
    )
    cases.add_milestone(submitted_case, "Publikation\nIm Amtsblatt", actor_label="Bauamt")

    body = api.get(f"/api/v1/cases/{submitted_case.reference}").json()["case"]

    [asked] = body["questions"]
    assert asked["id"] == question.pk
    assert asked["body"] == "Bitte Fahrzeugausweis senden"
    assert asked["requestedDocuments"] == ["Fahrzeugausweis", "Vollmacht"]
    assert asked["dueDate"] == question.due_date.isoformat()
    assert asked["answeredAt"] is None and asked["withdrawnAt"] is None
    assert body["milestones"] == [
        {"title": "Publikation", "date": timezone.localdate().isoformat(), "text": "Im Amtsblatt"}
    ]
    kinds = [entry["kind"] for entry in body["timeline"]]
    assert "assignment" not in kinds
    assert {"submitted", "status", "question", "milestone"} <= set(kinds)
    assert body["status"] == "awaiting_applicant"


def test_list_filters_and_pages_with_a_cursor(api, make_service_page, resident, service_page):
    other_page = make_service_page()
    first, second, third = (submit_case(service_page, resident) for _ in range(3))
    cases.change_status(second, CaseStatus.RECEIVED)
    submit_case(other_page, resident)  # outside the scope of `api`

    everything = api.get("/api/v1/cases").json()
    assert [item["reference"] for item in everything["results"]] == [first.reference, second.reference, third.reference]
    assert everything["next"] is None
    summary = everything["results"][0]
    assert set(summary) == {"reference", "title", "status", "service", "submittedAt", "updatedAt", "href"}
    assert summary["href"].endswith(f"/api/v1/cases/{first.reference}")

    received = api.get("/api/v1/cases", {"status": "received"}).json()["results"]
    assert [item["reference"] for item in received] == [second.reference]
    both = api.get("/api/v1/cases", {"status": "submitted,received"}).json()["results"]
    assert len(both) == 3
    assert api.get("/api/v1/cases", {"service": other_page.pk}).json()["results"] == []
    assert len(api.get("/api/v1/cases", {"service": service_page.pk}).json()["results"]) == 3

    Case.objects.filter(pk__in=[first.pk, second.pk]).update(updated_at=timezone.now() - datetime.timedelta(days=3))
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    recent = api.get("/api/v1/cases", {"updatedSince": since}).json()["results"]
    assert [item["reference"] for item in recent] == [third.reference]

    page_one = api.get("/api/v1/cases", {"limit": 2}).json()
    assert [item["reference"] for item in page_one["results"]] == [first.reference, second.reference]
    page_two = api.get("/api/v1/cases", {"limit": 2, "after": page_one["next"]}).json()
    assert [item["reference"] for item in page_two["results"]] == [third.reference]
    assert page_two["next"] is None


def test_list_refuses_bad_filters_with_field_errors(api):
    response = api.get("/api/v1/cases", {"status": "draft", "limit": 500, "updatedSince": "yesterday"})

    body = assert_problem(response, 400, "validation-error")
    assert {error["field"] for error in body["errors"]} == {"status", "limit", "updatedSince"}


def test_case_of_a_service_outside_the_scope_is_not_found(api, make_service_page, resident):
    elsewhere = submit_case(make_service_page(), resident)

    assert_problem(api.get(f"/api/v1/cases/{elsewhere.reference}"), 404, "not-found")
    assert_problem(api.get(f"/api/v1/cases/{elsewhere.reference}/answers"), 404)
    assert api.get("/api/v1/cases").json()["results"] == []


def test_drafts_are_invisible(api, service_page, resident):
    draft = cases.save_draft(
        acting_context=ActingContext(user=resident),
        service_page=service_page,
        form=None,
        block_id="b1",
        data={"kennzeichen": "SG 1"},
        step=0,
        submission_token=uuid.uuid4(),
    )

    assert draft.status == CaseStatus.DRAFT
    assert api.get("/api/v1/cases").json()["results"] == []
    assert_problem(api.get(f"/api/v1/cases/{draft.submission_token}"), 404)
    assert_problem(api.get("/api/v1/cases/None"), 404)


def test_documents_of_other_cases_are_not_found(api, service_page, make_service_page, resident):
    mine = submit_case(service_page, resident)
    other_in_scope = submit_case(service_page, resident, files=[("plan", pdf())])
    theirs = submit_case(make_service_page(), resident, files=[("plan", pdf())])
    other_document = other_in_scope.documents.get()
    their_document = theirs.documents.get()

    # A document id of another case, even one in scope, is not reachable through this case …
    assert_problem(api.get(f"/api/v1/cases/{mine.reference}/documents/{other_document.pk}/content"), 404)
    # … and a document of another application's case not at all.
    assert_problem(api.get(f"/api/v1/cases/{mine.reference}/documents/{their_document.pk}/content"), 404)
    assert_problem(api.get(f"/api/v1/cases/{theirs.reference}/documents/{their_document.pk}/content"), 404)


def test_an_application_without_read_permission_sees_nothing(make_application, service_page, submitted_case):
    _app, token = make_application(services=[service_page], read=())
    client = bearer(token)

    assert_problem(client.get(f"/api/v1/cases/{submitted_case.reference}"), 404)
    assert client.get("/api/v1/cases").json()["results"] == []


def test_an_inactive_application_cannot_call(make_application, service_page, submitted_case):
    application, token = make_application(services=[service_page])
    application.is_active = False
    application.save()

    assert_problem(bearer(token).get(f"/api/v1/cases/{submitted_case.reference}"), 401)


def _queries(client, url, **params):
    client.get(url, params)  # warm up: the token's last use is noted once a minute
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


def test_the_list_costs_the_same_queries_for_5_and_30_cases(api, service_page, resident):
    for _ in range(5):
        submit_case(service_page, resident)
    few = _queries(api, "/api/v1/cases", limit=200)
    for _ in range(25):
        submit_case(service_page, resident)

    many = _queries(api, "/api/v1/cases", limit=200)

    assert len(api.get("/api/v1/cases", {"limit": 200}).json()["results"]) == 30
    assert many == few


def test_case_detail_costs_the_same_queries_however_much_it_holds(api, service_page, resident):
    # One of each kind against many of each: the count may not grow with the contents.
    small = submit_case(service_page, resident, files=[("plan", pdf())])
    cases.ask_question(small, "Frage", files=[pdf("beilage.pdf")])
    big = submit_case(service_page, resident, files=[("plan", pdf(f"plan{n}.pdf")) for n in range(5)])
    for number in range(3):
        cases.ask_question(big, f"Frage {number}", files=[pdf(f"beilage{number}.pdf")])
        cases.add_milestone(big, f"Schritt {number}")
    cases.send_message(big, "Danke", author=resident, from_applicant=True, files=[pdf("antwort.pdf")])

    cost_small = _queries(api, f"/api/v1/cases/{small.reference}")
    cost_big = _queries(api, f"/api/v1/cases/{big.reference}")

    assert len(api.get(f"/api/v1/cases/{big.reference}").json()["case"]["attachments"]) == 5 + 3 + 1
    assert cost_big == cost_small


def test_the_api_root_links_the_main_resources(client):
    body = client.get("/api/v1/").json()

    assert set(body) == {"cases", "events", "schema", "docs"}
    assert body["cases"].endswith("/api/v1/cases")
    assert body["schema"].endswith("/api/v1/schema/")


def test_updated_since_sees_a_message_of_the_applicant(api, service_page, resident):
    quiet, talkative = submit_case(service_page, resident), submit_case(service_page, resident)
    Case.objects.update(updated_at=timezone.now() - datetime.timedelta(days=3))
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()

    cases.send_message(talkative, "Ich habe noch eine Frage.", author=resident, from_applicant=True)

    recent = api.get("/api/v1/cases", {"updatedSince": since}).json()["results"]
    assert [item["reference"] for item in recent] == [talkative.reference]
    assert quiet.reference

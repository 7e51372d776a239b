"""A resident's journey through a service page: steps, show-if, prefill, drafts, review, submit, uploads, login."""

import datetime
import uuid
from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from account.acting_context import SESSION_KEY as ACTING_KEY
from account.models import AssuranceLevel
from services import form_builder, page_views, submission
from services.models import Case, CaseDocument, CaseStatus
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.services.conftest import EVENT_FIELDS, field, form_block, show_if, step_break

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 300
NEXT_MONTH = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()

STEP_1 = {"event_name": "Dorffest", "event_date": NEXT_MONTH, "public": "yes", "visitors": "300"}
STEP_2 = {
    "organiser": "Anna Muster",
    "email": "anna.muster@example.org",
    "address_street": "Dorfstrasse",
    "address_house_number": "5a",
    "address_postcode": "9999",
    "address_town": "Musterwil",
    "remarks": "Mit Festwirtschaft",
}


class Journey:
    """Drives one form block of a page with the test client, the way a browser would."""

    def __init__(self, client, page, soup, block_index=0):
        self.client, self.page, self.soup = client, page, soup
        self.block_id = page.form_blocks()[block_index][0]

    def open(self, **query):
        response = self.client.get(self.page.url, query)
        assert response.status_code == 200
        return response

    def form(self, response=None):
        html = self.soup(response or self.open())
        return html.select_one(f"#form-{self.block_id} form")

    def hidden(self, name, response=None):
        return self.form(response).select_one(f"input[name={name}]")["value"]

    def post(self, action, data=None, token=None, step=None, response=None):
        if token is None or step is None:
            response = response or self.open()
            token = token or self.hidden("submission_token", response)
            step = self.hidden("step", response) if step is None else step
        payload = {"block_id": self.block_id, "step": step, "action": action, "submission_token": token}
        return self.client.post(self.page.url, {**payload, **(data or {})})

    def answers(self):
        return self.client.session[submission.SESSION_KEY][f"{self.page.pk}:{self.block_id}"]["data"]

    def state(self):
        return self.client.session[submission.SESSION_KEY][f"{self.page.pk}:{self.block_id}"]

    @property
    def form_url(self):
        return f"{self.page.url}#form-{self.block_id}"


def value_of(form, name):
    element = form.select_one(f"[name={name}]")
    if element.name == "textarea":
        return element.get_text()
    return element.get("value")


def field_error(form, name):
    element = form.select_one(f"[name={name}]")
    group = element.find_parent(class_="field")
    error = group.select_one(".field-error")
    return error.get_text(" ", strip=True) if error else ""


@pytest.fixture
def journey(client, service_page, resident, soup):
    client.force_login(resident)
    return Journey(client, service_page, soup)


def plan(name="plan.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# --- the page ---------------------------------------------------------------------------------------------


def test_the_page_shows_the_service_facts_and_the_first_step(journey):
    html = journey.soup(journey.open())

    assert html.select_one("h1").get_text() == journey.page.title
    assert html.select_one("header .lead").get_text(strip=True).startswith("Melden Sie")
    facts = html.select_one(".service-facts dl").get_text(" ", strip=True)
    assert "CHF 25.00" in facts and "5 Arbeitstage" in facts
    steps = html.select(f"#form-{journey.block_id} nav ol li")
    assert len(steps) == 2
    assert steps[0].get("aria-current") == "step" and steps[1].get("aria-current") is None
    form = journey.form()
    assert {"event_name", "event_date", "public", "visitors"} <= {el["name"] for el in form.select("[name]")}
    assert form.select_one("[name=organiser]") is None
    assert html.select_one("script[src$='js/show_if.js']") is not None


def test_a_free_service_says_so(make_service_page, client, resident, soup):
    page = make_service_page(fee_rappen=0)
    client.force_login(resident)
    facts = soup(client.get(page.url)).select_one(".service-facts dl").get_text(" ", strip=True)
    assert "CHF" not in facts


def test_the_service_index_lists_its_services_as_cards(service_page, service_index, client, soup):
    html = soup(client.get(service_index.url))
    cards = html.select("ul.cards li.card")
    assert [card.select_one("h3 a").get_text() for card in cards] == [service_page.title]
    assert cards[0].select_one("h3 a")["href"] == service_page.url


# --- steps ---------------------------------------------------------------------------------------------------


def test_next_goes_to_step_two_with_prefill_and_back_keeps_the_answers(journey, resident):
    response = journey.post("next", STEP_1)
    assert response.status_code == 303
    assert response["Location"] == journey.form_url

    second = journey.form()
    assert journey.hidden("step") == "1"
    assert value_of(second, "organiser") == "Anna Muster"
    assert value_of(second, "email") == resident.email
    assert value_of(second, "address_street") == "Dorfstrasse"
    assert value_of(second, "address_postcode") == "9999"

    response = journey.post("back", {"organiser": "Verein Fest", "remarks": "Bitte früh"})
    assert response.status_code == 303
    first = journey.form()
    assert journey.hidden("step") == "0"
    assert value_of(first, "event_name") == "Dorffest"
    assert first.select_one("input[name=public][value=yes]").has_attr("checked")
    assert value_of(first, "visitors") == "300"

    journey.post("next", STEP_1)
    second = journey.form()
    # What was typed on step 2 before going back is still there (not the prefill).
    assert value_of(second, "organiser") == "Verein Fest"
    assert value_of(second, "remarks").strip() == "Bitte früh"


def test_errors_re_render_the_step_with_the_input_kept(journey):
    response = journey.post("next", {**STEP_1, "event_date": "01.01.2020", "visitors": "abc"})
    assert response.status_code == 200
    form = journey.form(response)
    assert form.select_one(".error-summary") is not None
    assert field_error(form, "event_date") and field_error(form, "visitors")
    assert value_of(form, "event_name") == "Dorffest"
    assert value_of(form, "visitors") == "abc"
    # The valid answers are kept in the session, too.
    assert journey.answers()["event_name"] == "Dorffest"


def test_a_posted_step_the_visitor_has_not_reached_is_refused(journey):
    response = journey.post("next", STEP_2, step="1")
    assert response.status_code == 303
    assert not journey.client.session.get(submission.SESSION_KEY)


# --- show-if --------------------------------------------------------------------------------------------------


def test_a_hidden_question_is_not_required_and_its_posted_answer_is_dropped(journey):
    response = journey.post("next", {**STEP_1, "public": "no", "visitors": "not even a number"})
    assert response.status_code == 303
    assert journey.answers()["public"] == "no"
    assert "visitors" not in journey.answers()


def test_a_shown_question_is_required(journey):
    response = journey.post("next", {**STEP_1, "visitors": ""})
    assert response.status_code == 200
    assert field_error(journey.form(response), "visitors")


def test_without_javascript_the_question_shows_with_a_note(journey):
    question = journey.soup(journey.open()).select_one("[data-question=visitors]")
    assert question.get("hidden") is None
    assert question["data-show-if"] == '{"field": "public", "operator": "equals", "value": "yes"}'
    assert question.select_one(".show-if-note").get_text(strip=True)


def test_a_question_hidden_by_an_earlier_step_is_not_shown(
    make_service_form, make_service_page, client, resident, soup
):
    form = make_service_form(
        [
            field("yes_no", "Mit Zelt?", "tent"),
            step_break("Zelt"),
            field("text", "Grösse des Zelts", "tent_size", show_if=show_if("tent", value="yes")),
            field("text", "Name", "name"),
        ]
    )
    page = make_service_page(form=form)
    client.force_login(resident)
    journey = Journey(client, page, soup)
    journey.post("next", {"tent": "no"})
    assert journey.form().select_one("[name=tent_size]") is None
    assert journey.post("review", {"tent_size": "posted anyway", "name": "Anna"}).status_code == 303
    assert "tent_size" not in journey.answers()


# --- prefill in an organisation context ------------------------------------------------------------------------


def test_prefill_of_the_organisation_name_when_acting_for_it(make_service_form, make_service_page, client, soup):
    form = make_service_form([field("text", "Verein", "club", prefill="organisation_name")])
    page = make_service_page(form=form, organisations_only=True)
    membership = MembershipFactory(organisation=OrganisationFactory(name="Turnverein Musterwil"), role="owner")
    client.force_login(membership.user)
    journey = Journey(client, page, soup)

    # Acting personally, the organisations-only form is not offered.
    html = soup(client.get(page.url))
    assert html.select_one(f"#form-{journey.block_id} form") is None
    assert html.select_one(f"#form-{journey.block_id} .alert")

    session = client.session
    session[ACTING_KEY] = membership.organisation_id
    session.save()
    assert value_of(journey.form(), "club") == "Turnverein Musterwil"


# --- draft, resume, review, submit ----------------------------------------------------------------------------------


def test_save_draft_resume_review_and_submit(journey, resident, client, soup):
    journey.post("next", STEP_1)
    response = journey.post("save_draft", {**STEP_2, "plan": plan()})
    assert response.status_code == 303
    draft = Case.objects.get(submitted_by=resident)
    assert draft.status == CaseStatus.DRAFT and draft.reference is None
    assert draft.data["event_name"] == "Dorffest" and draft.data["plan"] == ["plan.pdf"]
    assert draft.current_step == 1
    token = str(draft.submission_token)

    # Later, in a new session: the draft is resumed from the account.
    client.logout()
    client.force_login(resident)
    assert page_views.resume_url(draft) == f"{journey.page.url}?resume={token}"
    response = client.get(journey.page.url, {"resume": token})
    assert response.status_code == 303 and response["Location"] == journey.form_url
    form = journey.form()
    assert journey.hidden("submission_token") == token
    assert journey.hidden("step") == "1"
    assert value_of(form, "remarks").strip() == "Mit Festwirtschaft"
    assert "plan.pdf" in form.select_one("[name=plan__remove]").find_parent("fieldset").get_text()

    response = journey.post("review", STEP_2)
    assert response.status_code == 303
    assert response["Location"] == f"{journey.page.url}?review={journey.block_id}"
    review = soup(client.get(response["Location"]))
    answers = {
        dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(" ", strip=True) for dt in review.select("dt")
    }
    assert answers["Name der Veranstaltung"] == "Dorffest"
    assert answers["Situationsplan"] == "plan.pdf"
    assert answers["Adresse"] == "Dorfstrasse 5a 9999 Musterwil"
    assert answers["Datum"] == datetime.date.fromisoformat(NEXT_MONTH).strftime("%d.%m.%Y")
    change_links = [a["href"] for a in review.select("section.panel a")]
    assert change_links[0] == f"{journey.page.url}?block={journey.block_id}&step=0#form-{journey.block_id}"

    submit = {"block_id": journey.block_id, "step": "review", "action": "submit", "submission_token": token}
    response = client.post(journey.page.url, submit)
    assert response.status_code == 303
    assert response["Location"] == f"{journey.page.url}?done={token}"

    case = Case.objects.get(submission_token=token)
    assert case.status == CaseStatus.SUBMITTED and case.reference
    assert case.pk == draft.pk
    assert case.form_revision_id == case.form.live_revision_id
    assert case.data["event_name"] == "Dorffest" and case.data["visitors"] == 300
    assert case.data["address"] == {
        "street": "Dorfstrasse",
        "house_number": "5a",
        "postcode": "9999",
        "town": "Musterwil",
    }
    assert submission.UPLOADS_KEY not in case.data
    assert [item["name"] for item in case.fields_snapshot][:2] == ["event_name", "event_date"]
    document = case.documents.get()
    assert (document.field_name, document.filename, document.origin) == (
        "plan",
        "plan.pdf",
        CaseDocument.Origin.APPLICANT,
    )
    assert document.file.read() == PDF

    done = soup(client.get(response["Location"]))
    assert done.select_one("[data-case-reference]").get_text() == case.reference
    assert "innert fünf Arbeitstagen" in done.get_text()
    assert done.select_one(f"a[href='/account/cases/{case.reference}/']") is not None

    # The same final POST again (double click, reload): still one case, the same confirmation.
    again = client.post(journey.page.url, submit)
    assert again.status_code == 303 and again["Location"] == response["Location"]
    assert Case.objects.filter(submitted_by=resident).count() == 1
    # And the form starts afresh.
    assert journey.hidden("submission_token") != token


def test_review_is_not_shown_before_every_step_is_done(journey):
    response = journey.client.get(journey.page.url, {"review": journey.block_id})
    assert response.status_code == 303 and response["Location"] == journey.form_url


def test_a_change_link_returns_to_the_step(journey):
    journey.post("next", STEP_1)
    journey.post("review", STEP_2)
    response = journey.client.get(journey.page.url, {"block": journey.block_id, "step": "0"})
    assert response.status_code == 303
    assert journey.hidden("step") == "0"
    assert value_of(journey.form(), "event_name") == "Dorffest"


def test_a_changed_answer_that_reveals_a_required_question_sends_back_to_its_step(
    make_service_form, make_service_page, client, resident, soup
):
    form = make_service_form(
        [
            field("yes_no", "Mit Zelt?", "tent"),
            step_break("Zelt"),
            field("text", "Grösse", "tent_size", show_if=show_if("tent", value="yes")),
        ]
    )
    page = make_service_page(form=form)
    client.force_login(resident)
    journey = Journey(client, page, soup)
    journey.post("next", {"tent": "no"})
    journey.post("review", {})
    # Back to step 1 through the review's change link, answer "yes", and jump straight to the review.
    client.get(page.url, {"block": journey.block_id, "step": "0"})
    response = journey.post("review", {"tent": "yes"})
    assert response.status_code == 303 and response["Location"] == journey.form_url
    assert journey.hidden("step") == "1"
    assert journey.form().select_one("[name=tent_size]") is not None


def test_a_replayed_post_after_the_session_changed_still_makes_one_case(journey, resident, client):
    journey.post("next", STEP_1)
    journey.post("review", STEP_2)
    token = journey.state()["token"]
    submit = {"block_id": journey.block_id, "step": "review", "action": "submit", "submission_token": token}
    first = client.post(journey.page.url, submit)
    client.logout()
    client.force_login(resident)
    second = client.post(journey.page.url, submit)
    assert second.status_code == 303 and second["Location"] == first["Location"]
    assert Case.objects.filter(submission_token=token).count() == 1


def test_another_users_resume_token_is_404(journey, client, resident):
    journey.post("next", STEP_1)
    journey.post("save_draft", STEP_2)
    token = str(Case.objects.get(submitted_by=resident).submission_token)

    client.force_login(UserFactory())
    assert client.get(journey.page.url, {"resume": token}).status_code == 404
    assert client.get(journey.page.url, {"resume": str(uuid.uuid4())}).status_code == 404
    assert client.get(journey.page.url, {"resume": "not-a-token"}).status_code == 404
    client.logout()
    response = client.get(journey.page.url, {"resume": token})
    assert response.status_code == 302 and response["Location"].startswith("/auth/login/?next=")


def test_someone_elses_confirmation_is_404(journey, client):
    journey.post("next", STEP_1)
    journey.post("review", STEP_2)
    token = journey.state()["token"]
    client.post(
        journey.page.url,
        {"block_id": journey.block_id, "step": "review", "action": "submit", "submission_token": token},
    )
    client.force_login(UserFactory())
    assert client.get(journey.page.url, {"done": token}).status_code == 404


def test_the_case_keeps_showing_the_questions_it_was_submitted_with(journey, client):
    journey.post("next", STEP_1)
    journey.post("review", STEP_2)
    token = journey.state()["token"]
    client.post(
        journey.page.url,
        {"block_id": journey.block_id, "step": "review", "action": "submit", "submission_token": token},
    )
    case = Case.objects.get(submission_token=token)

    form = case.form
    fields = [dict(item) for item in EVENT_FIELDS if item["type"] != "heading"]
    fields[0] = field("text", "Titel des Anlasses", "event_name")
    form.fields = [item for item in fields if item["value"].get("name") != "public"]
    form.save_revision().publish()

    assert "Titel des Anlasses" in client.get(journey.page.url).content.decode()
    shown = dict(form_builder.display_answers(Case.objects.get(pk=case.pk).fields_snapshot, case.data))
    assert shown["Name der Veranstaltung"] == "Dorffest"
    assert shown["Öffentlich zugänglich?"] == "Ja"
    assert "Titel des Anlasses" not in shown


# --- uploads ----------------------------------------------------------------------------------------------------------


def test_a_renamed_executable_is_refused_and_the_other_answers_are_kept(journey):
    journey.post("next", STEP_1)
    response = journey.post("review", {**STEP_2, "plan": plan("rechnung.pdf", EXE)})
    assert response.status_code == 200
    form = journey.form(response)
    assert "rechnung.pdf" in field_error(form, "plan")
    assert form.select_one(".error-summary") is not None
    assert value_of(form, "organiser") == "Anna Muster"
    assert value_of(form, "address_town") == "Musterwil"
    assert submission.files_for(journey.state(), "plan") == []


def test_a_too_large_file_is_refused(journey):
    journey.post("next", STEP_1)
    response = journey.post("review", {**STEP_2, "plan": plan("gross.pdf", PDF + b"0" * 1048576)})
    assert response.status_code == 200
    assert "gross.pdf" in field_error(journey.form(response), "plan")
    assert value_of(journey.form(response), "remarks").strip() == "Mit Festwirtschaft"


def test_too_many_files_are_refused(journey):
    journey.post("next", STEP_1)
    response = journey.post("review", {**STEP_2, "plan": [plan("a.pdf"), plan("b.pdf"), plan("c.pdf")]})
    assert response.status_code == 200
    assert field_error(journey.form(response), "plan")
    assert submission.files_for(journey.state(), "plan") == []


def test_a_valid_upload_is_kept_when_another_answer_has_an_error(journey):
    journey.post("next", STEP_1)
    response = journey.post("review", {**STEP_2, "email": "not-an-address", "plan": plan()})
    assert response.status_code == 200
    form = journey.form(response)
    assert field_error(form, "email")
    assert [record["name"] for record in submission.files_for(journey.state(), "plan")] == ["plan.pdf"]
    assert "plan.pdf" in form.select_one("[name=plan__remove]").find_parent("fieldset").get_text()
    # Corrected, the step passes without uploading the file again.
    assert journey.post("review", STEP_2).status_code == 303
    assert journey.answers()["plan"] == ["plan.pdf"]


def test_an_uploaded_file_can_be_removed_again(journey):
    journey.post("next", STEP_1)
    journey.post("save_draft", {**STEP_2, "plan": plan()})
    record = submission.files_for(journey.state(), "plan")[0]
    storage = submission.private_storage()
    assert storage.exists(record["path"])
    journey.post("review", {**STEP_2, "plan__remove": record["id"]})
    assert submission.files_for(journey.state(), "plan") == []
    assert not storage.exists(record["path"])
    assert journey.answers()["plan"] == []


# --- who may use the form --------------------------------------------------------------------------------------------


def test_login_required_sends_the_visitor_to_log_in_and_back_with_the_answers(service_page, client, soup, resident):
    journey = Journey(client, service_page, soup)
    login = soup(journey.open()).select_one(f"#form-{journey.block_id} .alert a")
    expected = f"/auth/login/?next={quote(journey.form_url, safe='')}"
    assert login["href"] == expected
    # Whoever must log in is reached through the account: no extra contact e-mail question.
    assert journey.form().select_one("[name=contact_email]") is None

    response = journey.post("next", STEP_1)
    assert response.status_code == 302
    assert response["Location"] == expected
    assert not Case.objects.exists()

    client.force_login(resident)
    form = journey.form()
    assert value_of(form, "event_name") == "Dorffest"
    assert journey.post("next", STEP_1).status_code == 303
    assert journey.hidden("step") == "1"


def test_a_higher_assurance_level_is_required(make_service_page, client, resident, soup):
    page = make_service_page(required_assurance_level=AssuranceLevel.IDENTITY)
    client.force_login(resident)
    journey = Journey(client, page, soup)
    html = soup(journey.open())
    assert html.select_one(f"#form-{journey.block_id} form") is None
    assert html.select_one(f"#form-{journey.block_id} .alert")
    response = journey.post("next", STEP_1, token=str(uuid.uuid4()), step="0")
    assert response.status_code == 303
    assert not journey.client.session.get(submission.SESSION_KEY)


def test_an_anonymous_form_asks_for_a_contact_email_and_stores_it(make_service_form, make_service_page, client, soup):
    form = make_service_form([field("long_text", "Ihre Rückmeldung", "feedback")], title="Rückmeldung")
    page = make_service_page(form=form, login_required=False, fee_rappen=0)
    journey = Journey(client, page, soup)
    html = soup(journey.open())
    assert html.select_one(f"#form-{journey.block_id} [name=contact_email]") is not None
    assert html.select_one("button[value=save_draft]") is None

    response = journey.post("review", {"feedback": "Schöne Website", "contact_email": "gast@example.org"})
    assert response.status_code == 303
    token = journey.state()["token"]
    response = client.post(
        page.url, {"block_id": journey.block_id, "step": "review", "action": "submit", "submission_token": token}
    )
    assert response.status_code == 303
    case = Case.objects.get(submission_token=token)
    assert case.owner_user is None and case.submitted_by is None
    assert case.contact_email == "gast@example.org"
    assert case.data == {"feedback": "Schöne Website", "contact_email": "gast@example.org"}
    done = soup(client.get(response["Location"]))
    assert done.select_one("[data-case-reference]").get_text() == case.reference
    assert done.select_one("a[href^='/account/cases/']") is None


def test_two_forms_on_one_page_work_independently(make_service_form, make_service_page, client, resident, soup):
    other = make_service_form([field("text", "Name", "event_name")], title="Kurz")
    first_form = make_service_form(EVENT_FIELDS)
    page = make_service_page(body=[form_block(first_form), form_block(other)])
    client.force_login(resident)
    long_form, short_form = Journey(client, page, soup, 0), Journey(client, page, soup, 1)

    long_form.post("next", STEP_1)
    assert long_form.hidden("step") == "1"
    short = short_form.form()
    assert short_form.hidden("step") == "0"
    assert value_of(short, "event_name") is None
    # Element ids stay unique although both forms ask for "event_name".
    html = soup(client.get(page.url))
    ids = [element["id"] for element in html.select("[id]")]
    assert len(ids) == len(set(ids))


# --- pending uploads --------------------------------------------------------------------------------------------------


def test_pending_uploads_are_stored_privately_opened_for_submit_and_discarded():
    state = submission.new_state()
    upload = ContentFile(PDF, name="../../etc/plan.pdf")
    upload.sniffed_content_type = "application/pdf"
    record = submission.store_upload(state, "plan", upload)
    storage = submission.private_storage()
    assert record["path"].startswith(f"pending/{state['token']}/")
    assert record["name"] == "plan.pdf" and record["size"] == len(PDF)

    files = submission.open_files(state)
    assert [(name, file.name, file.content_type) for name, file in files] == [("plan", "plan.pdf", "application/pdf")]
    assert files[0][1].read() == PDF
    submission.close_files(files)

    submission.discard_files(state)
    assert not storage.exists(record["path"]) and state["files"] == []


def test_a_forged_path_outside_the_tokens_folder_is_never_opened_or_deleted():
    state = submission.new_state()
    storage = submission.private_storage()
    victim = storage.save("cases/victim.pdf", ContentFile(PDF))
    state["files"] = [{"id": "x", "field": "plan", "name": "v.pdf", "path": victim, "size": 1}]
    assert submission.open_files(state) == []
    submission.discard_files(state)
    assert storage.exists(victim)
    storage.delete(victim)


def test_cleanup_removes_old_pending_uploads_but_keeps_drafts(journey, resident):
    journey.post("next", STEP_1)
    journey.post("save_draft", {**STEP_2, "plan": plan()})
    draft_record = submission.files_for(journey.state(), "plan")[0]
    stray = submission.new_state()
    stray_record = submission.store_upload(stray, "plan", ContentFile(PDF, name="alt.pdf"))
    storage = submission.private_storage()

    assert submission.cleanup_expired(max_age=datetime.timedelta(days=1)) == 0
    assert submission.cleanup_expired(max_age=datetime.timedelta(seconds=-1)) >= 1
    assert not storage.exists(stray_record["path"])
    assert storage.exists(draft_record["path"])

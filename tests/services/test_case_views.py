"""The cases in the account: list with drafts and filters, a case's page, answering, messaging, withdrawing."""

import io
import itertools
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from account.acting_context import SESSION_KEY
from services import cases
from services.forms import validate_upload
from services.models import Case, CaseDocument, CaseEvent, CaseMessage, CaseStatus, Payment, ServicePage
from services.templatetags.cases import chf, status_badge
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

S = CaseStatus
SNAPSHOT = [
    {"name": "kennzeichen", "label": "Kontrollschild", "type": "text"},
    {"name": "bemerkung", "label": "Bemerkung", "type": "long_text"},
]
_numbers = itertools.count(1)

# --- builders (used by the other case test modules too) ----------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489") + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64 + b"This program cannot be run"


def zipped(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


DOCX = zipped({"[Content_Types].xml": "<Types/>", "_rels/.rels": "<Relationships/>", "word/document.xml": "<w/>"})
XLSX = zipped({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"})
ODT = zipped({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<office/>"})


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def make_case(owner=None, *, organisation=None, submitted_by=None, status=S.SUBMITTED, title="Parkkarte", **fields):
    """A case straight in the database (no events or notifications unless a test adds them)."""
    number = next(_numbers)
    draft = status == S.DRAFT
    now = timezone.now()
    return Case.objects.create(
        reference=None if draft else f"MW-2026-{number:05d}",
        title=title,
        owner_user=None if organisation else owner,
        owner_organisation=organisation,
        submitted_by=submitted_by or owner,
        status=status,
        fields_snapshot=fields.pop("fields_snapshot", SNAPSHOT),
        data=fields.pop("data", {"kennzeichen": f"SG {number}", "bemerkung": "Zweitwagen"}),
        submitted_at=None if draft else fields.pop("submitted_at", now),
        closed_at=now if status in (S.COMPLETED, S.REJECTED, S.WITHDRAWN) else None,
        **fields,
    )


def in_progress_with_question(case, text="Bitte senden Sie den Fahrzeugausweis."):
    """Move a submitted case into work and ask the applicant a question (through the real rules)."""
    cases.change_status(case, S.RECEIVED)
    cases.change_status(case, S.IN_PROGRESS)
    question = cases.ask_question(case, text, author_label="Einwohnerkontrolle")
    case.refresh_from_db()
    return question


def issue_document(case, name="Verfügung.pdf", content=PDF):
    return cases.add_document(case, ContentFile(content, name=name), origin=CaseDocument.Origin.ADMINISTRATION)


def act_for(client, organisation):
    session = client.session
    session[SESSION_KEY] = organisation.pk
    session.save()


@pytest.fixture(autouse=True)
def _remove_stored_files(db):
    # Documents are written to the private test storage; leave nothing behind.
    yield
    for document in CaseDocument.objects.all():
        document.file.delete(save=False)


@pytest.fixture
def service_page(db):
    from home.demo_content import ensure_demo_site
    from services.models import ServiceIndexPage

    home = ensure_demo_site()
    index = home.add_child(instance=ServiceIndexPage(title="Online-Schalter", slug="schalter"))
    return index.add_child(instance=ServicePage(title="Parkkarte", slug="parkkarte", fee_rappen=2500))


@pytest.fixture
def resident(db):
    return UserFactory()


@pytest.fixture
def logged_in(client, resident):
    client.force_login(resident)
    return client


def html_of(response):
    return response.content.decode()


# --- the list -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_list_shows_my_cases_with_markers_and_not_other_peoples(logged_in, resident):
    mine = make_case(resident, title="Parkkarte erneuern")
    asked = make_case(resident, title="Baugesuch Garage")
    in_progress_with_question(asked)
    issue_document(asked)
    issue_document(asked, name="Plan.pdf")
    theirs = make_case(UserFactory(), title="Fremdes Gesuch")
    organisation_case = make_case(organisation=OrganisationFactory(), submitted_by=resident, title="Vereinsfest")

    html = html_of(logged_in.get(reverse("services:case_list")))

    assert reverse("services:case_detail", kwargs={"reference": mine.reference}) in html
    assert asked.reference in html
    assert theirs.reference not in html and "Fremdes Gesuch" not in html
    # An organisation's case shows only while acting for the organisation.
    assert organisation_case.reference not in html
    assert html.count("data-open-questions") == 1
    assert html.count("data-unread-documents") == 1
    with translation.override("en"):
        html = html_of(logged_in.get(reverse("services:case_list")))
    assert "2 new documents" in html and "Question awaits your answer" in html


@pytest.mark.django_db
def test_list_of_an_organisation_context(client):
    organisation = OrganisationFactory()
    admin = MembershipFactory(organisation=organisation, role="admin").user
    colleague = MembershipFactory(organisation=organisation, role="member").user
    theirs = make_case(organisation=organisation, submitted_by=colleague, title="Festwirtschaft")
    personal = make_case(admin, title="Meine Parkkarte")
    client.force_login(admin)
    act_for(client, organisation)

    html = html_of(client.get(reverse("services:case_list")))

    assert theirs.reference in html
    assert personal.reference not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, expected",
    [
        ({"status": "open"}, {"eingereicht", "wartet"}),
        ({"status": "closed"}, {"erledigt", "zurückgezogen"}),
        ({"status": "completed"}, {"erledigt"}),
        ({"status": "awaiting_applicant"}, {"wartet"}),
        ({"q": "erled"}, {"erledigt"}),
        ({"q": "mw-2026"}, {"eingereicht", "wartet", "erledigt", "zurückgezogen"}),
        ({"status": "nonsense"}, {"eingereicht", "wartet", "erledigt", "zurückgezogen"}),
    ],
)
def test_list_filters(logged_in, resident, query, expected):
    titles = {
        "eingereicht": S.SUBMITTED,
        "wartet": S.AWAITING_APPLICANT,
        "erledigt": S.COMPLETED,
        "zurückgezogen": S.WITHDRAWN,
    }
    for title, status in titles.items():
        make_case(resident, title=f"Gesuch {title}", status=status)

    html = html_of(logged_in.get(reverse("services:case_list"), query))

    shown = {title for title in titles if f"Gesuch {title}" in html}
    assert shown == expected


@pytest.mark.django_db
def test_list_search_finds_a_reference_case_insensitively_and_filters_by_service(logged_in, resident, service_page):
    wanted = make_case(resident, title="Parkkarte", service_page=service_page)
    other = make_case(resident, title="Anderes")

    html = html_of(logged_in.get(reverse("services:case_list"), {"q": wanted.reference.lower()}))
    assert wanted.reference in html and other.reference not in html

    html = html_of(logged_in.get(reverse("services:case_list"), {"service": service_page.pk}))
    assert wanted.reference in html and other.reference not in html
    # The service filter offers the services of my cases.
    assert f'<option value="{service_page.pk}"' in html


@pytest.mark.django_db
def test_list_paginates_by_twenty(logged_in, resident):
    for _ in range(25):
        make_case(resident)

    first = logged_in.get(reverse("services:case_list"))
    second = logged_in.get(reverse("services:case_list"), {"page": 2})

    assert len(first.context["page"].object_list) == 20
    assert len(second.context["page"].object_list) == 5
    assert 'rel="next"' in html_of(first)


@pytest.mark.django_db
def test_list_needs_login(client):
    response = client.get(reverse("services:case_list"))
    assert response.status_code == 302
    assert response["Location"].startswith("/auth/login/")


# --- drafts ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_my_drafts_are_listed_with_continue_and_delete(logged_in, resident, service_page):
    draft = make_case(resident, status=S.DRAFT, title="Halbfertige Parkkarte", service_page=service_page)
    someone_elses = make_case(UserFactory(), status=S.DRAFT, title="Fremder Entwurf", service_page=service_page)

    html = html_of(logged_in.get(reverse("services:case_list")))

    assert "Halbfertige Parkkarte" in html
    assert f"{service_page.url}?resume={draft.submission_token}" in html
    assert reverse("services:delete_draft", kwargs={"token": draft.submission_token}) in html
    assert "Fremder Entwurf" not in html and str(someone_elses.submission_token) not in html


@pytest.mark.django_db
def test_deleting_a_draft(logged_in, resident):
    draft = make_case(resident, status=S.DRAFT)
    response = logged_in.post(reverse("services:delete_draft", kwargs={"token": draft.submission_token}))
    assert response.status_code == 302
    assert not Case.objects.filter(pk=draft.pk).exists()


@pytest.mark.django_db
def test_nobody_deletes_someone_elses_draft_or_a_submitted_case(logged_in, resident):
    foreign = make_case(UserFactory(), status=S.DRAFT)
    submitted = make_case(resident)
    for case in (foreign, submitted):
        response = logged_in.post(reverse("services:delete_draft", kwargs={"token": case.submission_token}))
        assert response.status_code == 404
    assert Case.objects.filter(pk__in=[foreign.pk, submitted.pk]).count() == 2
    assert logged_in.get(reverse("services:delete_draft", kwargs={"token": foreign.submission_token})).status_code in (
        404,
        405,
    )


@pytest.mark.django_db
def test_a_draft_has_no_case_page(logged_in, resident):
    draft = make_case(resident, status=S.DRAFT)
    # Drafts have no reference; the submission token is no way in either.
    assert logged_in.get(f"/account/cases/{draft.submission_token}/").status_code == 404


# --- the case page --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_case_page_shows_status_timeline_answers_messages_documents_and_fee(logged_in, resident, service_page):
    case = make_case(resident, service_page=service_page, fee_rappen=2500)
    Payment.objects.create(case=case, amount_rappen=2500, reference=case.reference)
    CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.SUBMITTED, status_to=S.SUBMITTED, text="Online")
    CaseEvent.objects.create(
        case=case, kind=CaseEvent.Kind.ASSIGNMENT, text="Intern: an Muster", visible_to_owner=False
    )
    question = in_progress_with_question(case, "Welche Farbe hat das Auto?")
    cases.send_message(case, "Wir prüfen Ihr Gesuch.", author_label="Einwohnerkontrolle")
    document = issue_document(case)

    with translation.override("en"):
        response = logged_in.get(reverse("services:case_detail", kwargs={"reference": case.reference}))
    html = html_of(response)

    assert response.status_code == 200
    assert case.reference in html
    assert "needs something from you" in html
    assert "CHF 25.00" in html and "Not yet paid" in html
    assert '<ol class="timeline">' in html and "<time datetime=" in html
    assert "Intern: an Muster" not in html
    assert "Kontrollschild" in html and case.data["kennzeichen"] in html
    assert "Welche Farbe hat das Auto?" in html and "Wir prüfen Ihr Gesuch." in html
    assert reverse("services:answer_question", kwargs={"reference": case.reference, "question_pk": question.pk}) in html
    assert reverse("services:download_document", kwargs={"reference": case.reference, "pk": document.pk}) in html
    assert reverse("services:withdraw", kwargs={"reference": case.reference}) in html
    # The timeline is oldest first.
    timeline = html[html.index('<ol class="timeline">') :]
    timeline = timeline[: timeline.index("</ol>")]
    assert timeline.index("Online") < timeline.index("Welche Farbe hat das Auto?")


@pytest.mark.django_db
def test_opening_the_case_marks_messages_and_documents_read(logged_in, resident):
    case = make_case(resident)
    in_progress_with_question(case)
    document = issue_document(case)

    first = html_of(logged_in.get(reverse("services:case_detail", kwargs={"reference": case.reference})))
    document.refresh_from_db()
    assert document.read_at is not None
    assert not CaseMessage.objects.filter(case=case, direction="to_applicant", read_at__isnull=True).exists()
    list_html = html_of(logged_in.get(reverse("services:case_list")))
    assert "data-unread-documents" not in list_html
    # What was new is shown as new once.
    second = html_of(logged_in.get(reverse("services:case_detail", kwargs={"reference": case.reference})))
    assert first.count('badge--warning">Neu') + first.count('badge--warning">New') == 1
    assert second.count('badge--warning">Neu') + second.count('badge--warning">New') == 0


@pytest.mark.django_db
def test_case_page_keeps_the_answers_as_submitted_after_the_form_changed(logged_in, resident):
    case = make_case(
        resident,
        fields_snapshot=[{"name": "anlass", "label": "Name des Anlasses", "type": "text"}],
        data={"anlass": "Dorffest"},
    )
    html = html_of(logged_in.get(reverse("services:case_detail", kwargs={"reference": case.reference})))
    assert "Name des Anlasses" in html and "Dorffest" in html


@pytest.mark.django_db
def test_closed_case_offers_no_actions(logged_in, resident):
    case = make_case(resident, status=S.COMPLETED)
    html = html_of(logged_in.get(reverse("services:case_detail", kwargs={"reference": case.reference})))
    assert reverse("services:withdraw", kwargs={"reference": case.reference}) not in html
    assert reverse("services:send_message", kwargs={"reference": case.reference}) not in html


# --- answering a question -------------------------------------------------------------------------


@pytest.mark.django_db
def test_answering_a_question_with_text_and_a_pdf(logged_in, resident):
    case = make_case(resident)
    question = in_progress_with_question(case)
    url = reverse("services:answer_question", kwargs={"reference": case.reference, "question_pk": question.pk})
    prefix = f"answer-{question.pk}"

    response = logged_in.post(
        url, {f"{prefix}-body": "Anbei der Ausweis.", f"{prefix}-files": [upload("ausweis.pdf", PDF, "text/html")]}
    )

    assert response.status_code == 302
    question.refresh_from_db()
    case.refresh_from_db()
    assert question.answered_at is not None
    assert case.status == S.IN_PROGRESS
    reply = question.answers.get()
    assert reply.body == "Anbei der Ausweis."
    document = reply.documents.get()
    assert document.origin == CaseDocument.Origin.APPLICANT and document.filename == "ausweis.pdf"
    # The stored type is the one the content proves, not what the browser claimed.
    assert document.content_type == "application/pdf"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "files, message",
    [
        ([upload("rechnung.pdf", EXE)], "is not a PDF file"),
        ([upload("programm.exe", EXE)], "is not an accepted file type"),
        ([upload(f"seite{n}.pdf", PDF) for n in range(6)], "Attach at most 5 files"),
        ([upload("gross.txt", b"a" * (10 * 1024 * 1024 + 1))], "is too large"),
    ],
)
def test_bad_uploads_are_refused_and_the_text_is_kept(logged_in, resident, files, message):
    case = make_case(resident)
    question = in_progress_with_question(case)
    prefix = f"answer-{question.pk}"

    with translation.override("en"):  # the /en/ URL makes the page answer in English
        url = reverse("services:answer_question", kwargs={"reference": case.reference, "question_pk": question.pk})
        response = logged_in.post(url, {f"{prefix}-body": "Mein wertvoller Text", f"{prefix}-files": files})
    html = html_of(response)

    assert response.status_code == 200
    assert message in html
    assert "Mein wertvoller Text" in html
    assert 'class="error-summary"' in html
    question.refresh_from_db()
    assert question.answered_at is None
    assert not CaseDocument.objects.filter(case=case).exists()


@pytest.mark.django_db
def test_an_empty_answer_is_refused(logged_in, resident):
    case = make_case(resident)
    question = in_progress_with_question(case)
    with translation.override("en"):  # the /en/ URL makes the page answer in English
        url = reverse("services:answer_question", kwargs={"reference": case.reference, "question_pk": question.pk})
        response = logged_in.post(url, {f"answer-{question.pk}-body": "  "})
    assert response.status_code == 200
    assert "Write an answer or attach a document." in html_of(response)
    question.refresh_from_db()
    assert question.answered_at is None


@pytest.mark.django_db
def test_answering_an_answered_question_again_changes_nothing(logged_in, resident):
    case = make_case(resident)
    question = in_progress_with_question(case)
    cases.answer(question, "Schon beantwortet", user=resident)
    url = reverse("services:answer_question", kwargs={"reference": case.reference, "question_pk": question.pk})

    response = logged_in.post(url, {f"answer-{question.pk}-body": "Nochmals"})

    assert response.status_code == 302
    assert question.answers.count() == 1


# --- messages -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_sending_a_message_with_an_attachment(logged_in, resident):
    case = make_case(resident)
    url = reverse("services:send_message", kwargs={"reference": case.reference})

    response = logged_in.post(
        url, {"message-body": "Ich bin ab Montag erreichbar.", "message-files": [upload("a.png", PNG)]}
    )

    assert response.status_code == 302
    message = case.messages.get()
    assert message.direction == CaseMessage.Direction.FROM_APPLICANT and message.author == resident
    assert message.documents.get().content_type == "image/png"
    html = html_of(logged_in.get(reverse("services:case_detail", kwargs={"reference": case.reference})))
    assert "Ich bin ab Montag erreichbar." in html


@pytest.mark.django_db
def test_an_empty_message_is_refused_and_a_closed_case_takes_none(logged_in, resident):
    case = make_case(resident)
    url = reverse("services:send_message", kwargs={"reference": case.reference})
    response = logged_in.post(url, {"message-body": "   "})
    assert response.status_code == 200 and 'class="error-summary"' in html_of(response)

    closed = make_case(resident, status=S.REJECTED)
    response = logged_in.post(
        reverse("services:send_message", kwargs={"reference": closed.reference}), {"message-body": "Hallo"}
    )
    assert response.status_code == 302
    assert not CaseMessage.objects.exists()


# --- withdrawing ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_withdrawing_needs_confirmation(logged_in, resident):
    case = make_case(resident)
    url = reverse("services:withdraw", kwargs={"reference": case.reference})

    assert logged_in.get(url).status_code == 200
    response = logged_in.post(url, {})
    assert response.status_code == 200 and 'class="error-summary"' in html_of(response)
    case.refresh_from_db()
    assert case.status == S.SUBMITTED

    response = logged_in.post(url, {"confirm": "on"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == S.WITHDRAWN
    assert case.events.filter(kind=CaseEvent.Kind.STATUS, status_to=S.WITHDRAWN, actor=resident).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("status", [S.COMPLETED, S.REJECTED, S.WITHDRAWN])
def test_a_closed_case_cannot_be_withdrawn(logged_in, resident, status):
    case = make_case(resident, status=status)
    response = logged_in.post(reverse("services:withdraw", kwargs={"reference": case.reference}), {"confirm": "on"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == status
    assert not case.events.exists()


# --- downloads ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_download_is_an_attachment_that_is_never_sniffed(logged_in, resident):
    case = make_case(resident)
    document = issue_document(case, name="Bewilligung.pdf")

    response = logged_in.get(
        reverse("services:download_document", kwargs={"reference": case.reference, "pk": document.pk})
    )

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment")
    assert "Bewilligung.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"


@pytest.mark.django_db
def test_a_document_of_another_case_is_not_reachable_through_mine(logged_in, resident):
    mine = make_case(resident)
    other = issue_document(make_case(UserFactory()))
    url = reverse("services:download_document", kwargs={"reference": mine.reference, "pk": other.pk})
    assert logged_in.get(url).status_code == 404


# --- upload checks and formatting helpers ---------------------------------------------------------


@pytest.mark.parametrize(
    "name, content, mime",
    [
        ("brief.pdf", PDF, "application/pdf"),
        ("foto.png", PNG, "image/png"),
        ("foto.JPEG", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32, "image/jpeg"),
        ("text.docx", DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("tabelle.xlsx", XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("text.odt", ODT, "application/vnd.oasis.opendocument.text"),
        ("notiz.txt", "Grüezi mitenand\n".encode(), "text/plain"),
    ],
)
def test_validate_upload_accepts_real_files(name, content, mime):
    assert validate_upload(upload(name, content)) == mime


@pytest.mark.parametrize(
    "name, content, allowed, max_bytes",
    [
        ("rechnung.pdf", EXE, ("pdf",), 1000),
        ("bild.png", PDF, ("png",), 1000),
        ("text.docx", zipped({"other.xml": "<x/>"}), ("docx",), 10_000),
        ("text.docx", XLSX, ("docx",), 10_000),
        ("notiz.txt", EXE, ("txt",), 1000),
        ("notiz.txt", b"\x00\x01\x02binary", ("txt",), 1000),
        ("brief.pdf", PDF, ("png",), 1000),
        ("ohne_endung", PDF, ("pdf",), 1000),
        ("brief.pdf", PDF, ("pdf",), 10),
        ("leer.pdf", b"", ("pdf",), 1000),
    ],
)
def test_validate_upload_refuses(name, content, allowed, max_bytes):
    with pytest.raises(ValidationError):
        validate_upload(upload(name, content), allowed=allowed, max_bytes=max_bytes)


def test_chf_formatting():
    assert chf(2500) == "CHF 25.00"
    assert chf(125005) == "CHF 1’250.05"
    assert chf(0) == "CHF 0.00"
    assert chf(None) == ""


def test_status_badge_has_a_modifier_per_group():
    assert "badge--warning" in status_badge(S.AWAITING_APPLICANT)
    assert "badge--success" in status_badge(S.COMPLETED)
    assert "badge--closed" in status_badge(S.WITHDRAWN) and "badge--closed" in status_badge(S.REJECTED)
    assert "badge--open" in status_badge(S.IN_PROGRESS)
    assert status_badge("bogus") == ""

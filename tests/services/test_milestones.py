"""Procedure steps of a case: the rules of services/milestones.py, the progress view of the resident, the clerk's
action in the back office and the demo building permit."""

import datetime
import uuid

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.users.models import UserProfile

from account.acting_context import ActingContext
from account.models import Notification
from services import cases, milestones
from services.models import CaseEvent, CaseMilestone, CaseStatus
from tests.factories import UserFactory

S = CaseMilestone.Status
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
MARCH_3, MARCH_23 = datetime.date(2027, 3, 3), datetime.date(2027, 3, 23)


def planned(key, title, description="", is_period=False):
    return {"type": "step", "value": {"key": key, "title": title, "description": description, "is_period": is_period}}


PROCEDURE = [
    planned("vorpruefung", "Vorprüfung", "Wir prüfen."),
    planned("publikation", "Publikation"),
    planned("einsprachefrist", "Einsprachefrist", "Die Pläne liegen auf.", is_period=True),
    planned("entscheid", "Entscheid"),
]


def submit(page, owner, files=()):
    return cases.submit(
        acting_context=ActingContext(user=owner),
        service_page=page,
        form=None,
        form_revision=None,
        block_id="b1",
        fields_snapshot=[{"name": "vorhaben", "label": "Bauvorhaben", "type": "text"}],
        data={"vorhaben": "Gartenhaus"},
        files=files,
        submission_token=uuid.uuid4(),
    )


@pytest.fixture
def building_page(make_service_page):
    return make_service_page(title="Baugesuch", fee_rappen=0, procedure=PROCEDURE)


@pytest.fixture
def case(building_page, resident):
    resident.language = "en"
    resident.save(update_fields=["language"])
    return submit(building_page, resident, files=[("plan", ContentFile(PDF, name="plan.pdf"))])


def milestone_events(case):
    return list(case.events.filter(kind=CaseEvent.Kind.MILESTONE).values_list("text", flat=True))


def notifications(resident):
    return Notification.objects.filter(user=resident).count()


def states(case):
    return [(step.key, step.status, step.current) for step in milestones.progress(case)]


# --- recording ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_planned_step_takes_the_plans_title_and_tells_the_applicant_once(case, resident):
    before = notifications(resident)
    with translation.override("en"):
        step = milestones.record_step(
            case,
            "publikation",
            status=S.DONE,
            starts_on=MARCH_3,
            ends_on=MARCH_23,
            text="Amtsblatt Nr. 9",
            actor_label="Bausoftware",
        )

    stored = CaseMilestone.objects.get(case=case, key="publikation")
    assert stored.pk == step.pk
    assert (stored.title, stored.status, stored.starts_on, stored.ends_on) == ("Publikation", S.DONE, MARCH_3, MARCH_23)
    assert stored.text == "Amtsblatt Nr. 9" and stored.reported_by == "Bausoftware"
    assert milestone_events(case) == ["Publikation: completed (03.03.2027–23.03.2027)\nAmtsblatt Nr. 9"]
    assert case.events.get(kind=CaseEvent.Kind.MILESTONE).actor_label == "Bausoftware"
    assert notifications(resident) == before + 1


@pytest.mark.django_db
def test_the_same_state_twice_writes_one_entry_and_one_notification(case, resident):
    before = notifications(resident)
    for _attempt in range(2):
        milestones.record_step(case, "einsprachefrist", status=S.ACTIVE, starts_on=MARCH_3, ends_on=MARCH_23)

    assert CaseMilestone.objects.filter(case=case).count() == 1
    assert len(milestone_events(case)) == 1
    assert notifications(resident) == before + 1


@pytest.mark.django_db
def test_every_change_of_a_step_is_a_new_entry(case):
    with translation.override("en"):
        milestones.record_step(case, "einsprachefrist", status=S.ACTIVE, starts_on=MARCH_3, ends_on=MARCH_23)
        milestones.record_step(case, "einsprachefrist", status=S.DONE, starts_on=MARCH_3, ends_on=MARCH_23)
        milestones.record_step(
            case, "einsprachefrist", status=S.DONE, starts_on=MARCH_3, ends_on=MARCH_23, text="Keine Einsprachen."
        )

    assert milestone_events(case) == [
        "Einsprachefrist: in progress (03.03.2027–23.03.2027)",
        "Einsprachefrist: completed (03.03.2027–23.03.2027)",
        "Einsprachefrist: completed (03.03.2027–23.03.2027)\nKeine Einsprachen.",
    ]
    assert CaseMilestone.objects.get(case=case).text == "Keine Einsprachen."


@pytest.mark.django_db
def test_a_step_is_replaced_as_a_whole(case):
    decision = case.documents.get()
    milestones.record_step(
        case, "entscheid", status=S.ACTIVE, starts_on=MARCH_3, ends_on=MARCH_23, text="Notiz", document=decision
    )
    milestones.record_step(case, "entscheid", status=S.DONE)

    stored = CaseMilestone.objects.get(case=case, key="entscheid")
    assert (stored.status, stored.starts_on, stored.ends_on, stored.text, stored.document) == (
        S.DONE,
        None,
        None,
        "",
        None,
    )


@pytest.mark.django_db
def test_the_timeline_names_the_document_and_single_dates(case):
    decision = case.documents.get()
    with translation.override("en"):
        milestones.record_step(case, "publikation", status=S.DONE, starts_on=MARCH_3, ends_on=MARCH_3)
        milestones.record_step(case, "einsprachefrist", status=S.ACTIVE, starts_on=MARCH_3)
        milestones.record_step(case, "entscheid", status=S.PENDING, ends_on=MARCH_23, document=decision)

    assert milestone_events(case) == [
        "Publikation: completed (03.03.2027)",
        "Einsprachefrist: in progress (from 03.03.2027)",
        f"Entscheid: upcoming (until 23.03.2027)\nDocument: {decision.title}",
    ]


@pytest.mark.django_db
def test_a_step_outside_the_plan_needs_a_title_once(case):
    with pytest.raises(milestones.StepError) as refused:
        milestones.record_step(case, "augenschein", status=S.DONE)
    assert refused.value.field == "title"
    assert not CaseMilestone.objects.exists() and milestone_events(case) == []

    milestones.record_step(case, "augenschein", status=S.ACTIVE, title="Augenschein vor Ort")
    # Later reports may leave the title out: the one given first stays.
    milestones.record_step(case, "augenschein", status=S.DONE)
    assert CaseMilestone.objects.get(case=case, key="augenschein").title == "Augenschein vor Ort"


@pytest.mark.django_db
def test_a_title_given_for_a_planned_step_is_shown_instead_of_the_plans(case):
    milestones.record_step(case, "publikation", status=S.DONE, title="Publikation im Amtsblatt")
    assert [step.title for step in milestones.progress(case)][1] == "Publikation im Amtsblatt"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "values", "field"),
    [
        ("einsprachefrist", {"status": S.ACTIVE, "starts_on": MARCH_23, "ends_on": MARCH_3}, "ends_on"),
        ("publikation", {"status": "finished"}, "status"),
        ("Publikation!", {"status": S.DONE}, "key"),
        ("", {"status": S.DONE}, "key"),
        ("publikation", {"status": S.DONE, "title": "x" * 201}, "title"),
    ],
    ids=["until before from", "unknown status", "bad key", "no key", "long title"],
)
def test_bad_input_is_refused_with_the_field_and_stores_nothing(case, resident, key, values, field):
    before = notifications(resident)
    with pytest.raises(milestones.StepError) as refused:
        milestones.record_step(case, key, **values)

    assert refused.value.field == field
    assert str(refused.value)
    assert not CaseMilestone.objects.exists()
    assert milestone_events(case) == []
    assert notifications(resident) == before


@pytest.mark.django_db
def test_a_document_of_another_case_is_refused(case, building_page, resident):
    other = submit(building_page, resident, files=[("plan", ContentFile(PDF, name="fremd.pdf"))])
    with pytest.raises(milestones.StepError) as refused:
        milestones.record_step(case, "entscheid", status=S.DONE, document=other.documents.get())
    assert refused.value.field == "document"
    assert not CaseMilestone.objects.exists()


@pytest.mark.django_db
def test_the_message_speaks_the_language_of_whoever_reads_it(case):
    with translation.override("de"), pytest.raises(milestones.StepError) as refused:
        milestones.record_step(case, "neu", status=S.DONE)
    with translation.override("en"):
        assert "give it a title" in str(refused.value)


@pytest.mark.django_db
def test_drafts_get_no_steps(building_page, resident):
    draft = cases.save_draft(
        acting_context=ActingContext(user=resident),
        service_page=building_page,
        form=None,
        block_id="b1",
        data={},
        step=0,
        submission_token=uuid.uuid4(),
    )
    with pytest.raises(milestones.StepError):
        milestones.record_step(draft, "vorpruefung", status=S.DONE)


# --- progress -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_progress_follows_the_plan_and_appends_steps_outside_it_in_reporting_order(case):
    milestones.record_step(case, "zusatz_b", status=S.DONE, title="Stellungnahme Kanton")
    milestones.record_step(case, "publikation", status=S.DONE, starts_on=MARCH_3)
    milestones.record_step(case, "zusatz_a", status=S.ACTIVE, title="Augenschein")

    steps = milestones.progress(case)

    assert [(step.key, step.title, step.planned) for step in steps] == [
        ("vorpruefung", "Vorprüfung", True),
        ("publikation", "Publikation", True),
        ("einsprachefrist", "Einsprachefrist", True),
        ("entscheid", "Entscheid", True),
        ("zusatz_b", "Stellungnahme Kanton", False),
        ("zusatz_a", "Augenschein", False),
    ]
    assert [step.status for step in steps] == [S.PENDING, S.DONE, S.PENDING, S.PENDING, S.DONE, S.ACTIVE]
    assert steps[0].description == "Wir prüfen." and steps[2].is_period
    assert steps[1].starts_on == MARCH_3 and steps[1].is_recorded and not steps[0].is_recorded


@pytest.mark.django_db
def test_the_current_step_is_the_first_upcoming_after_the_last_completed(case):
    assert states(case)[0] == ("vorpruefung", S.PENDING, True)

    milestones.record_step(case, "vorpruefung", status=S.DONE)
    milestones.record_step(case, "publikation", status=S.SKIPPED)
    assert [key for key, _status, current in states(case) if current] == ["einsprachefrist"]

    # Steps reported out of order: the current one comes after the last completed step.
    milestones.record_step(case, "entscheid", status=S.DONE)
    assert [key for key, _status, current in states(case) if current] == []


@pytest.mark.django_db
def test_steps_outside_the_plan_do_not_move_the_current_step(case):
    milestones.record_step(case, "vorpruefung", status=S.DONE)
    milestones.record_step(case, "augenschein", status=S.DONE, title="Augenschein")
    assert [key for key, _status, current in states(case) if current] == ["publikation"]


@pytest.mark.django_db
def test_an_active_step_is_the_current_one(case):
    milestones.record_step(case, "vorpruefung", status=S.DONE)
    milestones.record_step(case, "publikation", status=S.DONE)
    milestones.record_step(case, "einsprachefrist", status=S.ACTIVE, starts_on=MARCH_3, ends_on=MARCH_23)

    assert states(case) == [
        ("vorpruefung", S.DONE, False),
        ("publikation", S.DONE, False),
        ("einsprachefrist", S.ACTIVE, True),
        ("entscheid", S.PENDING, False),
    ]


@pytest.mark.django_db
def test_a_closed_case_has_no_current_step(case):
    milestones.record_step(case, "vorpruefung", status=S.ACTIVE)
    cases.change_status(case, CaseStatus.REJECTED, text="Nicht zonenkonform")
    case.refresh_from_db()
    assert [current for _key, _status, current in states(case)] == [False] * 4


@pytest.mark.django_db
def test_a_service_without_a_plan_shows_only_what_was_reported(make_service_page, resident):
    case = submit(make_service_page(title="Ohne Ablauf"), resident)
    assert milestones.progress(case) == []
    milestones.record_step(case, "pruefung", status=S.ACTIVE, title="Prüfung")
    assert [(step.key, step.planned, step.current) for step in milestones.progress(case)] == [("pruefung", False, True)]


@pytest.mark.django_db
def test_progress_reads_the_steps_in_one_query(case, django_assert_num_queries):
    for key in ("vorpruefung", "publikation"):
        milestones.record_step(case, key, status=S.DONE, document=case.documents.get())
    case.service_page  # noqa: B018 — loaded with the case by the views (select_related)
    with django_assert_num_queries(1):
        steps = milestones.progress(case)
        assert all(step.document.filename == "plan.pdf" for step in steps[:2])


# --- the resident's case page ---------------------------------------------------------------------------------


def case_page(client, case):
    response = client.get(f"/en/account/cases/{case.reference}/")
    assert response.status_code == 200
    return response


@pytest.mark.django_db
def test_the_case_page_shows_the_progress_above_the_timeline(client, case, resident, soup):
    decision = cases.add_document(
        case,
        ContentFile(PDF, name="Entscheid.pdf"),
        origin="application",
        title="Bauentscheid",
        record_event=False,
    )
    milestones.record_step(case, "vorpruefung", status=S.DONE, text="Vollständig.")
    milestones.record_step(case, "publikation", status=S.DONE, starts_on=MARCH_3, ends_on=MARCH_3)
    milestones.record_step(case, "einsprachefrist", status=S.ACTIVE, starts_on=MARCH_3, ends_on=MARCH_23)
    milestones.record_step(case, "entscheid", status=S.PENDING, document=decision)
    client.force_login(resident)

    page = soup(case_page(client, case))

    section = page.find("section", id="progress")
    assert section.find("h2").get_text(strip=True) == "Progress"
    headings = [heading.get_text(strip=True) for heading in page.find_all("h2")]
    assert headings.index("Progress") == headings.index("Timeline") - 1
    steps = section.find("ol").find_all("li", recursive=False)
    assert [item["data-step"] for item in steps] == ["vorpruefung", "publikation", "einsprachefrist", "entscheid"]
    texts = [item.get_text(" ", strip=True) for item in steps]
    assert "Vorprüfung Completed" in texts[0] and "Vollständig." in texts[0]
    assert "Publikation Completed" in texts[1] and "Date: 03.03.2027" in texts[1]
    assert "Einsprachefrist In progress Current step" in texts[2]
    assert "Period: 03.03.2027 – 23.03.2027" in texts[2] and "Die Pläne liegen auf." in texts[2]
    assert "Entscheid Upcoming" in texts[3]
    assert [item.get("aria-current") for item in steps] == [None, None, "step", None]
    link = steps[3].find("a")
    assert link.get_text(strip=True) == "Bauentscheid"
    download = client.get(link["href"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF


@pytest.mark.django_db
def test_a_plan_without_reports_shows_every_step_upcoming(client, case, resident, soup):
    client.force_login(resident)
    steps = soup(case_page(client, case)).select("#progress li")
    assert [item.select_one(".procedure__badge").get_text(strip=True) for item in steps] == ["Upcoming"] * 4
    assert steps[0]["aria-current"] == "step"


@pytest.mark.django_db
def test_no_progress_section_without_steps(client, make_service_page, resident, soup):
    resident.language = "en"
    resident.save(update_fields=["language"])
    case = submit(make_service_page(title="Ohne Ablauf"), resident)
    client.force_login(resident)
    assert soup(case_page(client, case)).find(id="progress") is None


# --- the clerk's action -----------------------------------------------------------------------------------------


@pytest.fixture
def clerk(building_page):
    group = Group.objects.create(name="Bauverwaltung")
    group.permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        Permission.objects.get(content_type__app_label="services", codename="view_case"),
        Permission.objects.get(content_type__app_label="services", codename="change_case"),
    )
    building_page.clerk_group = group
    building_page.save_revision().publish()
    user = UserFactory(is_staff=True, first_name="Bea", last_name="Bauamt")
    user.groups.add(group)
    UserProfile.objects.update_or_create(user=user, defaults={"preferred_language": "en"})
    return user


def admin_url(case, action=None):
    if action:
        return reverse(f"services_backoffice:case_{action}", args=[case.pk])
    return reverse("services_backoffice:case_detail", args=[case.pk])


@pytest.mark.django_db
def test_a_clerk_records_a_step_with_its_period_and_a_document(client, clerk, case, resident, soup):
    client.force_login(clerk)
    form = soup(client.get(admin_url(case))).find(id="action-procedure-step")
    options = [option.get_text(strip=True) for option in form.select("select[name=procedure-key] option")]
    assert options == ["Vorprüfung", "Publikation", "Einsprachefrist", "Entscheid"]
    before = notifications(resident)

    response = client.post(
        admin_url(case, "procedure_step"),
        {
            "procedure-key": "einsprachefrist",
            "procedure-status": "active",
            "procedure-starts_on": "2027-03-03",
            "procedure-ends_on": "2027-03-23",
            "procedure-text": "Auflage im Gemeindehaus",
            "procedure-document": str(case.documents.get().pk),
        },
    )

    assert response.status_code == 302
    stored = CaseMilestone.objects.get(case=case, key="einsprachefrist")
    assert (stored.status, stored.starts_on, stored.ends_on, stored.text) == (
        S.ACTIVE,
        MARCH_3,
        MARCH_23,
        "Auflage im Gemeindehaus",
    )
    assert stored.document == case.documents.get() and stored.reported_by == str(clerk)
    assert len(milestone_events(case)) == 1 and notifications(resident) == before + 1
    page = soup(client.get(admin_url(case)))
    row = page.select_one("#case-procedure tr[data-step=einsprachefrist]")
    assert row["aria-current"] == "step"
    assert "03.03.2027" in row.get_text() and "23.03.2027" in row.get_text()
    # The form opens with the current step as recorded, since saving replaces the step as a whole.
    assert page.select_one("select[name=procedure-key] option[selected]")["value"] == "einsprachefrist"
    assert page.select_one("input[name=procedure-starts_on]")["value"] == "2027-03-03"


@pytest.mark.django_db
def test_the_clerk_opens_the_form_for_a_chosen_step(client, clerk, case, soup):
    milestones.record_step(case, "vorpruefung", status=S.DONE, text="Vollständig")
    client.force_login(clerk)
    page = soup(client.get(admin_url(case) + "?step=vorpruefung"))
    assert page.find("details", id="action-procedure-step").has_attr("open")
    assert page.select_one("select[name=procedure-key] option[selected]")["value"] == "vorpruefung"
    assert page.select_one("textarea[name=procedure-text]").get_text(strip=True) == "Vollständig"


@pytest.mark.django_db
def test_a_clerks_step_that_breaks_a_rule_shows_the_error_at_the_field(client, clerk, case, soup):
    client.force_login(clerk)
    response = client.post(
        admin_url(case, "procedure_step"),
        {
            "procedure-key": "einsprachefrist",
            "procedure-status": "active",
            "procedure-starts_on": "2027-03-23",
            "procedure-ends_on": "2027-03-03",
        },
    )
    assert response.status_code == 200
    assert response.context["forms"]["procedure_step"].errors["ends_on"] == ["The end date lies before the start date."]
    assert soup(response).find("details", id="action-procedure-step").has_attr("open")
    assert not CaseMilestone.objects.exists()


@pytest.mark.django_db
def test_a_case_without_steps_offers_no_procedure_action(client, clerk, make_service_page, resident, soup):
    case = submit(make_service_page(title="Ohne Ablauf", clerk_group=clerk.groups.get()), resident)
    client.force_login(clerk)
    page = soup(client.get(admin_url(case)))
    assert page.find(id="action-procedure-step") is None and page.find(id="case-procedure") is None


# --- demo -------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_resident_has_a_building_permit_mid_way():
    from account.demo_users import ensure_demo_organisations, ensure_demo_users
    from home.demo_content import ensure_demo_site
    from services.demo_building import ensure_demo_building
    from services.demo_content import ensure_demo_services

    users = ensure_demo_users()
    result = ensure_demo_services(ensure_demo_site(), users, ensure_demo_organisations(users))
    page = result["pages"]["baugesuch"]
    case = page.cases.get(submitted_by=users["resident"])

    assert case.status == CaseStatus.IN_PROGRESS
    assert case.documents.filter(field_name__in=["situationsplan", "plaene"]).count() == 3
    steps = milestones.progress(case)
    assert [(step.key, step.status, step.current) for step in steps] == [
        ("vorpruefung", S.DONE, False),
        ("publikation", S.DONE, False),
        ("einsprachefrist", S.ACTIVE, True),
        ("entscheid", S.PENDING, False),
    ]
    today = timezone.localdate()
    assert timezone.localdate(case.submitted_at) < steps[0].ends_on < steps[1].starts_on
    assert steps[2].is_period and steps[2].starts_on <= today <= steps[2].ends_on
    assert all(step.text for step in steps[:3])
    # Idempotent: a second run finds the case and the procedure as they are.
    revisions = page.revisions.count()
    assert ensure_demo_building(page, users["resident"]) == case
    assert page.revisions.count() == revisions
    assert page.cases.filter(submitted_by=users["resident"]).count() == 1

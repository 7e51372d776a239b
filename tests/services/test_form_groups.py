"""Repeatable groups (e.g. household members) and date windows relative to today in the form engine."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from services import form_builder as fb
from services.blocks import FormFieldsBlock
from services.export import answer_value
from services.models import Case
from tests.services.conftest import field, make_form_for
from tests.services.test_service_page_flow import Journey

pytestmark = pytest.mark.django_db

MEMBERS = field(
    "group",
    "Household members",
    "members",
    required=False,
    entry_label="Person",
    min_entries=0,
    max_entries=3,
    questions=[
        field("text", "First name", "first_name"),
        field("text", "Last name", "last_name"),
        field("date", "Date of birth", "born"),
        field("choice", "Relationship", "relation", required=False, choices="Partner\nChild\nOther", widget="select"),
    ],
)
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def moving_date(**options):
    return field("date", "Moving date", "moving_date", **options)


def step(*fields):
    return fb.steps(list(fields))[0]


def post(form_fields, data, entry_counts=None):
    return fb.build_step_form(step(*form_fields), data=data, files={}, entry_counts=entry_counts)


# --- the engine -----------------------------------------------------------------------------------------------


def test_filled_entries_become_a_list_and_empty_ones_are_dropped():
    form = post(
        [MEMBERS],
        {
            "members": "3",
            "members__0__first_name": "Lea",
            "members__0__last_name": "Muster",
            "members__0__born": "03.04.2015",
            "members__0__relation": "Child",
            "members__2__first_name": "Marco",
            "members__2__last_name": "Muster",
            "members__2__born": "1984-01-30",
        },
    )

    assert form.is_valid(), form.errors
    assert form.answers_json()["members"] == [
        {"first_name": "Lea", "last_name": "Muster", "born": "2015-04-03", "relation": "Child"},
        {"first_name": "Marco", "last_name": "Muster", "born": "1984-01-30", "relation": ""},
    ]


def test_a_started_entry_needs_its_required_answers_and_says_which():
    form = post([MEMBERS], {"members": "2", "members__1__first_name": "Lea", "members__1__born": "31.02.2015"})

    assert not form.is_valid()
    assert "members__1__last_name" in form.errors and "members__1__born" in form.errors
    assert form.errors["members"] == ["Please correct the entries marked below."]
    assert "members" not in form.answers_json()


def test_required_and_minimum_number_of_entries():
    required = {**MEMBERS, "value": {**MEMBERS["value"], "required": True, "min_entries": 2}}
    form = post([required], {"members": "2", "members__0__first_name": "Lea", "members__0__last_name": "M"})
    assert not form.is_valid()
    assert "members__0__born" in form.errors

    form = post(
        [required],
        {"members": "2", "members__0__first_name": "Lea", "members__0__last_name": "M", "members__0__born": "2015-1-1"},
    )
    assert not form.is_valid()
    assert form.errors["members"] == ["Add at least 2 entries."]


def test_the_count_is_kept_within_the_bounds_whatever_is_posted():
    assert post([MEMBERS], {"members": "999"}).entry_counts["members"] == 3
    assert post([MEMBERS], {"members": "-4"}).entry_counts["members"] == 1
    assert post([MEMBERS], {"members": "many"}).entry_counts["members"] == 1


def test_adding_and_removing_an_entry_keeps_what_was_typed():
    form = post(
        [MEMBERS, field("text", "Remarks", "remarks", required=False)],
        {
            "members": "2",
            "members__0__first_name": "Lea",
            "members__1__first_name": "Marco",
            "members__1__last_name": "Muster",
            "remarks": "Umzug mit Katze",
        },
    )
    form.is_valid()

    added = fb.with_entry_change(form, "add_entry:members")
    assert not added.is_bound and added.entry_counts["members"] == 3
    assert added["members__1__first_name"].value() == "Marco"
    assert added["remarks"].value() == "Umzug mit Katze"
    assert added.fields["members__2__first_name"].widget.attrs.get("autofocus")

    removed = fb.with_entry_change(form, "remove_entry:members:0")
    assert removed.entry_counts["members"] == 1
    assert removed["members__0__first_name"].value() == "Marco"
    assert removed["members__0__last_name"].value() == "Muster"

    unknown = fb.with_entry_change(form, "remove_entry:nothing:0")
    assert unknown.entry_counts["members"] == 2


def test_an_unbound_step_shows_the_stored_entries():
    form = fb.build_step_form(
        step(MEMBERS), initial={"members": [{"first_name": "Lea"}, {"first_name": "Marco", "last_name": "M"}]}
    )
    assert form.entry_counts["members"] == 2
    assert form["members__1__last_name"].value() == "M"


def test_snapshot_and_display_of_a_group():
    snapshot = fb.fields_snapshot([MEMBERS])
    assert snapshot[0]["type"] == "group"
    assert [sub["name"] for sub in snapshot[0]["fields"]] == ["first_name", "last_name", "born", "relation"]
    text = fb.display_value(
        snapshot[0],
        [
            {"first_name": "Lea", "last_name": "Muster", "born": "2015-04-03", "relation": "Child"},
            {"first_name": "Marco", "last_name": "Muster", "born": "1984-01-30", "relation": ""},
        ],
    )
    assert text == "Person 1: Lea, Muster, 03.04.2015, Child\nPerson 2: Marco, Muster, 30.01.1984"


def test_the_editor_cannot_nest_files_or_use_prefill_in_a_group():
    block = FormFieldsBlock()
    with_prefill = {
        **MEMBERS,
        "value": {**MEMBERS["value"], "questions": [field("text", "First name", "first_name", prefill="first_name")]},
    }
    with pytest.raises(ValidationError):
        block.clean(block.to_python([with_prefill]))
    without_questions = {**MEMBERS, "value": {**MEMBERS["value"], "questions": []}}
    with pytest.raises(ValidationError):
        block.clean(block.to_python([without_questions]))
    assert block.clean(block.to_python([MEMBERS]))[0].value["name"] == "members"


# --- date windows ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("offset", "valid"), [(-15, False), (-14, True), (0, True), (90, True), (91, False)], ids=str)
def test_a_moving_date_within_14_days_back_and_90_days_ahead(offset, valid):
    day = TODAY + datetime.timedelta(days=offset)
    form = post([moving_date(days_back=14, days_ahead=90)], {"moving_date": day.isoformat()})
    assert form.is_valid() is valid
    if not valid:
        bound = TODAY - datetime.timedelta(days=14) if offset < 0 else TODAY + datetime.timedelta(days=90)
        assert bound.strftime("%d.%m.%Y") in form.errors["moving_date"][0]


def test_the_window_is_offered_to_the_browser_and_combines_with_fixed_dates():
    late = TODAY + datetime.timedelta(days=30)
    form = fb.build_step_form(step(moving_date(days_back=14, days_ahead=90, max_date=late.isoformat())))
    attrs = form.fields["moving_date"].widget.attrs
    assert attrs["min"] == (TODAY - datetime.timedelta(days=14)).isoformat()
    assert attrs["max"] == late.isoformat()


# --- on a service page ----------------------------------------------------------------------------------------


def test_a_resident_adds_two_household_members_and_submits(make_service_page, client, resident, soup):
    form = make_form_for([moving_date(days_back=14, days_ahead=90), MEMBERS], title="Umzug melden")
    page = make_service_page(form=form, fee_rappen=0)
    client.force_login(resident)
    journey = Journey(client, page, soup)
    data = {"moving_date": TODAY.isoformat(), "members": "1", "members__0__first_name": "Lea"}

    response = journey.post("add_entry:members", data)
    assert response.status_code == 200
    html = journey.form(response)
    legends = [legend.get_text(strip=True) for legend in html.select(".form-group__entry legend")]
    assert legends == ["Person 1", "Person 2"]
    assert html.select_one("[name=members__0__first_name]")["value"] == "Lea"
    assert html.select_one("[name=members__1__first_name]").has_attr("autofocus")
    assert not html.select(".error-summary")

    data.update(
        {
            "members": "2",
            "members__0__last_name": "Muster",
            "members__0__born": "2015-04-03",
            "members__1__first_name": "Marco",
            "members__1__last_name": "Muster",
            "members__1__born": "1984-01-30",
            "members__1__relation": "Partner",
        }
    )
    token = journey.hidden("submission_token", response)
    response = journey.post("submit", data, token=token, step="0")
    assert response.status_code == 303, journey.form(response)
    case = Case.objects.get(submission_token=token)
    assert [member["first_name"] for member in case.data["members"]] == ["Lea", "Marco"]
    assert case.fields_snapshot[1]["fields"][0]["label"] == "First name"

    detail = soup(client.get(f"/en/account/cases/{case.reference}/")).get_text(" ", strip=True)
    assert "Person 2: Marco, Muster, 30.01.1984, Partner" in detail


def test_the_export_puts_a_group_in_one_cell_with_a_line_per_entry():
    snapshot = fb.fields_snapshot([MEMBERS])[0]
    cell = answer_value(snapshot, [{"first_name": "Lea", "last_name": "Muster", "born": "2015-04-03"}])
    assert cell == "Person 1: Lea, Muster, 03.04.2015"

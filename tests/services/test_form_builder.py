"""The form engine: steps, fields per type, uploads checked by content, show-if on the server, snapshots."""

import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from django.utils.datastructures import MultiValueDict

from services import form_builder as fb
from tests.factories import OrganisationFactory, UserFactory
from tests.services.conftest import EVENT_FIELDS, field, heading, show_if, step_break

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 300


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def one_step(*fields):
    return fb.steps(list(fields))[0]


def form_for(*fields, data=None, files=None, answers=None, existing_files=None):
    return fb.build_step_form(
        one_step(*fields),
        data=data or {},
        files=MultiValueDict(files or {}),
        answers=answers,
        existing_files=existing_files,
    )


def docx_bytes(member="word/document.xml"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(member, "<w:document/>")
    return buffer.getvalue()


# --- steps ---------------------------------------------------------------------------------------------


def test_step_breaks_split_the_form_and_headings_stay_in_their_step():
    steps = fb.steps(EVENT_FIELDS)

    assert [step.title for step in steps] == ["Your details", "Kontakt und Unterlagen"]
    assert [item.text for item in steps[0].items if item.is_heading] == ["Angaben zur Veranstaltung"]
    assert [spec.name for spec in steps[0].fields] == ["event_name", "event_date", "public", "visitors"]
    assert [spec.name for spec in steps[1].fields] == ["organiser", "email", "address", "plan", "remarks"]


def test_a_leading_step_break_names_the_first_step_and_empty_steps_are_dropped():
    steps = fb.steps(
        [
            step_break("Person"),
            field("text", "Name", "name"),
            step_break("Leer"),
            step_break("Ende"),
            field("text", "B", "b"),
        ]
    )
    assert [(step.index, step.title) for step in steps] == [(0, "Person"), (1, "Ende")]


def test_machine_names_come_from_the_label_when_missing():
    spec = one_step({"type": "text", "value": {"label": "Ihr Vorname", "required": True}}).fields[0]
    assert spec.name == "ihr_vorname"


def test_an_anonymous_form_without_email_question_gets_a_required_contact_email_at_the_end():
    steps = fb.steps([field("text", "Name", "name"), step_break("Zwei"), field("text", "B", "b")], contact_email=True)
    last = steps[-1].fields[-1]
    assert (last.name, last.type, last.required) == ("contact_email", "email", True)
    # A form that asks for an e-mail address already needs no extra question.
    assert not any(spec.name == "contact_email" for spec in fb.all_fields(fb.steps(EVENT_FIELDS, contact_email=True)))


# --- fields per type -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("+41 44 123 45 67", True),
        ("044 123 45 67", True),
        ("(044) 123-45-67", True),
        ("12345", False),
        ("call me", False),
    ],
)
def test_phone_numbers_are_checked_loosely(value, valid):
    form = form_for(field("phone", "Telefon", "phone"), data={"phone": value})
    assert form.is_valid() is valid


def test_numbers_accept_swiss_writing_and_respect_bounds_and_decimal_places():
    decimal_field = field(
        "number", "Betrag", "amount", min_value=Decimal("1"), max_value=Decimal("5000"), decimal_places=2
    )
    form = form_for(decimal_field, data={"amount": "1'250,50"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == Decimal("1250.50")
    assert form.answers_json() == {"amount": "1250.50"}
    assert not form_for(decimal_field, data={"amount": "6000"}).is_valid()
    assert not form_for(decimal_field, data={"amount": "1.234"}).is_valid()

    whole = form_for(field("number", "Personen", "people", min_value=1, max_value=10), data={"people": "11"})
    assert not whole.is_valid()
    people = form_for(field("number", "Personen", "people"), data={"people": "4"})
    assert people.is_valid()
    assert people.cleaned_data["people"] == 4


def test_dates_accept_iso_and_swiss_input_and_refuse_the_past_when_asked():
    date_field = field("date", "Datum", "day", not_in_past=True)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    for typed in (tomorrow.isoformat(), tomorrow.strftime("%d.%m.%Y")):
        form = form_for(date_field, data={"day": typed})
        assert form.is_valid(), form.errors
        assert form.answers_json() == {"day": tomorrow.isoformat()}

    past = form_for(date_field, data={"day": "01.01.2020"})
    assert not past.is_valid()
    assert past.errors["day"] == ["The date must not be in the past."]
    rendered = str(form_for(date_field)["day"])
    assert 'type="date"' in rendered and f'min="{timezone.localdate().isoformat()}"' in rendered


def test_date_bounds_are_named_in_the_swiss_format():
    form = form_for(
        field("date", "Datum", "day", min_date=datetime.date(2026, 1, 1), max_date=datetime.date(2026, 12, 31)),
        data={"day": "2027-01-05"},
    )
    assert form.errors["day"] == ["Enter a date on or before 31.12.2026."]


@pytest.mark.parametrize(
    ("widget", "html"), [("radio", 'type="radio"'), ("select", "<select"), ("checkboxes", 'type="checkbox"')]
)
def test_choices_render_with_the_chosen_widget(widget, html):
    form = form_for(field("choice", "Raum", "room", choices="Saal\nFoyer\n\nBühne", widget=widget))
    assert html in str(form["room"])
    assert [value for value, _label in form.fields["room"].choices if value] == ["Saal", "Foyer", "Bühne"]


def test_check_boxes_store_a_list_and_refuse_unknown_choices():
    spec = field("choice", "Raum", "room", choices="Saal\nFoyer", widget="checkboxes")
    form = form_for(spec, data=MultiValueDict({"room": ["Saal", "Foyer"]}))
    assert form.is_valid()
    assert form.answers_json() == {"room": ["Saal", "Foyer"]}
    assert not form_for(spec, data=MultiValueDict({"room": ["Keller"]})).is_valid()


def test_yes_no_is_stored_as_yes_or_no():
    form = form_for(field("yes_no", "Öffentlich?", "public"), data={"public": "no"})
    assert form.is_valid()
    assert form.answers_json() == {"public": "no"}
    assert not form_for(field("yes_no", "Öffentlich?", "public"), data={"public": "vielleicht"}).is_valid()


def test_an_address_is_four_labelled_inputs_in_a_fieldset_and_stored_as_a_dict():
    form = form_for(
        field("address", "Adresse", "address"),
        data={
            "address_street": "Dorfstrasse",
            "address_house_number": "5",
            "address_postcode": "9999",
            "address_town": "Musterwil",
        },
    )
    assert form.is_valid(), form.errors
    assert form.answers_json() == {
        "address": {"street": "Dorfstrasse", "house_number": "5", "postcode": "9999", "town": "Musterwil"}
    }
    html = form["address"].as_field_group()
    assert "<fieldset" in html and "<legend>Adresse" in html
    for part, label in (
        ("", "Street"),
        ("_house_number", "House number"),
        ("_postcode", "Postcode"),
        ("_town", "Town"),
    ):
        assert f'<label for="id_address{part}">{label}</label>' in html


@pytest.mark.parametrize(
    ("postcode", "town", "error"),
    [
        ("999", "Musterwil", "Enter a four-digit Swiss postcode (1000–9999)."),
        ("0999", "Musterwil", "Enter a four-digit Swiss postcode (1000–9999)."),
        ("9999", "", "Complete the address; missing: Town."),
    ],
)
def test_an_address_needs_every_part_and_a_swiss_postcode(postcode, town, error):
    form = form_for(
        field("address", "Adresse", "address", required=False),
        data={
            "address_street": "Dorfstrasse",
            "address_house_number": "5",
            "address_postcode": postcode,
            "address_town": town,
        },
    )
    assert form.errors["address"] == [error]


def test_an_optional_address_may_stay_empty():
    form = form_for(field("address", "Adresse", "address", required=False), data={})
    assert form.is_valid()
    assert form.answers_json() == {"address": None}


def test_ahv_and_iban_are_checked_and_normalised_to_their_printed_form():
    form = form_for(
        field("ahv", "AHV-Nummer", "ahv"),
        field("iban", "IBAN", "iban"),
        data={"ahv": "7561234567897", "iban": "ch9300762011623852957"},
    )
    assert form.is_valid(), form.errors
    assert form.answers_json() == {"ahv": "756.1234.5678.97", "iban": "CH93 0076 2011 6238 5295 7"}

    wrong = form_for(
        field("ahv", "AHV-Nummer", "ahv"),
        field("iban", "IBAN", "iban"),
        data={"ahv": "7561234567890", "iban": "CH93 0076"},
    )
    assert set(wrong.errors) == {"ahv", "iban"}


def test_text_respects_max_length_and_long_text_is_a_textarea():
    form = form_for(
        field("text", "Name", "name", max_length=5), field("long_text", "Text", "text"), data={"name": "123456"}
    )
    assert "name" in form.errors and "text" in form.errors
    assert "<textarea" in str(form["text"])


def test_help_text_is_escaped():
    form = form_for(field("text", "Name", "name", help_text="<script>x</script>"))
    assert "<script>" not in form["name"].as_field_group()


# --- uploads ---------------------------------------------------------------------------------------------------


def upload_field(**value):
    defaults = {"required": True, "allowed_types": ["pdf", "png"], "max_size_mb": 1, "multiple": True, "max_files": 2}
    return field("file", "Beilagen", "docs", **{**defaults, **value})


def test_a_real_pdf_is_accepted_and_knows_its_content_type():
    form = form_for(upload_field(), files={"docs": [SimpleUploadedFile("plan.pdf", PDF)]})
    assert form.is_valid(), form.errors
    assert form.answers_json() == {"docs": ["plan.pdf"]}
    new = form.file_changes["docs"].new
    assert [upload.sniffed_content_type for upload in new] == ["application/pdf"]


def test_a_renamed_executable_is_refused_with_a_clear_message():
    form = form_for(upload_field(), files={"docs": [SimpleUploadedFile("invoice.pdf", EXE)]})
    assert not form.is_valid()
    assert form.errors["docs"] == ["The content of “invoice.pdf” is not a PDF file."]


def test_a_png_named_pdf_is_refused_too():
    form = form_for(upload_field(), files={"docs": [SimpleUploadedFile("scan.pdf", PNG)]})
    assert "docs" in form.errors
    assert form_for(upload_field(), files={"docs": [SimpleUploadedFile("scan.png", PNG)]}).is_valid()


def test_wrong_extension_and_too_large_and_empty_files_are_refused():
    form = form_for(upload_field(), files={"docs": [SimpleUploadedFile("tool.exe", EXE)]})
    assert form.errors["docs"] == ["“tool.exe” is not an accepted file type. Accepted: PDF, PNG."]

    big = SimpleUploadedFile("big.pdf", PDF + b"0" * 1048576)
    assert form_for(upload_field(), files={"docs": [big]}).errors["docs"] == [
        "“big.pdf” is too large (1.0\xa0MB); files may be at most 1.0\xa0MB."
    ]
    assert form_for(upload_field(), files={"docs": [SimpleUploadedFile("e.pdf", b"")]}).errors["docs"]


def test_too_many_files_are_refused():
    files = [SimpleUploadedFile(f"p{n}.pdf", PDF) for n in range(3)]
    form = form_for(upload_field(), files={"docs": files})
    assert form.errors["docs"] == ["You can upload at most 2 files here."]


def test_already_uploaded_files_count_and_can_be_removed():
    existing = {"docs": [{"id": "a1", "name": "old.pdf", "size": 2048}, {"id": "b2", "name": "older.pdf", "size": 10}]}
    new = [SimpleUploadedFile("new.pdf", PDF)]

    too_many = form_for(upload_field(), files={"docs": new}, existing_files=existing)
    assert too_many.errors["docs"] == ["You can upload at most 2 files here."]

    form = form_for(
        upload_field(), data=MultiValueDict({"docs__remove": ["b2"]}), files={"docs": new}, existing_files=existing
    )
    assert form.is_valid(), form.errors
    assert form.file_changes["docs"].keep == ["a1"]
    assert form.answers_json() == {"docs": ["old.pdf", "new.pdf"]}

    # A required upload is satisfied by what is already stored.
    assert form_for(upload_field(), existing_files=existing).is_valid()
    assert not form_for(
        upload_field(), data=MultiValueDict({"docs__remove": ["a1", "b2"]}), existing_files=existing
    ).is_valid()


def test_a_single_file_field_replaces_the_stored_file():
    existing = {"docs": [{"id": "a1", "name": "old.pdf", "size": 10}]}
    form = form_for(
        upload_field(multiple=False), files={"docs": [SimpleUploadedFile("new.pdf", PDF)]}, existing_files=existing
    )
    assert form.is_valid()
    assert form.file_changes["docs"].keep == []
    assert form.answers_json() == {"docs": ["new.pdf"]}


def test_text_files_must_be_utf8_and_office_files_must_be_real_documents():
    text_field = upload_field(allowed_types=["txt", "docx"])
    assert form_for(text_field, files={"docs": [SimpleUploadedFile("a.txt", "Grüezi".encode())]}).is_valid()
    # Text saved by older Windows programs (cp1252) is still text; binary content is not.
    assert form_for(text_field, files={"docs": [SimpleUploadedFile("a.txt", "Grüezi".encode("cp1252"))]}).is_valid()
    assert "docs" in form_for(text_field, files={"docs": [SimpleUploadedFile("a.txt", b"ab\x00\x01cd")]}).errors
    assert "docs" in form_for(text_field, files={"docs": [SimpleUploadedFile("a.txt", EXE)]}).errors
    assert form_for(text_field, files={"docs": [SimpleUploadedFile("a.docx", docx_bytes())]}).is_valid()
    assert (
        "docs"
        in form_for(text_field, files={"docs": [SimpleUploadedFile("a.docx", docx_bytes("xl/workbook.xml"))]}).errors
    )


def test_file_questions_say_what_they_accept():
    html = form_for(upload_field(help_text="Ein Plan im Massstab 1:100."))["docs"].as_field_group()
    assert "Ein Plan im Massstab 1:100. Allowed: PDF, PNG; at most 1 MB per file. Up to 2 files." in html


def test_jpeg_files_may_be_called_jpeg():
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
    spec = upload_field(allowed_types=["jpg"])
    assert form_for(spec, files={"docs": [SimpleUploadedFile("foto.JPEG", jpeg)]}).is_valid()
    assert 'accept=".jpeg,.jpg"' in str(form_for(spec)["docs"])


# --- show-if --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "answers", "shown"),
    [
        (show_if("a", "equals", "yes"), {"a": "yes"}, True),
        (show_if("a", "equals", "Ja"), {"a": "yes"}, True),
        (show_if("a", "equals", "yes"), {"a": "no"}, False),
        (show_if("a", "equals", "yes"), {}, False),
        (show_if("a", "not_equals", "Saal"), {"a": "Foyer"}, True),
        (show_if("a", "not_equals", "Saal"), {"a": "saal"}, False),
        (show_if("a", "contains", "Foyer"), {"a": ["Saal", "Foyer"]}, True),
        (show_if("a", "contains", "Keller"), {"a": ["Saal"]}, False),
        (show_if("a", "filled"), {"a": "x"}, True),
        (show_if("a", "filled"), {"a": " "}, False),
        (show_if("a", "filled"), {"a": {"street": "", "town": ""}}, False),
        (show_if("a", "empty"), {}, True),
        (show_if("a", "empty"), {"a": ["x"]}, False),
        (show_if("", "equals", "x"), {}, True),
    ],
)
def test_show_if_operators(rule, answers, shown):
    assert fb.condition_met(rule, answers) is shown


def test_a_hidden_question_on_the_same_step_is_not_required_and_its_answer_is_dropped():
    fields = [
        field("yes_no", "Öffentlich?", "public"),
        field("number", "Besucher", "visitors", show_if=show_if("public", value="yes")),
    ]

    hidden = form_for(*fields, data={"public": "no", "visitors": "not a number"})
    assert hidden.is_valid(), hidden.errors
    assert hidden.answers_json() == {"public": "no"}
    assert hidden.skipped == {"visitors"}

    shown = form_for(*fields, data={"public": "yes"})
    assert not shown.is_valid()
    assert list(shown.errors) == ["visitors"]


def test_a_question_hidden_by_an_earlier_step_is_left_out_of_the_form():
    fields = [field("text", "Details", "details", show_if=show_if("public", value="yes"))]
    assert "details" not in form_for(*fields, answers={"public": "no"}).fields
    assert "details" in form_for(*fields, answers={"public": "yes"}).fields


def test_same_step_rules_render_with_a_note_for_browsers_without_javascript():
    form = fb.build_step_form(
        one_step(
            field("yes_no", "Öffentlich?", "public"),
            field("text", "Wo", "where", show_if=show_if("public", value="yes")),
        )
    )
    item = [entry for entry in form.items if "spec" in entry and entry["spec"].name == "where"][0]
    assert item["dynamic"] is True
    assert item["show_if_note"] == "Only if “Öffentlich?” is “Yes”."
    assert '"field": "public"' in item["show_if_json"]


def test_visible_answers_and_incomplete_steps_follow_changed_answers():
    steps = fb.steps(EVENT_FIELDS)
    data = {"event_name": "Fest", "event_date": "2030-01-01", "public": "no", "visitors": "50", "organiser": "A"}
    assert "visitors" not in fb.visible_answers(steps, data)
    # Now the visitors question applies, but its earlier answer was valid: nothing is missing on step 1.
    assert "visitors" in fb.visible_answers(steps, {**data, "public": "yes"})
    assert fb.first_incomplete_step(steps, {**data, "public": "yes", "visitors": ""}) == 0
    assert fb.first_incomplete_step(steps, data) == 1  # e-mail and address are still missing


# --- prefill, JSON and display ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_prefill_from_the_account_and_the_organisation():
    user = UserFactory(
        first_name="Anna",
        last_name="Muster",
        street="Dorfstrasse",
        house_number="5",
        postcode="9999",
        town="Musterwil",
        date_of_birth=datetime.date(1985, 4, 12),
        phone="044 123 45 67",
    )
    organisation = OrganisationFactory(name="Turnverein Musterwil", uid="CHE-123.456.788")
    fields = [
        field("text", "Name", "name", prefill="full_name"),
        field("address", "Adresse", "address", prefill="address"),
        field("date", "Geburtsdatum", "born", prefill="date_of_birth"),
        field("phone", "Telefon", "phone", prefill="phone"),
        field("text", "Verein", "club", prefill="organisation_name"),
        field("text", "UID", "uid", prefill="organisation_uid"),
        field("text", "Nichts", "nothing"),
    ]
    assert fb.prefill_values(fields, user, organisation) == {
        "name": "Anna Muster",
        "address": {"street": "Dorfstrasse", "house_number": "5", "postcode": "9999", "town": "Musterwil"},
        "born": "1985-04-12",
        "phone": "044 123 45 67",
        "club": "Turnverein Musterwil",
        "uid": "CHE-123.456.788",
    }
    assert "club" not in fb.prefill_values(fields, user, None)


def test_prefilled_questions_about_the_person_get_autocomplete_hints():
    form = form_for(field("text", "Vorname", "first", prefill="first_name"), field("text", "Anderes", "other"))
    assert 'autocomplete="given-name"' in str(form["first"])
    assert "autocomplete" not in str(form["other"])


def test_to_json_makes_answers_json_safe():
    assert fb.to_json(
        {
            "d": datetime.date(2026, 11, 27),
            "n": Decimal("12.50"),
            "l": (1, "a"),
            "f": SimpleUploadedFile("x/y.pdf", b""),
        }
    ) == {"d": "2026-11-27", "n": "12.50", "l": [1, "a"], "f": "y.pdf"}


def test_fields_snapshot_lists_every_answerable_question():
    snapshot = fb.fields_snapshot(EVENT_FIELDS)
    assert [item["name"] for item in snapshot] == [
        "event_name",
        "event_date",
        "public",
        "visitors",
        "organiser",
        "email",
        "address",
        "plan",
        "remarks",
    ]
    assert snapshot[2] == {
        "name": "public",
        "label": "Öffentlich zugänglich?",
        "type": "yes_no",
        "required": True,
        "choices": ["yes", "no"],
        "widget": "",
        "help_text": "",
    }


def test_display_answers_format_dates_yes_no_addresses_and_files():
    snapshot = fb.fields_snapshot(EVENT_FIELDS)
    data = {
        "event_name": "Dorffest",
        "event_date": "2026-11-27",
        "public": "yes",
        "address": {"street": "Dorfstrasse", "house_number": "5", "postcode": "9999", "town": "Musterwil"},
        "plan": ["plan.pdf", "foto.png"],
        "remarks": "",
    }
    assert fb.display_answers(snapshot, data) == [
        ("Name der Veranstaltung", "Dorffest"),
        ("Datum", "27.11.2026"),
        ("Öffentlich zugänglich?", "Yes"),
        ("Adresse", "Dorfstrasse 5\n9999 Musterwil"),
        ("Situationsplan", "plan.pdf, foto.png"),
        ("Bemerkungen", "–"),
    ]


def test_display_answers_translates_yes_no():
    with translation.override("de"):
        assert fb.display_answers([{"name": "a", "label": "A", "type": "yes_no"}], {"a": "no"}) == [("A", "Nein")]


def test_headings_are_not_questions():
    steps = fb.steps([heading("Teil 1"), field("text", "A", "a")])
    assert fb.fields_snapshot(steps) == [fb.fields_snapshot([field("text", "A", "a")])[0]]

"""CSV/XLSX export of one service's submissions from the back office: columns, content, scope, safety."""

import csv
import datetime
import io
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from account.acting_context import ActingContext
from services import cases
from services.export import neutralise
from services.models import ServiceIndexPage, ServicePage
from tests.factories import MembershipFactory, UserFactory
from tests.services.test_backoffice import clerk_group, staff

OLD_SNAPSHOT = [
    {"name": "anlass", "label": "Anlass", "type": "text"},
    {"name": "veraltet", "label": "Veraltete Frage", "type": "text"},
]
SNAPSHOT = [
    {"name": "anlass", "label": "Anlass", "type": "text"},
    {"name": "datum", "label": "Datum", "type": "date"},
    {"name": "personen", "label": "Anzahl Personen", "type": "number"},
    {"name": "zelt", "label": "Mit Festzelt", "type": "yes_no"},
    {"name": "angebot", "label": "Angebot", "type": "choice", "widget": "checkboxes"},
    {"name": "adresse", "label": "Adresse", "type": "address"},
    {"name": "beilagen", "label": "Beilagen", "type": "file"},
]
HEADERS = ["Reference", "Status", "Submitted at", "Owner", "E-mail"]


def submit(service, owner, data, snapshot=SNAPSHOT, membership=None):
    return cases.submit(
        acting_context=ActingContext(user=owner, membership=membership),
        service_page=service,
        form=None,
        form_revision=None,
        block_id="b1",
        fields_snapshot=snapshot,
        data=data,
        submission_token=uuid.uuid4(),
    )


@pytest.fixture
def setup(db):
    from home.demo_content import ensure_demo_site

    index = ensure_demo_site().add_child(instance=ServiceIndexPage(title="Online-Schalter", slug="schalter"))
    group_a, group_b = clerk_group("Veranstaltungen"), clerk_group("Bau")
    service_a = index.add_child(
        instance=ServicePage(title="Veranstaltung melden", slug="veranstaltung", clerk_group=group_a)
    )
    service_b = index.add_child(instance=ServicePage(title="Baugesuch", slug="baugesuch", clerk_group=group_b))
    resident = UserFactory(first_name="Jürg", last_name="Müller", email="juerg@example.org")
    old = submit(service_a, resident, {"anlass": "Altes Fest", "veraltet": "weg"}, snapshot=OLD_SNAPSHOT)
    membership = MembershipFactory(organisation__name="Turnverein Musterwil", role="owner")
    new = submit(
        service_a,
        membership.user,
        {
            "anlass": '=HYPERLINK("http://evil.example","Klick")',
            "datum": "2026-08-01",
            "personen": "-5",
            "zelt": "yes",
            "angebot": ["Grill", "Bar"],
            "adresse": {"street": "Dorfstrasse", "house_number": "1", "postcode": "9999", "town": "Musterwil"},
            "beilagen": [{"name": "plan.pdf"}],
        },
        membership=membership,
    )
    other = submit(service_b, resident, {"anlass": "Anbau"})
    return {
        "service_a": service_a,
        "service_b": service_b,
        "clerk_a": staff(group_a),
        "old": old,
        "new": new,
        "other": other,
        "resident": resident,
    }


def export_url(service, fmt):
    return reverse("services_backoffice:export", args=[service.pk, fmt])


def read_csv(response):
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    assert raw.startswith("\ufeff".encode())  # BOM: Excel then reads UTF-8 and shows the umlauts
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


@pytest.mark.django_db
def test_csv_has_one_column_per_question_of_the_newest_form_and_the_case_facts(client, setup):
    client.force_login(setup["clerk_a"])
    response = client.get(export_url(setup["service_a"], "csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="veranstaltung-melden-')
    rows = read_csv(response)
    assert rows[0] == HEADERS + [field["label"] for field in SNAPSHOT]
    assert len(rows) == 3  # header + the two cases of service A; the case of service B is not there

    new, old = rows[1], rows[2]  # newest first
    today = timezone.localdate().strftime("%d.%m.%Y")
    assert new[:5] == [setup["new"].reference, "Submitted", today, "Turnverein Musterwil", new[4]]
    assert new[5:] == [
        '\'=HYPERLINK("http://evil.example","Klick")',  # neutralised: Excel shows it, never runs it
        "01.08.2026",
        "-5",
        "Yes",
        "Grill, Bar",
        "Dorfstrasse 1, 9999 Musterwil",
        "plan.pdf",
    ]
    # The older case keeps its answer to a question that still exists; the dropped question has no column.
    assert old[:5] == [setup["old"].reference, "Submitted", today, "Jürg Müller", "juerg@example.org"]
    assert old[5:] == ["Altes Fest", "", "", "", "", "", ""]
    assert "weg" not in old


@pytest.mark.django_db
def test_xlsx_reads_back_with_dates_as_dates(client, setup):
    client.force_login(setup["clerk_a"])
    response = client.get(export_url(setup["service_a"], "xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS + [field["label"] for field in SNAPSHOT]
    assert len(rows) == 3
    new = list(sheet.iter_rows(min_row=2, max_row=2))[0]
    assert new[0].value == setup["new"].reference
    assert new[2].value.date() == timezone.localdate() and new[2].number_format == "DD.MM.YYYY"
    assert new[5].value == '\'=HYPERLINK("http://evil.example","Klick")' and new[5].data_type == "s"
    assert new[6].value == datetime.datetime(2026, 8, 1) and new[6].number_format == "DD.MM.YYYY"
    assert new[7].value == -5
    assert [cell.value for cell in new[8:]] == ["Yes", "Grill, Bar", "Dorfstrasse 1, 9999 Musterwil", "plan.pdf"]
    assert rows[2][3] == "Jürg Müller"


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_clerk_cannot_export_another_service(client, setup, fmt):
    client.force_login(setup["clerk_a"])
    assert client.get(export_url(setup["service_b"], fmt)).status_code == 404


@pytest.mark.django_db
def test_an_unknown_format_is_404(client, setup):
    client.force_login(setup["clerk_a"])
    assert client.get(export_url(setup["service_a"], "pdf")).status_code == 404


@pytest.mark.django_db
def test_the_superuser_exports_any_service(client, setup):
    client.force_login(staff(is_superuser=True))
    rows = read_csv(client.get(export_url(setup["service_b"], "csv")))
    assert [row[0] for row in rows[1:]] == [setup["other"].reference]


@pytest.mark.django_db
def test_drafts_are_not_exported(client, setup):
    cases.save_draft(
        acting_context=ActingContext(user=setup["resident"]),
        service_page=setup["service_a"],
        form=None,
        block_id="b1",
        data={"anlass": "Entwurf"},
        step=0,
        submission_token=uuid.uuid4(),
    )
    client.force_login(setup["clerk_a"])
    rows = read_csv(client.get(export_url(setup["service_a"], "csv")))
    assert len(rows) == 3 and not any("Entwurf" in cell for row in rows for cell in row)


@pytest.mark.django_db
def test_the_case_list_offers_the_export_once_filtered_by_a_service(client, setup):
    client.force_login(setup["clerk_a"])
    unfiltered = client.get("/admin/services/case/").content.decode()
    assert export_url(setup["service_a"], "csv") not in unfiltered
    filtered = client.get("/admin/services/case/", {"service_page": setup["service_a"].pk}).content.decode()
    assert export_url(setup["service_a"], "csv") in filtered
    assert export_url(setup["service_a"], "xlsx") in filtered
    # Filtering by a service outside the clerk's scope offers nothing.
    foreign = client.get("/admin/services/case/", {"service_page": setup["service_b"].pk}).content.decode()
    assert export_url(setup["service_b"], "csv") not in foreign


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+41 44 123 45 67", "'+41 44 123 45 67"),
        ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1+1", "'\t=1+1"),
        ("-5", "-5"),
        ("+3.5", "+3.5"),
        ("Grüezi", "Grüezi"),
        ("a=b", "a=b"),
        (42, 42),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected

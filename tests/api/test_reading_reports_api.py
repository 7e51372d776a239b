"""Reported meter readings through the API: the thin event, the authenticated fetch, the list, the photo, the scope."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from PIL import Image

from integrations.models import ApiAuditEntry
from tests.api.helpers import assert_problem
from tests.integration_fixtures import bearer
from tests.utilities.conftest import utility_world  # noqa: F401 — the small utility world of the utility tests
from utilities import reporting
from utilities.models import Meter

pytestmark = pytest.mark.django_db


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def reader(make_application):
    """The utility's billing application: reads meter readings."""
    return bearer(make_application(read=["meter_readings"], write=[], name="Energieverrechnung")[1])


@pytest.fixture
def reported(utility_world):  # noqa: F811
    """A reading of the holder's water meter with a photo and a comment."""
    return reporting.report(
        utility_world["manual"],
        utility_world["holder"],
        timezone.localdate() - datetime.timedelta(days=1),
        Decimal("123.4"),
        photo=SimpleUploadedFile("display.png", png_bytes(), content_type="image/png"),
        comment="Neuer Zähler im Keller",
    )


def test_a_report_is_fetched_with_the_id_of_its_event(reader, reported):
    events = reader.get("/api/v1/events").json()["events"]
    [data] = [event["data"] for event in events if event["type"] == "meter_reading.reported"]
    assert data["reportId"] == reported.pk and data["id"] == str(reported.pk)
    assert (data["meterNumber"], data["recordType"]) == ("W-2001", "meter_readings")
    assert "Neuer Zähler" not in str(data) and "123.4" not in str(data)

    response = reader.get(f"/api/v1/meter-reading-reports/{data['reportId']}")

    assert response.status_code == 200, response.content
    body = response.json()
    assert datetime.datetime.fromisoformat(body.pop("reportedAt")) == reported.created_at
    assert body == {
        "id": reported.pk,
        "meterNumber": "W-2001",
        "customerNumber": "100200",
        "unit": "m3",
        "readOn": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
        "value": "123.400",
        "meterChanged": False,
        "warning": None,
        "comment": "Neuer Zähler im Keller",
        "photo": f"http://testserver/api/v1/meter-reading-reports/{reported.pk}/photo",
    }
    audit = ApiAuditEntry.objects.get(action="meter_reading_report.read")
    assert (audit.subject_type, audit.subject_ref, audit.status_code) == ("meter_reading_report", str(reported.pk), 200)

    photo = reader.get(body["photo"])
    assert photo.status_code == 200
    assert photo["Content-Type"] == "image/png"
    assert b"".join(photo.streaming_content) == png_bytes()


def test_a_report_without_photo_omits_it_and_keeps_the_confirmed_warning(reader, utility_world):  # noqa: F811
    meter = utility_world["manual"]
    today = timezone.localdate()
    reporting.report(meter, utility_world["holder"], today - datetime.timedelta(days=400), Decimal("1000"))
    reporting.report(meter, utility_world["holder"], today - datetime.timedelta(days=100), Decimal("1300"))
    # The warning is kept in the language the customer used.
    with translation.override("en"):
        unusual = reporting.report(
            meter, utility_world["holder"], today, Decimal("1310"), confirmed=True, comment="Drei Monate verreist"
        )

    body = reader.get(f"/api/v1/meter-reading-reports/{unusual.pk}").json()

    assert "photo" not in body
    assert body["warning"].startswith("We expected about 1’400 m³")
    assert reader.get(f"/api/v1/meter-reading-reports/{unusual.pk}/photo").status_code == 404


def test_the_list_pages_with_a_cursor_filters_by_meter_in_one_query(reader, utility_world):  # noqa: F811
    world = utility_world
    world["meter_c"].kind = Meter.Kind.MANUAL
    world["meter_c"].save()
    day = timezone.localdate() - datetime.timedelta(days=10)
    water = [reporting.report(world["manual"], world["holder"], day + datetime.timedelta(days=i), i) for i in range(3)]
    other = reporting.report(world["meter_c"], world["org_owner"], day, Decimal("7"))

    with CaptureQueriesContext(connection) as queries:
        first = reader.get("/api/v1/meter-reading-reports?limit=2").json()
    selects = [q["sql"] for q in queries.captured_queries if "utilities_readingreport" in q["sql"]]
    assert len(selects) == 1

    assert [item["id"] for item in first["results"]] == [water[0].pk, water[1].pk]
    second = reader.get(f"/api/v1/meter-reading-reports?limit=2&after={first['next']}").json()
    assert [item["id"] for item in second["results"]] == [water[2].pk, other.pk]
    assert second["next"] is None

    only_c = reader.get("/api/v1/meter-reading-reports?meter=E-4001").json()
    assert [(item["id"], item["customerNumber"]) for item in only_c["results"]] == [(other.pk, "100400")]
    assert_problem(reader.get("/api/v1/meter-reading-reports?limit=0"), 400)


def test_without_the_read_scope_everything_is_403(make_application, reported):
    other = bearer(make_application(read=["utility_records", "cases"], write=["meter_readings"])[1])
    for path in (
        "/api/v1/meter-reading-reports",
        f"/api/v1/meter-reading-reports/{reported.pk}",
        f"/api/v1/meter-reading-reports/{reported.pk}/photo",
    ):
        assert_problem(other.get(path), 403, "insufficient-scope")


def test_unknown_ids_are_404_and_no_token_is_401(reader, reported):
    assert_problem(reader.get(f"/api/v1/meter-reading-reports/{reported.pk + 1000}"), 404)
    assert_problem(bearer("gpk_wrong").get(f"/api/v1/meter-reading-reports/{reported.pk}"), 401)
    assert reader.post("/api/v1/meter-reading-reports", {}).status_code == 405

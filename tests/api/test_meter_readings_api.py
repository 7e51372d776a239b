"""The meter readings API: bulk upsert by the utility's metering application, its scope, its problems, its size."""

import datetime
import json
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from integrations.api import meter_readings
from integrations.models import ApiAuditEntry
from tests.api.helpers import assert_problem
from tests.integration_fixtures import bearer
from utilities.models import Meter, MeterReading, ReadingSource, Register, UtilityCustomer

pytestmark = pytest.mark.django_db

URL = "/api/v1/meter-readings"
START = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))


@pytest.fixture
def meters(db):
    customer = UtilityCustomer.objects.create(customer_number="100200", name="Anna Halter")
    return {
        number: Meter.objects.create(
            customer=customer, meter_number=number, medium="electricity", unit="kWh", has_export=number == "E-1001"
        )
        for number in ("E-1001", "E-1002")
    }


@pytest.fixture
def metering(make_application):
    """The utility's metering application: writes meter readings."""
    return bearer(make_application(read=["meter_readings"], write=["meter_readings"], name="Messdaten")[1])


def rows(meter, count, *, start=START, first=Decimal("0.000")):
    return [
        {
            "meter": meter,
            "timestamp": (start + datetime.timedelta(minutes=15 * step)).isoformat(),
            "value": str(first + Decimal("0.125") * step),
        }
        for step in range(count)
    ]


def test_ten_thousand_readings_in_one_request_are_stored(metering, meters):
    body = {"readings": rows("E-1001", 5_000) + rows("E-1002", 5_000, first=Decimal("800.000"))}

    response = metering.post(URL, body, format="json")

    assert response.status_code == 200, response.content
    assert response.json() == {"created": 10_000, "updated": 0, "unchanged": 0}
    assert MeterReading.objects.count() == 10_000
    last = MeterReading.objects.get(meter=meters["E-1002"], timestamp=START + datetime.timedelta(minutes=15 * 4_999))
    assert (last.register, last.value, last.source) == (Register.IMPORT, Decimal("1424.875"), ReadingSource.SMART)
    audit = ApiAuditEntry.objects.get(action="meter_readings.upsert")
    assert (audit.status_code, audit.subject_ref) == (200, "10000 readings")


def test_the_same_body_again_is_unchanged_and_a_corrected_value_is_updated(metering, meters):
    body = {"readings": rows("E-1001", 20)}
    metering.post(URL, body, format="json")

    assert metering.post(URL, body, format="json").json() == {"created": 0, "updated": 0, "unchanged": 20}

    body["readings"][5]["value"] = "0.630"
    body["readings"].append(
        {"meter": "E-1001", "register": "export", "timestamp": START.isoformat(), "value": 3, "source": "estimated"}
    )
    assert metering.post(URL, body, format="json").json() == {"created": 1, "updated": 1, "unchanged": 19}
    assert MeterReading.objects.get(
        register=Register.IMPORT, timestamp=START + datetime.timedelta(minutes=75)
    ).value == (Decimal("0.630"))
    assert MeterReading.objects.get(register=Register.EXPORT).source == ReadingSource.ESTIMATED


def test_invalid_rows_are_a_problem_with_pointers_and_nothing_is_written(metering, meters):
    body = {"readings": rows("E-1001", 5) + rows("E-1002", 3)}
    body["readings"][1]["timestamp"] = "2026-01-01T00:15:00"
    body["readings"][4]["meter"] = "X-1"
    body["readings"][6]["register"] = "export"

    response = metering.post(URL, body, format="json")

    problem = assert_problem(response, 400, "validation-error")
    assert problem["detail"] == "3 row error(s); nothing was written."
    assert [(error["pointer"], error["code"]) for error in problem["errors"]] == [
        ("#/readings/1/timestamp", "timestamp-without-offset"),
        ("#/readings/4/meter", "unknown-meter"),
        ("#/readings/6/register", "no-export-register"),
    ]
    assert not MeterReading.objects.exists()


@pytest.mark.parametrize("body", [{}, {"readings": "E-1001"}, [{"meter": "E-1001"}]], ids=["empty", "text", "list"])
def test_a_body_without_a_list_of_readings_is_refused(metering, meters, body):
    problem = assert_problem(metering.post(URL, body, format="json"), 400, "validation-error")
    assert problem["errors"][0]["pointer"] == "#/readings"


def test_more_readings_than_allowed_are_refused(metering, meters, monkeypatch):
    monkeypatch.setattr(meter_readings, "MAX_ROWS", 10)

    problem = assert_problem(metering.post(URL, {"readings": rows("E-1001", 11)}, format="json"), 400)

    assert problem["errors"][0]["code"] == "max_length"
    assert not MeterReading.objects.exists()


def test_a_body_beyond_the_upload_limit_is_413_even_with_an_idempotency_key(metering, meters, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 50_000
    body = {"readings": rows("E-1001", 1_000)}
    assert len(json.dumps(body)) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    problem = assert_problem(metering.post(URL, body, format="json"), 413, "payload-too-large")
    assert "50,000 bytes" in problem["detail"]
    assert_problem(metering.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="batch-1"), 413, "payload-too-large")
    assert not MeterReading.objects.exists()


@pytest.mark.parametrize(
    ("read", "write"), [([], []), (["meter_readings"], []), (["utility_records"], ["utility_records"])]
)
def test_an_application_without_write_permission_on_meter_readings_gets_403(make_application, meters, read, write):
    client = bearer(make_application(read=read, write=write)[1])

    assert_problem(client.post(URL, {"readings": rows("E-1001", 2)}, format="json"), 403, "insufficient-scope")
    assert not MeterReading.objects.exists()


def test_without_a_token_it_is_401(meters):
    assert_problem(APIClient().post(URL, {"readings": rows("E-1001", 2)}, format="json"), 401)

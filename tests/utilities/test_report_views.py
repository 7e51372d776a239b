"""Reporting a reading in the account: the form, its warning and confirmation, the history, the photo, and 404s."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from integrations.models import Event
from utilities import reporting
from utilities.models import Meter, MeterReading, ReadingReport, ReadingSource, Register

from .conftest import ROLES, login

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return buffer.getvalue()


def png(name="zaehler.png"):
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def days_ago(days):
    return timezone.localdate() - datetime.timedelta(days=days)


def page_url(meter):
    return reverse("utilities:report", args=[meter.pk])


def swiss(day):
    return day.strftime("%d.%m.%Y")


@pytest.fixture
def water(utility_world):
    """The holder's manual water meter, 1 m³ a day: 1000 m³ 400 days ago, 1300 m³ 100 days ago."""
    meter = utility_world["manual"]
    for day, value in ((days_ago(400), "1000"), (days_ago(100), "1300")):
        MeterReading.objects.create(
            meter=meter,
            register=Register.IMPORT,
            timestamp=reporting.reading_time(day),
            value=Decimal(value),
            source=ReadingSource.BILLING,
        )
    return meter


@pytest.fixture
def with_photo(utility_world, water):
    return reporting.report(water, utility_world["holder"], days_ago(1), Decimal("1398"), photo=png())


def post(client, meter, **fields):
    data = {"read_on": timezone.localdate().isoformat(), "value": "1400", "comment": "", **fields}
    return client.post(page_url(meter), data)


@pytest.mark.parametrize("role", ROLES)
def test_the_report_page_and_the_photo_are_only_for_who_sees_the_meter(client, utility_world, with_photo, role):
    login(client, utility_world, role)
    urls = [page_url(utility_world["manual"]), reverse("utilities:report_photo", args=[with_photo.pk])]
    for url in urls:
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302 and "/login/" in response["Location"], url
        elif role == "holder":
            assert response.status_code == 200, url
        else:
            assert response.status_code == 404, (url, role)
    if role not in ("holder", "anonymous"):
        assert post(client, utility_world["manual"], value="1401").status_code == 404
    assert ReadingReport.objects.count() == 1


def test_the_owner_of_an_organisation_reports_for_its_manual_meter_but_a_member_does_not(client, utility_world):
    meter = utility_world["meter_c"]
    Meter.objects.filter(pk=meter.pk).update(kind=Meter.Kind.MANUAL)
    login(client, utility_world, "org_member")
    assert client.get(page_url(meter)).status_code == 404
    login(client, utility_world, "org_owner")

    response = post(client, meter, value="12")

    assert response.status_code == 302
    assert ReadingReport.objects.get().reported_by == utility_world["org_owner"]


def test_a_smart_meter_has_no_report_page(client, utility_world):
    login(client, utility_world, "holder")
    smart = utility_world["smart"]

    response = client.get(page_url(smart))

    assert response.status_code == 404
    assert "smart meter" in response.content.decode()
    assert post(client, smart, value="5").status_code == 404
    assert not ReadingReport.objects.exists()


def test_the_page_offers_today_and_shows_the_readings_so_far(client, utility_world, water):
    login(client, utility_world, "holder")

    page = client.get(page_url(water)).content.decode()

    assert 'name="read_on"' in page and f'value="{timezone.localdate().isoformat()}"' in page
    assert "Readings of meter W-2001, newest first" in page
    assert swiss(days_ago(100)) in page and "1’300" in page and "Read by the utility" in page
    assert 'name="confirm"' not in page


def test_a_plausible_reading_is_saved_with_a_message(client, utility_world, water):
    login(client, utility_world, "holder")

    response = post(client, water, value="1395.5", comment="Abgelesen am Morgen")

    assert response.status_code == 302 and response["Location"] == page_url(water)
    page = client.get(response["Location"]).content.decode()
    assert "Your reading of meter W-2001 has been saved." in page
    assert "1’395.5" in page and "Abgelesen am Morgen" in page and "Reported by the customer" in page
    stored = MeterReading.objects.get(meter=water, source=ReadingSource.SELF_REPORTED)
    assert stored.value == Decimal("1395.5")
    assert Event.objects.filter(type="meter_reading.reported").count() == 1


def test_a_lower_reading_comes_back_with_the_input_and_the_reason(client, utility_world, water):
    login(client, utility_world, "holder")

    response = post(client, water, value="1299", comment="Neu abgelesen")

    page = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in page
    assert "lower than the last one (1’300 m³ on" in page
    assert 'value="1299"' in page and "Neu abgelesen" in page
    assert not ReadingReport.objects.exists()


def test_a_future_date_is_refused_and_the_input_kept(client, utility_world, water):
    login(client, utility_world, "holder")
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()

    page = post(client, water, read_on=tomorrow, value="1401").content.decode()

    assert "The reading date cannot be in the future." in page
    assert f'value="{tomorrow}"' in page and 'value="1401"' in page
    assert not ReadingReport.objects.exists()


def test_a_replaced_meter_may_start_low(client, utility_world, water):
    login(client, utility_world, "holder")

    response = post(client, water, value="2", meter_changed="on")

    assert response.status_code == 302
    assert ReadingReport.objects.get().meter_changed


def test_an_unusual_reading_is_confirmed_with_a_comment(client, utility_world, water):
    login(client, utility_world, "holder")

    first = post(client, water, value="1310", comment="")

    page = first.content.decode()
    assert first.status_code == 200
    assert "Please check this reading" in page and "We expected about 1’400 m³" in page
    assert 'name="confirm"' in page and 'name="warned"' in page and 'value="1310"' in page
    assert not ReadingReport.objects.exists()

    without_comment = post(client, water, value="1310", warned="1", confirm="on").content.decode()
    assert "Please tell us why the consumption is unusual." in without_comment
    assert "We expected about 1’400 m³" in without_comment
    assert not ReadingReport.objects.exists()

    response = post(client, water, value="1310", warned="1", confirm="on", comment="Drei Monate verreist")

    assert response.status_code == 302
    stored = ReadingReport.objects.get()
    assert stored.comment == "Drei Monate verreist" and "We expected about 1’400 m³" in stored.warning


def test_an_unconfirmed_warning_is_asked_again(client, utility_world, water):
    login(client, utility_world, "holder")

    page = post(client, water, value="1310", warned="1", comment="Vergessen anzukreuzen").content.decode()

    assert "Please check this reading" in page and "Vergessen anzukreuzen" in page
    assert not ReadingReport.objects.exists()


def test_the_photo_must_be_an_image_and_is_served_to_the_holder(client, utility_world, water):
    login(client, utility_world, "holder")
    fake = SimpleUploadedFile("zaehler.png", EXE, content_type="image/png")

    refused = client.post(
        page_url(water), {"read_on": timezone.localdate().isoformat(), "value": "1400", "photo": fake}
    )

    assert refused.status_code == 200 and not ReadingReport.objects.exists()
    assert 'role="alert"' in refused.content.decode()
    assert "Upload a valid image" in refused.content.decode()
    renamed = client.post(
        page_url(water), {"read_on": timezone.localdate().isoformat(), "value": "1400", "photo": png("zaehler.jpg")}
    )
    assert "The content of “zaehler.jpg” is not a JPG file." in renamed.content.decode()
    assert not ReadingReport.objects.exists()

    lower = client.post(page_url(water), {"read_on": timezone.localdate().isoformat(), "value": "1", "photo": png()})
    assert "please choose it again" in lower.content.decode()

    saved = client.post(page_url(water), {"read_on": timezone.localdate().isoformat(), "value": "1400", "photo": png()})

    assert saved.status_code == 302
    report = ReadingReport.objects.get()
    page = client.get(page_url(water)).content.decode()
    link = reverse("utilities:report_photo", args=[report.pk])
    assert link in page
    response = client.get(link)
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == png_bytes()


def test_a_report_without_photo_has_no_photo_download(client, utility_world, water):
    login(client, utility_world, "holder")
    created = reporting.report(water, utility_world["holder"], days_ago(1), Decimal("1398"))

    assert client.get(reverse("utilities:report_photo", args=[created.pk])).status_code == 404

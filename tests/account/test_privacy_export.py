"""Download my data: the ZIP holds every record of the person and nothing of anyone else; progress, download
link for the owner only, expiry."""

import datetime
import io
import json
import zipfile

import pytest
from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from account import privacy, privacy_tasks
from account.models import DataExport, Notification
from services.models import Case, CaseStatus
from tests.account.privacy_data import make_case, remove_stored_files, two_residents_sharing_an_organisation, upload

pytestmark = pytest.mark.django_db

Status = DataExport.Status


def en(name, **kwargs):
    with translation.override("en"):
        return reverse(name, kwargs=kwargs or None)


@pytest.fixture(autouse=True)
def _remove_files(db):
    yield
    remove_stored_files()


@pytest.fixture
def people(db):
    return two_residents_sharing_an_organisation()


def export_for(user, django_capture_on_commit_callbacks):
    """Ask for an export like the page does; the job runs at once (django-q2 sync in tests)."""
    with django_capture_on_commit_callbacks(execute=True):
        export, created = privacy.request_export(user)
    assert created
    export.refresh_from_db()
    return export


def open_zip(export):
    with export.file.open("rb") as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


def read_json(archive, name):
    return json.loads(archive.read(name).decode())


def whole_text(archive):
    return "\n".join(archive.read(name).decode("utf-8", errors="replace") for name in archive.namelist())


@pytest.fixture
def anna_export(people, django_capture_on_commit_callbacks):
    export = export_for(people["anna"].user, django_capture_on_commit_callbacks)
    return export, open_zip(export)


def test_the_export_is_ready_with_progress_at_100_and_a_readme(people, anna_export):
    export, archive = anna_export

    assert export.status == Status.READY
    assert export.progress == 100
    assert export.size == export.file.size > 0
    assert export.expires_at.date() == (export.finished_at + datetime.timedelta(days=7)).date()
    readme = archive.read("README.txt").decode()
    # In the person's language (English here), naming every JSON file of the archive.
    assert "This file explains the files in this ZIP archive" in readme
    for name in archive.namelist():
        if name.endswith(".json"):
            assert name in readme
    notice = Notification.objects.get(user=people["anna"].user, title="Your data is ready to download")
    assert notice.url == "/en/account/privacy/"


def test_every_record_of_the_person_is_in_the_export(people, anna_export):
    _export, archive = anna_export
    anna = people["anna"]
    user = anna.user

    profile = read_json(archive, "profile.json")
    assert profile["email"] == user.email
    assert profile["first_name"] == "Anna" and profile["last_name"] == "Aebischer"
    assert profile["ahv_number"] == "756.1234.5678.97"
    assert (profile["street"], profile["house_number"], profile["postcode"], profile["town"]) == (
        "Aebischerweg",
        "7",
        "9999",
        "Musterwil",
    )
    assert profile["date_of_birth"] == "1980-05-17" and profile["phone"] == user.phone
    assert profile["language"]["code"] == "en"
    assert profile["assurance_level"]["code"] == str(user.assurance_level)
    assert profile["login_notifications"] is True
    assert "password" not in profile

    assert {e["email"] for e in read_json(archive, "email_addresses.json")} == set(
        EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    )
    two_factor = read_json(archive, "two_factor.json")
    assert [a["type"]["code"] for a in two_factor] == ["totp"]
    sessions = read_json(archive, "sessions.json")
    assert [(s["ip"], s["user_agent"]) for s in sessions] == list(
        UserSession.objects.filter(user=user).values_list("ip", "user_agent")
    )
    assert [d["device"] for d in read_json(archive, "known_devices.json")] == ["Gerät anna"]

    memberships = read_json(archive, "memberships.json")
    assert memberships == [
        {
            "organisation": "Turnverein Beispielwil",
            "kind": {"code": "association", "label": "Association"},
            "uid": "CHE-123.456.788",
            "role": {"code": "member", "label": "Member"},
            "member_since": memberships[0]["member_since"],
        }
    ]
    invitations = read_json(archive, "invitations.json")
    assert [i["email"] for i in invitations["received"]] == [user.email]
    assert [i["organisation"] for i in invitations["sent"]] == ["Turnverein Beispielwil"]

    notifications = read_json(archive, "notifications.json")["notifications"]
    assert sorted(n["title"] for n in notifications) == sorted(
        Notification.objects.filter(user=user)
        .exclude(title="Your data is ready to download")
        .values_list("title", flat=True)
    )

    exported_cases = {c["reference"]: c for c in read_json(archive, "cases.json")}
    assert set(exported_cases) == {anna.personal_case.reference, anna.organisation_case.reference}
    personal = exported_cases[anna.personal_case.reference]
    assert personal["answers"] == anna.personal_case.data
    assert personal["questions"] == anna.personal_case.fields_snapshot
    assert personal["owner"] == {"type": "person"}
    assert personal["status"]["code"] == CaseStatus.SUBMITTED
    assert [(m["from"], m["text"]) for m in personal["messages"]] == [
        ("administration", anna.texts[0]),
        ("you", anna.texts[1]),
    ]
    assert [e["kind"]["code"] for e in personal["timeline"]] == ["message", "message"]
    assert [p["amount_chf"] for p in personal["payments"]] == ["25.00"]
    organisation_case = exported_cases[anna.organisation_case.reference]
    assert organisation_case["owner"]["name"] == "Turnverein Beispielwil"
    assert [m["text"] for m in organisation_case["messages"]] == [anna.texts[2]]

    # Every document of hers is listed and its file is in the archive, byte for byte.
    listed = {d["file_name"]: d["file"] for c in exported_cases.values() for d in c["documents"]}
    assert set(listed) == {d.filename for d in anna.documents}
    for document in anna.documents:
        path = listed[document.filename]
        assert path == f"documents/{document.case.reference}/{document.filename}"
        with document.file.open("rb") as stored:
            assert archive.read(path) == stored.read()

    assert [p["number"] for p in read_json(archive, "parking_permits.json")] == ["PK-2026-0101"]
    certificates = read_json(archive, "certificates.json")
    assert [c["certified_data"]["name"] for c in certificates] == ["Anna Aebischer"]
    tax = read_json(archive, "tax_accounts.json")
    assert [a["taxpayer_number"] for a in tax] == ["MW-2026-100077"]
    assert [e["amount_chf"] for e in tax[0]["entries"]] == ["1200.00"]
    assert [d["file_name"] for d in tax[0]["documents"]] == ["steuerrechnung-2026.pdf"]
    assert [a["address"]["street"] for a in read_json(archive, "activation_letters.json")] == ["Aebischerweg"]
    assert [(s["provider"], s["uid"]) for s in read_json(archive, "e_id_logins.json")] == [
        ("swissid", "anna-swissid-4711")
    ]
    assert [e["status"]["code"] for e in read_json(archive, "data_exports.json")] == [Status.RUNNING]


def test_nothing_of_anyone_else_is_in_the_export(people, anna_export):
    _export, archive = anna_export
    bruno = people["bruno"]
    text = whole_text(archive)

    others = [
        bruno.user.email,
        "Bruno",
        "Zwyssig",
        bruno.user.ahv_number,
        bruno.personal_case.reference,
        bruno.organisation_case.reference,
        "Browser-bruno",
        "Gerät bruno",
        "Hallo bruno",
        "someone.else@example.org",  # the address Anna invited
        "Clara",  # the clerk who wrote to her
        "Kanzlei",
        *[d.filename for d in bruno.documents],  # including the file Bruno added to Anna's organisation case
        *bruno.texts,  # including Bruno's message in Anna's organisation case
    ]
    for value in others:
        assert value not in text, f"{value!r} of someone else is in the export"
    # Secrets are never exported, not even the person's own.
    assert "TOTPSECRETANNA" not in text
    assert "session-anna" not in text


def test_the_other_members_export_holds_nothing_of_the_first(people, django_capture_on_commit_callbacks):
    anna = people["anna"]
    text = whole_text(open_zip(export_for(people["bruno"].user, django_capture_on_commit_callbacks)))

    for value in [anna.user.email, "Aebischer", anna.user.ahv_number, anna.personal_case.reference, *anna.texts]:
        assert value not in text, f"{value!r} of Anna is in Bruno's export"
    assert "plan-anna.pdf" not in text and "verein-anna.pdf" not in text


def test_progress_is_reported_while_the_export_is_built(people, django_capture_on_commit_callbacks):
    seen = []

    def watch(user):
        seen.append(DataExport.objects.get(user=user, status=Status.RUNNING).progress)
        return []

    privacy.register(privacy.PrivacyArea("zz_watch", "watch", "watch", watch, order=10_000))
    try:
        export = export_for(people["anna"].user, django_capture_on_commit_callbacks)
    finally:
        privacy.unregister("zz_watch")

    # The last area sees the work of all the others recorded, and the finished export is at 100.
    assert 80 < seen[0] < 100
    assert export.progress == 100


def test_collecting_uses_a_bounded_number_of_queries(people):
    user = people["anna"].user
    with CaptureQueriesContext(connection) as few:
        privacy.collect(user)
    for number in range(12):
        case = make_case(user, title=f"Weiteres Gesuch {number}")
        upload(case, f"beilage-{number}.pdf", by=user)
        Case.objects.filter(pk=case.pk).update(data={"n": number})
    with CaptureQueriesContext(connection) as many:
        data = privacy.collect(user)

    assert len(data["cases"]) == 14
    assert len(many.captured_queries) == len(few.captured_queries)


def test_only_one_export_is_prepared_at_a_time(client, people):
    user = people["anna"].user
    client.force_login(user)

    first = client.post(en("useraccount:privacy_export"), follow=True)
    second = client.post(en("useraccount:privacy_export"), follow=True)

    assert DataExport.objects.filter(user=user).count() == 1
    assert "Your data is being collected." in first.content.decode()
    assert "already being collected" in second.content.decode()


def test_a_stuck_export_does_not_block_a_new_one(people):
    user = people["anna"].user
    stuck = DataExport.objects.create(user=user, status=Status.RUNNING, progress=30)
    DataExport.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - datetime.timedelta(hours=2))

    export, created = privacy.request_export(user)

    assert created and export.pk != stuck.pk
    stuck.refresh_from_db()
    assert stuck.status == Status.FAILED


def test_the_page_shows_the_progress_and_the_status_endpoint_reports_it(client, people):
    user = people["anna"].user
    export = DataExport.objects.create(user=user, status=Status.RUNNING, progress=40)
    client.force_login(user)

    soup = BeautifulSoup(client.get(en("useraccount:privacy")).content.decode(), "html.parser")

    nav = soup.select_one("nav.side-nav a[aria-current=page]")
    assert nav.get_text(strip=True) == "Privacy"
    progress = soup.select_one("progress")
    assert progress["value"] == "40" and progress["max"] == "100"
    assert "Being prepared: 40 %" in soup.select_one("[data-export-text]").get_text()
    assert soup.find("button", string="Download my data").has_attr("disabled")
    # Without JavaScript a plain link shows the progress again.
    assert soup.find("a", string="Reload this page to see the progress")["href"] == en("useraccount:privacy")
    assert soup.find("script", src="/static/js/privacy.js")

    status = client.get(en("useraccount:privacy_status", token=export.token)).json()
    assert status == {
        "status": "running",
        "label": "Being prepared",
        "progress": 40,
        "text": "Being prepared: 40 %",
        "download_url": None,
    }


def test_only_the_owner_downloads_and_only_until_expiry(client, people, anna_export):
    export, _archive = anna_export
    download = en("useraccount:privacy_download", token=export.token)
    status = en("useraccount:privacy_status", token=export.token)

    client.force_login(people["anna"].user)
    response = client.get(download)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-')
    assert zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).read("README.txt")
    assert client.get(status).json()["download_url"] == download
    page = BeautifulSoup(client.get(en("useraccount:privacy")).content.decode(), "html.parser")
    assert page.find("a", href=download)

    client.force_login(people["bruno"].user)
    assert client.get(download).status_code == 404
    assert client.get(status).status_code == 404

    client.logout()
    assert client.get(download).status_code == 302  # to the login page

    # Past its date the link is gone at once, even before the daily job has removed the file.
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    client.force_login(people["anna"].user)
    assert client.get(download).status_code == 404


def test_the_expiry_job_removes_the_file_and_can_run_twice(people, anna_export):
    export, _archive = anna_export
    storage, name = export.file.storage, export.file.name
    fresh = DataExport.objects.create(
        user=people["bruno"].user, status=Status.READY, expires_at=timezone.now() + datetime.timedelta(days=3)
    )
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))

    assert privacy_tasks.expire_exports() == 1
    assert privacy_tasks.expire_exports() == 0

    export.refresh_from_db()
    assert export.status == Status.EXPIRED and not export.file and export.size == 0
    assert not storage.exists(name)
    fresh.refresh_from_db()
    assert fresh.status == Status.READY


def test_the_job_builds_each_export_once(people, anna_export):
    export, _archive = anna_export
    name = export.file.name

    assert privacy_tasks.build_data_export(export.pk) is False

    export.refresh_from_db()
    assert export.file.name == name and export.status == Status.READY


def test_a_failed_job_says_so_and_keeps_no_file(people, django_capture_on_commit_callbacks):
    def broken(user):
        raise RuntimeError("disk full")

    privacy.register(privacy.PrivacyArea("zz_broken", "broken", "broken", broken, order=10_000))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            export, _created = privacy.request_export(people["anna"].user)
    finally:
        privacy.unregister("zz_broken")

    export.refresh_from_db()
    assert export.status == Status.FAILED and export.error == "RuntimeError" and not export.file
    # The person can ask again at once.
    assert privacy.request_export(people["anna"].user)[1] is True

"""Issue 6: a resident downloads their data (the progress refreshes itself) and then deletes the account."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from account.models import DataExport, User
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _remove_files():
    yield
    for export in DataExport.objects.exclude(file=""):
        export.file.delete(save=False)


def test_the_progress_refreshes_itself_and_the_file_downloads(page, site_url):
    person = UserFactory(language="en", first_name="Paula", last_name="Privat")
    running = DataExport.objects.create(user=person, status=DataExport.Status.RUNNING, progress=10)
    log_in(page, site_url, person.email, PASSWORD)
    page.goto(f"{site_url}/en/account/privacy/")
    progress = page.locator("main progress")
    expect(progress).to_have_attribute("value", "10")
    expect(page.get_by_role("button", name="Download my data")).to_be_disabled()

    # The job moves on: the page shows it without a reload, and reloads itself once the file is ready.
    DataExport.objects.filter(pk=running.pk).update(progress=60)
    expect(progress).to_have_js_property("value", 60)
    running.file.save("ready.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18))
    DataExport.objects.filter(pk=running.pk).update(
        status=DataExport.Status.READY, progress=100, expires_at=running.created_at.replace(year=2999)
    )
    expect(page.locator("main a", has_text="Download")).to_be_visible()

    # A new export is built by the job (synchronous in tests) and downloaded as a ZIP with its README.
    page.get_by_role("button", name="Download my data").click()
    newest = page.locator("main tbody tr").first.locator("a", has_text="Download")
    with page.expect_download() as download:
        newest.click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert "README.txt" in archive.namelist() and "profile.json" in archive.namelist()
    assert b"Paula" in archive.read("profile.json")


def test_delete_the_account_after_entering_the_password_again(page, site_url):
    person = UserFactory(language="en", first_name="Dora", last_name="Delete")
    log_in(page, site_url, person.email, PASSWORD)
    page.goto(f"{site_url}/en/account/privacy/")
    page.get_by_role("link", name="Delete my account…").click()

    page.fill("input[type=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page.get_by_role("heading", name="What stays, and why")).to_be_visible()
    page.get_by_label("Yes, delete my account. I know this cannot be undone.").check()
    page.get_by_role("button", name="Delete my account").click()

    expect(page.locator(".messages")).to_contain_text("Your account has been deleted")
    expect(page.locator(".login-widget a[href*='/auth/login/']")).to_be_visible()
    assert not User.objects.filter(pk=person.pk).exists()

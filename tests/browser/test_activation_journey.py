"""Issue 5, assurance levels: a resident requests an activation letter, a clerk prints it, the resident enters
the code from the PDF and can then use a service that requires a verified postal address."""

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from account.models import ActivationLetter, AssuranceLevel
from tests.account.test_activation import CODE_RE, pdf_text
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_resident_raises_the_level_with_an_activation_letter(page, browser, site_url):
    resident = UserFactory(
        email="rita.letter@example.org",
        first_name="Rita",
        last_name="Muster",
        street="Dorfstrasse",
        house_number="12",
        postcode="9999",
        town="Musterwil",
        assurance_level=AssuranceLevel.EMAIL,
    )
    clerk = UserFactory(email="clerk.letter@example.org", is_staff=True)
    clerk.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        Permission.objects.get(codename="change_activationletter"),
    )

    # The resident finds the verification from the dashboard and requests the letter.
    log_in(page, site_url, resident.email, PASSWORD)
    page.goto(f"{site_url}/account/")
    page.locator("main a[href$='/account/verification/']").first.click()
    request_form = page.locator("form[action$='/verification/letter/']")
    expect(request_form.locator("address")).to_contain_text("Dorfstrasse 12")
    request_form.locator("button[type=submit]").click()
    letter = ActivationLetter.objects.get(user=resident)
    expect(page.locator("main address").first).to_contain_text("9999 Musterwil")
    expect(page.locator("#id_code")).to_have_count(0)  # no code before the letter is printed

    # The clerk prints it in the back office; the code is only in the PDF.
    office = browser.new_context()
    clerk_page = office.new_page()
    log_in(clerk_page, site_url, clerk.email, PASSWORD)
    clerk_page.goto(f"{site_url}/admin/activation-letters/")
    row = clerk_page.locator(f"#letter-{letter.pk}")
    expect(row).to_contain_text("Dorfstrasse 12")
    # The "Print letter" button posts the table's form to a new tab, where Chromium's PDF viewer hides the bytes;
    # the same POST is sent through the clerk's browser session (cookies, CSRF token of the form).
    form = clerk_page.locator("form[action$='/activation-letters/print/']")
    expect(row.locator("button[name=only]")).to_have_attribute("value", str(letter.pk))
    token = form.locator("input[name=csrfmiddlewaretoken]").input_value()
    response = clerk_page.request.post(
        f"{site_url}/admin/activation-letters/print/",
        form={"csrfmiddlewaretoken": token, "only": str(letter.pk)},
        headers={"Referer": clerk_page.url},
    )
    assert response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    assert pdf.startswith(b"%PDF")
    match = CODE_RE.search(pdf_text(pdf))
    code = f"{match.group(1)}-{match.group(2)}"
    office.close()

    # The resident enters the code: the level is now "postal address verified".
    page.reload()
    page.fill("#id_code", code.lower())
    page.locator("form[action$='/verification/code/'] button[type=submit]").click()
    expect(page.locator("main")).to_contain_text(str(AssuranceLevel.ADDRESS.label))
    resident.refresh_from_db()
    assert resident.assurance_level == AssuranceLevel.ADDRESS
    expect(page.locator("form[action$='/verification/letter/']")).to_have_count(0)

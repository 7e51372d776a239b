"""The main account journeys as a person walks them in a browser."""

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from playwright.sync_api import expect

from account.demo_users import DEMO_PASSWORD, ensure_demo_organisations, ensure_demo_users
from account.models import Membership
from tests.browser.conftest import link_in_last_mail, log_in, log_out
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_sign_up_verify_log_in_and_see_the_dashboard(page, site_url, outbox):
    page.goto(f"{site_url}/auth/signup/")
    page.fill("#id_first_name", "Nora")
    page.fill("#id_last_name", "Neuzuzug")
    page.fill("#id_email", "nora@example.org")
    page.fill("#id_password1", "a-very-good-password-7")
    page.fill("#id_password2", "a-very-good-password-7")
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/auth/confirm-email/$"))

    page.goto(link_in_last_mail(r"/auth/confirm-email/", to="nora@example.org"))
    page.locator("main form button[type=submit]").first.click()
    # Confirming logs the new resident in; log out to prove the password works too.
    expect(page.locator("h1")).to_contain_text("Nora")
    log_out(page)

    log_in(page, site_url, "nora@example.org", "a-very-good-password-7")
    expect(page).to_have_url(f"{site_url}/account/")
    expect(page.locator("h1")).to_contain_text("Nora")
    expect(page.locator(".login-widget")).to_be_visible()


def test_association_owner_invites_a_member_who_accepts(page, site_url, outbox, browser):
    users = ensure_demo_users()
    organisations = ensure_demo_organisations(users)
    club = organisations["Turnverein Musterwil"]
    invitee = UserFactory(email="neues.mitglied@example.org", first_name="Nina", last_name="Neumitglied")

    log_in(page, site_url, "association@musterwil.example", DEMO_PASSWORD)
    page.select_option("#acting-context", str(club.pk))
    page.locator(".context-switch button[type=submit]").click()
    expect(page.locator("#acting-context")).to_have_value(str(club.pk))
    expect(page.locator(".login-widget__who")).to_contain_text("Turnverein Musterwil")

    page.goto(f"{site_url}/account/organisations/{club.pk}/")
    page.fill("#id_email", invitee.email)
    page.select_option("#id_role", "member")
    page.locator("form[action$='/invite/'] button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text(invitee.email)

    invitation_link = link_in_last_mail(r"/account/invitations/", to=invitee.email)
    other = browser.new_context()
    member_page = other.new_page()
    log_in(member_page, site_url, invitee.email, PASSWORD)
    member_page.goto(invitation_link)
    member_page.locator("main form button[type=submit]").click()
    expect(member_page.locator("h1")).to_have_text("Turnverein Musterwil")
    expect(member_page.locator(".login-widget__who")).to_contain_text("Turnverein Musterwil")
    other.close()
    assert Membership.objects.get(user=invitee, organisation=club).role == "member"


def current_totp(secret):
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_enable_totp_and_log_in_with_a_code(page, site_url):
    user = UserFactory(email="vorsichtig@example.org")
    log_in(page, site_url, user.email, PASSWORD)
    page.goto(f"{site_url}/auth/2fa/totp/activate/")
    # Turning on 2FA is a sensitive change: the password is asked for again.
    expect(page).to_have_url(re.compile(r"/auth/reauthenticate/"))
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/auth/2fa/totp/activate/$"))
    secret = page.locator("#authenticator_secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret)
    page.fill("#id_code", current_totp(secret))
    page.locator("main form button[type=submit]").first.click()
    expect(page).not_to_have_url(re.compile(r"/totp/activate"))
    assert user.authenticator_set.filter(type="totp").exists()

    log_out(page)
    log_in(page, site_url, user.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/auth/2fa/authenticate/"))
    page.fill("#id_code", current_totp(secret))
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(f"{site_url}/account/")

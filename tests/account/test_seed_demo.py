"""The demo municipality: every account of DESIGN.md section 8 can log in, and seeding twice changes nothing."""

import pytest
from allauth.idp.oidc.models import Client
from django.core.management import CommandError, call_command

from account.demo_clients import DEMO_CLIENT_ID, DEMO_REDIRECT_URI
from account.demo_users import DEMO_PASSWORD, DEMO_USERS, demo_email
from account.models import Membership, Organisation, User
from integrations.demo_content import DEMO_SLUG, DEMO_TOKEN
from integrations.models import SpecialistApplication
from schools.demo_families import FAMILIES

pytestmark = pytest.mark.django_db


def test_seed_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=False"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_is_idempotent_and_every_demo_user_can_log_in(client, settings):
    settings.DEBUG = False
    call_command("seed_demo", "--force")
    call_command("seed_demo", "--force")
    # The demo users, the demo parent's second child (made by the school records) and the other school families.
    assert User.objects.count() == len(DEMO_USERS) + 1 + 2 * len(FAMILIES)
    assert Organisation.objects.count() == 2
    club = Organisation.objects.get(name="Turnverein Musterwil")
    assert club.memberships.get(role="owner").user.email == "association@musterwil.example"
    business = Organisation.objects.get(name="Muster Bau AG")
    assert Membership.objects.get(organisation=business, user__email="business@musterwil.example").role == "admin"
    assert User.objects.get(email="admin@musterwil.example").is_superuser
    demo_application = SpecialistApplication.objects.get(slug=DEMO_SLUG)
    assert demo_application.tokens.count() == 1 and demo_application.endpoints.get().is_active is False
    demo_cases = client.get("/api/v1/cases", headers={"authorization": f"Bearer {DEMO_TOKEN}"})
    assert demo_cases.status_code == 200 and demo_cases.json()["results"], "the demo application sees the demo cases"
    login_client = Client.objects.get()
    assert (login_client.id, login_client.type) == (DEMO_CLIENT_ID, Client.Type.PUBLIC)
    assert login_client.get_redirect_uris() == [DEMO_REDIRECT_URI]
    assert "portal" in login_client.get_scopes()

    for key in DEMO_USERS:
        client.logout()
        response = client.post("/auth/login/", {"login": demo_email(key), "password": DEMO_PASSWORD})
        assert response.status_code == 302, key
        assert response.url == "/account/", key


def test_seeded_site_serves_the_home_page(client, settings):
    settings.DEBUG = False
    call_command("seed_demo", "--force")
    html = client.get("/").content.decode()
    assert "Gemeinde Musterwil" in html
    assert "Verwaltung" in html

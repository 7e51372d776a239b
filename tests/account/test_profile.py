"""The profile page: editing my data, keeping input on errors."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

VALID = {
    "first_name": "Rita",
    "last_name": "Muster",
    "date_of_birth": "12.04.1985",
    "phone": "+41 79 000 00 01",
    "street": "Dorfstrasse",
    "house_number": "12",
    "postcode": "9999",
    "town": "Musterwil",
    "country": "CH",
    "language": "de",
    "ahv_number": "7561234567897",
}


def test_profile_is_saved_and_normalised(client, user):
    client.force_login(user)
    response = client.post(reverse("useraccount:profile"), VALID, follow=True)
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.ahv_number == "756.1234.5678.97"
    assert user.date_of_birth.isoformat() == "1985-04-12"
    assert user.address_lines == ["Dorfstrasse 12", "9999 Musterwil"]


def test_invalid_values_keep_everything_typed(client, user):
    client.force_login(user)
    data = {**VALID, "postcode": "99", "ahv_number": "756.0000.0000.00"}
    response = client.post(reverse("useraccount:profile"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="Dorfstrasse"' in html and 'value="99"' in html and 'value="756.0000.0000.00"' in html
    assert 'href="#id_postcode"' in html and 'href="#id_ahv_number"' in html
    user.refresh_from_db()
    assert user.street == ""


def test_foreign_postcodes_are_accepted(client, user):
    client.force_login(user)
    client.post(reverse("useraccount:profile"), {**VALID, "postcode": "78462", "town": "Konstanz", "country": "de"})
    user.refresh_from_db()
    assert (user.postcode, user.country) == ("78462", "DE")


def test_dashboard_shows_the_account_section_and_registered_sections(client, user):
    from account import dashboard

    dashboard.register(
        dashboard.DashboardSection(
            key="test-section",
            title="Testbereich",
            template="account/dashboard/account_section.html",
            order=1,
            get_context=lambda request: {"user": request.user, "mfa_enabled": False, "open_invitations": []},
        )
    )
    try:
        client.force_login(user)
        html = client.get(reverse("useraccount:dashboard")).content.decode()
        assert "Testbereich" in html
        assert html.index("Testbereich") < html.index('id="dashboard-account"')
    finally:
        dashboard.unregister("test-section")

"""Raising the assurance level: activation letters (address) and the counter check (identity)."""

import base64
import contextlib
import re
import zlib
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.users.models import UserProfile

from account import activation
from account.models import ActivationLetter, AssuranceLevel, Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADDRESS = {"street": "Dorfstrasse", "house_number": "12", "postcode": "9999", "town": "Musterwil"}
CODE_RE = re.compile(r"\b([A-Z0-9]{5})-([A-Z0-9]{5})\b")


@pytest.fixture(autouse=True)
def english(client):
    """Pages and messages in the English source strings (German is added later by the lead)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def resident(**extra):
    fields = {
        "assurance_level": AssuranceLevel.EMAIL,
        "first_name": "Rita",
        "last_name": "Muster",
        "language": "en",  # the account's language wins over the cookie once logged in
        **ADDRESS,
    }
    fields.update(extra)
    return UserFactory(**fields)


def clerk_user(*, permission=True):
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    if permission:
        clerk.user_permissions.add(Permission.objects.get(codename="change_activationletter"))
    # The Wagtail admin speaks the staff member's own language.
    UserProfile.objects.update_or_create(user=clerk, defaults={"preferred_language": "en"})
    return clerk


def pdf_text(pdf):
    """The text drawn in a PDF of home/pdf.py (built-in fonts: the strings are in the page streams)."""
    text = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\n?endstream", pdf, re.S):
        data = match.group(1)
        if data.rstrip().endswith(b"~>"):  # reportlab: ASCII85 around Flate
            data = base64.a85decode(re.sub(rb"\s", b"", data)[:-2])
        with contextlib.suppress(zlib.error):
            data = zlib.decompress(data)
        text.extend(part.decode("latin-1") for part in re.findall(rb"\((.*?)\)\s*Tj", data))
    return " ".join(text)


def print_via_admin(client, clerk, letter):
    client.force_login(clerk)
    response = client.post(reverse("useraccount_activation:print"), {"only": letter.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    match = CODE_RE.search(pdf_text(response.content))
    assert match, "the code is printed on the letter"
    return match.group(1) + match.group(2), response


# --- requesting ---------------------------------------------------------------------------------------------


def test_request_needs_a_complete_address_and_names_what_is_missing(client):
    user = resident(street="", postcode="")
    with pytest.raises(activation.ActivationError) as error:
        activation.request_letter(user)
    assert error.value.missing == ["street", "postcode"]

    client.force_login(user)
    response = client.post(reverse("useraccount:verification_request"), follow=True)
    assert "Please complete your postal address" in response.text
    assert "street, postcode" in response.text
    assert not ActivationLetter.objects.exists()


def test_request_needs_a_verified_email():
    user = resident(assurance_level=AssuranceLevel.NONE)
    with pytest.raises(activation.ActivationError, match="e-mail"):
        activation.request_letter(user)


def test_request_makes_one_open_letter_without_a_usable_code(client):
    user = resident()
    client.force_login(user)
    page = client.get(reverse("useraccount:verification"))
    assert "Request activation letter" in page.text
    assert "Dorfstrasse 12" in page.text

    response = client.post(reverse("useraccount:verification_request"), follow=True)
    assert "Your activation letter has been requested" in response.text
    letter = ActivationLetter.objects.get(user=user)
    assert letter.printed_at is None
    assert letter.address["street"] == "Dorfstrasse"
    assert letter.code_digest.startswith("!")  # unusable until printed
    assert "Requested on" in response.text

    # Asking again gives the same letter.
    again, created = activation.request_letter(user)
    assert (again, created) == (letter, False)
    assert ActivationLetter.objects.count() == 1


def test_a_changed_address_voids_the_open_letter():
    user = resident()
    first, _ = activation.request_letter(user)
    user.street, user.house_number = "Bahnhofstrasse", "3"
    user.save()
    second, created = activation.request_letter(user)
    assert created and second != first
    first.refresh_from_db()
    assert first.expires_at <= timezone.now()
    assert activation.open_letter(user) == second
    assert second.address["street"] == "Bahnhofstrasse"


# --- printing -----------------------------------------------------------------------------------------------


def test_clerk_prints_the_letter_and_only_the_hash_is_stored(client):
    user = resident()
    letter, _ = activation.request_letter(user)
    clerk = clerk_user()

    client.force_login(clerk)
    listing = client.get(reverse("useraccount_activation:letters"))
    assert listing.status_code == 200
    assert "Rita Muster" in listing.text and "Dorfstrasse 12" in listing.text

    code, response = print_via_admin(client, clerk, letter)
    text = pdf_text(response.content)
    assert "Dorfstrasse 12" in text and "9999 Musterwil" in text
    assert "/account/verification/" in text
    assert "no-store" in response["Cache-Control"]

    letter.refresh_from_db()
    assert letter.printed_by == clerk and letter.printed_at is not None
    assert letter.expires_at.date() == (letter.printed_at + timedelta(days=60)).date()
    assert len(code) == 10 and set(code) <= set(activation.ALPHABET)
    # Only the hash is in the database, in no column and no log.
    assert code not in letter.code_digest and letter.code_digest.startswith("md5$")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM useraccount_activationletter")
        assert code not in repr(cursor.fetchall())
    from wagtail.models import ModelLogEntry

    assert ModelLogEntry.objects.filter(action=activation.LOG_LETTER_PRINTED).exists()
    assert code not in repr(list(ModelLogEntry.objects.values()))


def test_several_letters_print_as_one_pdf(client):
    letters = [activation.request_letter(resident())[0] for _ in range(3)]
    clerk = clerk_user()
    client.force_login(clerk)
    response = client.post(reverse("useraccount_activation:print"), {"letters": [letter.pk for letter in letters]})
    assert response.content.startswith(b"%PDF")
    assert len(CODE_RE.findall(pdf_text(response.content))) == 3
    assert ActivationLetter.objects.filter(printed_at__isnull=False).count() == 3


def test_printing_again_makes_a_new_code_and_the_old_one_stops_working(client):
    user = resident()
    letter, _ = activation.request_letter(user)
    clerk = clerk_user()
    old, _ = print_via_admin(client, clerk, letter)
    new, _ = print_via_admin(client, clerk, letter)
    assert old != new
    with pytest.raises(activation.ActivationError):
        activation.confirm_code(user, old)
    activation.confirm_code(user, new)
    user.refresh_from_db()
    assert user.assurance_level == AssuranceLevel.ADDRESS


# --- entering the code --------------------------------------------------------------------------------------


def test_resident_enters_the_code_once(client):
    user = resident()
    letter, _ = activation.request_letter(user)
    code, _ = print_via_admin(client, clerk_user(), letter)

    client.force_login(user)
    # The admin request left its own language active in this thread; the resident's pages are the /en/ ones.
    translation.activate("en")
    page = client.get(reverse("useraccount:verification"))
    assert "Enter your activation code" in page.text
    typed = f"{code[:5].lower()} {code[5:]}"  # lower case with a space is fine
    response = client.post(reverse("useraccount:verification_code"), {"code": typed}, follow=True)
    assert "Your postal address is now verified" in response.text
    user.refresh_from_db()
    letter.refresh_from_db()
    assert user.assurance_level == AssuranceLevel.ADDRESS
    assert letter.used_at is not None
    assert Notification.objects.filter(user=user, kind="account", title__contains="postal address").exists()

    # Single use.
    with pytest.raises(activation.ActivationError, match="no activation letter"):
        activation.confirm_code(user, code)


def test_the_level_is_never_lowered():
    user = resident(assurance_level=AssuranceLevel.EMAIL)
    letter, _ = activation.request_letter(user)
    [(letter, code)] = activation.print_letters([letter], clerk=clerk_user())
    user.assurance_level = AssuranceLevel.IDENTITY  # verified at the counter in the meantime
    user.save()
    activation.confirm_code(user, code)
    user.refresh_from_db()
    assert user.assurance_level == AssuranceLevel.IDENTITY


def test_an_expired_code_is_refused(client):
    user = resident()
    letter, _ = activation.request_letter(user)
    [(letter, code)] = activation.print_letters([letter], clerk=clerk_user())
    ActivationLetter.objects.filter(pk=letter.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(activation.ActivationError, match="expired"):
        activation.confirm_code(user, code)
    user.refresh_from_db()
    assert user.assurance_level == AssuranceLevel.EMAIL
    client.force_login(user)
    assert "expired on" in client.get(reverse("useraccount:verification")).text


def test_five_wrong_codes_lock_the_letter(client):
    user = resident()
    letter, _ = activation.request_letter(user)
    [(letter, code)] = activation.print_letters([letter], clerk=clerk_user())
    client.force_login(user)
    for attempt in range(activation.MAX_ATTEMPTS - 1):
        response = client.post(reverse("useraccount:verification_code"), {"code": "AAAAA-AAAAA"})
        assert response.status_code == 400
        assert "This code is not correct" in response.text
        assert f"{activation.MAX_ATTEMPTS - attempt - 1} attempts left" in response.text
    response = client.post(reverse("useraccount:verification_code"), {"code": "AAAAA-AAAAA"}, follow=True)
    assert "The letter is now locked" in response.text
    letter.refresh_from_db()
    assert letter.failed_attempts == 5
    with pytest.raises(activation.ActivationError, match="locked"):
        activation.confirm_code(user, code)  # even the right code
    user.refresh_from_db()
    assert user.assurance_level == AssuranceLevel.EMAIL
    page = client.get(reverse("useraccount:verification")).text
    assert "locked" in page and "Request activation letter" in page
    # A new letter can be requested; the locked one is void.
    new, created = activation.request_letter(user)
    assert created and new != letter


def test_another_persons_code_is_useless():
    alice, bob = resident(), resident()
    clerk = clerk_user()
    [(_, alice_code)] = activation.print_letters([activation.request_letter(alice)[0]], clerk=clerk)
    activation.print_letters([activation.request_letter(bob)[0]], clerk=clerk)
    with pytest.raises(activation.ActivationError, match="not correct"):
        activation.confirm_code(bob, alice_code)
    bob.refresh_from_db()
    assert bob.assurance_level == AssuranceLevel.EMAIL
    # A person without a letter cannot use it either.
    with pytest.raises(activation.ActivationError, match="no activation letter"):
        activation.confirm_code(resident(), alice_code)


def test_a_code_does_not_prove_an_address_changed_after_posting():
    user = resident()
    [(_, code)] = activation.print_letters([activation.request_letter(user)[0]], clerk=clerk_user())
    user.town = "Anderswil"
    user.save()
    with pytest.raises(activation.ActivationError, match="address has changed"):
        activation.confirm_code(user, code)


# --- at the counter -----------------------------------------------------------------------------------------


def test_counter_verification_sets_identity_and_records_the_clerk(client):
    user = resident(email="rita.muster@example.org")
    clerk = clerk_user()
    client.force_login(clerk)
    found = client.get(reverse("useraccount_activation:counter"), {"q": "rita.muster"})
    assert "rita.muster@example.org" in found.text
    confirm_url = reverse("useraccount_activation:counter_confirm", args=[user.pk])
    assert confirm_url in found.text
    assert "Yes, identity checked" in client.get(confirm_url).text
    user.refresh_from_db()
    assert user.assurance_level == AssuranceLevel.EMAIL  # GET only asks

    client.post(confirm_url)
    user.refresh_from_db()
    assert user.assurance_level == AssuranceLevel.IDENTITY
    from wagtail.models import ModelLogEntry

    entry = ModelLogEntry.objects.get(action=activation.LOG_IDENTITY_VERIFIED, object_id=str(user.pk))
    assert entry.user == clerk


def test_counter_verification_needs_the_permission(client):
    user = resident()
    clerk = clerk_user(permission=False)
    with pytest.raises(activation.PermissionDenied):
        activation.verify_at_counter(user, clerk=clerk)
    client.force_login(clerk)
    url = reverse("useraccount_activation:counter_confirm", args=[user.pk])
    assert client.post(url).status_code in (302, 403)
    user.refresh_from_db()
    assert user.assurance_level == AssuranceLevel.EMAIL


@pytest.mark.parametrize("who", ["anonymous", "resident", "staff_without_permission"])
def test_no_back_office_access_without_the_permission(client, who):
    letter, _ = activation.request_letter(resident())
    if who == "resident":
        client.force_login(resident())
    elif who == "staff_without_permission":
        client.force_login(clerk_user(permission=False))
    for url in (
        reverse("useraccount_activation:letters"),
        reverse("useraccount_activation:counter"),
        reverse("useraccount_activation:counter_confirm", args=[letter.user.pk]),
    ):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert "Dorfstrasse" not in response.text
    response = client.post(reverse("useraccount_activation:print"), {"only": letter.pk})
    assert response.status_code in (302, 403)
    assert not response.content.startswith(b"%PDF")
    letter.refresh_from_db()
    assert letter.printed_at is None


def test_dashboard_points_to_the_verification_until_the_address_is_verified(client):
    user = resident()
    client.force_login(user)
    assert "Verify my address" in client.get(reverse("useraccount:dashboard")).text
    user.assurance_level = AssuranceLevel.ADDRESS
    user.save()
    assert "Verify my address" not in client.get(reverse("useraccount:dashboard")).text


def test_demo_letters_are_idempotent():
    from account.demo_users import ensure_demo_users
    from services.demo_activation import ensure_demo_activation

    users = ensure_demo_users()
    assert len(ensure_demo_activation(users)) == 3
    assert ensure_demo_activation(users) == []
    users["resident"].refresh_from_db()
    assert users["resident"].assurance_level >= AssuranceLevel.ADDRESS
    assert activation.letters_to_print().get().user == users["customer"]
    assert users["clerk"].has_perm(activation.PERMISSION)


def test_the_way_back_to_the_service_is_kept_and_only_local(client):
    user = resident()
    [(_, code)] = activation.print_letters([activation.request_letter(user)[0]], clerk=clerk_user())
    client.force_login(user)
    url = reverse("useraccount:verification")
    page = client.get(url, {"next": "/de/online-schalter/parkkarte/"})
    assert 'href="/de/online-schalter/parkkarte/"' in page.text
    assert 'name="next" value="/de/online-schalter/parkkarte/"' in page.text
    elsewhere = client.get(url, {"next": "https://evil.example/"}).text
    assert 'href="https://evil.example/"' not in elsewhere and 'value="https://evil.example/"' not in elsewhere

    response = client.post(
        reverse("useraccount:verification_code"), {"code": code, "next": "/de/online-schalter/parkkarte/"}
    )
    assert response.status_code == 302 and response["Location"] == "/de/online-schalter/parkkarte/"

"""The back office of the interface: applications and scopes, tokens, webhook endpoints, delivery log, events, audit."""

import datetime
import hashlib
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.users.models import UserProfile

from integrations.models import (
    ApiAuditEntry,
    ApiToken,
    DeliveryAttempt,
    Event,
    SpecialistApplication,
    WebhookDelivery,
    WebhookEndpoint,
)
from tests.factories import UserFactory
from tests.integration_fixtures import bearer

APPLICATIONS = "/admin/integrations/specialistapplication/"
ENDPOINTS = "/admin/integrations/webhookendpoint/"
DELIVERIES = "/admin/integrations/webhookdelivery/"
EVENTS = "/admin/integrations/event/"
AUDIT = "/admin/integrations/apiauditentry/"
TOKEN = re.compile(r"gpk_[A-Za-z0-9_-]+")


def staff(**extra):
    user = UserFactory(is_staff=True, **extra)
    # The admin speaks the person's language; English keeps the assertions independent of the catalogue.
    UserProfile.objects.update_or_create(user=user, defaults={"preferred_language": "en"})
    return user


def credentials_url(application):
    return reverse("integrations_backoffice:credentials", args=[application.pk])


def endpoint_edit_url(endpoint):
    return f"{ENDPOINTS}edit/{endpoint.pk}/"


def new_token_in(response):
    tokens = TOKEN.findall(response.content.decode())
    assert len(tokens) == 1, tokens
    return tokens[0]


def application_form(**overrides):
    data = {
        "name": "Baugesuche Online",
        "slug": "baugesuche-online",
        "vendor": "Muster Software AG",
        "contact_name": "Petra Muster",
        "contact_email": "petra@muster-software.example",
        "is_active": "on",
        "rate_limit_per_minute": "600",
        "destinations": "Bauamt, bauamt ,betreibungsamt",
        "read_types": ["cases"],
        "write_types": ["cases"],
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def endpoint_form(application, **overrides):
    data = {
        "application": str(application.pk),
        "url": "https://hooks.muster-software.example/portal",
        "description": "Production",
        "event_types": ["case.submitted", "case.withdrawn"],
        "is_active": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- fixtures ------------------------------------------------------------------------------------------------


@pytest.fixture
def superuser(db):
    return staff(is_superuser=True)


@pytest.fixture
def office(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def endpoint(application):
    return WebhookEndpoint.objects.create(application=application, url="https://hooks.example.org/portal")


@pytest.fixture
def delivery(endpoint):
    event = Event.objects.create(
        type="case.submitted",
        record_type="cases",
        subject_id="42",
        subject_ref="MW-2026-00042",
        service_id=endpoint.application.services.get().pk,
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event=event,
        status=WebhookDelivery.Status.PENDING,
        attempts=2,
        last_status_code=503,
        last_error="HTTP 503",
        next_attempt_at=timezone.now() + datetime.timedelta(minutes=5),
    )
    DeliveryAttempt.objects.create(
        delivery=delivery, number=1, duration_ms=812, error="Connection refused", response_excerpt=""
    )
    DeliveryAttempt.objects.create(
        delivery=delivery, number=2, duration_ms=95, status_code=503, response_excerpt="Service Unavailable (maint)"
    )
    return delivery


# --- applications and their scopes ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_application_created_in_the_admin_stores_its_scopes_as_lists(office, service_page, make_service_page):
    other_service = make_service_page(title="Hundemarke")
    form_page = office.get(f"{APPLICATIONS}create/")
    assert form_page.status_code == 200
    content = form_page.content.decode()
    assert 'type="checkbox" name="read_types" value="cases"' in content
    assert f'name="services" value="{service_page.pk}"' in content

    response = office.post(f"{APPLICATIONS}create/", application_form(services=[str(service_page.pk)]))

    application = SpecialistApplication.objects.get(slug="baugesuche-online")
    assert response.status_code == 302
    assert response["Location"] == credentials_url(application)
    assert application.read_types == ["cases"]
    assert application.write_types == ["cases"]
    assert list(application.services.all()) == [service_page]
    assert other_service not in application.services.all()
    assert application.destinations == "bauamt, betreibungsamt"
    assert application.contact_email == "petra@muster-software.example"


@pytest.mark.django_db
def test_without_an_identifier_it_is_made_from_the_name(office):
    response = office.post(f"{APPLICATIONS}create/", application_form(name="Steuern Plus", slug=""))
    assert response.status_code == 302
    assert SpecialistApplication.objects.get(name="Steuern Plus").slug == "steuern-plus"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"slug": "baugesuche-online"}, "slug", "already exists"),
        ({"slug": "", "name": "Baugesuche Online"}, "slug", "already exists"),
        ({"slug": "nicht gültig!"}, "slug", "Enter a valid"),
        ({"read_types": ["steuern"]}, "read_types", "Select a valid choice"),
        ({"write_types": ["cases", "grades"]}, "write_types", "Select a valid choice"),
    ],
)
def test_a_duplicate_or_malformed_identifier_or_unknown_record_type_is_a_form_error(
    office, make_application, overrides, field, message
):
    make_application(name="Baugesuche Online", slug="baugesuche-online")
    before = SpecialistApplication.objects.count()

    response = office.post(f"{APPLICATIONS}create/", application_form(**{"name": "Andere Anwendung", **overrides}))

    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert message in response.content.decode()
    assert SpecialistApplication.objects.count() == before


@pytest.mark.django_db
def test_editing_keeps_a_linked_service_that_was_unpublished(office, make_application, service_page):
    application, _token = make_application(services=[service_page])
    service_page.unpublish()

    page = office.get(f"{APPLICATIONS}edit/{application.pk}/")
    assert f'name="services" value="{service_page.pk}"' in page.content.decode()
    assert credentials_url(application) in page.content.decode()
    data = application_form(name=application.name, slug=application.slug, services=[str(service_page.pk)])
    response = office.post(f"{APPLICATIONS}edit/{application.pk}/", data)

    assert response.status_code == 302
    assert list(application.services.all()) == [service_page]


@pytest.mark.django_db
def test_the_list_shows_scopes_tokens_and_last_use(office, make_application, service_page):
    application, _token = make_application(name="Baugesuche Online", services=[service_page], destinations="bauamt")
    application.issue_token(name="second")
    application.tokens.update(last_used_at=timezone.now())
    revoked, _plain = application.issue_token(name="revoked")
    revoked.revoke()

    response = office.get(APPLICATIONS)

    assert response.status_code == 200
    row = next(item for item in response.context["object_list"] if item.pk == application.pk)
    assert row.usable_tokens == 2
    content = response.content.decode()
    assert "Baugesuche Online" in content
    assert "reads cases" in content and "writes cases" in content
    assert "1 service ·" in content and "destinations bauamt" in content
    assert credentials_url(application) in content
    inactive, _token = make_application(is_active=False)
    assert list(office.get(f"{APPLICATIONS}?active=0").context["object_list"]) == [inactive]


@pytest.mark.django_db
def test_lists_cost_the_same_queries_for_one_row_or_many(office, api, service_page, make_application, delivery):
    office.get("/admin/")  # the first request of a session records the session
    api.get("/api/v1/events")

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert office.get(url).status_code == 200
        return len(captured)

    few = {url: queries(url) for url in (APPLICATIONS, DELIVERIES, ENDPOINTS, EVENTS, AUDIT)}
    for number in range(4):
        application, token = make_application(services=[service_page])
        endpoint = WebhookEndpoint.objects.create(application=application, url=f"https://h{number}.example.org/")
        WebhookDelivery.objects.create(endpoint=endpoint, event=delivery.event)
        bearer(token).get("/api/v1/events")
        Event.objects.create(type="case.withdrawn", record_type="cases", subject_id=str(number))

    # The filters list one more application and endpoint each; the rows themselves add no queries.
    assert {url: queries(url) for url in few} == few


# --- tokens --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_new_token_is_shown_once_stored_as_digest_and_works(office, make_application):
    application, _first = make_application()
    page = office.get(credentials_url(application))
    assert page.status_code == 200

    response = office.post(
        reverse("integrations_backoffice:create_token", args=[application.pk]), {"label": "Produktion"}
    )

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = new_token_in(response)
    assert response.content.decode().count(token) == 1
    assert "cannot be shown again" in response.content.decode()
    stored = ApiToken.objects.get(application=application, name="Produktion")
    assert stored.digest == hashlib.sha256(token.encode()).hexdigest()
    assert stored.prefix == token[:12]
    assert stored.created_by is not None
    assert not ApiToken.objects.filter(digest=token).exists()
    assert token not in str(list(ApiToken.objects.values()))

    assert bearer(token).get("/api/v1/events").status_code == 200

    again = office.get(credentials_url(application))
    assert token not in again.content.decode()
    assert stored.prefix in again.content.decode()
    assert "Produktion" in again.content.decode()


@pytest.mark.django_db
def test_token_actions_are_post_only(office, make_application):
    application, _token = make_application()
    for name in ("create_token", "rotate_tokens"):
        assert office.get(reverse(f"integrations_backoffice:{name}", args=[application.pk])).status_code == 405
    assert application.tokens.count() == 1


@pytest.mark.django_db
def test_rotation_shows_the_new_token_and_the_old_one_works_until_it_expires(
    office, make_application, settings, monkeypatch
):
    settings.INTEGRATIONS_TOKEN_ROTATION_OVERLAP = datetime.timedelta(days=3)
    application, old = make_application()

    response = office.post(reverse("integrations_backoffice:rotate_tokens", args=[application.pk]))

    assert response.status_code == 200
    new = new_token_in(response)
    assert new != old
    old_token = ApiToken.objects.get(digest=hashlib.sha256(old.encode()).hexdigest())
    expected = timezone.now() + datetime.timedelta(days=3)
    assert abs(old_token.expires_at - expected) < datetime.timedelta(minutes=1)
    note = re.sub(r"\s+", " ", response.content.decode())
    assert "The previous tokens keep working until" in note
    assert bearer(old).get("/api/v1/events").status_code == 200
    assert bearer(new).get("/api/v1/events").status_code == 200

    later = old_token.expires_at + datetime.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert bearer(old).get("/api/v1/events").status_code == 401
    assert bearer(new).get("/api/v1/events").status_code == 200


@pytest.mark.django_db
def test_a_revoked_token_is_refused_at_once(office, make_application):
    application, token = make_application()
    api_token = application.tokens.get()
    url = reverse("integrations_backoffice:revoke_token", args=[application.pk, api_token.pk])
    assert url in office.get(credentials_url(application)).content.decode()

    confirm = office.get(url)
    assert confirm.status_code == 200
    assert f'action="{url}"' in confirm.content.decode()
    assert bearer(token).get("/api/v1/events").status_code == 200

    response = office.post(url)

    assert response.status_code == 302
    api_token.refresh_from_db()
    assert api_token.revoked_at is not None
    assert bearer(token).get("/api/v1/events").status_code == 401
    assert "revoked" in office.get(credentials_url(application)).content.decode()
    history = office.get(f"{APPLICATIONS}history/{application.pk}/")
    assert "API token revoked" in history.content.decode()


@pytest.mark.django_db
def test_a_token_of_another_application_cannot_be_revoked_through_this_one(office, make_application):
    application, _token = make_application()
    other, other_token = make_application()
    url = reverse("integrations_backoffice:revoke_token", args=[application.pk, other.tokens.get().pk])
    assert office.post(url).status_code == 404
    assert bearer(other_token).get("/api/v1/events").status_code == 200


# --- webhook endpoints -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_private_endpoint_url_is_refused_unless_allowed(office, application, settings):
    settings.INTEGRATIONS_WEBHOOK_ALLOW_PRIVATE = False
    for url in ("http://127.0.0.1:8765/hook", "https://127.0.0.1/hook", "https://10.1.2.3/hook"):
        response = office.post(f"{ENDPOINTS}create/", endpoint_form(application, url=url))
        assert response.status_code == 200, url
        assert response.context["form"].errors["url"], url
    assert not WebhookEndpoint.objects.exists()

    settings.INTEGRATIONS_WEBHOOK_ALLOW_PRIVATE = True
    response = office.post(f"{ENDPOINTS}create/", endpoint_form(application, url="http://127.0.0.1:8765/hook"))

    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == endpoint_edit_url(endpoint)
    assert endpoint.url == "http://127.0.0.1:8765/hook"
    assert endpoint.event_types == ["case.submitted", "case.withdrawn"]
    assert endpoint.secret.startswith("whsec_")


@pytest.mark.django_db
def test_the_endpoint_form_offers_the_event_types_with_their_descriptions(office, application):
    response = office.get(f"{ENDPOINTS}create/?application={application.pk}")
    content = response.content.decode()
    assert 'name="event_types" value="case.question.answered"' in content
    assert "The applicant answered a question of the administration." in content
    assert response.context["form"].initial["application"] == str(application.pk)

    response = office.post(f"{ENDPOINTS}create/", endpoint_form(application, event_types=["case.deleted"]))
    assert response.context["form"].errors["event_types"]


@pytest.mark.django_db
def test_the_endpoint_page_shows_the_secret_and_rotating_changes_it(office, endpoint):
    old_secret = endpoint.secret
    page = office.get(endpoint_edit_url(endpoint))
    assert old_secret in page.content.decode()

    response = office.post(reverse("integrations_backoffice:rotate_secret", args=[endpoint.pk]))

    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.secret != old_secret and endpoint.secret.startswith("whsec_")
    page = office.get(endpoint_edit_url(endpoint)).content.decode()
    assert endpoint.secret in page and old_secret not in page


@pytest.mark.django_db
def test_a_disabled_endpoint_shows_why_and_reactivating_clears_it(office, endpoint):
    endpoint.disable("The receiver answered 410 Gone.")
    page = office.get(endpoint_edit_url(endpoint)).content.decode()
    assert "The receiver answered 410 Gone." in page
    assert "The receiver answered 410 Gone." in office.get(ENDPOINTS).content.decode()

    data = endpoint_form(endpoint.application, url=endpoint.url, event_types=[])
    response = office.post(endpoint_edit_url(endpoint), data)

    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.disabled_reason == ""
    assert endpoint.event_types == []


# --- delivery log ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_delivery_log_lists_deliveries_and_shows_every_attempt(office, delivery):
    response = office.get(DELIVERIES)
    assert response.status_code == 200
    content = response.content.decode()
    detail = reverse("integrations_backoffice:delivery_detail", args=[delivery.pk])
    assert delivery.event.subject_ref in content
    assert "case.submitted" in content and detail in content
    assert "503" in content

    page = office.get(detail)

    assert page.status_code == 200
    html = page.content.decode()
    assert "Connection refused" in html
    assert "Service Unavailable (maint)" in html
    assert "812 ms" in html
    assert delivery.message_id in html
    assert reverse("integrations_backoffice:replay_delivery", args=[delivery.pk]) in html


@pytest.mark.django_db
def test_delivery_filters_and_search_narrow_the_list(office, delivery, make_application, service_page):
    other_application, _token = make_application(services=[service_page])
    other_endpoint = WebhookEndpoint.objects.create(application=other_application, url="https://o.example.org/")
    other = WebhookDelivery.objects.create(
        endpoint=other_endpoint,
        event=Event.objects.create(type="case.withdrawn", record_type="cases", subject_id="9", subject_ref="X-1"),
        status=WebhookDelivery.Status.DELIVERED,
    )

    def listed(query):
        return set(office.get(f"{DELIVERIES}?{query}").context["object_list"])

    assert listed("status=delivered") == {other}
    assert listed(f"endpoint={delivery.endpoint_id}") == {delivery}
    assert listed(f"application={other_application.pk}") == {other}
    assert listed(f"q={delivery.event.subject_ref}") == {delivery}
    # Only declared filters are applied: no probing of the secret through arbitrary lookups.
    assert listed("endpoint__secret__startswith=nothing-like-it") == {delivery, other}


@pytest.mark.django_db
def test_replay_sends_the_delivery_again(office, delivery, settings, django_capture_on_commit_callbacks):
    settings.INTEGRATIONS_WEBHOOK_ALLOW_PRIVATE = True
    received = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 — the name http.server calls
            length = int(self.headers.get("Content-Length", 0))
            received.append((dict(self.headers), self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        delivery.endpoint.url = f"http://127.0.0.1:{server.server_port}/hook"
        delivery.endpoint.save()
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.save()

        with django_capture_on_commit_callbacks(execute=True):
            response = office.post(reverse("integrations_backoffice:replay_delivery", args=[delivery.pk]))
        response = office.get(response["Location"])
    finally:
        server.shutdown()
        thread.join(timeout=5)

    assert response.status_code == 200
    assert "Replay queued" in response.content.decode()
    assert len(received) == 1
    headers = {key.lower(): value for key, value in received[0][0].items()}
    assert headers["webhook-id"] == delivery.message_id
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert delivery.attempt_log.filter(manual=True).exists()


@pytest.mark.django_db
def test_replay_is_post_only_and_the_log_has_no_edit_views(office, delivery):
    assert office.get(reverse("integrations_backoffice:replay_delivery", args=[delivery.pk])).status_code == 405
    for path in (f"{DELIVERIES}create/", f"{DELIVERIES}edit/{delivery.pk}/", f"{DELIVERIES}delete/{delivery.pk}/"):
        assert office.get(path).status_code == 404, path


# --- events and the audit trail ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_event_list_renders_and_searches_by_reference(office, submitted_case):
    other = Event.objects.create(type="case.withdrawn", record_type="cases", subject_id="1", subject_ref="ZZ-77")

    response = office.get(EVENTS)

    assert response.status_code == 200
    content = response.content.decode()
    assert submitted_case.reference in content and "ZZ-77" in content
    found = list(office.get(f"{EVENTS}?q={submitted_case.reference}").context["object_list"])
    assert found and other not in found
    assert {event.subject_ref for event in found} == {submitted_case.reference}


@pytest.mark.django_db
def test_the_audit_trail_lists_api_calls_and_filters_them(office, make_application, application, api):
    other, other_token = make_application(name="Andere Anwendung")
    api.get("/api/v1/events")
    bearer(other_token).get("/api/v1/events?limit=0")

    response = office.get(AUDIT)

    assert response.status_code == 200
    content = response.content.decode()
    assert "events.list" in content and application.name in content and "Andere Anwendung" in content
    by_application = office.get(f"{AUDIT}?application={application.pk}").context["object_list"]
    assert [entry.application for entry in by_application] == [application]
    by_status = office.get(f"{AUDIT}?status=400").context["object_list"]
    assert [entry.application for entry in by_status] == [other]
    assert ApiAuditEntry.objects.count() == 2


# --- who may see the back office -------------------------------------------------------------------------------


def admin_staff(*codenames):
    """Staff who may open the Wagtail admin, with the given integrations permissions."""
    group = Group.objects.create(name=f"staff {'-'.join(codenames) or 'plain'}")
    group.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    for codename in codenames:
        group.permissions.add(Permission.objects.get(content_type__app_label="integrations", codename=codename))
    user = staff()
    user.groups.add(group)
    return user


@pytest.mark.django_db
def test_staff_without_integrations_permissions_get_no_menu_and_no_pages(client, make_application, delivery):
    application, token = make_application()
    api_token = application.tokens.get()
    client.force_login(admin_staff())

    home = client.get("/admin/")
    assert home.status_code == 200
    assert "/admin/integrations/" not in home.content.decode()

    refused = [
        ("get", APPLICATIONS),
        ("get", f"{APPLICATIONS}create/"),
        ("get", f"{APPLICATIONS}edit/{application.pk}/"),
        ("get", credentials_url(application)),
        ("post", reverse("integrations_backoffice:create_token", args=[application.pk])),
        ("post", reverse("integrations_backoffice:rotate_tokens", args=[application.pk])),
        ("post", reverse("integrations_backoffice:revoke_token", args=[application.pk, api_token.pk])),
        ("get", ENDPOINTS),
        ("get", endpoint_edit_url(delivery.endpoint)),
        ("post", reverse("integrations_backoffice:rotate_secret", args=[delivery.endpoint.pk])),
        ("get", DELIVERIES),
        ("get", reverse("integrations_backoffice:delivery_detail", args=[delivery.pk])),
        ("post", reverse("integrations_backoffice:replay_delivery", args=[delivery.pk])),
        ("get", EVENTS),
        ("get", AUDIT),
    ]
    secret = delivery.endpoint.secret
    for method, url in refused:
        response = getattr(client, method)(url)
        assert response.status_code in (302, 403), (method, url, response.status_code)
        assert secret not in response.content.decode()
    assert application.tokens.count() == 1
    assert application.tokens.get().revoked_at is None
    assert bearer(token).get("/api/v1/events").status_code == 200
    delivery.endpoint.refresh_from_db()
    assert delivery.endpoint.secret == secret


@pytest.mark.django_db
def test_a_non_staff_user_with_the_permissions_gets_nothing(client, make_application):
    application, _token = make_application()
    user = admin_staff("view_specialistapplication", "change_specialistapplication")
    user.is_staff = False
    user.save()
    client.force_login(user)
    assert client.get(APPLICATIONS).status_code in (302, 403)
    assert client.get(credentials_url(application)).status_code in (302, 403)


@pytest.mark.django_db
def test_a_permission_shows_only_its_own_list(client, make_application, delivery):
    application, _token = make_application()
    client.force_login(admin_staff("view_event", "view_webhookdelivery"))

    home = client.get("/admin/").content.decode()
    assert EVENTS in home and DELIVERIES in home
    assert APPLICATIONS not in home and AUDIT not in home

    assert client.get(EVENTS).status_code == 200
    detail = client.get(reverse("integrations_backoffice:delivery_detail", args=[delivery.pk]))
    assert detail.status_code == 200
    # Viewing the log does not include replaying it.
    assert reverse("integrations_backoffice:replay_delivery", args=[delivery.pk]) not in detail.content.decode()
    assert client.post(reverse("integrations_backoffice:replay_delivery", args=[delivery.pk])).status_code == 302
    assert client.get(APPLICATIONS).status_code == 302
    assert client.get(credentials_url(application)).status_code == 302

"""The case list and the dashboard cost the same number of queries for 10 cases as for 200."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from account import dashboard
from account.acting_context import SESSION_KEY
from services.models import Case, CaseDocument, CaseMessage, CaseStatus, ServicePage
from tests.factories import MembershipFactory, UserFactory

# Queries the case list adds to a plain account page (service choices, counts, one page of cases, drafts),
# and the dashboard's cases section adds to the dashboard (counts, latest cases, drafts).
LIST_QUERIES = 4
SECTION_QUERIES = 3
# The fixed URLs of DESIGN.md section 8.
LIST_URL = "/account/cases/"
DASHBOARD_URL = "/account/"
BUDGETS = {LIST_URL: LIST_QUERIES, DASHBOARD_URL: SECTION_QUERIES}
STATUSES = [CaseStatus.SUBMITTED, CaseStatus.IN_PROGRESS, CaseStatus.AWAITING_APPLICANT, CaseStatus.COMPLETED]


@pytest.fixture
def service_pages(db):
    from home.demo_content import ensure_demo_site
    from services.models import ServiceIndexPage

    home = ensure_demo_site()
    index = home.add_child(instance=ServiceIndexPage(title="Online-Schalter", slug="schalter"))
    return [
        index.add_child(instance=ServicePage(title=f"Dienst {n}", slug=f"dienst-{n}", fee_rappen=1000))
        for n in range(3)
    ]


def build_cases(count, service_pages, *, owner=None, organisation=None, submitted_by=None, offset=0):
    """`count` submitted cases with an open question and an unread document each, and three drafts."""
    now = timezone.now()
    author = submitted_by or owner
    created = Case.objects.bulk_create(
        [
            Case(
                reference=f"MW-2026-{offset + n:05d}",
                title=f"Gesuch {n}",
                owner_user=None if organisation else owner,
                owner_organisation=organisation,
                submitted_by=author,
                status=STATUSES[n % len(STATUSES)],
                service_page=service_pages[n % len(service_pages)],
                fields_snapshot=[{"name": "x", "label": "X", "type": "text"}],
                data={"x": str(n)},
                submitted_at=now,
            )
            for n in range(count)
        ]
        + [
            Case(
                title=f"Entwurf {n}",
                owner_user=None if organisation else owner,
                owner_organisation=organisation,
                submitted_by=author,
                status=CaseStatus.DRAFT,
                service_page=service_pages[0],
            )
            for n in range(3)
        ]
    )
    submitted = [case for case in created if case.status != CaseStatus.DRAFT]
    CaseMessage.objects.bulk_create(
        CaseMessage(case=case, direction=CaseMessage.Direction.TO_APPLICANT, body="Frage?", is_question=True)
        for case in submitted
    )
    CaseDocument.objects.bulk_create(
        CaseDocument(
            case=case,
            file=f"cases/{case.submission_token}/x/verfuegung.pdf",
            filename="verfuegung.pdf",
            content_type="application/pdf",
            size=100,
            origin=CaseDocument.Origin.ADMINISTRATION,
        )
        for case in submitted
    )


def count_queries(client, url):
    client.get(url)  # warm the site and settings caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def own_cost(client, url):
    """The queries of `url` beyond a plain account page (list) or beyond the dashboard without our section."""
    if url == LIST_URL:
        return count_queries(client, url)[0] - count_queries(client, reverse("useraccount:profile"))[0]
    section = dashboard._sections["cases"]
    dashboard.unregister("cases")
    try:
        without = count_queries(client, url)[0]
    finally:
        dashboard.register(section)
    return count_queries(client, url)[0] - without


@pytest.mark.django_db
@pytest.mark.parametrize("url", [LIST_URL, DASHBOARD_URL])
def test_personal_pages_cost_the_same_for_10_and_200_cases(client, service_pages, url, django_assert_max_num_queries):
    few, many = UserFactory(), UserFactory()
    build_cases(10, service_pages, owner=few)
    build_cases(200, service_pages, owner=many, offset=1000)

    client.force_login(few)
    with_few, _ = count_queries(client, url)
    client.force_login(many)
    with_many, response = count_queries(client, url)
    with django_assert_max_num_queries(with_few):
        client.get(url)

    assert with_many == with_few
    assert own_cost(client, url) <= BUDGETS[url]
    # The page really lists cases (a page of 20, or the dashboard's latest 5).
    assert response.content.decode().count("/account/cases/MW-2026-") >= 5


@pytest.mark.django_db
@pytest.mark.parametrize("url", [LIST_URL, DASHBOARD_URL])
def test_organisation_pages_cost_the_same_for_10_and_200_cases(
    client, service_pages, url, django_assert_max_num_queries
):
    few = MembershipFactory(role="admin")
    many = MembershipFactory(role="admin")
    build_cases(10, service_pages, organisation=few.organisation, submitted_by=few.user)
    build_cases(200, service_pages, organisation=many.organisation, submitted_by=many.user, offset=1000)

    counts = []
    for membership in (few, many):
        client.force_login(membership.user)
        session = client.session
        session[SESSION_KEY] = membership.organisation_id
        session.save()
        counts.append(count_queries(client, url)[0])
        assert own_cost(client, url) <= BUDGETS[url]
    with django_assert_max_num_queries(counts[0]):
        client.get(url)

    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_filtered_list_costs_no_more(client, service_pages):
    person = UserFactory()
    build_cases(150, service_pages, owner=person)
    client.force_login(person)
    plain, _ = count_queries(client, LIST_URL)
    filtered, response = count_queries(client, f"{LIST_URL}?status=open&q=gesuch&service={service_pages[0].pk}&page=2")
    assert filtered == plain
    assert response.context["page"].number == 2


@pytest.mark.django_db
def test_dashboard_counts_are_right(client, service_pages):
    person = UserFactory()
    build_cases(12, service_pages, owner=person)
    # An answered question and a read document no longer count.
    Case.objects.filter(title="Gesuch 0").get().messages.update(answered_at=timezone.now())
    Case.objects.filter(title="Gesuch 1").get().documents.update(read_at=timezone.now())
    client.force_login(person)

    section = next(
        item["context"] for item in client.get(DASHBOARD_URL).context["sections"] if item["section"].key == "cases"
    )

    open_cases = sum(1 for n in range(12) if STATUSES[n % 4] != CaseStatus.COMPLETED)
    assert section["open"] == open_cases
    assert section["total"] == 12
    assert section["questions"] == 11
    assert section["unread_documents"] == 11
    assert section["drafts"] == 3
    assert len(section["latest"]) == 5

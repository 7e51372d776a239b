"""The demo school pages: built once however often the demo runs, rendered per audience, edited by the teacher."""

import pytest
from django.contrib.auth.models import Group
from django.utils import translation
from wagtail.documents import get_document_model
from wagtail.models import Page, Revision

from account.demo_users import ensure_demo_users
from home.demo_content import ensure_demo_site
from schools.demo_content import ensure_demo_school_records
from schools.demo_pages import ensure_demo_school_pages

pytestmark = pytest.mark.django_db

SCHOOL_URL = "/en/schulen/schulhaus-dorf/"


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    users = ensure_demo_users()
    for user in users.values():
        user.language = "en"
        user.save(update_fields=["language"])
    records = ensure_demo_school_records(users)
    home = ensure_demo_site()
    return {"home": home, "records": records, "users": users, "pages": ensure_demo_school_pages(home, records, users)}


def test_running_the_demo_twice_creates_nothing_new(demo):
    counts = (
        Page.objects.count(),
        Revision.objects.count(),
        get_document_model().objects.count(),
        Group.objects.count(),
    )
    again = ensure_demo_school_pages(demo["home"], demo["records"], demo["users"])
    assert (
        Page.objects.count(),
        Revision.objects.count(),
        get_document_model().objects.count(),
        Group.objects.count(),
    ) == counts
    assert again["school_page"].pk == demo["pages"]["school_page"].pk
    with translation.override("de"):
        assert again["school_page"].url == "/schulen/schulhaus-dorf/"


def test_the_school_page_shows_each_visitor_the_news_and_events_for_them(client, demo):
    anonymous = client.get(SCHOOL_URL).content.decode()
    for text in ("Schulhaus Dorf", "Schulhausstrasse 4", "Regula Brunner", "Ferienplan Schulhaus Dorf"):
        assert text in anonymous
    assert "Das neue Schuljahr hat begonnen" in anonymous
    assert "Sporttag" in anonymous and "Schulfrei: Weiterbildung der Lehrpersonen" in anonymous
    assert "Einladung zum Elternabend" not in anonymous
    assert "Klasse 5b" not in anonymous

    client.force_login(demo["users"]["parent"])  # Sara is in 5b
    parent = client.get(SCHOOL_URL).content.decode()
    for title in ("Einladung zum Elternabend", "Klasse 5b: Ausflug in den Zoo", "Klasse 5b: Besuch im Naturmuseum"):
        assert title in parent

    for page in [*demo["pages"]["news"].values(), *demo["pages"]["events"].values()]:
        assert client.get(page.url).status_code == 200


def test_the_public_agenda_feed_has_the_public_events(client, demo):
    feed = client.get("/schools/dorf/agenda.ics").content.decode()
    assert "SUMMARY:Sporttag" in feed
    assert "Naturmuseum" not in feed


def test_the_demo_teacher_edits_the_school_pages_only(demo):
    teacher = demo["users"]["teacher"]
    assert teacher.groups.filter(name="Schulhaus Dorf: Redaktion").exists()
    news = demo["pages"]["news"]["public"]
    assert news.permissions_for_user(teacher).can_publish()
    assert not demo["home"].permissions_for_user(teacher).can_edit()

"""School editors: a group per school that edits and publishes its school page's subtree and nothing else."""

import pytest
from django.contrib.auth.models import Group
from wagtail.documents import get_document_model
from wagtail.models import Collection, GroupPagePermission
from wagtail.permissions import policy_registry
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from schools.audience import Audience
from schools.models import SchoolPage
from schools.page_permissions import add_school_editor, ensure_school_editors
from tests.factories import UserFactory
from tests.schools.page_builders import add_news, build_school_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = build_school_world()
    world["other_page"] = SchoolPage.objects.get(slug="berg")
    world["home"] = world["page"].get_parent().get_parent().specific
    world["news"] = add_news(world["page"], "Sporttag verschoben")
    world["other_news"] = add_news(world["other_page"], "Berg news")
    world["editor"] = UserFactory(language="en")
    add_school_editor(world["page"], world["editor"])
    return world


def test_the_group_is_named_after_the_school_and_made_once(world):
    ensure_school_editors(world["page"])
    group = Group.objects.get(name="Schulhaus Dorf: Redaktion")
    assert group.permissions.filter(codename="access_admin").exists()
    assert set(GroupPagePermission.objects.filter(group=group).values_list("page_id", "permission__codename")) == {
        (world["page"].pk, codename)
        for codename in ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")
    }
    assert Collection.objects.filter(name="Schulhaus Dorf").count() == 1
    assert Group.objects.filter(name__endswith=": Redaktion").count() == 1


def test_rights_on_another_page_are_taken_away(world):
    group = ensure_school_editors(world["page"])
    GroupPagePermission.objects.create(
        group=group, page=world["other_page"], permission=GroupPagePermission.objects.filter(group=group)[0].permission
    )
    ensure_school_editors(world["page"])
    assert set(GroupPagePermission.objects.filter(group=group).values_list("page_id", flat=True)) == {world["page"].pk}


# page → (may edit, may publish, may add a page below) for a member of the Dorf editors
PAGES = {
    "page": (True, True, True),
    "news": (True, True, False),  # news pages have no sub-pages
    "other_page": (False, False, False),
    "other_news": (False, False, False),
    "home": (False, False, False),
}


@pytest.mark.parametrize("key", PAGES)
def test_members_edit_and_publish_only_below_their_school_page(world, key):
    permissions = world[key].permissions_for_user(world["editor"])
    assert (permissions.can_edit(), permissions.can_publish(), permissions.can_add_subpage()) == PAGES[key]
    outsider = UserFactory()
    outside = world[key].permissions_for_user(outsider)
    assert (outside.can_edit(), outside.can_publish()) == (False, False)


def test_members_upload_documents_to_their_school_collection_only(world):
    policy = policy_registry.get_by_type(get_document_model())
    collections = policy.collections_user_has_permission_for(world["editor"], "add")
    assert [c.name for c in collections] == ["Schulhaus Dorf"]
    assert not policy.collections_user_has_permission_for(UserFactory(), "add").exists()


def _publish_data(news, title):
    return nested_form_data(
        {
            "title": title,
            "slug": news.slug,
            "date": news.date.isoformat(),
            "teaser": "Neu am Freitag.",
            "body": streamfield([]),
            "audience": Audience.PUBLIC,
            "audience_class": "",
            "comments": inline_formset([]),
            "action-publish": "publish",
        }
    )


def test_a_member_edits_and_publishes_a_news_page_of_their_school_in_the_admin(client, world):
    client.force_login(world["editor"])
    news = world["news"]
    assert client.get(f"/admin/pages/{news.pk}/edit/").status_code == 200
    response = client.post(f"/admin/pages/{news.pk}/edit/", _publish_data(news, "Sporttag am Freitag"))
    assert response.status_code == 302, response.content.decode()[:2000]
    news.refresh_from_db()
    assert news.title == "Sporttag am Freitag"
    assert news.live and not news.has_unpublished_changes


def test_a_member_gets_no_access_to_pages_outside_their_school(client, world):
    client.force_login(world["editor"])
    other = world["other_news"]
    response = client.get(f"/admin/pages/{other.pk}/edit/")
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert f"/admin/pages/{other.pk}/" not in response["Location"]
    response = client.post(f"/admin/pages/{other.pk}/edit/", _publish_data(other, "Taken over"))
    assert response.status_code in (302, 403)
    other.refresh_from_db()
    assert other.title == "Berg news"
    # The explorer starts at the school page: the other school is not listed.
    explorer = client.get("/admin/pages/", follow=True).content.decode()
    assert "Schulhaus Dorf" in explorer
    assert "Schulhaus Berg" not in explorer


def test_people_outside_the_group_have_no_admin_access(client, world):
    client.force_login(UserFactory())
    response = client.get(f"/admin/pages/{world['news'].pk}/edit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/auth/login/")

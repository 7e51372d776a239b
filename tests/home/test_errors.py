"""Error pages: a helpful 404 inside the site's layout, and a 500 page that needs nothing to render."""

import pytest
from django.test import Client

from home.models import HomePage
from home.views import server_error

pytestmark = pytest.mark.django_db


def test_missing_page_answers_404_with_the_sites_layout(client, home_page, soup):
    response = client.get("/gibt-es-nicht/")
    assert response.status_code == 404
    assert "404.html" in [template.name for template in response.templates]
    html = soup(response)
    assert html.select_one("header .brand").get_text(strip=True) == "Gemeinde Musterwil"
    assert html.select_one("main a[href='/']")
    search = html.select_one("main form[role=search]")
    assert search["action"] == "/search/"
    field = search.find("input", attrs={"name": "q"})
    assert search.find("label", attrs={"for": field["id"]})


def test_missing_page_in_english_explains_itself_in_english(client, home_page, soup):
    response = client.get("/en/gibt-es-nicht/")
    assert response.status_code == 404
    html = soup(response)
    assert html.find("html")["lang"] == "en"
    assert html.find("h1").get_text(strip=True) == "Page not found"
    assert html.select_one("main a[href='/en/']")


def test_server_error_page_renders_without_touching_the_database(rf, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = server_error(rf.get("/"))
    assert response.status_code == 500
    content = response.content.decode()
    assert 'href="/static/css/portal.css"' in content
    assert "<h1>" in content


def test_an_exception_while_serving_a_page_shows_the_500_page(home_page, monkeypatch, soup):
    def broken(self, request, *args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(HomePage, "get_context", broken)
    response = Client(raise_request_exception=False).get("/en/")
    assert response.status_code == 500
    html = soup(response)
    assert html.find("html")["lang"] == "en"
    assert html.find("h1").get_text(strip=True) == "Something went wrong"
    assert "database on fire" not in response.content.decode()

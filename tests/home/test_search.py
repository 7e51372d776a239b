"""Site search: what a visitor finds, and how results are paged."""

import pytest
from wagtail.models import Page, Site

from home.models import HomePage, StandardPage

pytestmark = pytest.mark.django_db


def result_links(html):
    return [(a.get_text(strip=True), a["href"]) for a in html.select("ol.search-results li h3 a")]


def test_search_finds_a_page_by_a_word_in_its_body(client, home_page, soup):
    html = soup(client.get("/search/", {"q": "Wohnsitzbescheinigung"}))
    assert result_links(html) == [("Verwaltung", "/verwaltung/")]
    assert "Öffnungszeiten, Kontakte" in html.select_one("ol.search-results li p").get_text()


def test_search_finds_a_page_by_its_intro_and_keeps_the_query_in_the_field(client, home_page, soup):
    html = soup(client.get("/search/", {"q": "Dorfleben"}))
    assert result_links(html) == [("Leben in Musterwil", "/leben-in-musterwil/")]
    field = html.select_one("main form[role=search] input[name=q]")
    assert field["value"] == "Dorfleben"
    assert html.select_one(f"main label[for={field['id']}]")


def test_empty_query_shows_no_results(client, home_page, soup):
    response = client.get("/search/", {"q": "  "})
    assert response.status_code == 200
    html = soup(response)
    assert html.select("ol.search-results") == []
    assert html.select_one("main input[name=q]")["value"] == ""


def test_unknown_word_finds_nothing(client, home_page, soup):
    html = soup(client.get("/search/", {"q": "Raumschiff"}))
    assert result_links(html) == []


def test_unpublished_pages_are_not_found(client, home_page, soup):
    draft = StandardPage(title="Geheimer Entwurf", slug="entwurf", intro="Zaubertrank für alle")
    home_page.add_child(instance=draft)
    draft.unpublish()
    html = soup(client.get("/search/", {"q": "Zaubertrank"}))
    assert result_links(html) == []


def test_pages_of_another_site_are_not_found(client, home_page, soup):
    school = Page.get_first_root_node().add_child(instance=HomePage(title="Schule Musterwil", slug="schule"))
    Site.objects.create(hostname="schule.example", port=80, root_page=school, site_name="Schule")
    school.add_child(instance=StandardPage(title="Schulbibliothek", slug="bibliothek", intro="Ausleihe der Bibliothek"))

    html = soup(client.get("/search/", {"q": "Bibliothek"}))
    assert result_links(html) == []


def test_results_are_paged_ten_at_a_time(client, home_page, soup):
    for number in range(1, 13):
        home_page.add_child(
            instance=StandardPage(title=f"Sammelstelle {number}", slug=f"sammelstelle-{number}", intro="Altglas")
        )

    first = soup(client.get("/search/", {"q": "Altglas"}))
    assert len(result_links(first)) == 10
    next_link = first.select_one(".pagination a[rel=next]")
    assert next_link["href"] == "?q=Altglas&page=2"
    assert first.select_one(".pagination a[rel=prev]") is None

    second = soup(client.get("/search/", {"q": "Altglas", "page": "2"}))
    assert len(result_links(second)) == 2
    assert second.select_one("ol.search-results")["start"] == "11"
    assert second.select_one(".pagination a[rel=prev]")["href"] == "?q=Altglas&page=1"
    assert second.select_one(".pagination a[rel=next]") is None
    titles = {title for title, _ in result_links(first) + result_links(second)}
    assert titles == {f"Sammelstelle {number}" for number in range(1, 13)}

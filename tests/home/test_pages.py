"""Home and standard pages, the demo site, and the navigation a visitor sees on them."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from wagtail.models import Page, Site

from account.models import User
from home.demo_content import ensure_demo_site
from home.models import HomePage, PortalSettings, StandardPage

pytestmark = pytest.mark.django_db


def add_standard_page(parent, title, slug, **fields):
    page = StandardPage(title=title, slug=slug, **fields)
    parent.add_child(instance=page)
    return page


def main_nav_links(html):
    return [(a.get_text(strip=True), a["href"]) for a in html.select("nav.main-nav ul a")]


# --- Demo site ----------------------------------------------------------------------------


def test_demo_site_can_be_built_twice_without_duplicates():
    first = ensure_demo_site()
    second = ensure_demo_site()

    assert first.pk == second.pk
    assert HomePage.objects.count() == 1
    assert list(second.get_children().values_list("slug", flat=True)) == [
        "verwaltung",
        "leben-in-musterwil",
        "datenschutz",
        "impressum",
    ]
    assert [p.title for p in second.get_children().live().in_menu()] == ["Verwaltung", "Leben in Musterwil"]
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port, site.site_name, site.root_page_id) == (
        "localhost",
        80,
        "Gemeinde Musterwil",
        second.pk,
    )
    assert Site.objects.count() == 1
    assert not Page.objects.filter(title="Welcome to your new Wagtail site!").exists()
    portal = PortalSettings.for_site(site)
    assert portal.municipality_name == "Gemeinde Musterwil"
    assert [link.value["page"].title for link in portal.footer_links] == ["Datenschutz", "Impressum"]


def test_demo_site_keeps_pages_that_other_apps_added_below_the_home_page():
    home = ensure_demo_site()
    add_standard_page(home, "Dienstleistungen", "dienstleistungen", show_in_menus=True)
    ensure_demo_site()
    assert home.get_children().filter(slug="dienstleistungen").count() == 1


def test_demo_site_uses_swiss_spelling():
    home = ensure_demo_site()
    for page in [home, *StandardPage.objects.descendant_of(home)]:
        assert "ß" not in page.title + page.intro + str(page.body.raw_data)


def test_standard_pages_belong_inside_a_site_never_next_to_site_roots(home_page):
    tree_root = Page.get_first_root_node()
    verwaltung = StandardPage.objects.get(slug="verwaltung")
    assert not StandardPage.can_create_at(tree_root)
    assert not verwaltung.can_move_to(tree_root)
    assert StandardPage.can_create_at(home_page)
    assert StandardPage.can_create_at(verwaltung)


# --- Home page ----------------------------------------------------------------------------


def test_home_page_shows_title_intro_menu_and_footer_contact(client, home_page, soup):
    response = client.get("/")
    assert response.status_code == 200
    html = soup(response)

    assert html.find("h1").get_text(strip=True) == "Gemeinde Musterwil"
    assert "Informationen aus Gemeinde und Verwaltung" in html.select_one(".hero .lead").get_text()
    assert main_nav_links(html) == [("Verwaltung", "/verwaltung/"), ("Leben in Musterwil", "/leben-in-musterwil/")]
    assert html.select_one("nav.breadcrumbs") is None

    cards = [a.get_text(strip=True) for a in html.select("ul.cards .card h3 a")]
    assert cards == ["Verwaltung", "Leben in Musterwil"]

    footer = html.find("footer")
    address = footer.find("address").get_text(" ", strip=True)
    assert "Dorfstrasse 1" in address
    assert "9999 Musterwil" in address
    assert footer.find("a", href="tel:+41710000000").get_text() == "+41 71 000 00 00"
    assert footer.find("a", href="mailto:gemeinde@musterwil.example")
    assert [(a.get_text(strip=True), a["href"]) for a in footer.select("nav ul a")] == [
        ("Datenschutz", "/datenschutz/"),
        ("Impressum", "/impressum/"),
    ]


def test_menu_leaves_out_unpublished_pages_and_pages_not_meant_for_menus(client, home_page, soup):
    draft = add_standard_page(home_page, "Baustelle", "baustelle", show_in_menus=True)
    draft.unpublish()
    html = soup(client.get("/"))
    titles = [text for text, _ in main_nav_links(html)]
    assert "Baustelle" not in titles
    assert "Datenschutz" not in titles


def test_page_language_follows_the_url_prefix(client, home_page, soup):
    german = soup(client.get("/"))
    english = soup(client.get("/en/"))
    assert german.find("html")["lang"] == "de"
    assert english.find("html")["lang"] == "en"
    assert main_nav_links(english)[0] == ("Verwaltung", "/en/verwaltung/")


# --- Standard page ------------------------------------------------------------------------


def test_standard_page_shows_title_intro_body_and_breadcrumbs(client, home_page, soup):
    response = client.get("/verwaltung/")
    assert response.status_code == 200
    html = soup(response)

    assert html.find("h1").get_text(strip=True) == "Verwaltung"
    assert "Öffnungszeiten, Kontakte" in html.select_one("main .lead").get_text()
    summaries = [s.get_text(strip=True) for s in html.select("main details summary")]
    assert "Wo erhalte ich eine Wohnsitzbescheinigung?" in summaries
    assert html.select_one("main .contact-card h2").get_text(strip=True) == "Einwohnerdienste"

    crumbs = html.select("nav.breadcrumbs ol li a")
    assert [a["href"] for a in crumbs] == ["/", "/verwaltung/"]
    assert crumbs[-1]["aria-current"] == "page"
    assert crumbs[-1].get_text(strip=True) == "Verwaltung"
    assert not crumbs[0].has_attr("aria-current")

    current = html.select_one('nav.main-nav a[aria-current="page"]')
    assert current.get_text(strip=True) == "Verwaltung"


def test_subpage_marks_its_menu_ancestor_and_lists_in_the_parents_section(client, home_page, soup):
    verwaltung = StandardPage.objects.get(slug="verwaltung")
    add_standard_page(verwaltung, "Steuern", "steuern", intro="Steuererklärung, Ratenzahlung und Steuerkonto.")

    html = soup(client.get("/verwaltung/steuern/"))
    ancestor = html.select_one("nav.main-nav a.is-ancestor")
    assert ancestor.get_text(strip=True) == "Verwaltung"
    assert not ancestor.has_attr("aria-current")
    assert html.select_one('nav.main-nav a[aria-current="page"]') is None
    crumbs = html.select("nav.breadcrumbs ol li a")
    assert [a.get_text(strip=True) for a in crumbs[1:]] == ["Verwaltung", "Steuern"]
    assert crumbs[-1]["aria-current"] == "page"

    parent = soup(client.get("/verwaltung/"))
    card = parent.select_one("ul.cards .card")
    assert card.find("a")["href"] == "/verwaltung/steuern/"
    assert "Steuererklärung, Ratenzahlung" in card.get_text()


def test_login_block_on_a_page_leads_a_logged_in_resident_to_the_account(client, home_page, soup):
    user = User.objects.create_user(email="resident@example.org", password="ein-langes-passwort-7")
    anonymous = soup(client.get("/leben-in-musterwil/")).select_one("main .login-button")
    assert anonymous.find("a", class_="button")["href"] == reverse("account_login") + "?next=/leben-in-musterwil/"

    client.force_login(user)
    block = soup(client.get("/leben-in-musterwil/")).select_one("main .login-button")
    assert block.find("a", href=reverse("useraccount:dashboard"))
    logout = block.find("form", action=reverse("account_logout"))
    assert logout["method"] == "post"
    assert logout.find("input", attrs={"name": "csrfmiddlewaretoken"})["value"]


def test_editor_can_open_the_page_and_settings_forms(client, home_page):
    admin = User.objects.create_superuser(email="editor@example.org", password="ein-langes-passwort-7")
    client.force_login(admin)
    site = Site.objects.get(is_default_site=True)
    urls = [
        reverse("wagtailadmin_pages:add", args=("home", "standardpage", home_page.pk)),
        reverse("wagtailadmin_pages:edit", args=(home_page.pk,)),
        reverse("wagtailadmin_pages:edit", args=(StandardPage.objects.get(slug="leben-in-musterwil").pk,)),
        reverse("wagtailsettings:edit", args=("home", "portalsettings", site.pk)),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
    assert "+41 71 000 00 00" in response.content.decode()


# --- Query counts -------------------------------------------------------------------------


def render_tag(source, **context):
    return Template("{% load navigation %}" + source).render(Context(context))


def test_main_menu_and_breadcrumbs_each_take_one_query(home_page, django_assert_num_queries):
    verwaltung = StandardPage.objects.get(slug="verwaltung")
    steuern = add_standard_page(verwaltung, "Steuern", "steuern")
    request = RequestFactory().get("/verwaltung/steuern/")
    # Serving a page has already looked up the site, and the site root paths behind page URLs are cached.
    Site.find_for_request(request)
    Site.get_site_root_paths()

    with django_assert_num_queries(1):
        menu = render_tag("{% main_menu %}", request=request, page=steuern)
    with django_assert_num_queries(1):
        trail = render_tag("{% breadcrumbs page %}", request=request, page=steuern)

    assert "Leben in Musterwil" in menu
    assert "Steuern" in trail


def test_breadcrumbs_are_empty_on_the_home_page(home_page):
    request = RequestFactory().get("/")
    assert render_tag("{% breadcrumbs page %}", request=request, page=home_page).strip() == ""

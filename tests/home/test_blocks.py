"""Shared content blocks: editors' input is validated and visitors see accessible markup."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.urls import reverse
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.models import Document
from wagtail.models import Page

from account.models import User
from home.blocks import (
    AccordionBlock,
    BaseStreamBlock,
    CallToActionBlock,
    ContactCardBlock,
    DocumentLinksBlock,
    HeadingBlock,
    LinkBlock,
    LoginButtonBlock,
)

pytestmark = pytest.mark.usefixtures("english")


def render(block, raw, context=None):
    return BeautifulSoup(block.render(block.to_python(raw), context), "html.parser")


def text_of(element):
    # filesizeformat separates number and unit with a no-break space.
    return element.get_text(" ", strip=True).replace("\xa0", " ")


def cta(**overrides):
    return {
        "title": "Neu in Musterwil?",
        "text": "",
        "page": None,
        "url": "",
        "button_label": "Zuzug melden",
        **overrides,
    }


@pytest.fixture
def some_page(db):
    return Page.objects.get(depth=2)


# --- Call to action ------------------------------------------------------------------------


def test_call_to_action_without_any_link_asks_for_a_page_or_url():
    block = CallToActionBlock()
    with pytest.raises(StructBlockValidationError) as error:
        block.clean(block.to_python(cta()))
    assert set(error.value.block_errors) == {"page"}
    assert error.value.block_errors["page"].messages == ["Choose a page or enter an external URL."]


def test_call_to_action_with_page_and_url_refuses_both(some_page):
    block = CallToActionBlock()
    with pytest.raises(StructBlockValidationError) as error:
        block.clean(block.to_python(cta(page=some_page.pk, url="https://kanton.example/")))
    assert error.value.block_errors["url"].messages == ["Choose either a page or an external URL, not both."]


def test_call_to_action_with_one_link_is_valid(some_page):
    block = CallToActionBlock()
    assert block.clean(block.to_python(cta(url="https://kanton.example/")))["url"] == "https://kanton.example/"
    assert block.clean(block.to_python(cta(page=some_page.pk)))["page"] == some_page


def test_call_to_action_renders_its_title_text_and_button():
    html = render(CallToActionBlock(), cta(text="Melden Sie sich online an.", url="https://kanton.example/zuzug"))
    assert html.find("h2").get_text(strip=True) == "Neu in Musterwil?"
    assert "Melden Sie sich online an." in html.get_text()
    button = html.find("a", class_="button")
    assert button["href"] == "https://kanton.example/zuzug"
    assert button.get_text(strip=True) == "Zuzug melden"


def test_call_to_action_links_to_the_chosen_page(some_page):
    html = render(CallToActionBlock(), cta(page=some_page.pk))
    assert html.find("a", class_="button")["href"] == some_page.url


# --- Footer link --------------------------------------------------------------------------


def test_external_link_needs_a_label():
    block = LinkBlock()
    with pytest.raises(StructBlockValidationError) as error:
        block.clean(block.to_python({"label": "", "page": None, "url": "https://kanton.example/"}))
    assert set(error.value.block_errors) == {"label"}


def test_page_link_without_label_shows_the_page_title(some_page):
    html = render(LinkBlock(), {"label": "", "page": some_page.pk, "url": ""})
    assert html.find("a").get_text(strip=True) == some_page.title


# --- Heading, accordion, contact card -----------------------------------------------------


def test_heading_uses_the_chosen_level():
    html = render(HeadingBlock(), {"text": "Öffnungszeiten", "level": "h3"})
    assert html.find("h3").get_text(strip=True) == "Öffnungszeiten"
    assert html.find("h2") is None


def test_heading_with_an_unknown_level_falls_back_to_level_two():
    html = render(HeadingBlock(), {"text": "Öffnungszeiten", "level": "h1 onclick=alert(1)"})
    assert html.find("h2").get_text(strip=True) == "Öffnungszeiten"
    assert "onclick" not in str(html)


def test_accordion_renders_each_question_as_a_details_element():
    html = render(
        AccordionBlock(),
        {
            "title": "Häufige Fragen",
            "items": [
                {"question": "Wo erhalte ich eine Wohnsitzbescheinigung?", "answer": "<p>Am <b>Schalter</b>.</p>"},
                {"question": "Was kostet sie?", "answer": "<p>CHF 20.–</p>"},
            ],
        },
    )
    assert html.find("h2").get_text(strip=True) == "Häufige Fragen"
    details = html.find_all("details")
    assert [d.summary.get_text(strip=True) for d in details] == [
        "Wo erhalte ich eine Wohnsitzbescheinigung?",
        "Was kostet sie?",
    ]
    assert details[0].find("b").get_text() == "Schalter"


def test_contact_card_links_phone_and_email():
    html = render(
        ContactCardBlock(),
        {
            "office": "Einwohnerdienste",
            "person": "Erika Muster",
            "address": "Dorfstrasse 1\n9999 Musterwil",
            "phone": "+41 71 000 00 10",
            "email": "einwohnerdienste@musterwil.example",
            "opening_hours": "Montag bis Freitag",
        },
    )
    assert html.find("h2").get_text(strip=True) == "Einwohnerdienste"
    address = html.find("address")
    assert "Erika Muster" in address.get_text()
    assert "Dorfstrasse 1" in address.get_text()
    assert address.find("a", href="tel:+41710000010").get_text() == "+41 71 000 00 10"
    assert address.find("a", href="mailto:einwohnerdienste@musterwil.example")
    assert "Montag bis Freitag" in html.get_text()


# --- Documents ----------------------------------------------------------------------------


def test_document_links_show_file_type_and_size(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    document = Document.objects.create(
        title="Abfallkalender 2027", file=ContentFile(b"%PDF-1.4\n" + b"x" * 2039, name="abfall.pdf"), file_size=2048
    )
    html = render(DocumentLinksBlock(), {"title": "Downloads", "documents": [{"document": document.pk, "label": ""}]})
    link = html.find("a")
    assert link["href"] == document.url
    assert text_of(link) == "Abfallkalender 2027 (PDF, 2.0 KB)"


def test_document_link_label_replaces_the_title_and_deleted_documents_disappear(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    kept = Document.objects.create(title="Reglement", file=ContentFile(b"data", name="reglement.docx"), file_size=4)
    gone = Document.objects.create(title="Alt", file=ContentFile(b"data", name="alt.pdf"), file_size=4)
    raw = {"title": "", "documents": [{"document": kept.pk, "label": "Gebührenreglement"}, {"document": gone.pk}]}
    gone.delete()
    links = render(DocumentLinksBlock(), raw).find_all("a")
    assert [text_of(link) for link in links] == ["Gebührenreglement (DOCX, 4 bytes)"]


# --- Login button -------------------------------------------------------------------------

LOGIN_BLOCK = {
    "heading": "Zum Benutzerkonto",
    "text": "Erledigen Sie Ihre Anliegen online.",
    "button_label": "Anmelden",
}


def test_login_button_invites_anonymous_visitors_to_log_in_and_come_back(rf):
    request = rf.get("/leben-in-musterwil/?tab=2")
    request.user = AnonymousUser()
    html = render(LoginButtonBlock(), LOGIN_BLOCK, {"request": request, "user": request.user})
    assert html.find("h2").get_text(strip=True) == "Zum Benutzerkonto"
    assert "Erledigen Sie Ihre Anliegen online." in html.get_text()
    button = html.find("a", class_="button")
    assert button.get_text(strip=True) == "Anmelden"
    assert button["href"] == reverse("account_login") + "?next=/leben-in-musterwil/%3Ftab%3D2"
    assert html.find("form") is None
    assert "Go to my account" not in html.get_text()


def test_login_button_returns_to_the_chosen_page_after_login(rf, some_page):
    request = rf.get("/elsewhere/")
    request.user = AnonymousUser()
    raw = {**LOGIN_BLOCK, "next_page": some_page.pk}
    html = render(LoginButtonBlock(), raw, {"request": request, "user": request.user})
    assert html.find("a", class_="button")["href"] == reverse("account_login") + "?next=" + some_page.url


def test_login_button_offers_the_account_and_logout_to_a_logged_in_user(rf, db):
    user = User.objects.create_user(email="anna.muster@example.org", password="ein-langes-passwort-7")
    request = rf.get("/leben-in-musterwil/")
    request.user = user
    html = render(LoginButtonBlock(), LOGIN_BLOCK, {"request": request, "user": user})
    text = html.get_text(" ", strip=True)
    assert "anna.muster@example.org" in text
    assert "Erledigen Sie Ihre Anliegen online." not in text
    account_link = html.find("a", href=reverse("useraccount:dashboard"))
    assert account_link.get_text(strip=True) == "Go to my account"
    logout = html.find("form")
    assert logout["action"] == reverse("account_logout")
    assert logout["method"] == "post"
    assert logout.find("button", type="submit").get_text(strip=True) == "Log out"
    assert html.find("a", href=lambda href: href and href.startswith(reverse("account_login"))) is None


# --- The stream ---------------------------------------------------------------------------


def test_base_stream_block_offers_the_shared_blocks_and_can_be_extended():
    assert list(BaseStreamBlock.base_blocks) == [
        "heading",
        "paragraph",
        "image",
        "call_to_action",
        "accordion",
        "contact_card",
        "document_links",
        "login_button",
    ]

    class ExtendedStreamBlock(BaseStreamBlock):
        extra = HeadingBlock()

    assert list(ExtendedStreamBlock().child_blocks)[-1] == "extra"
    assert "login_button" in ExtendedStreamBlock().child_blocks


def test_paragraph_renders_rich_text():
    block = BaseStreamBlock()
    value = block.to_python([{"type": "paragraph", "value": "<p>Die <i>Verwaltung</i> ist offen.</p>"}])
    html = BeautifulSoup(block.render(value), "html.parser")
    assert html.find("i").get_text() == "Verwaltung"

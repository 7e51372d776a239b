"""Shared StreamField blocks: the content components every page of the portal may use."""

from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

# Paragraphs stay plain on purpose: headings come from HeadingBlock so the outline stays correct.
PARAGRAPH_FEATURES = ["bold", "italic", "link", "document-link", "ol", "ul"]


def page_or_url_errors(value, page_field="page", url_field="url"):
    """Errors keyed by child block when a link has neither or both of an internal page and an external URL."""
    page, url = value.get(page_field), value.get(url_field)
    if page and url:
        return {url_field: ValidationError(_("Choose either a page or an external URL, not both."))}
    if not page and not url:
        return {page_field: ValidationError(_("Choose a page or enter an external URL."))}
    return {}


class HeadingBlock(blocks.StructBlock):
    """A section heading whose level the editor chooses to keep the page outline correct."""

    text = blocks.CharBlock(label=_("Text"), max_length=200)
    level = blocks.ChoiceBlock(
        label=_("Level"),
        choices=[("h2", _("Level 2")), ("h3", _("Level 3")), ("h4", _("Level 4"))],
        default="h2",
        help_text=_("Use level 2 for main sections and lower levels only inside them."),
    )

    class Meta:
        icon = "title"
        template = "blocks/heading_block.html"
        preview_value = {"text": "Öffnungszeiten der Gemeindeverwaltung", "level": "h2"}
        description = _("A heading that structures the page into sections")
        label = _("Heading")


class ImageBlock(blocks.StructBlock):
    """An image with alternative text, an optional caption and attribution."""

    image = ImageChooserBlock(label=_("Image"))
    alt_text = blocks.CharBlock(
        label=_("Alternative text"),
        required=False,
        max_length=250,
        help_text=_(
            "Describe what the image shows for people who cannot see it. "
            "Leave empty to use the image's own description."
        ),
    )
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=250)
    attribution = blocks.CharBlock(label=_("Attribution"), required=False, max_length=250)

    class Meta:
        icon = "image"
        template = "blocks/image_block.html"
        preview_value = {"caption": "Das Gemeindehaus an der Dorfstrasse", "attribution": "Gemeinde Musterwil"}
        description = _("An image with a caption and attribution")
        label = _("Image")


class CallToActionBlock(blocks.StructBlock):
    """A highlighted box that leads visitors to one next step, on this site or elsewhere."""

    title = blocks.CharBlock(label=_("Title"), max_length=120)
    text = blocks.TextBlock(label=_("Text"), required=False)
    page = blocks.PageChooserBlock(label=_("Page"), required=False)
    url = blocks.URLBlock(
        label=_("External URL"), required=False, help_text=_("Only if the target is not a page of this site.")
    )
    button_label = blocks.CharBlock(label=_("Button label"), max_length=60)

    class Meta:
        icon = "pick"
        template = "blocks/call_to_action_block.html"
        preview_value = {
            "title": "Neu in Musterwil?",
            "text": "Melden Sie Ihren Zuzug bequem online.",
            "url": "https://www.musterwil.example/",
            "button_label": "Zuzug melden",
        }
        description = _("A box with a short text and a button leading to a page or an external site")
        label = _("Call to action")

    def clean(self, value):
        value = super().clean(value)
        errors = page_or_url_errors(value)
        if errors:
            raise StructBlockValidationError(block_errors=errors)
        return value


class AccordionItemBlock(blocks.StructBlock):
    """One question with its answer, folded away until the visitor opens it."""

    question = blocks.CharBlock(label=_("Question"), max_length=250)
    answer = blocks.RichTextBlock(label=_("Answer"), features=PARAGRAPH_FEATURES)

    class Meta:
        icon = "help"
        label = _("Question")


class AccordionBlock(blocks.StructBlock):
    """A list of questions whose answers open one by one, for FAQs and long details."""

    title = blocks.CharBlock(label=_("Title"), required=False, max_length=120)
    items = blocks.ListBlock(AccordionItemBlock(), label=_("Questions"), min_num=1)

    class Meta:
        icon = "list-ul"
        template = "blocks/accordion_block.html"
        preview_value = {
            "title": "Häufige Fragen",
            "items": [
                {"question": "Wo erhalte ich eine Wohnsitzbescheinigung?", "answer": "<p>Online oder am Schalter.</p>"},
                {"question": "Wie lange dauert die Bearbeitung?", "answer": "<p>In der Regel zwei Arbeitstage.</p>"},
            ],
        }
        description = _("Questions and answers that open one at a time")
        label = _("Accordion")


class ContactCardBlock(blocks.StructBlock):
    """The contact details of an office: who to call, where to go, and when it is open."""

    office = blocks.CharBlock(label=_("Office"), max_length=120)
    person = blocks.CharBlock(label=_("Contact person"), required=False, max_length=120)
    address = blocks.TextBlock(label=_("Address"), required=False)
    phone = blocks.CharBlock(label=_("Phone"), required=False, max_length=40)
    email = blocks.EmailBlock(label=_("E-mail"), required=False)
    opening_hours = blocks.TextBlock(label=_("Opening hours"), required=False)

    class Meta:
        icon = "user"
        template = "blocks/contact_card_block.html"
        preview_value = {
            "office": "Einwohnerdienste",
            "person": "Erika Muster",
            "address": "Dorfstrasse 1\n9999 Musterwil",
            "phone": "+41 71 000 00 10",
            "email": "einwohnerdienste@musterwil.example",
            "opening_hours": "Montag bis Freitag, 08.00–11.30 Uhr",
        }
        description = _("The address, phone, e-mail and opening hours of an office")
        label = _("Contact card")


class DocumentLinkBlock(blocks.StructBlock):
    """One downloadable document, optionally with a label other than its title."""

    document = DocumentChooserBlock(label=_("Document"))
    label = blocks.CharBlock(
        label=_("Label"), required=False, max_length=200, help_text=_("Leave empty to use the document's title.")
    )

    class Meta:
        icon = "doc-full"
        label = _("Document")


class DocumentLinksBlock(blocks.StructBlock):
    """A list of downloads that shows each file's type and size before it is opened."""

    title = blocks.CharBlock(label=_("Title"), required=False, max_length=120)
    documents = blocks.ListBlock(DocumentLinkBlock(), label=_("Documents"), min_num=1)

    class Meta:
        icon = "doc-full-inverse"
        template = "blocks/document_links_block.html"
        preview_value = {"title": "Downloads", "documents": []}
        description = _("A list of documents to download, with file type and size")
        label = _("Document links")


class LoginButtonBlock(blocks.StructBlock):
    """Invites visitors to log in to the central account, or leads logged-in people to it."""

    heading = blocks.CharBlock(label=_("Heading"), max_length=120)
    text = blocks.TextBlock(label=_("Text for visitors who are not logged in"), required=False)
    button_label = blocks.CharBlock(label=_("Login button label"), max_length=60, default=_("Log in"))
    next_page = blocks.PageChooserBlock(
        label=_("Page after login"),
        required=False,
        help_text=_("Where visitors land after logging in. Leave empty to return to this page."),
    )

    class Meta:
        icon = "login"
        template = "blocks/login_button_block.html"
        preview_value = {
            "heading": "Zum Benutzerkonto",
            "text": "Mit Ihrem Benutzerkonto erledigen Sie Ihre Anliegen online.",
            "button_label": "Anmelden",
        }
        description = _("A login button for the central user account; logged-in visitors see a link to their account")
        label = _("Login button")

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        request = context.get("request")
        if "user" not in context and request is not None:
            context["user"] = request.user
        next_page = value.get("next_page")
        if next_page is not None:
            context["next_url"] = next_page.get_url(request=request) or "/"
        else:
            context["next_url"] = request.get_full_path() if request is not None else "/"
        user = context.get("user")
        if user is None or not user.is_authenticated:
            # One button per configured e-ID provider (SwissID, AGOV …); an empty list when none is configured.
            providers = get_social_adapter(request).list_providers(request)
            context["eid_providers"] = sorted(providers, key=lambda provider: provider.name)
        return context


class LinkBlock(blocks.StructBlock):
    """A link to a page of this site or to an external URL."""

    label = blocks.CharBlock(
        label=_("Label"), required=False, max_length=120, help_text=_("Leave empty to use the page's title.")
    )
    page = blocks.PageChooserBlock(label=_("Page"), required=False)
    url = blocks.URLBlock(label=_("External URL"), required=False)

    class Meta:
        icon = "link"
        template = "blocks/link_block.html"
        preview_value = {"label": "Kanton", "url": "https://www.kanton.example/"}
        description = _("A link to a page or an external site")
        label = _("Link")

    def clean(self, value):
        value = super().clean(value)
        errors = page_or_url_errors(value)
        if value.get("url") and not value.get("label"):
            errors.setdefault("label", ValidationError(_("An external link needs a label.")))
        if errors:
            raise StructBlockValidationError(block_errors=errors)
        return value


class BaseStreamBlock(blocks.StreamBlock):
    """The content blocks of every page body; apps subclass it to add their own blocks."""

    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        features=PARAGRAPH_FEATURES,
        icon="pilcrow",
        template="blocks/paragraph_block.html",
        label=_("Paragraph"),
        description=_("Text with links and lists"),
        preview_value="<p>Die Gemeindeverwaltung ist von Montag bis Freitag für Sie da.</p>",
    )
    image = ImageBlock()
    call_to_action = CallToActionBlock()
    accordion = AccordionBlock()
    contact_card = ContactCardBlock()
    document_links = DocumentLinksBlock()
    login_button = LoginButtonBlock()

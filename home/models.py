"""Page types of the CMS base and the per-site settings for branding and contact details."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from .blocks import BaseStreamBlock, LinkBlock


class HomePage(Page):
    """The root page of a site: a hero with the site's title and intro, then free content."""

    intro = models.TextField(_("introduction"), blank=True, help_text=_("A short welcome shown large below the title."))
    body = StreamField(BaseStreamBlock(), blank=True, verbose_name=_("body"))

    # Several sites (municipality, school, utility) may each have a home page, always at the top of the tree.
    parent_page_types = ["wagtailcore.Page"]

    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]
    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]

    template = "home/home_page.html"

    class Meta:
        verbose_name = _("home page")
        verbose_name_plural = _("home pages")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["menu_pages"] = self.get_children().live().in_menu().specific().defer_streamfields()
        return context


class StandardPage(Page):
    """An ordinary content page: a title, an introduction and a body of content blocks."""

    intro = models.TextField(_("introduction"), blank=True, help_text=_("One or two sentences summarising the page."))
    body = StreamField(BaseStreamBlock(), blank=True, verbose_name=_("body"))

    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]
    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]

    template = "home/standard_page.html"

    class Meta:
        verbose_name = _("standard page")
        verbose_name_plural = _("standard pages")

    @classmethod
    def can_exist_under(cls, parent):
        # Allowed below any page of a site, including the pages of later apps, but never as a site root
        # (creating and moving both ask here). A list of parent types would have to name apps home must not know.
        return super().can_exist_under(parent) and not parent.is_root()

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["child_pages"] = self.get_children().live().specific().defer_streamfields()
        return context


@register_setting(icon="site")
class PortalSettings(BaseSiteSetting):
    """Branding and contact details of one site, shown in its header and footer."""

    municipality_name = models.CharField(
        _("name"), max_length=120, default="", help_text=_("Shown in the header, the footer and page titles.")
    )
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    contact_address = models.TextField(
        _("address"), blank=True, help_text=_("One line per line of the postal address.")
    )
    contact_phone = models.CharField(_("phone"), max_length=40, blank=True)
    contact_email = models.EmailField(_("e-mail"), blank=True)
    opening_hours = models.TextField(_("opening hours"), blank=True)
    footer_links = StreamField([("link", LinkBlock())], blank=True, verbose_name=_("footer links"))
    # Creditor of the QR-bills the portal issues for fees (Swiss Payment Standards).
    creditor_name = models.CharField(_("creditor name"), max_length=70, blank=True)
    creditor_street = models.CharField(_("street"), max_length=70, blank=True)
    creditor_house_number = models.CharField(_("house number"), max_length=16, blank=True)
    creditor_postcode = models.CharField(_("postcode"), max_length=16, blank=True)
    creditor_town = models.CharField(_("town"), max_length=35, blank=True)
    creditor_country = models.CharField(_("country"), max_length=2, default="CH")
    creditor_iban = models.CharField(
        _("IBAN or QR-IBAN"),
        max_length=34,
        blank=True,
        help_text=_("With a QR-IBAN the bills carry a QR reference, with an IBAN a creditor reference (RF)."),
    )

    # The header shows the logo on every page; fetch it with the settings instead of in a second query.
    select_related = ["logo"]

    panels = [
        MultiFieldPanel([FieldPanel("municipality_name"), FieldPanel("logo")], heading=_("Branding")),
        MultiFieldPanel(
            [
                FieldPanel("contact_address"),
                FieldPanel("contact_phone"),
                FieldPanel("contact_email"),
                FieldPanel("opening_hours"),
            ],
            heading=_("Contact"),
        ),
        FieldPanel("footer_links"),
        MultiFieldPanel(
            [
                FieldPanel("creditor_name"),
                FieldPanel("creditor_street"),
                FieldPanel("creditor_house_number"),
                FieldPanel("creditor_postcode"),
                FieldPanel("creditor_town"),
                FieldPanel("creditor_country"),
                FieldPanel("creditor_iban"),
            ],
            heading=_("Payments (QR-bill creditor)"),
        ),
    ]

    class Meta:
        verbose_name = _("portal settings")
        verbose_name_plural = _("portal settings")

    def __str__(self):
        return self.municipality_name or str(_("Portal settings"))

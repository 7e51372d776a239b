"""Service pages: the catalogue index and the page of one service with its metadata and embedded forms."""

from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from account.models import AssuranceLevel
from home.blocks import BaseStreamBlock

from ..blocks import ProcedureBlock, ServiceStreamBlock


class ServiceIndexPage(Page):
    """The catalogue of online services ("Online-Schalter")."""

    intro = models.TextField(_("introduction"), blank=True)
    body = StreamField(BaseStreamBlock(), verbose_name=_("content"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("intro")]
    subpage_types = ["services.ServicePage"]
    template = "services/service_index_page.html"

    class Meta:
        verbose_name = _("service index")
        verbose_name_plural = _("service indexes")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["services"] = ServicePage.objects.live().public().child_of(self).order_by("title")
        return context


class ServiceKind(models.TextChoices):
    """What the portal does with a case besides the timeline: the rules of a kind live in a module of its own."""

    GENERAL = "general", _("General form")
    DEBT_EXTRACT = "debt_extract", _("Debt register extract (Betreibungsregisterauszug)")
    PARKING_PERMIT = "parking_permit", _("Parking permit (Parkkarte)")
    BUILDING_PERMIT = "building_permit", _("Building permit (Baubewilligung)")
    MOVE = "move", _("Moving notification (Zuzug, Wegzug, Umzug)")
    CERTIFICATE = "certificate", _("Certificate order")


class ServicePage(Page):
    """One service: description, fee, processing time, requirements and one or more embedded forms."""

    intro = models.TextField(_("introduction"), blank=True)
    body = StreamField(ServiceStreamBlock(), verbose_name=_("content"), blank=True)
    fee_rappen = models.PositiveIntegerField(
        _("fee (Rappen)"), default=0, help_text=_("In Rappen: CHF 25.00 = 2500. 0 = free of charge.")
    )
    processing_time = models.CharField(_("processing time"), max_length=120, blank=True)
    required_documents = RichTextField(_("required documents"), blank=True, features=["ul", "bold", "link"])
    required_assurance_level = models.PositiveSmallIntegerField(
        _("required assurance level"), choices=AssuranceLevel.choices, default=AssuranceLevel.NONE
    )
    login_required = models.BooleanField(_("login required"), default=True)
    organisations_only = models.BooleanField(
        _("only for organisations"), default=False, help_text=_("Only members acting for an organisation may submit.")
    )
    clerk_group = models.ForeignKey(
        Group,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible clerk group"),
        help_text=_("Clerks of this group see and work the cases of this service."),
    )
    service_kind = models.CharField(
        _("kind of service"),
        max_length=20,
        choices=ServiceKind.choices,
        default=ServiceKind.GENERAL,
        help_text=_("Services with a kind of their own issue permits or certificates when a case is paid or approved."),
    )
    destination = models.SlugField(
        _("destination"),
        max_length=60,
        blank=True,
        help_text=_("Key of the specialist application(s) that receive the submissions, e.g. 'betreibungsamt'."),
    )
    procedure = StreamField(
        ProcedureBlock(),
        verbose_name=_("procedure steps"),
        blank=True,
        help_text=_("The steps applicants follow in their case (e.g. Vorprüfung, Publikation, Entscheid)."),
    )

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    settings_panels = Page.settings_panels + [
        MultiFieldPanel(
            [
                FieldPanel("fee_rappen"),
                FieldPanel("processing_time"),
                FieldPanel("required_documents"),
                FieldPanel("required_assurance_level"),
                FieldPanel("login_required"),
                FieldPanel("organisations_only"),
                FieldPanel("clerk_group"),
                FieldPanel("service_kind"),
                FieldPanel("destination"),
            ],
            heading=_("Service"),
        ),
        FieldPanel("procedure"),
    ]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["services.ServiceIndexPage"]
    subpage_types = []
    template = "services/service_page.html"

    class Meta:
        verbose_name = _("service page")
        verbose_name_plural = _("service pages")

    @property
    def fee_chf(self):
        return self.fee_rappen / 100

    def form_blocks(self):
        """The embedded forms of the page as (block id, FormBlock value) pairs."""
        return [(block.id, block.value) for block in self.body if block.block_type == "form"]

    def form_block(self, block_id):
        for found_id, value in self.form_blocks():
            if found_id == block_id:
                return value
        return None

    def get_context(self, request, *args, **kwargs):
        from ..page_views import form_context  # the views import the models: import at call time

        context = super().get_context(request, *args, **kwargs)
        context.update(form_context(self, request))
        return context

    def serve(self, request, *args, **kwargs):
        """The embedded forms' steps, review, drafts and submission (services/page_views.py)."""
        from ..page_views import serve

        return serve(self, request) or super().serve(request, *args, **kwargs)

"""Web pages of the schools: the index, one page per school house, its news (Schulhausnews) and agenda.

News and events carry an audience (everyone, the school's community or one class, see schools.audience); the school
page lists only what the visitor may see and the pages themselves answer 404 to anyone else.
"""

import secrets

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index
from wagtail.search.index import remove_object

from home.blocks import BaseStreamBlock, DocumentLinksBlock

from ..audience import Audience, can_see, memberships_of, visible_filter
from .records import School, SchoolClass

NEWS_ON_SCHOOL_PAGE = 10
EVENTS_ON_SCHOOL_PAGE = 20


class TeamMemberBlock(blocks.StructBlock):
    name = blocks.CharBlock(label=_("Name"), max_length=120)
    role = blocks.CharBlock(label=_("Role"), max_length=120, required=False, help_text=_("e.g. Schulleitung"))
    email = blocks.EmailBlock(label=_("E-mail"), required=False)

    class Meta:
        icon = "user"
        label = _("Team member")


class SchoolIndexPage(Page):
    """The entry to all school houses of the municipality."""

    intro = models.TextField(_("introduction"), blank=True)
    body = StreamField(BaseStreamBlock(), blank=True, verbose_name=_("body"))

    parent_page_types = ["home.HomePage", "home.StandardPage"]
    subpage_types = ["schools.SchoolPage", "home.StandardPage"]
    max_count_per_parent = 1

    search_fields = Page.search_fields + [index.SearchField("intro")]
    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]

    template = "schools/school_index_page.html"

    class Meta:
        verbose_name = _("school index page")
        verbose_name_plural = _("school index pages")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["school_pages"] = SchoolPage.objects.child_of(self).live().public().select_related("school")
        return context


class SchoolPage(Page):
    """The pages of one school house: contact, team, documents, and the news and agenda below it."""

    school = models.OneToOneField(School, on_delete=models.PROTECT, related_name="page", verbose_name=_("school"))
    intro = models.TextField(_("introduction"), blank=True)
    body = StreamField(BaseStreamBlock(), blank=True, verbose_name=_("body"))
    address = models.TextField(_("address"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    team = StreamField([("member", TeamMemberBlock())], blank=True, verbose_name=_("team"))
    documents = StreamField([("documents", DocumentLinksBlock())], blank=True, verbose_name=_("documents"))

    parent_page_types = ["schools.SchoolIndexPage", "home.HomePage"]
    subpage_types = ["schools.SchoolNewsPage", "schools.SchoolEventPage", "home.StandardPage"]

    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]
    content_panels = Page.content_panels + [
        FieldPanel("school"),
        FieldPanel("intro"),
        FieldPanel("body"),
        MultiFieldPanel([FieldPanel("address"), FieldPanel("phone"), FieldPanel("email")], heading=_("Contact")),
        FieldPanel("team"),
        FieldPanel("documents"),
    ]

    template = "schools/school_page.html"

    class Meta:
        verbose_name = _("school page")
        verbose_name_plural = _("school pages")

    def visible_news(self, user, memberships=None):
        return (
            SchoolNewsPage.objects.child_of(self)
            .live()
            .filter(visible_filter(user, self.school, memberships=memberships))
            .select_related("audience_class")
            .defer_streamfields()
            .order_by("-date", "-pk")
        )

    def visible_events(self, user, memberships=None):
        return (
            SchoolEventPage.objects.child_of(self)
            .live()
            .filter(visible_filter(user, self.school, memberships=memberships))
            .select_related("audience_class")
            .defer_streamfields()
            .order_by("start", "pk")
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        memberships = memberships_of(request.user)
        context["news_items"] = self.visible_news(request.user, memberships)[:NEWS_ON_SCHOOL_PAGE]
        # Events that are not over yet; an event without an end is over when its day is.
        today_start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        context["events"] = self.visible_events(request.user, memberships).filter(
            models.Q(end__gte=timezone.now()) | models.Q(end__isnull=True, start__gte=today_start)
        )[:EVENTS_ON_SCHOOL_PAGE]
        return context


class AudienceForm(WagtailAdminPageForm):
    """Offers only the classes of the page's school and checks the audience against it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        school_page = self._school_page()
        if "audience_class" in self.fields:
            classes = SchoolClass.objects.select_related("school_year")
            self.fields["audience_class"].queryset = (
                classes.filter(school_id=school_page.school_id) if school_page else classes.none()
            )

    def _school_page(self):
        parent = self.parent_page if getattr(self, "parent_page", None) else self.instance.get_parent()
        parent = parent.specific if parent else None
        return parent if isinstance(parent, SchoolPage) else None

    def clean(self):
        cleaned = super().clean()
        audience = cleaned.get("audience")
        school_class = cleaned.get("audience_class")
        if audience == Audience.SCHOOL_CLASS and school_class is None:
            self.add_error("audience_class", _("Choose the class this is for."))
        elif audience != Audience.SCHOOL_CLASS:
            cleaned["audience_class"] = None
        return cleaned


class AudienceMixin(models.Model):
    """Audience fields and the 404/login answer of news and event pages."""

    audience = models.CharField(_("audience"), max_length=10, choices=Audience.choices, default=Audience.PUBLIC)
    audience_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("class"),
        help_text=_("Only for the audience “One class”."),
    )

    audience_panels = [
        MultiFieldPanel([FieldPanel("audience"), FieldPanel("audience_class")], heading=_("Who may see this"))
    ]

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        if self.audience != Audience.PUBLIC:
            # An item that was public before is still in the index; indexing skips it now but does not remove it.
            remove_object(self)

    def clean(self):
        super().clean()
        if self.audience == Audience.SCHOOL_CLASS and self.audience_class_id is None:
            raise ValidationError({"audience_class": _("Choose the class this is for.")})

    @classmethod
    def get_indexed_objects(cls):
        # The site search lists results without asking who may see them: only public items are indexed at all.
        return super().get_indexed_objects().filter(audience=Audience.PUBLIC)

    def school_page(self):
        parent = self.get_parent()
        parent = parent.specific if parent else None
        return parent if isinstance(parent, SchoolPage) else None

    def serve(self, request, *args, **kwargs):
        school_page = self.school_page()
        school = school_page.school if school_page else None
        if not can_see(request.user, self, school):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            # Whether something exists is itself information: others get the same answer as for a missing page.
            raise Http404
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["school_page"] = self.school_page()
        return context


class SchoolNewsPage(AudienceMixin, Page):
    date = models.DateField(_("date"), default=timezone.localdate)
    teaser = models.TextField(_("teaser"), blank=True, help_text=_("One or two sentences shown in the list."))
    body = StreamField(BaseStreamBlock(), blank=True, verbose_name=_("body"))

    parent_page_types = ["schools.SchoolPage"]
    subpage_types = []

    search_fields = Page.search_fields + [index.SearchField("teaser"), index.SearchField("body")]
    content_panels = (
        Page.content_panels
        + [FieldPanel("date"), FieldPanel("teaser"), FieldPanel("body")]
        + AudienceMixin.audience_panels
    )
    base_form_class = AudienceForm

    template = "schools/school_news_page.html"

    class Meta:
        verbose_name = _("school news")
        verbose_name_plural = _("school news")

    def __str__(self):
        return self.title


class SchoolEventPage(AudienceMixin, Page):
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"), null=True, blank=True)
    all_day = models.BooleanField(_("all day"), default=False, help_text=_("Only the dates of start and end count."))
    location = models.CharField(_("location"), max_length=200, blank=True)
    teaser = models.TextField(_("teaser"), blank=True)
    body = StreamField(BaseStreamBlock(), blank=True, verbose_name=_("body"))

    parent_page_types = ["schools.SchoolPage"]
    subpage_types = []

    search_fields = Page.search_fields + [index.SearchField("teaser"), index.SearchField("location")]
    content_panels = (
        Page.content_panels
        + [
            MultiFieldPanel(
                [FieldPanel("start"), FieldPanel("end"), FieldPanel("all_day"), FieldPanel("location")],
                heading=_("When and where"),
            ),
            FieldPanel("teaser"),
            FieldPanel("body"),
        ]
        + AudienceMixin.audience_panels
    )
    base_form_class = AudienceForm

    template = "schools/school_event_page.html"

    class Meta:
        verbose_name = _("school event")
        verbose_name_plural = _("school events")

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        if self.end and self.start and self.end < self.start:
            raise ValidationError({"end": _("The end must not be before the start.")})


def new_calendar_token():
    return secrets.token_urlsafe(32)


class CalendarToken(models.Model):
    """A person's secret for the agenda feeds: calendar apps cannot log in, so the feed URL carries it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_token", verbose_name=_("user")
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_calendar_token)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar token")
        verbose_name_plural = _("calendar tokens")

    def __str__(self):
        return str(self.user)

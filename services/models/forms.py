"""Form definitions: a snippet with drafts and revisions whose fields are a StreamField of field blocks."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, PublishingPanel
from wagtail.fields import StreamField
from wagtail.models import DraftStateMixin, LockableMixin, RevisionMixin
from wagtail.search import index

from ..blocks import FormFieldsBlock


class ServiceForm(DraftStateMixin, LockableMixin, RevisionMixin, index.Indexed, models.Model):
    """A form editors build once and embed in one or more service pages.

    Residents always fill in the live (published) version; each case keeps the revision it was
    submitted with, so later edits never change what a submitted case shows.
    """

    title = models.CharField(_("title"), max_length=200)
    fields = StreamField(FormFieldsBlock(), verbose_name=_("fields"), blank=True)
    submit_label = models.CharField(_("label of the submit button"), max_length=60, blank=True)

    panels = [
        FieldPanel("title"),
        FieldPanel("fields"),
        FieldPanel("submit_label"),
        PublishingPanel(),
    ]
    search_fields = [index.SearchField("title"), index.AutocompleteField("title")]

    class Meta:
        verbose_name = _("service form")
        verbose_name_plural = _("service forms")
        ordering = ["title"]

    def __str__(self):
        return self.title

    def published_version(self):
        """The form as residents see it: the live revision's content, or None if never published."""
        if not self.live:
            return None
        if self.live_revision_id is None:
            return self
        return self.live_revision.as_object()

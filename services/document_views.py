"""My documents (/account/documents/): everything the administration delivered to the acting context.

Thin views: the query is `services.document_list`; files are served by the existing download views (the case's
and the tax account's), so access checks live in one place.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from . import document_list, views


class DocumentFilterForm(forms.Form):
    """Filters of the list (GET); an invalid value is ignored and shown as an error, like the case list's."""

    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    service = forms.ChoiceField(label=_("Service"), required=False)

    def __init__(self, *args, facets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("All years"))] + [(year, str(year)) for year in facets.years]
        choices = [("", _("All services"))] + [(str(pk), title) for pk, title in facets.services]
        if facets.has_tax:
            choices.append((document_list.TAX, _("Tax account")))
        self.fields["service"].choices = choices

    def _cleaned(self):
        self.is_valid()
        return getattr(self, "cleaned_data", {})

    def filters(self):
        data = self._cleaned()
        return document_list.Filters(year=data.get("year"), source=data.get("service") or "")

    def is_filtered(self):
        filters = self.filters()
        return bool(filters.year or filters.source)


@login_required
def document_list_view(request):
    acting_context = request.acting_context
    filter_form = DocumentFilterForm(request.GET or None, facets=document_list.facets(acting_context))
    paginator = Paginator(document_list.delivered(acting_context, filter_form.filters()), document_list.PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "services/documents/list.html",
        {
            "filter_form": filter_form,
            "is_filtered": filter_form.is_filtered(),
            "page": page,
            "paginator": paginator,
            "documents": document_list.load(page.object_list),
        },
    )


@login_required
def case_document(request, reference, pk):
    """Download an issued case document from the list: the case page's download (its scoping and 404s), then
    the document counts as read, as it does once the case page has been opened."""
    response = views.download_document(request, reference, pk)
    document_list.mark_opened(request.user, pk)
    return response

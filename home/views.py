"""Site-wide views: search and error pages."""

from django.core.paginator import Paginator
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template.loader import get_template
from wagtail.models import Page, Site

RESULTS_PER_PAGE = 10


def search(request):
    """Full-text search over the live, public pages of the site the request is for."""
    query = request.GET.get("q", "").strip()
    site = Site.find_for_request(request)
    results = []
    if query and site is not None:
        pages = Page.objects.live().public().descendant_of(site.root_page, inclusive=True).specific()
        results = pages.search(query)
    paginator = Paginator(results, RESULTS_PER_PAGE)
    page_obj = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "home/search.html",
        {"query": query, "results": page_obj, "paginator": paginator},
    )


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # Whatever broke may be the database or a context processor, so render without either.
    return HttpResponseServerError(get_template("500.html").render({}))

"""Site-wide views: search and error pages."""

from django.shortcuts import render


def search(request):
    return render(request, "home/search.html", {})


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)

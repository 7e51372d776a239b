"""Views of services (placeholder; the account case pages are being built)."""

from django.http import Http404


def case_list(request):
    raise Http404


def case_detail(request, reference):
    raise Http404

"""Agenda feeds of the schools; the school web pages themselves are Wagtail pages (schools.models.pages)."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404

from .calendar import calendar_bytes, class_events, public_events, user_for_token
from .models import SchoolClass, SchoolPage


def school_page_or_404(code):
    return get_object_or_404(SchoolPage.objects.live().public().select_related("school"), school__code=code)


def ics_response(name, events, request):
    response = HttpResponse(calendar_bytes(name, events, request), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="agenda.ics"'
    return response


def school_agenda(request, code):
    school_page = school_page_or_404(code)
    return ics_response(school_page.school.name, public_events(school_page), request)


def class_agenda(request, code, class_id):
    # Calendar apps cannot log in: the person is known by the secret token in the URL, never by the session. Every
    # failure answers 404 alike, so a feed URL reveals nothing about classes or tokens.
    user = user_for_token(request.GET.get("token", ""))
    if user is None:
        raise Http404
    school_page = school_page_or_404(code)
    school_class = get_object_or_404(SchoolClass, pk=class_id, school=school_page.school)
    events = class_events(school_page, school_class, user)
    if events is None:
        raise Http404
    return ics_response(f"{school_page.school.name} – {school_class.name}", events, request)

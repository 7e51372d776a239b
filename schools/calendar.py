"""Agenda feeds (iCal) of a school and of one class, and the personal token that opens the class feeds."""

import datetime as dt

from django.db.models import Q
from django.utils import timezone
from icalendar import Calendar, Event

from .audience import Audience, classes_of, visible_filter
from .models.pages import CalendarToken, SchoolEventPage

# Calendar apps poll the feed often; events long past only make it bigger.
FEED_DAYS_BACK = 180


def token_for(user):
    """The person's feed token, created on first use."""
    token, _created = CalendarToken.objects.get_or_create(user=user)
    return token.token


def user_for_token(token):
    """The active user a feed token belongs to, or None."""
    if not token:
        return None
    found = CalendarToken.objects.select_related("user").filter(token=token, user__is_active=True).first()
    return found.user if found else None


def feed_events(school_page, audience_filter):
    since = timezone.now() - dt.timedelta(days=FEED_DAYS_BACK)
    return (
        SchoolEventPage.objects.child_of(school_page)
        .live()
        .filter(audience_filter)
        .filter(Q(start__gte=since) | Q(end__gte=since))
        .defer_streamfields()
        .order_by("start", "pk")
    )


def public_events(school_page):
    return feed_events(school_page, Q(audience=Audience.PUBLIC))


def class_events(school_page, school_class, user):
    """The events of the school relevant to one class that `user` may see; None if the user is not of the class."""
    if not classes_of(user).filter(pk=school_class.pk).exists():
        return None
    for_class = Q(audience__in=[Audience.PUBLIC, Audience.SCHOOL]) | Q(
        audience=Audience.SCHOOL_CLASS, audience_class=school_class
    )
    return feed_events(school_page, for_class & visible_filter(user, school_page.school))


def calendar_bytes(name, events, request):
    calendar = Calendar()
    calendar.add("prodid", "-//Gemeindeportal//Schulagenda//DE")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    host = request.get_host().split(":")[0]
    for page in events:
        calendar.add_component(ical_event(page, request, host))
    return calendar.to_ical()


def ical_event(page, request, host):
    event = Event()
    event.add("uid", f"school-event-{page.pk}@{host}")
    event.add("summary", page.title)
    event.add("dtstamp", page.last_published_at or timezone.now())
    if page.all_day:
        start = timezone.localtime(page.start).date()
        end = timezone.localtime(page.end).date() if page.end else start
        event.add("dtstart", start)
        # DTEND of an all-day event is exclusive.
        event.add("dtend", end + dt.timedelta(days=1))
    else:
        event.add("dtstart", page.start.astimezone(dt.UTC))
        if page.end:
            event.add("dtend", page.end.astimezone(dt.UTC))
    if page.location:
        event.add("location", page.location)
    if page.teaser:
        event.add("description", page.teaser)
    event.add("url", page.get_full_url(request))
    return event

"""Models of schools: the records every school feature is built on, and the school web pages."""

from .pages import CalendarToken, SchoolEventPage, SchoolIndexPage, SchoolNewsPage, SchoolPage
from .records import Enrolment, Guardianship, School, SchoolClass, SchoolYear, TeachingAssignment, Term

__all__ = [
    "CalendarToken",
    "SchoolEventPage",
    "SchoolIndexPage",
    "SchoolNewsPage",
    "SchoolPage",
    "Enrolment",
    "Guardianship",
    "School",
    "SchoolClass",
    "SchoolYear",
    "TeachingAssignment",
    "Term",
]

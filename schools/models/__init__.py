"""Models of schools: the records every school feature is built on, the school web pages and the features."""

from .absences import Absence, LeaveRequest, ReasonCategory
from .courses import Course, CourseRegistration
from .grades import Assessment, Grade
from .lunch import LunchBooking, LunchCancellation, LunchInvoice, LunchOffer
from .meetings import MeetingBooking, MeetingSeries, MeetingSlot
from .pages import CalendarToken, SchoolEventPage, SchoolIndexPage, SchoolNewsPage, SchoolPage
from .records import Enrolment, Guardianship, School, SchoolClass, SchoolYear, TeachingAssignment, Term
from .weekly_plans import PlanAcknowledgement, WeeklyPlan, WeeklyPlanAttachment, WeeklyPlanTask

__all__ = [
    "Absence",
    "Assessment",
    "CalendarToken",
    "Course",
    "CourseRegistration",
    "Enrolment",
    "Grade",
    "Guardianship",
    "LeaveRequest",
    "LunchBooking",
    "LunchCancellation",
    "LunchInvoice",
    "LunchOffer",
    "MeetingBooking",
    "MeetingSeries",
    "MeetingSlot",
    "PlanAcknowledgement",
    "ReasonCategory",
    "School",
    "SchoolClass",
    "SchoolEventPage",
    "SchoolIndexPage",
    "SchoolNewsPage",
    "SchoolPage",
    "SchoolYear",
    "TeachingAssignment",
    "Term",
    "WeeklyPlan",
    "WeeklyPlanAttachment",
    "WeeklyPlanTask",
]

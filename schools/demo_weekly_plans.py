"""Demo weekly plans: class 5b has a published plan for this week (with a worksheet) and a draft for next week."""

import datetime
import io
import logging

from django.core.files.uploadedfile import SimpleUploadedFile
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from . import weekly_plans
from .models.weekly_plans import WeeklyPlan

logger = logging.getLogger(__name__)

THIS_WEEK_TASKS = [
    weekly_plans.TaskData("Mathematik", "Arbeitsblatt «Brüche vergleichen», Aufgaben 1–6", day=0),
    weekly_plans.TaskData("Deutsch", "Lesetext «Der Fuchs» lesen und die Fragen 1–4 beantworten", day=1),
    weekly_plans.TaskData("NMG", "Zwei Laubblätter sammeln und mitbringen", day=3),
    weekly_plans.TaskData("Mathematik", "Einmaleins-Training am Computer (15 Minuten)", day=None, compulsory=False),
    weekly_plans.TaskData("Deutsch", "Wörter der Woche üben, Diktat am Freitag", day=4),
]
NEXT_WEEK_TASKS = [
    weekly_plans.TaskData("Mathematik", "Brüche addieren, Buch Seite 34", day=0),
    weekly_plans.TaskData("NMG", "Vortrag über ein Waldtier vorbereiten", day=None),
]
WORKSHEET_NAME = "Arbeitsblatt-Brueche.pdf"


def worksheet_pdf():
    """A one-page worksheet, made with reportlab."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle("Arbeitsblatt: Brüche vergleichen")
    pdf.setFont("Helvetica-Bold", 16)
    pdf.drawString(72, 770, "Arbeitsblatt: Brüche vergleichen (5b)")
    pdf.setFont("Helvetica", 12)
    for number, line in enumerate(("1/2 oder 2/3?", "3/4 oder 5/8?", "2/5 oder 1/3?", "7/10 oder 3/5?"), start=1):
        pdf.drawString(72, 730 - number * 28, f"{number}. Welcher Bruch ist grösser: {line}  ________")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _ensure_plan(teacher, school_class, monday, title, notes, tasks):
    plan = WeeklyPlan.objects.filter(school_class=school_class, week_starts_on=monday).first()
    if plan is None:
        plan = weekly_plans.create_plan(teacher, school_class, monday, title=title, notes=notes, tasks=tasks)
    elif not plan.tasks.exists():
        weekly_plans.update_plan(teacher, plan, title=plan.title or title, notes=plan.notes or notes, tasks=tasks)
    return plan


def ensure_demo_weekly_plans(records, users):
    """Idempotent: creates what is missing, never a second plan, task list or worksheet."""
    teacher, school_class = users["teacher"], records["classes"]["5b"]
    monday = weekly_plans.this_monday()
    current = _ensure_plan(
        teacher,
        school_class,
        monday,
        "Brüche und Herbstwald",
        "Bitte bringt am Donnerstag wetterfeste Kleidung mit: Wir gehen in den Wald.",
        THIS_WEEK_TASKS,
    )
    if not current.attachments.exists():
        weekly_plans.add_attachment(current, SimpleUploadedFile(WORKSHEET_NAME, worksheet_pdf()), WORKSHEET_NAME)
    # Published quietly: the demo should not fill the demo family's inbox each time it is seeded.
    weekly_plans.publish(teacher, current, notify=False)
    try:
        _ensure_plan(
            teacher,
            school_class,
            monday + datetime.timedelta(days=7),
            "Brüche addieren",
            "",
            NEXT_WEEK_TASKS,
        )
    except weekly_plans.WeeklyPlanError as error:
        # In the last week of the school year there is no next week to plan.
        logger.info("No demo draft for next week: %s", error)
    return current

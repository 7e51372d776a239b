"""School records: school houses, school years and terms, classes, enrolments, guardianships, teaching assignments.

Maintained by school administrators in the back office or fed by the school administration's application through
the API. Every other school record (plans, grades, absences …) hangs off these; who may see what is decided by
`schools.policies` from enrolments, guardianships and teaching assignments only.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class School(models.Model):
    """A school house (Schulhaus); its web pages are the SchoolPage that points to it."""

    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(
        _("code"),
        max_length=60,
        unique=True,
        help_text=_("Identifier used by the school administration's application."),
    )
    grades_visible_without_custody = models.BooleanField(
        _("guardians without custody see grades"),
        default=False,
        help_text=_("Whether a guardian with an information right only sees published grades."),
    )
    management = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="managed_schools",
        verbose_name=_("school management"),
        help_text=_("Decide leave requests above the class teacher's limit."),
    )
    leave_half_days_by_class_teacher = models.PositiveSmallIntegerField(
        _("leave decided by the class teacher up to (half-days)"),
        default=4,
        help_text=_("Longer leave requests go to the school management."),
    )

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["name"]

    def __str__(self):
        return self.name


class SchoolYear(models.Model):
    name = models.CharField(_("name"), max_length=20, unique=True, help_text=_("e.g. 2026/27"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    class Meta:
        verbose_name = _("school year")
        verbose_name_plural = _("school years")
        ordering = ["-starts_on"]

    def __str__(self):
        return self.name


class Term(models.Model):
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.CASCADE, related_name="terms", verbose_name=_("school year")
    )
    name = models.CharField(_("name"), max_length=60, help_text=_("e.g. 1. Semester"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["starts_on"]
        constraints = [models.UniqueConstraint(fields=["school_year", "name"], name="schools_term_unique_name")]

    def __str__(self):
        return f"{self.school_year} – {self.name}"


class SchoolClass(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="classes", verbose_name=_("school"))
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="classes", verbose_name=_("school year")
    )
    name = models.CharField(_("name"), max_length=40, help_text=_("e.g. 4a"))
    grade = models.PositiveSmallIntegerField(_("grade"), null=True, blank=True, help_text=_("School grade, e.g. 4"))
    external_id = models.CharField(
        _("external id"), max_length=64, blank=True, help_text=_("The class's id in the school administration.")
    )

    class Meta:
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        ordering = ["school", "school_year", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "school_year", "name"], name="schools_class_unique_name"),
            models.UniqueConstraint(
                fields=["school", "external_id"],
                condition=~models.Q(external_id=""),
                name="schools_class_unique_external_id",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.school}, {self.school_year})"


class Enrolment(models.Model):
    """A student in a class (for a school year); ends_on set when the student leaves the class."""

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments", verbose_name=_("student")
    )
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="enrolments", verbose_name=_("class")
    )
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["school_class", "student__last_name", "student__first_name"]
        constraints = [
            models.UniqueConstraint(fields=["student", "school_class"], name="schools_enrolment_unique"),
        ]

    def __str__(self):
        return f"{self.student} – {self.school_class}"


class Guardianship(models.Model):
    """A parent or other guardian of a student; without custody only what the school allows is shown."""

    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guardianships", verbose_name=_("guardian")
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guardians", verbose_name=_("student")
    )
    has_custody = models.BooleanField(_("custody"), default=True)
    information_only = models.BooleanField(
        _("information right only"),
        default=False,
        help_text=_("The guardian is informed but does not act for the student (no bookings, no absence reports)."),
    )

    class Meta:
        verbose_name = _("guardianship")
        verbose_name_plural = _("guardianships")
        ordering = ["student__last_name", "student__first_name", "guardian__last_name"]
        constraints = [models.UniqueConstraint(fields=["guardian", "student"], name="schools_guardianship_unique")]

    def __str__(self):
        return f"{self.guardian} → {self.student}"


class TeachingAssignment(models.Model):
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="teaching_assignments",
        verbose_name=_("teacher"),
    )
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="teaching_assignments", verbose_name=_("class")
    )
    is_class_teacher = models.BooleanField(_("class teacher"), default=False)
    subjects = models.CharField(
        _("subjects"), max_length=300, blank=True, help_text=_("Comma-separated, e.g. Deutsch, NMG")
    )

    class Meta:
        verbose_name = _("teaching assignment")
        verbose_name_plural = _("teaching assignments")
        ordering = ["school_class", "-is_class_teacher", "teacher__last_name"]
        constraints = [models.UniqueConstraint(fields=["teacher", "school_class"], name="schools_assignment_unique")]

    def __str__(self):
        return f"{self.teacher} – {self.school_class}"

    @property
    def subject_list(self):
        return [subject.strip() for subject in self.subjects.split(",") if subject.strip()]

"""Parent–teacher meetings (Elterngespräche): a teacher opens slots, a guardian books one per child and series."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .records import SchoolClass


class MeetingSeries(models.Model):
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="meeting_series", verbose_name=_("class")
    )
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meeting_series", verbose_name=_("teacher")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # Until then guardians may book, cancel and rebook; afterwards only the teacher changes bookings.
    booking_deadline = models.DateTimeField(_("booking, cancelling and rebooking until"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("meeting series")
        verbose_name_plural = _("meeting series")
        ordering = ["-booking_deadline", "pk"]

    def __str__(self):
        return f"{self.title} ({self.school_class.name})"


class MeetingSlot(models.Model):
    series = models.ForeignKey(MeetingSeries, on_delete=models.CASCADE, related_name="slots", verbose_name=_("series"))
    starts_at = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveSmallIntegerField(_("length (minutes)"), default=20)
    location = models.CharField(_("place"), max_length=200, blank=True)
    online_url = models.URLField(_("online meeting link"), blank=True)

    class Meta:
        verbose_name = _("meeting slot")
        verbose_name_plural = _("meeting slots")
        ordering = ["series", "starts_at"]
        indexes = [models.Index(fields=["starts_at"], name="schools_slot_start_idx")]

    def __str__(self):
        return f"{self.series.title} {self.starts_at:%d.%m.%Y %H:%M}"


class MeetingBooking(models.Model):
    """The database keeps one booking per slot and one per child and series, however many people click at once."""

    slot = models.OneToOneField(MeetingSlot, on_delete=models.CASCADE, related_name="booking", verbose_name=_("slot"))
    series = models.ForeignKey(
        MeetingSeries, on_delete=models.CASCADE, related_name="bookings", verbose_name=_("series")
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("student")
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meeting_bookings", verbose_name=_("booked by")
    )
    booked_at = models.DateTimeField(_("booked at"), auto_now_add=True)
    reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("meeting booking")
        verbose_name_plural = _("meeting bookings")
        ordering = ["slot__starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["series", "student"], name="schools_booking_one_per_child"),
        ]

    def __str__(self):
        return f"{self.slot} – {self.student}"

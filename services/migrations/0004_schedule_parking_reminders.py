"""Schedule the daily parking-permit job (reminders 30 and 7 days before expiry, expiry marking) in django-q2."""

from django.db import migrations

NAME = "services: parking permit reminders"


def schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=NAME,
        defaults={"func": "services.parking.daily_job", "schedule_type": "D", "repeats": -1},
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("services", "0003_payments_certificates_parking_tax")]

    operations = [migrations.RunPython(schedule, unschedule)]

"""Schedule the school's daily jobs in django-q2: meeting reminders for tomorrow, lunch invoices of last month."""

from django.db import migrations

SCHEDULES = {
    "schools: remind of tomorrow's parent–teacher meetings": "schools.meetings.send_reminders",
    "schools: bill last month's lunches": "schools.lunch.bill_previous_month",
}


def schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for name, func in SCHEDULES.items():
        Schedule.objects.update_or_create(name=name, defaults={"func": func, "schedule_type": "D", "repeats": -1})


def unschedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=list(SCHEDULES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("schools", "0003_school_features"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]

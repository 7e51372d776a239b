"""The manual-replay flag of webhook deliveries, and the django-q2 schedules of integrations:
the webhook sweeper every minute and the daily clean-up of stored idempotent responses."""

from django.db import migrations, models

SCHEDULES = {
    "integrations: deliver due webhooks": {
        "func": "integrations.tasks.deliver_due",
        "schedule_type": "I",
        "minutes": 1,
        "repeats": -1,
    },
    "integrations: remove old idempotency records": {
        "func": "integrations.tasks.cleanup_idempotency_records",
        "schedule_type": "D",
        "repeats": -1,
    },
}


def schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for name, fields in SCHEDULES.items():
        Schedule.objects.update_or_create(name=name, defaults=fields)


def unschedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=list(SCHEDULES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="webhookdelivery",
            name="replay_requested",
            field=models.BooleanField(default=False, verbose_name="replay requested"),
        ),
        migrations.RunPython(schedule, unschedule),
    ]

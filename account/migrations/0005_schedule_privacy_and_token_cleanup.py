"""The daily django-q2 schedules of the account: remove expired data exports, and expired tokens and codes of
the portal's OpenID Connect provider."""

from django.db import migrations

SCHEDULES = {
    "account: remove expired data exports": {
        "func": "account.privacy_tasks.expire_exports",
        "schedule_type": "D",
        "repeats": -1,
    },
    "account: remove expired login tokens of apps": {
        "func": "account.oidc_provider.cleanup_tokens",
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
        ("useraccount", "0004_privacy_security"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]

"""The audit trail of personal records (DESIGN §7): who in the back office read or changed what about whom.

The back office calls `record()` where a clerk opens, changes, exports or downloads a personal record, and
`record_many()` where a list or an export shows many at once (one entry per record, so every person's own trail
is complete). The public account never calls these: a person's access to their own data is not logged.
Administrators read the trail in the Wagtail admin report "Access to personal data" (account/audit_views.py).
"""

from django.apps import apps

from .models import PersonalDataAccess, User

Action = PersonalDataAccess.Action
VIEW_PERMISSION = "useraccount.view_personaldataaccess"
# Attributes that name the person a record is about, in the order they are asked.
PERSON_FIELDS = ("owner_user", "holder", "user", "submitted_by")
_SUMMARY_LENGTH = PersonalDataAccess._meta.get_field("summary").max_length
_PATH_LENGTH = PersonalDataAccess._meta.get_field("path").max_length
_LABEL_LENGTH = PersonalDataAccess._meta.get_field("actor_label").max_length


def may_view_trail(user):
    return user.is_authenticated and user.is_active and (user.is_superuser or user.has_perm(VIEW_PERMISSION))


def person_id_of(record):
    """The id of the person a record is about: the user itself, else its owner, holder, user or submitter.

    Read from the foreign key columns (`owner_user_id` …), so a list of records costs no extra query.
    """
    if isinstance(record, User):
        return record.pk
    for name in PERSON_FIELDS:
        value = getattr(record, f"{name}_id", None)
        if value:
            return value
    return None


def record_type_label(record_type):
    """The record type as people read it ("Case"), from the stored "services.case"."""
    try:
        model = apps.get_model(record_type)
    except (LookupError, ValueError):
        return record_type
    return str(model._meta.verbose_name).capitalize()


def _entry(request, action, record, subject, summary):
    actor = request.user if request.user.is_authenticated else None
    subject_id = getattr(subject, "pk", subject) if subject is not None else person_id_of(record)
    return PersonalDataAccess(
        actor=actor,
        actor_label=(actor.get_username() if actor else "")[:_LABEL_LENGTH],
        action=Action(action),
        subject_id=subject_id,
        record_type=record._meta.label_lower,
        record_id=str(record.pk),
        summary=str(summary)[:_SUMMARY_LENGTH],
        path=request.get_full_path()[:_PATH_LENGTH],
    )


def record(request, action, *, record, subject=None, summary=""):
    """Write one entry: `request.user` did `action` (Action.VIEW, CHANGE …) to `record` about `subject`.

    `subject` is the person concerned (a User or a user id); without it the record's own person is used
    (`person_id_of`). `summary` says in a few words what was done ("Status changed to completed").
    """
    entry = _entry(request, action, record, subject, summary)
    entry.save()
    return entry


def record_many(request, action, records, *, summary=""):
    """One entry per record (each with its own person), written in one query: a list page or an export."""
    entries = [_entry(request, action, item, None, summary) for item in records]
    PersonalDataAccess.objects.bulk_create(entries, batch_size=500)
    return len(entries)

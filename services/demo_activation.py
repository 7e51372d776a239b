"""Demo data of the verification feature (account/activation.py): letters in every state for the back office.

`ensure_demo_activation(users)` is called by services/demo_content.py after the demo users exist; it is
idempotent (one letter per person at most, created only when the person has none yet). No demo code can be
typed: the codes exist only in printed letters, so a printed demo letter has the hash of a random code; print it
again in the back office ("Activation letters") to get a code that works.
"""

from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from account import activation
from account.models import ActivationLetter, AssuranceLevel, User

CLERK_GROUP = "Sachbearbeitung"


def _user(users, key):
    return (users or {}).get(key) or User.objects.filter(email__iexact=f"{key}@musterwil.example").first()


def _letter(user, *, requested_days_ago, printed_days_ago=None, used_days_ago=None, clerk=None):
    if user is None or ActivationLetter.objects.filter(user=user).exists():
        return None
    now = timezone.now()
    requested_at = now - timedelta(days=requested_days_ago)
    printed_at = now - timedelta(days=printed_days_ago) if printed_days_ago is not None else None
    return ActivationLetter.objects.create(
        user=user,
        code_digest=make_password(activation.new_code() if printed_at else None),
        address=activation.address_snapshot(user),
        requested_at=requested_at,
        printed_at=printed_at,
        printed_by=clerk if printed_at else None,
        expires_at=(printed_at or requested_at) + activation.VALIDITY,
        used_at=now - timedelta(days=used_days_ago) if used_days_ago is not None else None,
    )


def ensure_demo_activation(users=None):
    """Letters for the demo people; returns the letters created this time (empty on a second run).

    - resident@ (Rita Muster): address verified with a letter used a month ago (level ADDRESS at least);
    - parent@ (Petra Elternteil): letter printed and posted 3 days ago, code not yet entered;
    - customer@ (Kurt Kunde): letter requested yesterday, waiting to be printed.
    The clerk group "Sachbearbeitung" (or the demo clerk if the group does not exist) may manage letters.
    """
    clerk = _user(users, "clerk")
    permissions = Permission.objects.filter(
        content_type__app_label="useraccount", codename__in=["view_activationletter", "change_activationletter"]
    )
    group = Group.objects.filter(name=CLERK_GROUP).first()
    if group is not None:
        group.permissions.add(*permissions)
    elif clerk is not None:
        clerk.user_permissions.add(*permissions)

    created = []
    resident = _user(users, "resident")
    letter = _letter(resident, requested_days_ago=40, printed_days_ago=37, used_days_ago=30, clerk=clerk)
    if resident is not None:
        resident.raise_assurance(AssuranceLevel.ADDRESS)
    created.append(letter)
    created.append(_letter(_user(users, "parent"), requested_days_ago=6, printed_days_ago=3, clerk=clerk))
    customer = _user(users, "customer")
    if customer is not None and not customer.town:
        customer.town = "Musterwil"
        customer.save(update_fields=["town"])
    created.append(_letter(customer, requested_days_ago=1))
    return [letter for letter in created if letter is not None]

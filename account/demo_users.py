"""The demo people and organisations of Musterwil (DESIGN.md section 8), created idempotently."""

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group, Permission

from .models import AssuranceLevel, Membership, Organisation, User

DEMO_PASSWORD = "musterwil-demo"  # noqa: S105 (published demo password, refused in production by seed_demo)

# e-mail local part → (first name, last name, extra fields)
DEMO_USERS = {
    "admin": ("Anna", "Admin", {"is_staff": True, "is_superuser": True}),
    "editor": ("Erich", "Redaktor", {"is_staff": True}),
    "clerk": ("Claudia", "Sachbearbeiterin", {"is_staff": True}),
    "resident": (
        "Rita",
        "Muster",
        {
            "street": "Dorfstrasse",
            "house_number": "12",
            "postcode": "9999",
            "town": "Musterwil",
            "phone": "+41 79 000 00 01",
            "date_of_birth": "1985-04-12",
            "ahv_number": "756.1234.5678.97",
        },
    ),
    "association": ("Alex", "Vereinsmann", {"street": "Turnhallenweg", "house_number": "3", "postcode": "9999"}),
    "business": ("Beat", "Baumeister", {"street": "Industriestrasse", "house_number": "8", "postcode": "9999"}),
    "parent": ("Petra", "Elternteil", {"street": "Schulweg", "house_number": "5", "postcode": "9999"}),
    "teacher": ("Thomas", "Lehrer", {}),
    "student": ("Sara", "Schülerin", {}),
    "customer": ("Kurt", "Kunde", {"street": "Seestrasse", "house_number": "21", "postcode": "9999"}),
}

DEMO_ORGANISATIONS = [
    {
        "lookup": {"name": "Turnverein Musterwil"},
        "defaults": {"kind": Organisation.Kind.ASSOCIATION, "street": "Turnhallenweg", "house_number": "3"},
        "owner": "association",
        "role": Membership.Role.OWNER,
    },
    {
        "lookup": {"name": "Muster Bau AG"},
        "defaults": {
            "kind": Organisation.Kind.BUSINESS,
            "uid": "CHE-123.456.788",
            "street": "Industriestrasse",
            "house_number": "8",
        },
        "owner": "business",
        "role": Membership.Role.ADMIN,
    },
]

# The clerk's group ("Sachbearbeitung") comes with the services demo, which gives it its permissions.
STAFF_GROUPS = {"editor": "Editors"}


def staff_group(name):
    """A back-office group that can at least open the Wagtail admin (Wagtail's migration makes "Editors";
    a database flushed by tests has lost it)."""
    group, _ = Group.objects.get_or_create(name=name)
    access = Permission.objects.filter(content_type__app_label="wagtailadmin", codename="access_admin").first()
    if access:
        group.permissions.add(access)
    return group


def demo_email(key):
    return f"{key}@musterwil.example"


def ensure_demo_users():
    """Create or refresh every demo account with a verified e-mail address; returns {key: user}."""
    users = {}
    for key, (first_name, last_name, extra) in DEMO_USERS.items():
        email = demo_email(key)
        fields = {"first_name": first_name, "last_name": last_name, "language": "de", **extra}
        fields.setdefault("postcode", "")
        if fields.get("street"):
            fields.setdefault("town", "Musterwil")
        user = User.objects.filter(email__iexact=email).first() or User(email=email)
        for name, value in fields.items():
            setattr(user, name, value)
        user.assurance_level = max(user.assurance_level, AssuranceLevel.EMAIL)
        user.set_password(DEMO_PASSWORD)
        user.save()
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        group_name = STAFF_GROUPS.get(key)
        if group_name:
            user.groups.add(staff_group(group_name))
        users[key] = user
    return users


def ensure_demo_organisations(users):
    organisations = {}
    for spec in DEMO_ORGANISATIONS:
        defaults = {"town": "Musterwil", "postcode": "9999", **spec["defaults"]}
        organisation, _ = Organisation.objects.update_or_create(**spec["lookup"], defaults=defaults)
        Membership.objects.update_or_create(
            user=users[spec["owner"]], organisation=organisation, defaults={"role": spec["role"]}
        )
        organisations[organisation.name] = organisation
    # An administrator role needs an owner above it: the demo admin owns the business.
    business = organisations["Muster Bau AG"]
    if not business.memberships.filter(role=Membership.Role.OWNER).exists():
        Membership.objects.update_or_create(
            user=users["admin"], organisation=business, defaults={"role": Membership.Role.OWNER}
        )
    return organisations

"""Two residents sharing an organisation, each with a full set of records: the data of the privacy tests."""

import datetime
import itertools
from dataclasses import dataclass, field

from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession
from django.core.files.base import ContentFile
from django.utils import timezone

from account import notifications
from account.models import ActivationLetter, AssuranceLevel, Invitation, KnownDevice, Membership
from services import cases
from services.models import (
    Case,
    CaseDocument,
    CaseStatus,
    Certificate,
    ParkingPermit,
    Payment,
    TaxAccount,
    TaxDocument,
    TaxEntry,
)
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

Origin = CaseDocument.Origin
_numbers = itertools.count(1)


def pdf(text):
    return f"%PDF-1.4\n% {text}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".encode()


def make_case(owner=None, *, organisation=None, submitted_by=None, status=CaseStatus.SUBMITTED, title="Gesuch", **kw):
    number = next(_numbers)
    draft = status == CaseStatus.DRAFT
    return Case.objects.create(
        reference=None if draft else f"MW-2026-{number:05d}",
        title=title,
        owner_user=None if organisation else owner,
        owner_organisation=organisation,
        submitted_by=submitted_by or owner,
        status=status,
        submitted_at=None if draft else timezone.now(),
        **kw,
    )


def upload(case, name, *, by=None, origin=Origin.APPLICANT):
    """A document of the case, stored like a real upload (origin applicant) or delivery (administration)."""
    return cases.add_document(
        case, ContentFile(pdf(name), name=name), origin=origin, uploaded_by=by, title=name, record_event=False
    )


@dataclass
class Person:
    user: object
    personal_case: object
    organisation_case: object
    documents: list = field(default_factory=list)
    texts: list = field(default_factory=list)  # distinctive texts this person wrote


def resident(first, last, ahv, **fields):
    email = f"{first}.{last}@example.org".lower()
    return UserFactory(
        first_name=first,
        last_name=last,
        email=email,
        ahv_number=ahv,
        language="en",
        phone="+41 44 555 00 11",
        date_of_birth=datetime.date(1980, 5, 17),
        street=f"{last}weg",
        house_number="7",
        postcode="9999",
        town="Musterwil",
        assurance_level=AssuranceLevel.EMAIL,
        **fields,
    )


def fill(user, organisation, clerk, tag):
    """Give `user` a personal case (answers, messages, documents, payment), an organisation case, a notification,
    a session, a known device and a second factor. `tag` makes their texts and file names recognisable."""
    personal = make_case(
        user,
        title=f"Bewilligung {tag}",
        fields_snapshot=[{"name": "organiser", "label": "Veranstalter/in", "type": "text"}],
        data={"organiser": user.get_full_name(), "email": user.email, "remarks": f"Bemerkung von {tag}"},
        contact_email=user.email,
        fee_rappen=2500,
    )
    Payment.objects.create(case=personal, amount_rappen=2500, reference=personal.reference)
    office_text = f"Bitte Plan nachreichen ({tag})"
    cases.send_message(personal, office_text, author=clerk)
    own_text = f"Hier ist meine Nachricht ({tag})"
    cases.send_message(personal, own_text, author=user, from_applicant=True)
    documents = [
        upload(personal, f"plan-{tag}.pdf", by=user),
        upload(personal, f"entscheid-{tag}.pdf", origin=Origin.ADMINISTRATION),
    ]
    organisation_case = make_case(
        organisation=organisation, submitted_by=user, title=f"Vereinsanlass {tag}", data={"club": organisation.name}
    )
    documents.append(upload(organisation_case, f"verein-{tag}.pdf", by=user))
    club_text = f"Nachricht zum Vereinsanlass ({tag})"
    cases.send_message(organisation_case, club_text, author=user, from_applicant=True)
    notifications.notify(user, "account", f"Hallo {tag}", f"Eine Mitteilung für {tag}")
    UserSession.objects.create(
        user=user, ip="203.0.113.10", session_key=f"session-{tag}"[:40], user_agent=f"Browser-{tag}/1.0"
    )
    KnownDevice.objects.create(user=user, fingerprint=f"{tag:0>64}"[:64], label=f"Gerät {tag}", last_ip="203.0.113.10")
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": f"TOTPSECRET{tag.upper()}"})
    return Person(user, personal, organisation_case, documents, [office_text, own_text, club_text])


def two_residents_sharing_an_organisation():
    """Anna (member) and Bruno (owner) of one association, each with a complete set of records.

    Bruno also wrote in Anna's organisation case and uploaded a file there: his contributions, not hers.
    """
    clerk = UserFactory(first_name="Clara", last_name="Kanzlei", is_staff=True, language="en")
    organisation = OrganisationFactory(name="Turnverein Beispielwil", uid="CHE-123.456.788")
    anna = resident("Anna", "Aebischer", "756.1234.5678.97")
    bruno = resident("Bruno", "Zwyssig", "756.9217.0769.85")
    MembershipFactory(organisation=organisation, user=bruno, role=Membership.Role.OWNER)
    MembershipFactory(organisation=organisation, user=anna, role=Membership.Role.MEMBER)
    first = fill(anna, organisation, clerk, "anna")
    second = fill(bruno, organisation, clerk, "bruno")

    bruno_text = "Bruno ergänzt Annas Anlass"
    cases.send_message(first.organisation_case, bruno_text, author=bruno, from_applicant=True)
    second.texts.append(bruno_text)
    second.documents.append(upload(first.organisation_case, "bruno-ergaenzung.pdf", by=bruno))

    # Bruno invited Anna; Anna invited someone else (that address is not Anna's data).
    Invitation.objects.create(
        organisation=organisation,
        email=anna.email,
        invited_by=bruno,
        accepted_by=anna,
        accepted_at=timezone.now(),
    )
    Invitation.objects.create(organisation=organisation, email="someone.else@example.org", invited_by=anna)

    today = timezone.localdate()
    ParkingPermit.objects.create(
        number="PK-2026-0101",
        holder=anna,
        zone="Zone A",
        plates=["ZH 12345"],
        valid_from=today,
        valid_until=today + datetime.timedelta(days=365),
        case=first.personal_case,
    )
    Certificate.objects.create(
        kind="residence",
        holder=anna,
        case=first.personal_case,
        data={"name": anna.get_full_name(), "address": "Aebischerweg 7, 9999 Musterwil"},
    )
    account = TaxAccount.objects.create(
        taxpayer_number="MW-2026-100077", name=anna.get_full_name(), holder=anna, activated_at=timezone.now()
    )
    TaxEntry.objects.create(account=account, external_id="e1", kind="instalment", tax_year=2026, amount_rappen=120000)
    TaxDocument.objects.create(
        account=account,
        external_id="d1",
        title="Steuerrechnung 2026",
        file="tax/none.pdf",
        filename="steuerrechnung-2026.pdf",
        content_type="application/pdf",
        size=100,
    )
    ActivationLetter.objects.create(
        user=anna,
        code_digest="!",
        address={"street": "Aebischerweg", "house_number": "7", "postcode": "9999", "town": "Musterwil"},
        expires_at=timezone.now() + datetime.timedelta(days=60),
    )
    SocialAccount.objects.create(user=anna, provider="swissid", uid="anna-swissid-4711")
    return {"anna": first, "bruno": second, "organisation": organisation, "clerk": clerk}


def remove_stored_files():
    from account.models import DataExport

    for document in CaseDocument.objects.all():
        document.file.delete(save=False)
    for export in DataExport.objects.exclude(file=""):
        export.file.delete(save=False)

"""The envelope of a case for specialist applications: an eCH-0058 style header and the applicant in eCH names.

Field names follow eCH-0058 (message header), eCH-0044 (person identification), eCH-0097 (organisation
identification) and eCH-0010 (postal address) so that vendors can map them onto what their applications
already exchange over sedex. Empty values are left out rather than sent as empty strings: in those
standards an element is either present with content or absent.
"""

import uuid

from django.conf import settings
from django.utils import timezone

from services.models import CaseStatus

MESSAGE_TYPE = "gemeindeportal.case"
LOCAL_ID_CATEGORY = "CH.GEMEINDEPORTAL"
SENDING_APPLICATION = {"manufacturer": "Gemeindeportal", "product": "Gemeindeportal", "productVersion": "1.0"}

# eCH-0058 action codes used here.
ACTION_NEW = "1"
ACTION_RECALL = "3"


def header(application, case, action=None):
    """The eCH-0058 header of a message about `case` to `application`."""
    page = case.service_page
    if action is None:
        action = ACTION_RECALL if case.status == CaseStatus.WITHDRAWN else ACTION_NEW
    return compact(
        {
            "messageId": str(uuid.uuid4()),
            "messageType": MESSAGE_TYPE,
            "subMessageType": page.destination if page else "",
            "senderId": settings.INTEGRATIONS_SENDER_ID,
            "recipientId": application.slug,
            "businessProcessId": case.reference,
            "messageDate": timezone.now().isoformat(),
            "action": action,
            "testDeliveryFlag": bool(application.is_test or settings.DEBUG),
            "sendingApplication": dict(SENDING_APPLICATION),
        }
    )


def applicant(case):
    """Who the case belongs to: a person, an organisation (with the member who submitted), or a bare contact."""
    if case.owner_organisation_id:
        return organisation(case.owner_organisation, submitted_by=case.submitted_by)
    if case.owner_user_id:
        return person(case.owner_user)
    # A form that needs no login: all we know is the e-mail address given with it.
    return compact({"contact": {"emailAddress": case.contact_email}})


def person(user):
    return compact(
        {
            "personIdentification": person_identification(user),
            "mailAddress": {
                "person": {"firstName": user.first_name, "lastName": user.last_name},
                "addressInformation": address_information(user),
            },
            "contact": {"emailAddress": user.email, "phoneNumber": user.phone},
        }
    )


def person_identification(user):
    birth = user.date_of_birth
    return compact(
        {
            "vn": ahv_digits(user.ahv_number),
            "localPersonId": {"personIdCategory": LOCAL_ID_CATEGORY, "personId": str(user.pk)},
            "officialName": user.last_name,
            "firstName": user.first_name,
            "dateOfBirth": {"yearMonthDay": birth.isoformat()} if birth else None,
        }
    )


def organisation(org, submitted_by=None):
    submitter = None
    if submitted_by is not None:
        submitter = {
            "personIdentification": person_identification(submitted_by),
            "contact": {"emailAddress": submitted_by.email, "phoneNumber": submitted_by.phone},
        }
    return compact(
        {
            "organisationIdentification": {
                "uid": uid_parts(org.uid),
                "localOrganisationId": {"organisationIdCategory": LOCAL_ID_CATEGORY, "organisationId": str(org.pk)},
                "organisationName": org.name,
            },
            "mailAddress": {
                "organisation": {"organisationName": org.name},
                "addressInformation": address_information(org),
            },
            "contact": {"emailAddress": org.email, "phoneNumber": org.phone},
            "submittedBy": submitter,
        }
    )


def address_information(address):
    """eCH-0010 addressInformation of a PostalAddress (user or organisation)."""
    if not any((address.street, address.house_number, address.postcode, address.town)):
        return None
    country = (address.country or "CH").upper()
    postcode = (address.postcode or "").strip()
    swiss = country == "CH" and postcode.isdigit() and len(postcode) == 4
    return compact(
        {
            "street": address.street,
            "houseNumber": address.house_number,
            # eCH-0010 has a numeric four-digit Swiss postcode and a free-text one for every other country.
            "swissZipCode": int(postcode) if swiss else None,
            "foreignZipCode": postcode if not swiss else "",
            "town": address.town,
            "country": {"countryIdISO2": country},
        }
    )


def ahv_digits(value):
    """756.1234.5678.97 → "7561234567897" (eCH-0044 vn); "" when none is recorded."""
    digits = "".join(char for char in value or "" if char.isdigit())
    return digits if len(digits) == 13 else ""


def uid_parts(value):
    """CHE-123.456.789 → eCH-0097 {"uidOrganisationIdCategorie": "CHE", "uidOrganisationId": "123456789"}."""
    text = (value or "").upper()
    digits = "".join(char for char in text if char.isdigit())
    if len(digits) != 9 or not text.startswith(("CHE", "ADM")):
        return None
    return {"uidOrganisationIdCategorie": text[:3], "uidOrganisationId": digits}


def compact(value):
    """Drop empty strings, None and what becomes empty without them, at every level."""
    if isinstance(value, dict):
        cleaned = {key: compact(item) for key, item in value.items()}
        return {key: item for key, item in cleaned.items() if item not in ("", None, {}, [])}
    if isinstance(value, list):
        return [item for item in (compact(item) for item in value) if item not in ("", None, {}, [])]
    return value

"""Demo data of the certificate feature: the order page's definition and one issued Wohnsitzbescheinigung.

`ensure_demo_certificate(resident)` gives the demo resident a certificate with a fixed code, so the README can
say "check MUST-ERW2-4567 at /verify/". Idempotent: a second run finds the certificate by its code.

The demo resident's address is verified (services/demo_activation.py), so a Wohnsitzbescheinigung or Heimatausweis
she orders herself without a place of origin is issued automatically once paid (services/certificate_rules.py).
"""

import logging
import uuid

from account.acting_context import ActingContext

from . import cases, certificates
from .models import CaseDocument, Payment, ServicePage
from .models.certificates import Certificate, CertificateKind
from .models.pages import ServiceKind

logger = logging.getLogger(__name__)

DEMO_CODE = "MUST-ERW2-4567"
OFFICE = "Einwohnerdienste Musterwil"
DEMO_SLUG = "bescheinigungen-bestellen"
DEMO_ANSWERS = {
    "certificate_kind": "Wohnsitzbescheinigung",
    "heimatort": "Musterwil",
    "zweck": "Wohnungsbewerbung",
}
CERTIFICATE_CHOICES = "Wohnsitzbescheinigung\nHeimatausweis\nHandlungsfähigkeitszeugnis\nLeumundszeugnis"


def certificate_service_spec(field, heading):
    """The demo service "Bescheinigungen bestellen" in the shape of services.demo_content.SERVICES.

    Takes demo_content's `field` and `heading` helpers (passed in, so this module does not import demo_content).
    """
    from account.models import AssuranceLevel

    fields = [
        heading("Bescheinigung", "Die Bescheinigung wird für Sie persönlich ausgestellt."),
        field(
            "choice",
            "Gewünschte Bescheinigung",
            "certificate_kind",
            widget="radio",
            choices=CERTIFICATE_CHOICES,
            help_text="Den Leumundszeugnis-Auszug aus dem Strafregister bestellen Sie beim Bund.",
        ),
        field("text", "Name und Vorname", "name", prefill="full_name", max_length=120),
        field("date", "Geburtsdatum", "geburtsdatum", prefill="date_of_birth"),
        field(
            "text",
            "Heimatort",
            "heimatort",
            required=False,
            max_length=80,
            help_text="z. B. Musterwil SG. Einen Heimatort prüfen die Einwohnerdienste vor der Ausstellung.",
        ),
        field(
            "choice",
            "Verwendungszweck",
            "zweck",
            required=False,
            widget="select",
            choices="Wohnungsbewerbung\nStellenbewerbung\nBank oder Versicherung\nAndere",
        ),
    ]
    return {
        "form_title": "Bescheinigung bestellen",
        "fields": fields,
        "submit_label": "Bescheinigung bestellen",
        "page": {
            "slug": DEMO_SLUG,
            "title": "Wohnsitzbescheinigung und weitere Bescheinigungen bestellen",
            "intro": "Wohnsitzbescheinigung, Heimatausweis, Handlungsfähigkeitszeugnis oder Leumundszeugnis online "
            "bestellen – als PDF mit Prüfcode.",
            "fee_rappen": 2000,
            "processing_time": "1 Arbeitstag",
            "required_documents": "",
            "required_assurance_level": AssuranceLevel.EMAIL,
            "login_required": True,
            "organisations_only": False,
            "service_kind": ServiceKind.CERTIFICATE,
            "destination": "einwohnerdienste",
        },
        "text": (
            "Die Einwohnerdienste stellen Bescheinigungen aus dem Einwohnerregister aus. Sie erhalten das PDF in "
            "Ihrem Benutzerkonto; es trägt einen Prüfcode und einen QR-Code.",
            "Ist Ihre Postadresse bestätigt (Aktivierungsbrief oder am Schalter), stellt das Portal eine "
            "Wohnsitzbescheinigung oder einen Heimatausweis für Sie selbst sofort nach der Zahlung aus. "
            "Handlungsfähigkeitszeugnis und Leumundszeugnis stellen die Einwohnerdienste nach Prüfung aus.",
            "Wer die Bescheinigung erhält, prüft sie unter www.musterwil.example/verify/ – ohne Login.",
        ),
        "form_intro": "Die Angaben zur Person stammen aus Ihrem Benutzerkonto.",
        "confirmation": "Vielen Dank für Ihre Bestellung. Wie es weitergeht, steht im Verlauf des Geschäfts in Ihrem "
        "Benutzerkonto; dort finden Sie auch die Bescheinigung.",
    }


def _order(resident, page):
    snapshot = [
        {"name": "certificate_kind", "label": "Gewünschte Bescheinigung", "type": "choice"},
        {"name": "heimatort", "label": "Heimatort", "type": "text"},
        {"name": "zweck", "label": "Verwendungszweck", "type": "choice"},
    ]
    return cases.submit(
        acting_context=ActingContext(user=resident),
        service_page=page,
        form=None,
        form_revision=None,
        block_id="demo-certificate",
        fields_snapshot=snapshot,
        data=dict(DEMO_ANSWERS),
        submission_token=uuid.uuid4(),
    )


def ensure_demo_certificate(resident, case=None, service_page=None):
    """The demo resident's issued Wohnsitzbescheinigung with code DEMO_CODE (created once).

    Without `case`, an order is submitted on `service_page` or the first certificate service page; returns None
    (and logs) if there is none yet.
    """
    existing = Certificate.objects.filter(code=DEMO_CODE).first()
    if existing is not None:
        return existing
    if case is None:
        page = service_page or (
            ServicePage.objects.filter(service_kind=ServiceKind.CERTIFICATE).order_by("-live", "pk").first()
        )
        if page is None:
            logger.warning("no certificate service page: the demo certificate is not created")
            return None
        case = _order(resident, page)
    # Paid at the counter first: nothing is issued while a fee is owed. The order names a place of origin, which
    # the register cannot confirm, so it waits for the office like a real one — which issues it with the code
    # the README quotes.
    for payment in case.payments.filter(status=Payment.Status.OPEN):
        cases.mark_paid(payment, method=Payment.Method.COUNTER, actor_label=OFFICE)
    return certificates.issue(
        case,
        CertificateKind.RESIDENCE,
        actor=None,
        actor_label=OFFICE,
        origin=CaseDocument.Origin.ADMINISTRATION,
        code=DEMO_CODE,
    )

"""camt.054 bank notifications: credits matched by QR reference and amount, imported once."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from services import camt, payments
from services.models import CaseEvent, Payment, PaymentImport
from tests.factories import UserFactory
from tests.integration_fixtures import submit_case

QR_IBAN = "CH4431999123000889012"


def entry(amount, reference, *, currency="CHF", indicator="CRDT", booked="2026-11-27"):
    return f"""
      <Ntry>
        <Amt Ccy="{currency}">{amount}</Amt>
        <CdtDbtInd>{indicator}</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>{booked}</Dt></BookgDt>
        <NtryDtls>
          <TxDtls>
            <Amt Ccy="{currency}">{amount}</Amt>
            <CdtDbtInd>{indicator}</CdtDbtInd>
            <RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Prtry>QRR</Prtry></CdOrPrtry></Tp>
              <Ref>{reference}</Ref></CdtrRefInf></Strd></RmtInf>
          </TxDtls>
        </NtryDtls>
      </Ntry>"""


def camt054(*entries, version="08"):
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.{version}">
  <BkToCstmrDbtCdtNtfctn>
    <GrpHdr><MsgId>MSG-1</MsgId><CreDtTm>2026-11-27T18:00:00</CreDtTm></GrpHdr>
    <Ntfctn>
      <Id>NTF-1</Id>
      <Acct><Id><IBAN>{QR_IBAN}</IBAN></Id></Acct>
      {"".join(entries)}
    </Ntfctn>
  </BkToCstmrDbtCdtNtfctn>
</Document>""".encode()


@pytest.fixture
def make_payment(service_page, resident):
    def make():
        payment = submit_case(service_page, resident).payments.get()
        payments.qr_reference_for(payment, QR_IBAN)
        return payment

    return make


@pytest.mark.parametrize("version", ["04", "08"])
def test_import_matches_by_reference_and_amount_and_marks_nothing_twice(make_payment, version):
    first, second, third = make_payment(), make_payment(), make_payment()
    spaced = " ".join([first.qr_reference[:2], first.qr_reference[2:]])
    content = camt054(
        entry("25.00", spaced),
        entry("20.00", second.qr_reference),  # wrong amount
        entry("25.00", "000000000000000000000000000"),  # nobody's
        entry("25.00", third.qr_reference, indicator="DBIT"),  # a debit: ignored
        version=version,
    )

    record = camt.import_camt054(content, "camt054-2026-11-27.xml")

    first.refresh_from_db()
    second.refresh_from_db()
    third.refresh_from_db()
    assert first.status == Payment.Status.PAID
    assert first.method == Payment.Method.QR_BILL
    assert first.confirmed_by == "Bank file camt054-2026-11-27.xml"
    assert second.status == Payment.Status.OPEN and third.status == Payment.Status.OPEN
    assert (record.entries, record.matched) == (3, 1)
    assert [(item["reference"], item["reason"]) for item in record.unmatched] == [
        (second.qr_reference, "amount differs"),
        ("000000000000000000000000000", "unknown reference"),
    ]
    assert record.unmatched[0]["amountRappen"] == 2000 and record.unmatched[0]["bookingDate"] == "2026-11-27"

    again = camt.import_camt054(content, "camt054-2026-11-27.xml")

    assert again.matched == 0
    assert PaymentImport.objects.count() == 2
    assert Payment.objects.filter(status=Payment.Status.PAID).count() == 1
    assert first.case.events.filter(kind=CaseEvent.Kind.PAYMENT).count() == 1


def test_not_a_camt054_file_is_refused(db):
    with pytest.raises(camt.CamtError):
        camt.import_camt054(b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.08'/>", "x.xml")
    with pytest.raises(camt.CamtError):
        camt.import_camt054(b"not xml", "x.xml")
    entity = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><d>&e;</d>'
    with pytest.raises(camt.CamtError):
        camt.import_camt054(entity, "x.xml")
    assert PaymentImport.objects.count() == 0


@pytest.fixture
def clerk(service_page):
    group = Group.objects.create(name="Kanzlei")
    group.permissions.add(
        Permission.objects.get(codename="change_case"), Permission.objects.get(codename="access_admin")
    )
    service_page.clerk_group = group
    service_page.save()
    user = UserFactory(is_staff=True)
    user.groups.add(group)
    return user


def test_the_clerk_imports_a_file_in_the_back_office(client, clerk, make_payment, soup):
    payment = make_payment()
    client.force_login(clerk)
    page = client.get("/admin/payments/bank-notifications/")
    assert page.status_code == 200
    upload = SimpleUploadedFile(
        "bank.xml", camt054(entry("25.00", payment.qr_reference), entry("9.00", "RF18539007547034"))
    )
    response = client.post("/admin/payments/bank-notifications/", {"file": upload}, follow=True)

    assert response.status_code == 200
    result = soup(response)
    assert result.find(id="camt-matched").get_text() == "1"
    assert len(result.find(id="camt-unmatched").find("tbody").find_all("tr")) == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID


def test_staff_without_the_case_permission_cannot_import(client, db):
    client.force_login(UserFactory(is_staff=True))
    response = client.get("/admin/payments/bank-notifications/")
    assert response.status_code in (302, 403)

"""Bench: rendering one certificate PDF (code, QR code, letterhead) against a plain one-paragraph PDF.

    .venv/bin/python bench/certificates.py [--runs 50] [--warmup 3]

Both documents are built with the portal's one PDF helper (home.pdf.render_pdf) in the same process, one
after the other in each round, so the ratio does not depend on how busy the machine is. No database is
needed: the certificate is an unsaved model instance and the letterhead is given. See bench/README.md.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402 — after the path set-up

django.setup()

from django.utils import timezone  # noqa: E402

from home.pdf import Letterhead, render_pdf  # noqa: E402
from services import certificates  # noqa: E402
from services.models.certificates import Certificate, CertificateKind  # noqa: E402

LETTERHEAD = Letterhead(
    name="Gemeinde Musterwil",
    address_lines=["Gemeindeverwaltung", "Dorfstrasse 1", "9999 Musterwil"],
    phone="+41 71 000 00 00",
    email="gemeinde@musterwil.example",
)
PARAGRAPH = (
    "Die Gemeinde Musterwil bestätigt den Eingang Ihrer Unterlagen. Bitte bewahren Sie dieses Schreiben auf; "
    "bei Fragen erreichen Sie die Einwohnerdienste während der Schalteröffnungszeiten."
)


def sample_certificate():
    today = timezone.localdate()
    return Certificate(
        kind=CertificateKind.RESIDENCE,
        code="MUST-ERW2-4567",
        data={
            "kind": "residence",
            "name": "Anna Muster",
            "date_of_birth": "1985-04-12",
            "address": ["Dorfstrasse 5a", "9999 Musterwil"],
            "place_of_origin": "Musterwil SG",
            "issued_on": today.isoformat(),
            "purpose": "Wohnungsbewerbung",
            "statement": str(certificates.STATEMENTS[CertificateKind.RESIDENCE]),
        },
        valid_until=today + datetime.timedelta(days=90),
    )


def render_certificate(certificate):
    return certificates.render_certificate(certificate, language="de", letterhead=LETTERHEAD)


def render_plain():
    return render_pdf(
        "Bestätigung", lambda document: [document.paragraph(PARAGRAPH)], letterhead=LETTERHEAD, language="de"
    )


def timed(function, *args):
    started = time.perf_counter()
    pdf = function(*args)
    elapsed = (time.perf_counter() - started) * 1000
    assert pdf.startswith(b"%PDF")
    return elapsed, len(pdf)


def p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=3)
    options = parser.parse_args()

    certificate = sample_certificate()
    for _ in range(options.warmup):
        render_certificate(certificate)
        render_plain()
    cert_ms, plain_ms = [], []
    cert_size = plain_size = 0
    for _ in range(options.runs):
        elapsed, cert_size = timed(render_certificate, certificate)
        cert_ms.append(elapsed)
        elapsed, plain_size = timed(render_plain)
        plain_ms.append(elapsed)

    print(f"Certificate PDF bench: {options.runs} runs each, interleaved, one process (reportlab, home.pdf)")
    print(f"{'':32}{'n':>5}{'median ms':>11}{'p95 ms':>9}{'mean ms':>9}{'max ms':>9}{'bytes':>8}")
    for label, values, size in (
        ("certificate (code + QR code)", cert_ms, cert_size),
        ("plain one-paragraph PDF", plain_ms, plain_size),
    ):
        print(
            f"{label:32}{len(values):>5}{statistics.median(values):>11.1f}{p95(values):>9.1f}"
            f"{statistics.fmean(values):>9.1f}{max(values):>9.1f}{size:>8}"
        )
    print()
    print(f"median ratio, certificate / plain: {statistics.median(cert_ms) / statistics.median(plain_ms):.2f}×")
    print(f"p95 ratio, certificate / plain:    {p95(cert_ms) / p95(plain_ms):.2f}×")
    budget = 100
    verdict = "within" if statistics.median(cert_ms) < budget else "OVER"
    print(f"budget (DESIGN §10): a certificate renders in well under {budget} ms: median {verdict} budget")


if __name__ == "__main__":
    main()

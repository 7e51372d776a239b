"""The demo "specialist application": what it does with each event the portal reports.

Events are thin (type, ids, reference), so every step starts by fetching the case, and decides from the
case's current state rather than from memory: the same event handled twice (a retried webhook, a feed read
again after a crash) then does no harm, and a restarted client simply carries on.

    case.submitted          → fetch, read attachments, acknowledge "received", milestone "Vorprüfung",
                              status in_progress; with ask=True a question, otherwise complete at once
    case.question.answered  → when no question is open any more: read the answers, upload the decision
                              (PDF) and set the status "completed"
"""

import datetime

from .api import ApiError
from .pdf import simple_pdf

QUESTION = (
    "Bitte reichen Sie für die Vorprüfung noch ergänzende Angaben zu Ihrem Anliegen nach "
    "(zum Beispiel den genauen Ort und den Zeitraum)."
)
REQUESTED_DOCUMENTS = ["Ergänzende Angaben (Text oder PDF)"]
ANSWER_WITHIN_DAYS = 10


class DemoWorkflow:
    def __init__(self, client, *, ask=False, say=print, today=None):
        self.client = client
        self.ask = ask
        self.say = say
        self.today = today or datetime.date.today

    def handle(self, event):
        """Handle one event of the feed or of a webhook; a refusal (4xx) of the portal is reported, not raised."""
        kind = event.get("type", "")
        data = event.get("data", {})
        reference = data.get("reference") or data.get("id", "?")
        handler = {"case.submitted": self.on_submitted, "case.question.answered": self.on_answered}.get(kind)
        if handler is None:
            self.say(f"{reference} {kind}: nothing to do")
            return
        try:
            handler(reference)
        except ApiError as error:
            if error.status >= 500:
                raise  # the portal is in trouble, not our request: handle the event again later
            self.say(f"{reference} {kind}: the portal refused: {error}")

    def on_submitted(self, reference):
        envelope = self.client.case(reference)
        case = envelope["case"]
        if case["status"] != "submitted":
            self.say(f"{reference} is already {case['status']} → nothing to do")
            return
        self.say(
            f"{reference} fetched: {case['title']} ({_count(case['fields'], 'field')}, "
            f"{_count(case['attachments'], 'attachment')}, message {envelope['header']['messageId']})"
        )
        for document in case["attachments"]:
            content = self.client.document_content(document["href"])
            self.say(f"{reference} read attachment {document['filename']} ({len(content)} bytes)")

        self.client.acknowledge(reference, "received")
        self.say(f"{reference} acknowledged → received")
        self.client.add_milestone(
            reference, "Vorprüfung", date=self.today(), text="Die Fachanwendung prüft Ihre Eingabe auf Vollständigkeit."
        )
        self.say(f"{reference} milestone “Vorprüfung”")
        self.client.set_status(reference, "in_progress")
        self.say(f"{reference} status → in_progress")
        if not self.ask:
            self.complete(reference, case)
            return
        due = self.today() + datetime.timedelta(days=ANSWER_WITHIN_DAYS)
        self.client.ask_question(reference, QUESTION, due_date=due, requested_documents=REQUESTED_DOCUMENTS)
        self.say(f"{reference} question asked (answer by {due.isoformat()}) → waiting for the applicant")

    def on_answered(self, reference):
        case = self.client.case(reference)["case"]
        open_questions = [q for q in case["questions"] if not q["answeredAt"] and not q["withdrawnAt"]]
        if case["status"] != "in_progress" or open_questions:
            self.say(f"{reference} is {case['status']} with {len(open_questions)} open question(s) → waiting")
            return
        self.complete(reference, case)

    def complete(self, reference, case):
        answers = self.client.answers(reference)
        latest = f" – latest: “{_shorten(answers[-1]['body'])}”" if answers else ""
        self.say(f"{reference} answers read: {len(answers)}{latest}")

        filename = f"Entscheid-{reference}.pdf"
        pdf = simple_pdf(
            [
                "Gemeinde Musterwil - Fachanwendung (Demo)",
                "",
                f"Entscheid zu Geschäft {reference}: {case['title']}",
                f"Datum: {self.today():%d.%m.%Y}",
                "",
                "Ihr Anliegen wurde geprüft und ist erledigt.",
            ]
        )
        self.client.upload_document(reference, filename, pdf, title="Entscheid", content_type="application/pdf")
        self.say(f"{reference} decision uploaded: {filename} ({len(pdf)} bytes)")
        self.client.set_status(
            reference, "completed", text="Ihr Anliegen ist erledigt. Den Entscheid finden Sie bei den Dokumenten."
        )
        self.say(f"{reference} status → completed")


def _count(items, word):
    return f"{len(items)} {word}{'' if len(items) == 1 else 's'}"


def _shorten(text, length=60):
    text = " ".join(str(text).split())
    return text if len(text) <= length else text[: length - 1] + "…"

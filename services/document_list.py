"""What the administration has delivered to a person: the documents of "My documents" (/account/documents/).

Two sources, one list: the documents of the acting context's cases that the office, a specialist application
or the portal issued (decisions, extracts, permits, certificates, receipts — never the applicant's own
uploads), and, when acting personally, the documents of the person's activated tax accounts.

Cases are scoped exactly as the case list scopes them (`Case.objects.in_context`), tax accounts as the tax
pages do (`TaxAccount.objects.visible_to`). The two sources are merged in the database (UNION of ids and dates,
ordered and sliced there), so a page of the list costs the same few queries however many documents exist.
"""

from dataclasses import dataclass, field

from django.db.models import CharField, F, IntegerField, Value
from django.db.models.functions import ExtractYear
from django.urls import reverse
from django.utils import timezone

from .models import Case, CaseDocument, TaxAccount, TaxDocument

PAGE_SIZE = 25
CASE = "case"
TAX = "tax"


# --- the two sources ----------------------------------------------------------------------------------------


def case_documents(acting_context):
    """Issued documents of the submitted cases of the acting context (the applicant's own uploads excluded)."""
    context_cases = Case.objects.in_context(acting_context).submitted()
    return CaseDocument.objects.filter(case__in=context_cases).exclude(origin=CaseDocument.Origin.APPLICANT)


def tax_documents(acting_context):
    """Documents of the person's activated tax accounts; a tax account is personal, so none for an organisation."""
    if not acting_context.is_personal or not acting_context.user.is_authenticated:
        return TaxDocument.objects.none()
    return TaxDocument.objects.filter(account__in=TaxAccount.objects.visible_to(acting_context.user))


@dataclass(frozen=True)
class Filters:
    year: int | None = None
    # "" for everything, TAX for the tax documents, or the id of a service page (as text).
    source: str = ""


def _sources(acting_context, filters):
    """{CASE: queryset, TAX: queryset} narrowed by the filters (a source the filter excludes is left out)."""
    parts = {}
    if filters.source != TAX:
        documents = case_documents(acting_context)
        if filters.source:
            documents = documents.filter(case__service_page_id=int(filters.source))
        parts[CASE] = documents
    if filters.source in ("", TAX):
        parts[TAX] = tax_documents(acting_context)
    if filters.year:
        parts = {name: queryset.filter(created_at__year=filters.year) for name, queryset in parts.items()}
    return parts


def _union(querysets):
    querysets = [queryset for queryset in querysets if not queryset.query.is_empty()]
    if not querysets:
        return None
    first, *rest = querysets
    return first.union(*rest, all=True) if rest else first


def delivered(acting_context, filters=Filters()):
    """(source, document id, date) rows of every delivered document, newest first: a queryset to paginate."""
    rows = [
        queryset.order_by()
        .annotate(source=Value(name, output_field=CharField()), doc_id=F("pk"), at=F("created_at"))
        .values_list("source", "doc_id", "at")
        for name, queryset in _sources(acting_context, filters).items()
    ]
    combined = _union(rows)
    if combined is None:
        return CaseDocument.objects.none().values_list("pk", flat=True)
    return combined.order_by("-at", "source", "-doc_id")


# --- rows for display -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveredDocument:
    source: str
    document: object  # a CaseDocument or a TaxDocument

    @property
    def key(self):
        return f"{self.source}-{self.document.pk}"

    @property
    def title(self):
        return self.document.title or self.document.filename

    @property
    def filename(self):
        return self.document.filename

    @property
    def size(self):
        return self.document.size

    @property
    def created_at(self):
        return self.document.created_at

    @property
    def is_new(self):
        return self.document.read_at is None

    @property
    def case(self):
        return self.document.case if self.source == CASE else None

    @property
    def account(self):
        return self.document.account if self.source == TAX else None

    @property
    def url(self):
        if self.source == TAX:
            return reverse("tax:document", kwargs={"pk": self.document.pk})
        return reverse(
            "documents:case_document", kwargs={"reference": self.document.case.reference, "pk": self.document.pk}
        )


def load(rows):
    """The documents of `rows` (from `delivered`), in that order: one query per source present."""
    rows = list(rows)
    wanted = {CASE: [], TAX: []}
    for source, pk, _at in rows:
        wanted[source].append(pk)
    found = {}
    if wanted[CASE]:
        for document in CaseDocument.objects.filter(pk__in=wanted[CASE]).select_related("case__service_page"):
            found[(CASE, document.pk)] = document
    if wanted[TAX]:
        for document in TaxDocument.objects.filter(pk__in=wanted[TAX]).select_related("account"):
            found[(TAX, document.pk)] = document
    return [DeliveredDocument(source, found[(source, pk)]) for source, pk, _at in rows if (source, pk) in found]


# --- filter choices, counts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facets:
    """What the list can be filtered by: the years and services that have documents, and whether tax has any."""

    years: list = field(default_factory=list)
    services: list = field(default_factory=list)  # [(service page id, title)]
    has_tax: bool = False


def facets(acting_context):
    """The filter choices of the acting context, in one query."""
    parts = _sources(acting_context, Filters())
    rows = []
    if CASE in parts:
        rows.append(
            parts[CASE]
            .order_by()
            .annotate(
                source=Value(CASE, output_field=CharField()),
                service=F("case__service_page_id"),
                service_title=F("case__service_page__title"),
                year=ExtractYear("created_at"),
            )
            .values_list("source", "service", "service_title", "year")
        )
    if TAX in parts:
        rows.append(
            parts[TAX]
            .order_by()
            .annotate(
                source=Value(TAX, output_field=CharField()),
                service=Value(None, output_field=IntegerField()),
                service_title=Value("", output_field=CharField()),
                year=ExtractYear("created_at"),
            )
            .values_list("source", "service", "service_title", "year")
        )
    rows = [queryset for queryset in rows if not queryset.query.is_empty()]
    if not rows:
        return Facets()
    # DISTINCT / UNION (not ALL) leave one row per source, service and year: a handful, however many documents.
    first, *rest = rows
    distinct = list(first.union(*rest) if rest else first.distinct())
    years = sorted({int(year) for _source, _service, _title, year in distinct if year}, reverse=True)
    services = sorted(
        {(service, title) for source, service, title, _year in distinct if source == CASE and service},
        key=lambda item: (str(item[1]).lower(), item[0]),
    )
    return Facets(years=years, services=services, has_tax=any(row[0] == TAX for row in distinct))


def unread_count(acting_context):
    """Delivered documents not opened yet, in one query."""
    rows = [
        queryset.filter(read_at__isnull=True).order_by().values_list("pk")
        for queryset in _sources(acting_context, Filters()).values()
    ]
    combined = _union(rows)
    return combined.count() if combined is not None else 0


def summary(acting_context, latest=3):
    """The dashboard tile: the newest documents and the number not opened yet; None when there are none."""
    newest = load(delivered(acting_context)[:latest])
    if not newest:
        return None
    return {"latest": newest, "unread": unread_count(acting_context)}


def mark_opened(user, document_pk):
    """The person opened an issued case document from the list: it is no longer new.

    Scoped again (not only by the calling view) so the rule holds wherever it is called from.
    """
    CaseDocument.objects.filter(
        pk=document_pk, case__in=Case.objects.visible_to(user).submitted(), read_at__isnull=True
    ).exclude(origin=CaseDocument.Origin.APPLICANT).update(read_at=timezone.now())

"""CSV and XLSX export of one service's submissions for the back office (one column per question)."""

import csv
import datetime
import io
import re
from decimal import Decimal, InvalidOperation

from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .admin_forms import office_status_label
from .form_builder import display_value

# Snapshot entries that are layout, not questions.
LAYOUT_TYPES = {"heading", "step", "step_break"}
# A cell starting with one of these is run as a formula by spreadsheet programs (CSV/formula injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
DATE_FORMAT = "%d.%m.%Y"
XLSX_DATE_FORMAT = "DD.MM.YYYY"
CSV_DELIMITER = ";"  # what Excel expects in de-CH (and de/fr/it) locales
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value):
    """Prefix text that a spreadsheet would run as a formula with an apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and not PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def question_fields(snapshot):
    """The answerable questions of a form snapshot (headings and step breaks left out)."""
    return [
        field
        for field in snapshot or []
        if isinstance(field, dict) and field.get("name") and field.get("type") not in LAYOUT_TYPES
    ]


def newest_snapshot(cases):
    """The questions as the newest submission in `cases` saw them (the form may have changed since older ones)."""
    newest = cases.exclude(submitted_at__isnull=True).order_by("-submitted_at", "-pk").only("fields_snapshot").first()
    return question_fields(newest.fields_snapshot) if newest else []


def _as_date(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _yes_no(value):
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    text = str(value).strip().lower()
    if text in ("yes", "true", "1", "on", "ja"):
        return _("Yes")
    if text in ("no", "false", "0", "off", "nein"):
        return _("No")
    return str(value)


def _part(value):
    """One element of a list answer (a chosen option, an uploaded file) as text."""
    if isinstance(value, dict):
        for key in ("filename", "name", "title", "label", "value"):
            if value.get(key):
                return str(value[key])
        return ", ".join(str(item) for item in value.values() if item not in (None, ""))
    return str(value)


def answer_value(field, value):
    """The cell value of one answer: dates as dates, yes/no as words, lists joined, addresses on one line."""
    if value is None or value == "" or value == [] or value == {}:
        return ""
    kind = field.get("type")
    if kind == "group" and isinstance(value, list):
        # One cell for the whole group, one line per entry, as on the case page.
        return display_value(field, value)
    if kind == "date" or isinstance(value, datetime.date):
        return _as_date(value) or str(value)
    if kind == "yes_no" or isinstance(value, bool):
        return _yes_no(value)
    if kind == "number" and isinstance(value, str):
        try:
            return Decimal(value.replace(",", "."))
        except InvalidOperation:
            return value
    if isinstance(value, dict):
        if {"street", "postcode", "town"} & value.keys():
            first = " ".join(str(value.get(key) or "") for key in ("street", "house_number")).strip()
            second = " ".join(str(value.get(key) or "") for key in ("postcode", "town")).strip()
            return ", ".join(part for part in (first, second) if part)
        return _part(value)
    if isinstance(value, list | tuple):
        return ", ".join(_part(item) for item in value if item not in (None, ""))
    return value


def _owner(case):
    if case.owner_organisation_id:
        organisation = case.owner_organisation
        return organisation.name, organisation.email or (case.submitted_by.email if case.submitted_by_id else "")
    if case.owner_user_id:
        return str(case.owner_user), case.owner_user.email
    return _("Without login"), case.contact_email


def export_table(cases):
    """Headers and rows (Python values: dates as dates) for the submissions in `cases`, newest first."""
    fields = newest_snapshot(cases)
    headers = [_("Reference"), _("Status"), _("Submitted at"), _("Owner"), _("E-mail")]
    headers += [str(field.get("label") or field["name"]) for field in fields]

    def rows():
        queryset = cases.select_related("owner_user", "owner_organisation", "submitted_by").order_by(
            "-submitted_at", "-pk"
        )
        for case in queryset.iterator(chunk_size=500):
            owner_name, owner_email = _owner(case)
            row = [
                case.reference,
                str(office_status_label(case.status)),
                _as_date(case.submitted_at) if case.submitted_at else "",
                owner_name,
                owner_email,
            ]
            data = case.data or {}
            row += [answer_value(field, data.get(field["name"])) for field in fields]
            yield row

    return headers, rows()


def _filename(service_page, extension):
    name = slugify(service_page.title) or "service"
    return f"{name}-{timezone.localdate():%Y-%m-%d}.{extension}"


def _csv_cell(value):
    if isinstance(value, datetime.date):
        return value.strftime(DATE_FORMAT)
    if isinstance(value, Decimal):
        return format(value, "f")
    return neutralise(str(value))


def csv_response(service_page, cases):
    """A UTF-8 CSV with byte order mark (so Excel shows umlauts) and semicolons, as a download."""
    headers, rows = export_table(cases)
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow([neutralise(header) for header in headers])
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    response = HttpResponse(buffer.getvalue().encode("utf-8"), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_filename(service_page, "csv")}"'
    return response


def xlsx_response(service_page, cases):
    """An Excel workbook with one sheet, dates as real dates shown dd.mm.yyyy, as a download."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    headers, rows = export_table(cases)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(slugify(service_page.title) or "export")[:31])
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=neutralise(header))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, datetime.date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = XLSX_DATE_FORMAT
            elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
                cell = WriteOnlyCell(sheet, value=value)
            else:
                # Control characters are not allowed in XLSX and would abort the whole export.
                cell = WriteOnlyCell(sheet, value=neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value))))
            cells.append(cell)
        sheet.append(cells)
    output = io.BytesIO()
    workbook.save(output)
    response = HttpResponse(output.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_filename(service_page, "xlsx")}"'
    return response

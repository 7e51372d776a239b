"""Forms of the case pages in the account (filters, answers, messages, withdrawal) and the upload check."""

import zipfile

import filetype
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from .models import CaseStatus
from .models.cases import CLOSED_STATUSES, OPEN_STATUSES

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UPLOAD_FILES = 5
DEFAULT_ALLOWED = ("pdf", "jpg", "png", "docx", "xlsx", "odt", "txt")

# What each allowed extension must look like inside; "jpeg" is the same type as "jpg".
MIME_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "txt": "text/plain",
}
EXTENSION_ALIASES = {"jpeg": "jpg"}
# Zipped office formats are recognised by a member every such file has; the first bytes alone say only "zip".
ZIP_MARKERS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
SNIFF_BYTES = 8192


def _extension(name):
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return EXTENSION_ALIASES.get(extension, extension)


def _read_head(file):
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    file.seek(0)
    return head


def _is_zipped_document(file, extension):
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            if extension == "odt":
                return "mimetype" in names and archive.read("mimetype").strip() == MIME_TYPES["odt"].encode()
            return ZIP_MARKERS[extension] in names
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return False
    finally:
        file.seek(0)


def _is_plain_text(head):
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # The sniffed chunk may end in the middle of a multi-byte character; only earlier errors count.
        if error.start < len(head) - 3:
            try:
                head.decode("cp1252")
            except UnicodeDecodeError:
                return False
    return True


def _content_matches(file, extension):
    head = _read_head(file)
    kind = filetype.guess(head)
    if extension == "txt":
        return kind is None and _is_plain_text(head)
    if extension in ("docx", "xlsx", "odt"):
        # filetype recognises most office files directly; fall back to the archive's members for the rest.
        if kind is not None and kind.extension not in (extension, "zip"):
            return False
        return _is_zipped_document(file, extension)
    return kind is not None and EXTENSION_ALIASES.get(kind.extension, kind.extension) == extension


def validate_upload(file, allowed=DEFAULT_ALLOWED, max_bytes=MAX_UPLOAD_BYTES):
    """Check an uploaded file by extension, size and content; return its MIME type or raise ValidationError.

    The content is sniffed so a renamed executable ("invoice.pdf") is refused; the returned MIME type
    is the one the content proves, not the one the browser claimed.
    """
    allowed = [EXTENSION_ALIASES.get(ext.lower(), ext.lower()) for ext in allowed]
    name = getattr(file, "name", "") or ""
    name = name.rsplit("/", 1)[-1]
    extension = _extension(name)
    if extension not in allowed:
        raise ValidationError(
            _("“%(name)s” is not an accepted file type. Accepted: %(types)s."),
            code="file_type",
            params={"name": name, "types": ", ".join(ext.upper() for ext in allowed)},
        )
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, 2)
        size = file.tell()
        file.seek(0)
    if size > max_bytes:
        raise ValidationError(
            _("“%(name)s” is too large (%(size)s); files may be at most %(max)s."),
            code="file_size",
            params={"name": name, "size": filesizeformat(size), "max": filesizeformat(max_bytes)},
        )
    if size == 0:
        raise ValidationError(_("“%(name)s” is empty."), code="file_empty", params={"name": name})
    if not _content_matches(file, extension):
        raise ValidationError(
            _("The content of “%(name)s” is not a %(type)s file."),
            code="file_content",
            params={"name": name, "type": extension.upper()},
        )
    return MIME_TYPES.get(extension, "application/octet-stream")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input, each checked by `validate_upload`, at most `max_files` of them."""

    widget = MultipleFileInput

    def __init__(self, *args, allowed=DEFAULT_ALLOWED, max_bytes=MAX_UPLOAD_BYTES, max_files=MAX_UPLOAD_FILES, **kw):
        self.allowed = allowed
        self.max_bytes = max_bytes
        self.max_files = max_files
        kw.setdefault("required", False)
        super().__init__(*args, **kw)
        extensions = [f".{ext}" for ext in allowed] + [
            f".{alias}" for alias, ext in EXTENSION_ALIASES.items() if ext in allowed
        ]
        self.widget.attrs.setdefault("accept", ",".join(extensions))

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if self.required and not files:
            raise ValidationError(self.error_messages["required"], code="required")
        if len(files) > self.max_files:
            raise ValidationError(
                _("Attach at most %(max)d files (you chose %(count)d)."),
                code="too_many_files",
                params={"max": self.max_files, "count": len(files)},
            )
        errors = []
        for file in files:
            try:
                file.content_type = validate_upload(file, self.allowed, self.max_bytes)
            except ValidationError as error:
                errors.extend(error.error_list)
        if errors:
            raise ValidationError(errors)
        return files


def _files_help():
    return _("Up to %(count)d files, each at most %(size)s: %(types)s.") % {
        "count": MAX_UPLOAD_FILES,
        "size": filesizeformat(MAX_UPLOAD_BYTES),
        "types": ", ".join(ext.upper() for ext in DEFAULT_ALLOWED),
    }


class AnswerForm(forms.Form):
    """The applicant's answer to an open question: text, documents, or both."""

    body = forms.CharField(label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 5}), required=False)
    files = MultipleFileField(label=_("Documents"))

    def __init__(self, *args, question=None, **kwargs):
        self.question = question
        if question is not None:
            kwargs.setdefault("prefix", f"answer-{question.pk}")
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = _files_help()

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("body") or "").strip() and not cleaned.get("files") and not self.errors:
            raise ValidationError(_("Write an answer or attach a document."), code="empty")
        return cleaned


class MessageForm(forms.Form):
    """A message from the applicant to the administration."""

    body = forms.CharField(label=_("Your message"), widget=forms.Textarea(attrs={"rows": 5}))
    files = MultipleFileField(label=_("Attachments"))

    prefix = "message"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = _files_help()

    def clean_body(self):
        body = self.cleaned_data["body"]
        if not body.strip():
            raise ValidationError(_("Write a message."), code="required")
        return body


class WithdrawForm(forms.Form):
    """The applicant confirms withdrawing a case (it cannot be undone)."""

    confirm = forms.BooleanField(
        label=_("Yes, I withdraw this case. I know this cannot be undone."),
        error_messages={"required": _("Tick the box to confirm that you want to withdraw the case.")},
    )


def status_filter_choices():
    return [
        ("", _("All")),
        ("open", _("All ongoing")),
        ("closed", _("All completed")),
        *[(status.value, status.label) for status in (*OPEN_STATUSES, *CLOSED_STATUSES)],
    ]


class CaseFilterForm(forms.Form):
    """Filters of the case list (GET): status or status group, service, search text."""

    q = forms.CharField(label=_("Reference or title"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=status_filter_choices)
    service = forms.TypedChoiceField(label=_("Service"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [("", _("All services"))] + [(s.pk, s.title) for s in services]

    def _cleaned(self):
        self.is_valid()
        return getattr(self, "cleaned_data", {})

    def status_value(self):
        return self._cleaned().get("status") or ""

    def is_filtered(self):
        data = self._cleaned()
        return bool(data.get("status") or data.get("service") or (data.get("q") or "").strip())

    def status_q(self):
        """The condition of the chosen status or status group, or None for all statuses."""
        status = self._cleaned().get("status")
        if status == "open":
            return Q(status__in=OPEN_STATUSES)
        if status == "closed":
            return Q(status__in=CLOSED_STATUSES)
        if status and status != CaseStatus.DRAFT:
            return Q(status=status)
        return None

    def filter(self, queryset, by_status=True):
        """The queryset narrowed by every valid filter; invalid ones are ignored (and shown as errors)."""
        data = self._cleaned()
        status_q = self.status_q() if by_status else None
        if status_q is not None:
            queryset = queryset.filter(status_q)
        if data.get("service"):
            queryset = queryset.filter(service_page_id=data["service"])
        text = (data.get("q") or "").strip()
        if text:
            queryset = queryset.filter(Q(reference__icontains=text) | Q(title__icontains=text))
        return queryset

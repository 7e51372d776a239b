"""The portal's one upload check: extension, size and content of every file a person or an application uploads.

Used by the case forms and the API (services), reported meter readings (utilities) and anything else that accepts
files; the content is sniffed, so a renamed program never passes as a document or photo.
"""

import zipfile

import filetype
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

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
    "webp": "image/webp",
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

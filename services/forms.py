"""Forms of the case pages in the account (filters, answers, messages, withdrawal) and the upload check."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from home.uploads import (  # noqa: F401  (the upload check, used from here by the case forms and the API)
    DEFAULT_ALLOWED,
    EXTENSION_ALIASES,
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_FILES,
    validate_upload,
)

from .models import CaseStatus
from .models.cases import CLOSED_STATUSES, OPEN_STATUSES


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

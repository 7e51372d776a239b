"""Builds the Django form of one step of a ServiceForm, enforces show-if rules and serialises the answers."""

import datetime
import decimal
import json
import os
import re
from dataclasses import dataclass, field
from functools import cached_property

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from stdnum import iban as stdnum_iban
from wagtail.contrib.forms.forms import FormBuilder

from account.validators import normalize_ahv, validate_swiss_postcode

from .blocks import FILE_TYPES, machine_name_from
from .forms import validate_upload

ANSWER_TYPES = {
    "text",
    "long_text",
    "email",
    "phone",
    "number",
    "date",
    "choice",
    "yes_no",
    "address",
    "ahv",
    "iban",
    "file",
    "group",
}
# A repeatable group's questions are posted as <group>__<entry index>__<question>.
GROUP_SEPARATOR = "__"
ADD_ENTRY = "add_entry:"
REMOVE_ENTRY = "remove_entry:"
ADDRESS_PARTS = (
    ("street", gettext_lazy("Street")),
    ("house_number", gettext_lazy("House number")),
    ("postcode", gettext_lazy("Postcode")),
    ("town", gettext_lazy("Town")),
)
# The file name suffix of the "remove already uploaded files" check boxes that accompany each file field.
REMOVE_SUFFIX = "__remove"
CONTACT_EMAIL = "contact_email"

YES_WORDS = {"yes", "ja", "oui", "si", "sì", "true", "1", "y", "j"}
NO_WORDS = {"no", "nein", "non", "false", "0", "n"}

# Browser autofill hints (WCAG 1.3.5) for fields that ask about the person themselves (= prefilled).
AUTOCOMPLETE = {
    "first_name": "given-name",
    "last_name": "family-name",
    "full_name": "name",
    "email": "email",
    "phone": "tel",
    "date_of_birth": "bday",
    "street": "address-line1",
    "postcode": "postal-code",
    "town": "address-level2",
    "organisation_name": "organization",
}


# --- the parts of a form --------------------------------------------------------------------------


@dataclass
class FieldSpec:
    """One answerable question of a form, read from its block value."""

    type: str
    name: str
    label: str
    help_text: str = ""
    required: bool = False
    prefill: str = ""
    show_if: dict | None = None
    options: dict = field(default_factory=dict)

    is_heading = False

    @property
    def choices(self):
        if self.type == "choice":
            lines = (self.options.get("choices") or "").splitlines()
            return [line.strip() for line in lines if line.strip()]
        if self.type == "yes_no":
            return ["yes", "no"]
        return []

    @property
    def widget(self):
        return (self.options.get("widget") or "radio") if self.type == "choice" else ""

    @property
    def depends_on(self):
        return (self.show_if or {}).get("field") or ""

    # --- repeatable groups
    @cached_property
    def subfields(self):
        """The questions asked once per entry of a repeatable group."""
        if self.type != "group":
            return []
        return [_spec(block_type, value) for block_type, value in _children(self.options.get("questions"))]

    @property
    def entry_label(self):
        return str(self.options.get("entry_label") or _("Entry"))

    @property
    def min_entries(self):
        return int(self.options.get("min_entries") or 0)

    @property
    def max_entries(self):
        return max(1, int(self.options.get("max_entries") or 10), self.min_entries)


@dataclass
class Heading:
    """A section heading between questions."""

    text: str
    description: str = ""

    is_heading = True
    type = "heading"


@dataclass
class Step:
    """One page of a multi-step form: its title and its headings and questions in order."""

    index: int
    title: str
    items: list = field(default_factory=list)

    @property
    def number(self):
        return self.index + 1

    @property
    def fields(self):
        return [item for item in self.items if not item.is_heading]


def _children(form_value):
    """(block type, value dict) of every block of a form: a ServiceForm, its StreamValue or raw stream JSON."""
    stream = getattr(form_value, "fields", form_value)
    if isinstance(stream, str):
        stream = json.loads(stream)
    for child in stream or ():
        if isinstance(child, dict):
            yield child.get("type"), dict(child.get("value") or {})
        else:
            yield child.block_type, dict(child.value)


def _spec(block_type, value):
    show_if = dict(value.get("show_if") or {})
    return FieldSpec(
        type=block_type,
        name=value.get("name") or machine_name_from(value.get("label", "")),
        label=str(value.get("label") or ""),
        help_text=str(value.get("help_text") or ""),
        required=bool(value.get("required")),
        prefill=value.get("prefill") or "",
        show_if=show_if if show_if.get("field") else None,
        options=value,
    )


def steps(form_value, *, contact_email=False):
    """The steps of a form (split at step breaks); empty steps are left out.

    With `contact_email`, a form without any e-mail question gets a required "Your e-mail address" at the
    end, so an anonymous submitter can be reached.
    """
    if isinstance(form_value, list) and form_value and isinstance(form_value[0], Step):
        return form_value
    # The first step is named after the form, unless the form starts with a step break that names it.
    title = str(getattr(form_value, "title", "") or _("Your details"))
    result = [Step(0, title)]
    for block_type, value in _children(form_value):
        if block_type == "step_break":
            if result[-1].items:
                result.append(Step(len(result), str(value.get("title") or "")))
            else:
                result[-1].title = str(value.get("title") or result[-1].title)
        elif block_type == "heading":
            result[-1].items.append(Heading(str(value.get("text") or ""), str(value.get("description") or "")))
        elif block_type in ANSWER_TYPES:
            result[-1].items.append(_spec(block_type, value))
    result = [step for step in result if step.items] or [Step(0, title)]
    for index, step in enumerate(result):
        step.index = index
    if contact_email and not any(spec.type == "email" for spec in all_fields(result)):
        names = {spec.name for spec in all_fields(result)}
        name = CONTACT_EMAIL if CONTACT_EMAIL not in names else f"{CONTACT_EMAIL}_"
        result[-1].items.append(
            FieldSpec(
                type="email",
                name=name,
                label=_("Your e-mail address"),
                help_text=_("We send the confirmation of your submission to this address."),
                required=True,
            )
        )
    return result


def all_fields(form_value_or_steps):
    """Every answerable question of the form, in order."""
    return [spec for step in steps(form_value_or_steps) for spec in step.fields]


def _snapshot(spec):
    item = {
        "name": spec.name,
        "label": spec.label,
        "type": spec.type,
        "required": spec.required,
        "choices": spec.choices,
        "widget": spec.widget,
        "help_text": spec.help_text,
    }
    if spec.type == "group":
        item["entry_label"] = spec.entry_label
        item["fields"] = [_snapshot(sub) for sub in spec.subfields]
    return item


def fields_snapshot(form_value, *, contact_email=False):
    """The questions as JSON, stored on a case so it renders as submitted even after the form changes."""
    return [_snapshot(spec) for spec in all_fields(steps(form_value, contact_email=contact_email))]


# --- show-if ------------------------------------------------------------------------------------------


def is_empty(answer):
    if answer is None:
        return True
    if isinstance(answer, str):
        return not answer.strip()
    if isinstance(answer, dict):
        return not any(not is_empty(part) for part in answer.values())
    if isinstance(answer, (list, tuple, set)):
        return not answer
    return False


def _canonical(text):
    text = str(text).strip().casefold()
    if text in YES_WORDS:
        return "yes"
    if text in NO_WORDS:
        return "no"
    return text


def condition_met(show_if, answers):
    """Whether a field with this show-if rule is shown, given the answers so far (by machine name)."""
    if not show_if or not show_if.get("field"):
        return True
    operator = show_if.get("operator") or "equals"
    expected = _canonical(show_if.get("value") or "")
    answer = answers.get(show_if["field"])
    if operator == "filled":
        return not is_empty(answer)
    if operator == "empty":
        return is_empty(answer)
    if isinstance(answer, (list, tuple)):
        values = [_canonical(item) for item in answer]
    elif isinstance(answer, dict):
        values = [_canonical(" ".join(str(part) for part in answer.values()))]
    else:
        values = [] if answer is None else [_canonical(answer)]
    if operator == "contains":
        return any(expected in value for value in values)
    equal = expected in values
    return not equal if operator == "not_equals" else equal


def visible_answers(form_value_or_steps, data):
    """The answers of the questions that are shown, in form order; hidden questions' answers are dropped."""
    result = {}
    for spec in all_fields(form_value_or_steps):
        if spec.name in data and condition_met(spec.show_if, result):
            result[spec.name] = data[spec.name]
    return result


def first_incomplete_step(form_value_or_steps, data):
    """The index of the first step with a shown required question left unanswered, or None."""
    shown = {}
    for step in steps(form_value_or_steps):
        for spec in step.fields:
            if not condition_met(spec.show_if, shown):
                continue
            answer = data.get(spec.name)
            if spec.required and is_empty(answer):
                return step.index
            if spec.name in data:
                shown[spec.name] = answer
    return None


def show_if_note(spec, labels):
    """A sentence that tells (without JavaScript) when the question applies."""
    rule = spec.show_if or {}
    other = labels.get(rule.get("field"), rule.get("field"))
    value = rule.get("value") or ""
    canonical = _canonical(value)
    if canonical in ("yes", "no"):
        value = _("Yes") if canonical == "yes" else _("No")
    params = {"field": other, "value": value}
    texts = {
        "equals": _("Only if “%(field)s” is “%(value)s”."),
        "not_equals": _("Only if “%(field)s” is not “%(value)s”."),
        "contains": _("Only if “%(field)s” includes “%(value)s”."),
        "filled": _("Only if “%(field)s” is answered."),
        "empty": _("Only if “%(field)s” is left empty."),
    }
    return texts.get(rule.get("operator") or "equals", texts["equals"]) % params


def show_if_json(spec):
    """The rule as the browser helper reads it (static/js/show_if.js)."""
    rule = spec.show_if or {}
    return json.dumps(
        {"field": rule.get("field"), "operator": rule.get("operator") or "equals", "value": rule.get("value") or ""}
    )


# --- prefill from the account ------------------------------------------------------------------------


def account_value(source, user, organisation=None):
    """The value of a prefill source for this person (and organisation, when acting for one), or None."""
    if source in ("organisation_name", "organisation_uid"):
        if organisation is None:
            return None
        return organisation.name if source == "organisation_name" else getattr(organisation, "uid", "") or None
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if source == "full_name":
        return user.get_full_name() or None
    if source == "address":
        address = {key: str(getattr(user, key, "") or "") for key, _label in ADDRESS_PARTS}
        return address if not is_empty(address) else None
    if source == "date_of_birth":
        return user.date_of_birth.isoformat() if user.date_of_birth else None
    value = getattr(user, source, None) if source else None
    return value or None


def prefill_values(form_value_or_steps, user, organisation=None):
    """{machine name: value} for every question with a prefill source the account can fill."""
    values = {}
    for spec in all_fields(form_value_or_steps):
        if spec.prefill:
            value = account_value(spec.prefill, user, organisation)
            if value is not None:
                values[spec.name] = value
    return values


# --- JSON ---------------------------------------------------------------------------------------------


def to_json(value):
    """Answers as JSON-safe values: dates as ISO strings, decimals as strings, files as their names."""
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [to_json(item) for item in value]
    if hasattr(value, "read") and hasattr(value, "name"):
        return os.path.basename(value.name)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


# --- showing answers ----------------------------------------------------------------------------------


def _format_date(value):
    try:
        return datetime.date.fromisoformat(str(value)[:10]).strftime("%d.%m.%Y")
    except ValueError:
        return str(value)


def display_value(item, value):
    """One answer as text for people (address on several lines)."""
    if is_empty(value):
        return "–"
    kind = item.get("type")
    if kind == "date":
        return _format_date(value)
    if kind == "yes_no":
        return {"yes": _("Yes"), "no": _("No")}.get(str(value), str(value))
    if kind == "group" and isinstance(value, list):
        return "\n".join(_entry_text(item, number, entry) for number, entry in enumerate(value, start=1))
    if kind == "address" and isinstance(value, dict):
        first = " ".join(part for part in (value.get("street"), value.get("house_number")) if part)
        second = " ".join(part for part in (value.get("postcode"), value.get("town")) if part)
        return "\n".join(line for line in (first, second) if line)
    if isinstance(value, (list, tuple)):
        return ", ".join(part.get("name", "") if isinstance(part, dict) else str(part) for part in value)
    if isinstance(value, dict):
        return ", ".join(str(part) for part in value.values() if part)
    return str(value)


def _entry_text(item, number, entry):
    """One entry of a repeatable group on one line: "Person 2: Anna Muster, 03.04.2015, Tochter"."""
    if not isinstance(entry, dict):
        return f"{item.get('entry_label') or _('Entry')} {number}: {entry}"
    parts = [
        display_value(sub, entry[sub["name"]])
        for sub in item.get("fields") or []
        if not is_empty(entry.get(sub["name"]))
    ]
    if not item.get("fields"):
        parts = [str(part) for part in entry.values() if not is_empty(part)]
    return f"{item.get('entry_label') or _('Entry')} {number}: {', '.join(parts)}"


def display_answers(snapshot, data):
    """(label, text) of every answered question of a submission, by the questions stored with it."""
    items = snapshot if isinstance(snapshot, list) else fields_snapshot(snapshot)
    return [(item["label"], display_value(item, data[item["name"]])) for item in items if item["name"] in data]


# --- fields -------------------------------------------------------------------------------------------


def validate_phone(value):
    if not re.fullmatch(r"[0-9 +()\-/.]+", value) or len(re.sub(r"\D", "", value)) < 7:
        raise ValidationError(
            _("Enter a phone number with at least 7 digits, e.g. +41 44 123 45 67."), code="invalid_phone"
        )


def _swiss_number(value):
    # People write 1'250.50 or 12,5; the browser's number input sends 1250.50.
    if isinstance(value, str):
        return value.strip().replace("'", "").replace("’", "").replace(" ", "").replace(",", ".")
    return value


class SwissDecimalField(forms.DecimalField):
    def to_python(self, value):
        return super().to_python(_swiss_number(value))


class SwissIntegerField(forms.IntegerField):
    def to_python(self, value):
        return super().to_python(_swiss_number(value))


class AhvField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        return normalize_ahv(value) if value else value


class IbanField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        try:
            return stdnum_iban.format(stdnum_iban.validate(value))
        except Exception as exc:
            raise ValidationError(
                _("Enter a valid IBAN, e.g. CH93 0076 2011 6238 5295 7."), code="invalid_iban"
            ) from exc


class AddressWidget(forms.Widget):
    """Four labelled inputs (street, number, postcode, town) in a fieldset; the street input carries the id."""

    template_name = "services/form/address_widget.html"
    use_fieldset = True

    def __init__(self, attrs=None, autocomplete=False):
        super().__init__(attrs)
        self.autocomplete = autocomplete

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        value = value if isinstance(value, dict) else {}
        base_id = context["widget"]["attrs"].get("id") or f"id_{name}"
        hints = {"street": "address-line1", "postcode": "postal-code", "town": "address-level2"}
        context["widget"]["parts"] = [
            {
                "key": key,
                "label": label,
                "name": f"{name}_{key}",
                "id": base_id if index == 0 else f"{base_id}_{key}",
                "value": value.get(key) or "",
                "autocomplete": hints.get(key, "") if self.autocomplete else "",
                "inputmode": "numeric" if key == "postcode" else "",
                "describedby": context["widget"]["attrs"].get("aria-describedby", ""),
                "invalid": context["widget"]["attrs"].get("aria-invalid", False),
            }
            for index, (key, label) in enumerate(ADDRESS_PARTS)
        ]
        return context

    def value_from_datadict(self, data, files, name):
        return {key: data.get(f"{name}_{key}", "") for key, _label in ADDRESS_PARTS}

    def value_omitted_from_data(self, data, files, name):
        return all(f"{name}_{key}" not in data for key, _label in ADDRESS_PARTS)

    def id_for_label(self, id_):
        return id_


class AddressField(forms.Field):
    """A Swiss postal address as {street, house_number, postcode, town}; all four parts or none."""

    widget = AddressWidget

    def clean(self, value):
        value = {key: str((value or {}).get(key) or "").strip() for key, _label in ADDRESS_PARTS}
        if is_empty(value):
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return None
        missing = [str(label) for key, label in ADDRESS_PARTS if not value[key]]
        if missing:
            raise ValidationError(
                _("Complete the address; missing: %(parts)s.") % {"parts": ", ".join(missing)}, code="incomplete"
            )
        validate_swiss_postcode(value["postcode"])
        return value


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


FILE_LABELS = dict(FILE_TYPES)
EXTENSIONS = {"jpg": {"jpg", "jpeg"}}


def check_upload(upload, allowed, max_bytes):
    """Refuse a file by extension, size and content (the one upload check in services/forms.py); the returned
    file knows its sniffed content type."""
    upload.sniffed_content_type = validate_upload(upload, allowed, max_bytes)
    return upload


class UploadField(forms.FileField):
    """One or several files; each is checked by extension, size and content. Counts are checked by the form."""

    def __init__(self, *, allowed, max_size_mb, multiple, max_files, **kwargs):
        self.allowed = list(allowed or ["pdf"])
        self.max_bytes = int(max_size_mb or 10) * 1048576
        self.multiple = bool(multiple)
        self.max_files = int(max_files or 1) if self.multiple else 1
        kwargs.setdefault("widget", MultipleFileInput if self.multiple else forms.FileInput)
        super().__init__(**kwargs)
        accept = sorted({f".{ext}" for key in self.allowed for ext in EXTENSIONS.get(key, {key})})
        self.widget.attrs["accept"] = ",".join(accept)

    def clean_files(self, data):
        uploads = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        uploads = [upload for upload in uploads if upload]
        errors, cleaned = [], []
        for upload in uploads:
            try:
                cleaned.append(check_upload(upload, self.allowed, self.max_bytes))
            except ValidationError as exc:
                errors.extend(exc.error_list)
        if errors:
            raise ValidationError(errors)
        return cleaned


class FieldFactory(FormBuilder):
    """Wagtail's form field factories (wagtail.contrib.forms) fed with our field blocks' values."""

    def __init__(self, autocomplete=True):
        super().__init__([])
        self.autocomplete = autocomplete

    def get_field_options(self, spec):
        return {"label": spec.label, "help_text": conditional_escape(spec.help_text), "required": spec.required}

    def get_formatted_field_choices(self, spec):
        return [(choice, choice) for choice in spec.choices]

    def get_formatted_field_initial(self, spec):
        return []

    def create(self, spec):
        formfield = self.get_create_field_function(spec.type)(spec, self.get_field_options(spec))
        hint = AUTOCOMPLETE.get(spec.prefill)
        if hint and self.autocomplete and spec.type != "address":
            formfield.widget.attrs["autocomplete"] = hint
        return formfield

    def create_text_field(self, spec, options):
        return forms.CharField(max_length=spec.options.get("max_length") or 255, **options)

    def create_long_text_field(self, spec, options):
        options["max_length"] = spec.options.get("max_length") or 5000
        return self.create_multiline_field(spec, options)

    def create_phone_field(self, spec, options):
        options["widget"] = forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})
        return forms.CharField(max_length=32, validators=[validate_phone], **options)

    def create_number_field(self, spec, options):
        places = spec.options.get("decimal_places") or 0
        low, high = spec.options.get("min_value"), spec.options.get("max_value")
        if places:
            return SwissDecimalField(decimal_places=places, min_value=low, max_value=high, **options)
        return SwissIntegerField(min_value=low, max_value=high, **options)

    def create_date_field(self, spec, options):
        low, high = spec.options.get("min_date"), spec.options.get("max_date")
        low = datetime.date.fromisoformat(low) if isinstance(low, str) else low
        high = datetime.date.fromisoformat(high) if isinstance(high, str) else high
        today = timezone.localdate()
        if spec.options.get("not_in_past"):
            low = max(filter(None, [low, today]))
        # A window relative to today (e.g. a moving date: at most 14 days back, 90 days ahead).
        if spec.options.get("days_back") not in (None, ""):
            low = max(filter(None, [low, today - datetime.timedelta(days=int(spec.options["days_back"]))]))
        if spec.options.get("days_ahead") not in (None, ""):
            high = min(filter(None, [high, today + datetime.timedelta(days=int(spec.options["days_ahead"]))]))
        attrs = {"type": "date"}
        if low:
            attrs["min"] = low.isoformat()
        if high:
            attrs["max"] = high.isoformat()
        options["widget"] = forms.DateInput(attrs=attrs, format="%Y-%m-%d")
        options["input_formats"] = ["%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y"]
        options["validators"] = [_date_bounds(low, high)]
        return super().create_date_field(spec, options)

    def create_choice_field(self, spec, options):
        widget = spec.options.get("widget") or "radio"
        if widget == "checkboxes":
            return self.create_checkboxes_field(spec, options)
        if widget == "select":
            formfield = self.create_dropdown_field(spec, options)
            formfield.choices = [("", _("Please choose"))] + list(formfield.choices)
            return formfield
        return self.create_radio_field(spec, options)

    def create_yes_no_field(self, spec, options):
        options["choices"] = [("yes", _("Yes")), ("no", _("No"))]
        return forms.ChoiceField(widget=forms.RadioSelect, **options)

    def create_address_field(self, spec, options):
        return AddressField(widget=AddressWidget(autocomplete=spec.prefill == "address"), **options)

    def create_ahv_field(self, spec, options):
        options["widget"] = forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "756.1234.5678.97"})
        return AhvField(max_length=20, **options)

    def create_iban_field(self, spec, options):
        options["widget"] = forms.TextInput(attrs={"spellcheck": "false", "placeholder": "CH93 0076 2011 6238 5295 7"})
        return IbanField(max_length=42, **options)

    def create_file_field(self, spec, options):
        value = spec.options
        allowed = value.get("allowed_types") or ["pdf"]
        hint = _("Allowed: %(types)s; at most %(size)s MB per file.") % {
            "types": ", ".join(str(FILE_LABELS.get(key, key)) for key in allowed),
            "size": value.get("max_size_mb") or 10,
        }
        if value.get("multiple"):
            count = value.get("max_files") or 1
            hint += " " + ngettext("Up to %(count)d file.", "Up to %(count)d files.", count) % {"count": count}
        options["help_text"] = " ".join(part for part in (options["help_text"], conditional_escape(hint)) if part)
        return UploadField(
            allowed=value.get("allowed_types"),
            max_size_mb=value.get("max_size_mb"),
            multiple=value.get("multiple"),
            max_files=value.get("max_files"),
            **options,
        )


def _date_bounds(low, high):
    def validate(value):
        if low and value < low:
            if low == timezone.localdate():
                raise ValidationError(_("The date must not be in the past."), code="date_past")
            raise ValidationError(
                _("Enter a date on or after %(date)s.") % {"date": low.strftime("%d.%m.%Y")}, code="date_min"
            )
        if high and value > high:
            raise ValidationError(
                _("Enter a date on or before %(date)s.") % {"date": high.strftime("%d.%m.%Y")}, code="date_max"
            )

    return validate


# --- the form of one step --------------------------------------------------------------------------------


@dataclass
class FileChange:
    """What a step's submission did to the uploads of one file question."""

    keep: list
    new: list


class StepForm(forms.Form):
    """The questions of one step; show-if rules are evaluated here, in form order, on the server.

    A question whose rule depends on an earlier step is left out when its rule is false; one that depends
    on a question of the same step is present (the browser may hide it) but is neither required nor kept
    when its rule is false.
    """

    use_required_attribute = False  # Hidden show-if questions must not block the browser's submit.

    def __init__(self, *args, step, answers=None, existing_files=None, autocomplete=True, entry_counts=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.step = step
        self.answers = dict(answers or {})
        self.existing_files = {name: list(files) for name, files in (existing_files or {}).items()}
        self.specs = {}
        self.dynamic = set()
        self.skipped = set()
        self.file_changes = {}
        self.entry_counts = {}
        self.group_members = set()
        names = {spec.name for spec in step.fields}
        factory = FieldFactory(autocomplete=autocomplete)
        for spec in step.fields:
            if spec.show_if and spec.depends_on not in names and not condition_met(spec.show_if, self.answers):
                continue
            if spec.show_if and spec.depends_on in names:
                self.dynamic.add(spec.name)
            self.specs[spec.name] = spec
            if spec.type == "group":
                self._add_group(spec, factory, (entry_counts or {}).get(spec.name))
                continue
            self.fields[spec.name] = factory.create(spec)
            if spec.type == "file":
                self.fields[spec.name + REMOVE_SUFFIX] = forms.MultipleChoiceField(
                    label=_("Files already uploaded – tick to remove"),
                    required=False,
                    widget=forms.CheckboxSelectMultiple,
                )
                self.set_existing_files(spec.name, self.existing_files.get(spec.name, []))

    def set_existing_files(self, name, files):
        """The uploads already stored for a file question (records with id, name, size)."""
        self.existing_files[name] = list(files)
        self.fields[name + REMOVE_SUFFIX].choices = [
            (record["id"], f"{record['name']} ({_human_size(record.get('size') or 0)})") for record in files
        ]

    @property
    def items(self):
        """Headings and bound questions of this step, in order, for the template."""
        result = []
        labels = {spec.name: spec.label for spec in self.step.fields}
        for item in self.step.items:
            if item.is_heading:
                result.append({"heading": item})
            elif item.name in self.fields and item.type == "group":
                result.append(self._group_item(item, labels))
            elif item.name in self.fields:
                remove = self[item.name + REMOVE_SUFFIX] if item.type == "file" else None
                result.append(
                    {
                        "spec": item,
                        "field": self[item.name],
                        "remove": remove if remove is not None and self.existing_files.get(item.name) else None,
                        "existing": self.existing_files.get(item.name, []),
                        "dynamic": item.name in self.dynamic,
                        "show_if_note": show_if_note(item, labels) if item.name in self.dynamic else "",
                        "show_if_json": show_if_json(item) if item.name in self.dynamic else "",
                    }
                )
        return result

    def _known_answers(self):
        known = {**self.answers, **{name: to_json(value) for name, value in self.cleaned_data.items()}}
        for name in self.skipped:
            known.pop(name, None)
        return known

    def _clean_fields(self):
        for name, bound in self._bound_items():
            if name.endswith(REMOVE_SUFFIX) or name in self.group_members:
                continue
            spec = self.specs[name]
            if name in self.dynamic and not condition_met(spec.show_if, self._known_answers()):
                self.skipped.add(name)
                continue
            try:
                if spec.type == "group":
                    self.cleaned_data[name] = self._clean_group(spec)
                elif spec.type == "file":
                    self.cleaned_data[name] = self._clean_upload(name, bound)
                else:
                    self.cleaned_data[name] = bound.field._clean_bound_field(bound)
            except ValidationError as exc:
                self.add_error(name, exc)

    def _clean_upload(self, name, bound):
        formfield = bound.field
        remove_name = name + REMOVE_SUFFIX
        remove = set(self.fields[remove_name].clean(self[remove_name].data))
        new = formfield.clean_files(bound.data)
        kept = [record for record in self.existing_files.get(name, []) if record["id"] not in remove]
        if new and not formfield.multiple:
            kept = []
        total = len(kept) + len(new)
        if total > formfield.max_files:
            raise ValidationError(
                ngettext(
                    "You can upload at most %(count)d file here.",
                    "You can upload at most %(count)d files here.",
                    formfield.max_files,
                )
                % {"count": formfield.max_files},
                code="too_many_files",
            )
        if formfield.required and not total:
            raise ValidationError(formfield.error_messages["required"], code="required")
        self.file_changes[name] = FileChange(keep=[record["id"] for record in kept], new=new)
        return [record["name"] for record in kept] + [os.path.basename(upload.name) for upload in new]

    # --- repeatable groups: a hidden count field named after the group plus one field per entry and question

    def _add_group(self, spec, factory, count):
        if count is None and self.is_bound:
            count = self.data.get(self.add_prefix(spec.name))
        if count is None:
            existing = self.initial.get(spec.name)
            count = len(existing) if isinstance(existing, list) else 0
            if isinstance(existing, list):
                for index, entry in enumerate(existing):
                    for sub in spec.subfields:
                        if isinstance(entry, dict) and sub.name in entry:
                            self.initial[member_name(spec.name, index, sub.name)] = entry[sub.name]
        try:
            count = int(count)
        except (TypeError, ValueError):
            count = 0
        count = min(max(count, spec.min_entries, 1), spec.max_entries)
        self.entry_counts[spec.name] = count
        self.initial[spec.name] = count
        self.fields[spec.name] = forms.IntegerField(
            label=spec.label, required=False, widget=forms.HiddenInput, min_value=0, max_value=spec.max_entries
        )
        for index in range(count):
            for sub in spec.subfields:
                formfield = factory.create(sub)
                formfield.required = False  # Required only within an entry that is filled in (see _clean_group).
                formfield.entry_required = sub.required
                name = member_name(spec.name, index, sub.name)
                self.fields[name] = formfield
                self.group_members.add(name)

    def _clean_group(self, spec):
        """The filled-in entries as a list of {question: answer}; empty entries are dropped."""
        entries, failed = [], False
        for index in range(self.entry_counts[spec.name]):
            names = {sub.name: member_name(spec.name, index, sub.name) for sub in spec.subfields}
            raw = {key: self[name].data for key, name in names.items()}
            if all(is_empty(value) for value in raw.values()):
                continue
            entry = {}
            for key, name in names.items():
                formfield = self.fields[name]
                try:
                    value = formfield._clean_bound_field(self[name])
                    if formfield.entry_required and is_empty(value):
                        raise ValidationError(formfield.error_messages["required"], code="required")
                    entry[key] = to_json(value)
                except ValidationError as exc:
                    self.add_error(name, exc)
                    failed = True
            entries.append(entry)
        if failed:
            raise ValidationError(_("Please correct the entries marked below."), code="invalid_entries")
        if spec.required and not entries:
            raise ValidationError(
                _("Add at least one entry (%(entry)s).") % {"entry": spec.entry_label}, code="required"
            )
        if len(entries) < spec.min_entries:
            raise ValidationError(
                ngettext("Add at least %(count)d entry.", "Add at least %(count)d entries.", spec.min_entries)
                % {"count": spec.min_entries},
                code="min_entries",
            )
        return entries

    def _group_item(self, spec, labels):
        count = self.entry_counts[spec.name]
        entries = [
            {
                "number": index + 1,
                "fields": [self[member_name(spec.name, index, sub.name)] for sub in spec.subfields],
                "remove_action": f"{REMOVE_ENTRY}{spec.name}:{index}",
            }
            for index in range(count)
        ]
        return {
            "spec": spec,
            "group": True,
            "field": self[spec.name],
            "entries": entries,
            "entry_label": spec.entry_label,
            "can_add": count < spec.max_entries,
            "can_remove": count > max(spec.min_entries, 1),
            "add_action": f"{ADD_ENTRY}{spec.name}",
            "dynamic": spec.name in self.dynamic,
            "show_if_note": show_if_note(spec, labels) if spec.name in self.dynamic else "",
            "show_if_json": show_if_json(spec) if spec.name in self.dynamic else "",
        }

    @property
    def has_groups(self):
        return bool(self.entry_counts)

    def answers_json(self):
        """The valid answers of this step as JSON (files as their names); works on invalid forms too."""
        return {
            name: to_json(value)
            for name, value in self.cleaned_data.items()
            if name in self.specs and name not in self.errors
        }


def _human_size(size):
    if size >= 1048576:
        return f"{size / 1048576:.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


def member_name(group, index, question):
    return f"{group}{GROUP_SEPARATOR}{index}{GROUP_SEPARATOR}{question}"


def is_entry_action(action):
    return action.startswith((ADD_ENTRY, REMOVE_ENTRY))


def with_entry_change(form, action):
    """The step again, unbound, with everything typed kept and one entry of a group added or removed.

    Adding or removing an entry is not a submission: nothing is checked, so no error appears on entries the
    person has not finished yet.
    """
    files = {name for name, spec in form.specs.items() if spec.type == "file"}
    typed = {name: form[name].data for name in form.fields if name not in files and not name.endswith(REMOVE_SUFFIX)}
    counts = dict(form.entry_counts)
    focus = None
    if action.startswith(ADD_ENTRY):
        group = action[len(ADD_ENTRY) :]
        spec = form.specs.get(group)
        if spec is not None and spec.type == "group" and counts[group] < spec.max_entries:
            counts[group] += 1
            focus = member_name(group, counts[group] - 1, spec.subfields[0].name) if spec.subfields else None
    else:
        group, _sep, index = action[len(REMOVE_ENTRY) :].rpartition(":")
        spec = form.specs.get(group)
        if spec is not None and spec.type == "group" and index.isdigit() and int(index) < counts[group]:
            removed = int(index)
            for position in range(removed, counts[group] - 1):
                for sub in spec.subfields:
                    typed[member_name(group, position, sub.name)] = typed.get(
                        member_name(group, position + 1, sub.name)
                    )
            counts[group] = max(counts[group] - 1, spec.min_entries, 1)
            next_entry = min(removed, counts[group] - 1)
            focus = member_name(group, next_entry, spec.subfields[0].name) if spec.subfields else None
    rebuilt = build_step_form(
        form.step,
        answers=form.answers,
        initial={name: value for name, value in typed.items() if value not in (None, "")},
        existing_files=form.existing_files,
        auto_id=form.auto_id,
        entry_counts=counts,
    )
    if focus in rebuilt.fields:
        # The person asked for this entry: take them there (and announce it to screen readers).
        rebuilt.fields[focus].widget.attrs["autofocus"] = True
    return rebuilt


def build_step_form(
    step, *, data=None, files=None, answers=None, initial=None, existing_files=None, auto_id=None, entry_counts=None
):
    """The Django form of one step; `answers` are all answers so far (for show-if on earlier steps)."""
    kwargs = {
        "step": step,
        "answers": answers,
        "existing_files": existing_files,
        "initial": initial or {},
        "entry_counts": entry_counts,
    }
    if auto_id:
        kwargs["auto_id"] = auto_id
    if data is not None:
        return StepForm(data, files, **kwargs)
    return StepForm(**kwargs)

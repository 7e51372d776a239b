"""Form field blocks (the questions of a ServiceForm) and the FormBlock that embeds a form in a page.

Every answerable field has a machine `name` that is fixed the first time the form is saved (derived
from the label when left empty), so renaming a label never orphans stored answers.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.stream_block import StreamBlockValidationError
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.snippets.blocks import SnippetChooserBlock

from home.blocks import BaseStreamBlock

PREFILL_CHOICES = [
    ("", _("No prefill")),
    ("first_name", _("First name")),
    ("last_name", _("Last name")),
    ("full_name", _("Full name")),
    ("email", _("E-mail address")),
    ("phone", _("Phone")),
    ("date_of_birth", _("Date of birth")),
    ("address", _("Postal address")),
    ("street", _("Street")),
    ("house_number", _("House number")),
    ("postcode", _("Postcode")),
    ("town", _("Town")),
    ("ahv_number", _("AHV number")),
    ("organisation_name", _("Organisation name (organisation context)")),
    ("organisation_uid", _("Organisation UID (organisation context)")),
]

SHOW_IF_OPERATORS = [
    ("equals", _("equals")),
    ("not_equals", _("does not equal")),
    ("contains", _("contains (for check boxes)")),
    ("filled", _("is filled in")),
    ("empty", _("is empty")),
]

FILE_TYPES = [
    ("pdf", "PDF"),
    ("jpg", "JPEG"),
    ("png", "PNG"),
    ("docx", "Word (DOCX)"),
    ("xlsx", "Excel (XLSX)"),
    ("odt", "OpenDocument Text"),
    ("txt", _("Plain text")),
]

MACHINE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def machine_name_from(label):
    name = slugify(str(label)).replace("-", "_")
    name = re.sub(r"[^a-z0-9_]", "", name).strip("_")[:60]
    if not name or not name[0].isalpha():
        name = f"field_{name}".rstrip("_")
    return name


class ShowIfBlock(blocks.StructBlock):
    """Show a field only when another field (by machine name) has a given answer; enforced on the server."""

    field = blocks.CharBlock(
        label=_("Depends on field"), required=False, help_text=_("Machine name of an earlier field; empty = always")
    )
    operator = blocks.ChoiceBlock(label=_("Condition"), choices=SHOW_IF_OPERATORS, default="equals")
    value = blocks.CharBlock(label=_("Value"), required=False)

    class Meta:
        label = _("Show only if")
        collapsed = True
        icon = "view"


class BaseFieldBlock(blocks.StructBlock):
    """Common parts of every question: label, machine name, help, required, prefill, show-if."""

    label = blocks.CharBlock(label=_("Label"), max_length=200)
    name = blocks.CharBlock(
        label=_("Machine name"),
        required=False,
        max_length=63,
        help_text=_("Fixed on first save; used by the specialist applications. Leave empty to derive it."),
    )
    help_text = blocks.CharBlock(label=_("Help text"), required=False, max_length=300)
    required = blocks.BooleanBlock(label=_("Required"), required=False, default=True)
    prefill = blocks.ChoiceBlock(label=_("Prefill from the account"), choices=PREFILL_CHOICES, required=False)
    show_if = ShowIfBlock()

    field_type = "text"

    class Meta:
        icon = "form"

    def clean(self, value):
        value = super().clean(value)
        name = value.get("name") or machine_name_from(value.get("label", ""))
        if not MACHINE_NAME.match(name):
            raise StructBlockValidationError(
                block_errors={
                    "name": ValidationError(
                        _("Use lower-case letters, digits and underscores, starting with a letter.")
                    )
                }
            )
        value["name"] = name
        return value


class TextFieldBlock(BaseFieldBlock):
    """A one-line text answer."""

    max_length = blocks.IntegerBlock(label=_("Maximum length"), required=False, min_value=1, max_value=1000)
    field_type = "text"

    class Meta:
        icon = "pilcrow"
        label = _("Text")


class LongTextFieldBlock(BaseFieldBlock):
    """A multi-line text answer."""

    max_length = blocks.IntegerBlock(label=_("Maximum length"), required=False, min_value=1, max_value=20000)
    field_type = "long_text"

    class Meta:
        icon = "doc-full"
        label = _("Long text")


class EmailFieldBlock(BaseFieldBlock):
    """An e-mail address."""

    field_type = "email"

    class Meta:
        icon = "mail"
        label = _("E-mail")


class PhoneFieldBlock(BaseFieldBlock):
    """A phone number."""

    field_type = "phone"

    class Meta:
        icon = "mobile-alt"
        label = _("Phone")


class NumberFieldBlock(BaseFieldBlock):
    """A whole or decimal number within optional bounds."""

    min_value = blocks.DecimalBlock(label=_("Minimum"), required=False)
    max_value = blocks.DecimalBlock(label=_("Maximum"), required=False)
    decimal_places = blocks.IntegerBlock(label=_("Decimal places"), required=False, min_value=0, max_value=4, default=0)
    field_type = "number"

    class Meta:
        icon = "order"
        label = _("Number")


class DateFieldBlock(BaseFieldBlock):
    """A date within optional bounds."""

    min_date = blocks.DateBlock(label=_("Earliest date"), required=False)
    max_date = blocks.DateBlock(label=_("Latest date"), required=False)
    not_in_past = blocks.BooleanBlock(label=_("Not in the past"), required=False)
    days_back = blocks.IntegerBlock(
        label=_("At most this many days back"),
        required=False,
        min_value=0,
        max_value=3650,
        help_text=_("Counted from the day the form is filled in, e.g. 14 for a moving date."),
    )
    days_ahead = blocks.IntegerBlock(
        label=_("At most this many days ahead"),
        required=False,
        min_value=0,
        max_value=3650,
        help_text=_("Counted from the day the form is filled in, e.g. 90 for a moving date."),
    )
    field_type = "date"

    class Meta:
        icon = "date"
        label = _("Date")


class ChoiceFieldBlock(BaseFieldBlock):
    """One or several answers from a list."""

    choices = blocks.TextBlock(label=_("Choices"), help_text=_("One choice per line."))
    widget = blocks.ChoiceBlock(
        label=_("Display"),
        choices=[("radio", _("Radio buttons")), ("select", _("Drop-down list")), ("checkboxes", _("Check boxes"))],
        default="radio",
    )
    field_type = "choice"

    class Meta:
        icon = "list-ul"
        label = _("Choice")

    def clean(self, value):
        value = super().clean(value)
        lines = [line.strip() for line in (value.get("choices") or "").splitlines() if line.strip()]
        if len(lines) < 2:
            raise StructBlockValidationError(block_errors={"choices": ValidationError(_("Give at least two choices."))})
        if len(set(lines)) != len(lines):
            raise StructBlockValidationError(block_errors={"choices": ValidationError(_("Each choice only once."))})
        return value


class YesNoFieldBlock(BaseFieldBlock):
    """A yes/no question."""

    field_type = "yes_no"

    class Meta:
        icon = "tick"
        label = _("Yes/no")


class AddressFieldBlock(BaseFieldBlock):
    """A Swiss postal address: street, house number, postcode (1000–9999) and town."""

    field_type = "address"

    class Meta:
        icon = "home"
        label = _("Swiss address")


class AhvFieldBlock(BaseFieldBlock):
    """A Swiss social security (AHV) number, checked and normalised."""

    field_type = "ahv"

    class Meta:
        icon = "user"
        label = _("AHV number")


class IbanFieldBlock(BaseFieldBlock):
    """An IBAN, checked and normalised."""

    field_type = "iban"

    class Meta:
        icon = "table"
        label = _("IBAN")


class FileFieldBlock(BaseFieldBlock):
    """File uploads with allowed types, a size limit and an optional number of files."""

    allowed_types = blocks.MultipleChoiceBlock(
        label=_("Allowed file types"), choices=FILE_TYPES, default=["pdf", "jpg", "png"]
    )
    max_size_mb = blocks.IntegerBlock(label=_("Maximum size per file (MB)"), default=10, min_value=1, max_value=50)
    multiple = blocks.BooleanBlock(label=_("Several files"), required=False)
    max_files = blocks.IntegerBlock(label=_("Maximum number of files"), default=5, min_value=1, max_value=20)
    field_type = "file"

    class Meta:
        icon = "doc-empty"
        label = _("File upload")


class GroupQuestionsBlock(blocks.StreamBlock):
    """The questions asked once per entry of a repeatable group (no files, addresses or nested groups)."""

    text = TextFieldBlock()
    email = EmailFieldBlock()
    phone = PhoneFieldBlock()
    number = NumberFieldBlock()
    date = DateFieldBlock()
    choice = ChoiceFieldBlock()
    yes_no = YesNoFieldBlock()
    ahv = AhvFieldBlock()

    class Meta:
        label = _("Questions per entry")


class RepeatableGroupFieldBlock(BaseFieldBlock):
    """The same questions for several entries, e.g. one set per household member; the person adds entries."""

    entry_label = blocks.CharBlock(
        label=_("Name of one entry"), max_length=60, default="Person", help_text=_("e.g. “Person”, “Child”, “Vehicle”.")
    )
    questions = GroupQuestionsBlock()
    min_entries = blocks.IntegerBlock(label=_("Minimum number of entries"), default=0, min_value=0, max_value=20)
    max_entries = blocks.IntegerBlock(label=_("Maximum number of entries"), default=10, min_value=1, max_value=20)
    field_type = "group"

    class Meta:
        icon = "group"
        label = _("Repeatable group")

    def clean(self, value):
        value = super().clean(value)
        errors = {}
        if (value.get("min_entries") or 0) > (value.get("max_entries") or 1):
            errors["max_entries"] = ValidationError(_("The maximum must not be smaller than the minimum."))
        names, problems = set(), []
        for child in value.get("questions") or []:
            inner = child.value
            if inner.get("prefill") or (inner.get("show_if") or {}).get("field"):
                problems.append(
                    _("“%(label)s”: prefill and “show only if” are not available inside a repeatable group.")
                    % {"label": inner.get("label")}
                )
            if inner["name"] in names:
                problems.append(_("The machine name “%(name)s” is used twice in this group.") % {"name": inner["name"]})
            names.add(inner["name"])
        if not names:
            problems.append(_("Add at least one question for each entry."))
        if problems:
            errors["questions"] = ValidationError(" ".join(str(problem) for problem in problems))
        if errors:
            raise StructBlockValidationError(block_errors=errors)
        return value


class SectionHeadingBlock(blocks.StructBlock):
    """A heading that groups the following questions (not a question itself)."""

    text = blocks.CharBlock(label=_("Heading"), max_length=200)
    description = blocks.TextBlock(label=_("Description"), required=False)

    field_type = "heading"

    class Meta:
        icon = "title"
        label = _("Section heading")


class StepBreakBlock(blocks.StructBlock):
    """Starts a new step of a multi-step form."""

    title = blocks.CharBlock(label=_("Title of the next step"), max_length=120)

    field_type = "step"

    class Meta:
        icon = "arrow-right"
        label = _("Step break")


class FormFieldsBlock(blocks.StreamBlock):
    """The questions of a form, in order; machine names must be unique."""

    text = TextFieldBlock()
    long_text = LongTextFieldBlock()
    email = EmailFieldBlock()
    phone = PhoneFieldBlock()
    number = NumberFieldBlock()
    date = DateFieldBlock()
    choice = ChoiceFieldBlock()
    yes_no = YesNoFieldBlock()
    address = AddressFieldBlock()
    ahv = AhvFieldBlock()
    iban = IbanFieldBlock()
    file = FileFieldBlock()
    group = RepeatableGroupFieldBlock()
    heading = SectionHeadingBlock()
    step_break = StepBreakBlock()

    def clean(self, value):
        value = super().clean(value)
        seen = {}
        errors = {}
        for index, child in enumerate(value):
            if not isinstance(child.block, BaseFieldBlock):
                continue
            name = child.value["name"]
            if name in seen:
                errors[index] = ValidationError(
                    _("The machine name “%(name)s” is used twice; every field needs its own.") % {"name": name}
                )
            seen[name] = index
            depends_on = (child.value.get("show_if") or {}).get("field")
            if depends_on and (depends_on not in seen or depends_on == name):
                errors[index] = ValidationError(
                    _("“Show only if” must name an earlier field (unknown: %(name)s).") % {"name": depends_on}
                )
        if errors:
            raise StreamBlockValidationError(block_errors=errors)
        return value


class FormBlock(blocks.StructBlock):
    """Embeds a service form in a page, with an introduction and a confirmation text."""

    form = SnippetChooserBlock("services.ServiceForm", label=_("Form"))
    intro = blocks.RichTextBlock(label=_("Introduction"), required=False, features=["bold", "italic", "link", "ul"])
    confirmation = blocks.RichTextBlock(
        label=_("Confirmation text"), required=False, features=["bold", "italic", "link", "ul"]
    )

    class Meta:
        icon = "form"
        template = "blocks/form_block.html"
        label = _("Form")
        description = _("An online form whose submissions become cases in the account")


class ServiceStreamBlock(BaseStreamBlock):
    """The content blocks of the website plus embedded forms."""

    form = FormBlock()


class ProcedureStepBlock(blocks.StructBlock):
    """One step of a service's procedure (e.g. Vorprüfung, Publikation); cases show their progress along them."""

    key = blocks.CharBlock(
        label=_("Key"),
        max_length=60,
        help_text=_("Lower-case identifier the specialist application reports this step with, e.g. 'publikation'."),
    )
    title = blocks.CharBlock(label=_("Title"), max_length=120)
    description = blocks.TextBlock(label=_("Description for the applicant"), required=False)
    is_period = blocks.BooleanBlock(
        label=_("Has a period (from–to)"), required=False, help_text=_("e.g. the period for objections")
    )

    class Meta:
        icon = "list-ol"
        label = _("Procedure step")

    def clean(self, value):
        value = super().clean(value)
        if not MACHINE_NAME.match(value.get("key") or ""):
            raise StructBlockValidationError(
                block_errors={
                    "key": ValidationError(_("Use lower-case letters, digits and underscores, starting with a letter."))
                }
            )
        return value


class ProcedureBlock(blocks.StreamBlock):
    """The steps of a service's procedure, in order; keys must be unique."""

    step = ProcedureStepBlock()

    def clean(self, value):
        value = super().clean(value)
        seen, errors = set(), {}
        for index, child in enumerate(value):
            if child.value["key"] in seen:
                errors[index] = ValidationError(_("Each key only once."))
            seen.add(child.value["key"])
        if errors:
            raise StreamBlockValidationError(block_errors=errors)
        return value

"""Forms of the weekly plan pages: the plan, its tasks (a formset) and its attachments."""

import zipfile

import filetype
from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from . import weekly_plans
from .models.weekly_plans import WeeklyPlanTask

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES_PER_SAVE = 5
# Extension → the content it must have. Office documents are zip archives recognised by a member every such file has.
ALLOWED_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
}
ALIASES = {"jpeg": "jpg"}
ZIP_MEMBERS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}


def extension_of(name):
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return ALIASES.get(extension, extension)


def content_type_of(name):
    return ALLOWED_TYPES.get(extension_of(name), "application/octet-stream")


def _zip_has(file, extension):
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            if extension in ZIP_MEMBERS:
                return ZIP_MEMBERS[extension] in archive.namelist()
            return archive.read("mimetype").strip() == ALLOWED_TYPES[extension].encode()
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return False
    finally:
        file.seek(0)


def check_upload(file):
    """Refuse files by extension, size and content (a renamed program is not a PDF)."""
    name = (getattr(file, "name", "") or "").rsplit("/", 1)[-1]
    extension = extension_of(name)
    if extension not in ALLOWED_TYPES:
        raise ValidationError(
            _("“%(name)s” is not an accepted file type. Accepted: %(types)s."),
            code="file_type",
            params={"name": name, "types": ", ".join(ext.upper() for ext in ALLOWED_TYPES)},
        )
    if file.size > MAX_FILE_BYTES:
        raise ValidationError(
            _("“%(name)s” is too large (%(size)s); files may be at most %(max)s."),
            code="file_size",
            params={"name": name, "size": filesizeformat(file.size), "max": filesizeformat(MAX_FILE_BYTES)},
        )
    if file.size == 0:
        raise ValidationError(_("“%(name)s” is empty."), code="file_empty", params={"name": name})
    file.seek(0)
    kind = filetype.guess(file.read(8192))
    file.seek(0)
    if extension in ("docx", "xlsx", "pptx", "odt", "ods", "odp"):
        matches = (kind is None or kind.extension in (extension, "zip")) and _zip_has(file, extension)
    else:
        matches = kind is not None and ALIASES.get(kind.extension, kind.extension) == extension
    if not matches:
        raise ValidationError(
            _("The content of “%(name)s” is not a %(type)s file."),
            code="file_content",
            params={"name": name, "type": extension.upper()},
        )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        accept = [f".{ext}" for ext in ALLOWED_TYPES] + [f".{alias}" for alias in ALIASES]
        self.widget.attrs["accept"] = ",".join(accept)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_FILES_PER_SAVE:
            raise ValidationError(
                _("Attach at most %(max)d files at a time (you chose %(count)d)."),
                code="too_many_files",
                params={"max": MAX_FILES_PER_SAVE, "count": len(files)},
            )
        errors = []
        for file in files:
            try:
                check_upload(file)
            except ValidationError as error:
                errors.extend(error.error_list)
        if errors:
            raise ValidationError(errors)
        return files


def _files_help():
    return _("Up to %(count)d files at a time, each at most %(size)s: %(types)s.") % {
        "count": MAX_FILES_PER_SAVE,
        "size": filesizeformat(MAX_FILE_BYTES),
        "types": ", ".join(ext.upper() for ext in ALLOWED_TYPES),
    }


class PlanForm(forms.Form):
    """The plan itself. A new plan chooses class and week; afterwards both stay as they are."""

    school_class = forms.ModelChoiceField(label=_("Class"), queryset=None, empty_label=_("Choose a class"))
    week = forms.DateField(
        label=_("Week"),
        help_text=_("Any day of the week; the plan is filed under that week's Monday."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    notes = forms.CharField(
        label=_("Notes for students and parents"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    files = AttachmentsField(label=_("Add attachments"))
    remove_attachments = forms.ModelMultipleChoiceField(
        label=_("Remove attachments"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, teacher, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields["files"].help_text = _files_help()
        if plan is None:
            self.fields["school_class"].queryset = weekly_plans.plannable_classes(teacher)
            self.fields["school_class"].label_from_instance = lambda c: f"{c.name} ({c.school})"
            del self.fields["remove_attachments"]
        else:
            del self.fields["school_class"], self.fields["week"]
            attachments = plan.attachments.all()
            if attachments:
                self.fields["remove_attachments"].queryset = attachments
            else:
                del self.fields["remove_attachments"]

    def clean_week(self):
        week = self.cleaned_data["week"]
        return weekly_plans.monday_of(week) if week else week


DAY_CHOICES = [("", _("Whole week"))] + [(str(value), label) for value, label in WeeklyPlanTask.Day.choices]
KIND_CHOICES = [("compulsory", _("Compulsory")), ("optional", _("Optional"))]


class TaskForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=80)
    day = forms.TypedChoiceField(
        label=_("Day"), choices=DAY_CHOICES, coerce=int, empty_value=None, required=False, initial=""
    )
    kind = forms.ChoiceField(label=_("Compulsory or optional"), choices=KIND_CHOICES, initial="compulsory")
    description = forms.CharField(label=_("Task"), widget=forms.Textarea(attrs={"rows": 2}))

    def task_data(self):
        data = self.cleaned_data
        return weekly_plans.TaskData(
            subject=data["subject"],
            description=data["description"],
            day=data["day"],
            compulsory=data["kind"] == "compulsory",
        )


class BaseTaskFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove this task")

    def tasks(self):
        """The tasks to keep, in the order of the rows."""
        kept = []
        for index, form in enumerate(self.forms):
            if self.can_delete and self._should_delete_form(form):
                continue
            if index >= self.initial_form_count() and not form.has_changed():
                continue  # an empty extra row
            kept.append(form.task_data())
        return kept


TaskFormSet = forms.formset_factory(TaskForm, formset=BaseTaskFormSet, extra=3, can_delete=True, max_num=60)
ROWS_TO_ADD = 3


def task_initial(plan):
    return [
        {
            "subject": task.subject,
            "day": "" if task.day is None else str(task.day),
            "kind": "compulsory" if task.compulsory else "optional",
            "description": task.description,
        }
        for task in plan.tasks.all()
    ]


def task_formset(data=None, *, plan=None, add_rows=False):
    """The tasks formset; `add_rows` (the "more rows" button) re-renders the posted rows with empty ones added."""
    initial = task_initial(plan) if plan is not None else None
    if data is not None and add_rows:
        data = data.copy()
        key = "tasks-TOTAL_FORMS"
        total = data.get(key, "")
        if total.isdigit():
            data[key] = str(int(total) + ROWS_TO_ADD)
    return TaskFormSet(data, initial=initial, prefix="tasks")

"""How a service page is served: its embedded forms step by step, review, drafts, submission and confirmation.

Every FormBlock of a page works on its own (anchored `#form-<block id>`), with its state in the session
(services/submission.py). POSTs carry `block_id`, `step` (a number, or "review") and `action` (next, back,
save_draft, review, submit); a valid POST answers with a 303 redirect, an invalid one re-renders the page with
the answers kept and the errors shown.
"""

import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail.models import Page

from account.models import AssuranceLevel

from . import cases, submission
from . import form_builder as fb
from .models import Case, CaseStatus

OVERRIDES_ATTR = "service_form_overrides"


class SeeOther(HttpResponseRedirect):
    status_code = 303


# --- who may fill in and submit ---------------------------------------------------------------------------


@dataclass
class Access:
    can_fill: bool = True
    can_submit: bool = True
    needs_login: bool = False
    message: str = ""
    login_url: str = ""
    help_url: str = ""
    help_label: str = ""


def page_url(page, request):
    return page.get_url(request) or page.url or "/"


def anchor(block_id):
    return f"form-{block_id}"


def login_url(next_url):
    return f"{reverse('account_login')}?{urlencode({'next': next_url})}"


def resume_url(case, request=None):
    """Where the author continues a draft: its service page with ?resume=<submission token>."""
    page = case.service_page
    if page is None:
        return ""
    return f"{page.get_url(request) or page.url}?{urlencode({'resume': case.submission_token})}"


def check_access(request, page, block_id):
    """Whether this visitor may fill in / submit the page's forms, and what to tell them if not."""
    user = request.user
    if not user.is_authenticated and page.required_assurance_level > AssuranceLevel.EMAIL:
        # Log in before typing: whoever lacks the level would otherwise lose the answers while raising it.
        return Access(
            can_fill=False,
            can_submit=False,
            needs_login=True,
            message=_(
                "This service requires: %(required)s. Please log in first; your account shows how to reach this "
                "level if it does not have it yet."
            )
            % {"required": AssuranceLevel(page.required_assurance_level).label},
            login_url=login_url(f"{page_url(page, request)}#{anchor(block_id)}"),
        )
    if not user.is_authenticated:
        if page.login_required or page.required_assurance_level > AssuranceLevel.NONE or page.organisations_only:
            return Access(
                can_submit=False,
                needs_login=True,
                message=_("You need to log in to submit this form. Your answers are kept when you log in."),
                login_url=login_url(f"{page_url(page, request)}#{anchor(block_id)}"),
            )
        return Access()
    if user.assurance_level < page.required_assurance_level:
        return Access(
            can_fill=False,
            can_submit=False,
            message=_(
                "This service requires a higher level of identity verification (%(required)s); "
                "your account has: %(current)s. You can raise it in your account: with an activation letter "
                "sent to your address, or at the counter with an identity document."
            )
            % {
                "required": AssuranceLevel(page.required_assurance_level).label,
                "current": AssuranceLevel(user.assurance_level).label,
            },
            help_url=f"{reverse('useraccount:verification')}?{urlencode({'next': page_url(page, request)})}",
            help_label=_("Verify my address or identity"),
        )
    acting = getattr(request, "acting_context", None)
    if page.organisations_only and getattr(acting, "organisation", None) is None:
        return Access(
            can_fill=False,
            can_submit=False,
            message=_(
                "This form can only be submitted on behalf of an association or business. "
                "Switch to your organisation in the header (“Acting for”) to fill it in."
            ),
        )
    return Access()


# --- one embedded form ---------------------------------------------------------------------------------------


class FormUI:
    """One FormBlock of a page for one visitor: the published form, its steps, the state and the step's form."""

    def __init__(self, page, request, block_id, value):
        self.page = page
        self.request = request
        self.block_id = block_id
        self.value = value
        self.form = value.get("form") if value else None
        self.live = self.form.published_version() if self.form is not None else None
        self.access = check_access(request, page, block_id)
        # Only a form submitted without login needs a way to reach the submitter.
        anonymous = not request.user.is_authenticated and not self.access.needs_login
        self.steps = fb.steps(self.live, contact_email=anonymous) if self.live else []
        self.state = submission.get_state(request, page, block_id)
        if self.steps:
            self.state["step"] = min(max(int(self.state.get("step") or 0), 0), len(self.steps) - 1)
        self.django_form = None

    # --- what templates read
    @property
    def anchor(self):
        return anchor(self.block_id)

    @property
    def action(self):
        return page_url(self.page, self.request)

    @property
    def title(self):
        return self.live.title if self.live else ""

    @property
    def token(self):
        return self.state["token"]

    @property
    def step_index(self):
        return self.state["step"]

    @property
    def step(self):
        return self.steps[self.step_index]

    @property
    def step_number(self):
        return self.step_index + 1

    @property
    def total(self):
        return len(self.steps)

    @property
    def is_first(self):
        return self.step_index == 0

    @property
    def is_last(self):
        return self.step_index == len(self.steps) - 1

    @property
    def heading_level(self):
        # h2 is the form's title; with steps, h3 is the step's title and sections go one level deeper.
        return 3 if len(self.steps) == 1 else 4

    @property
    def can_save_draft(self):
        return self.request.user.is_authenticated and self.access.can_submit

    @property
    def can_jump_to_review(self):
        return self.state.get("reviewed") and not self.is_last

    @property
    def submit_label(self):
        return (self.live.submit_label if self.live else "") or _("Submit")

    @property
    def draft_loaded(self):
        return bool(self.state.get("draft_id"))

    @property
    def auto_id(self):
        # Two forms on one page may ask for the same machine name; their element ids must still differ.
        return f"f-{self.block_id}-%s"

    @property
    def fee(self):
        return chf(self.page.fee_rappen)

    # --- forms
    def initial(self):
        data = self.state["data"]
        acting = getattr(self.request, "acting_context", None)
        prefill = fb.prefill_values(self.steps, self.request.user, getattr(acting, "organisation", None))
        initial = {name: value for name, value in prefill.items() if name not in data}
        for spec in self.step.fields:
            if spec.name in data and spec.type != "file":
                initial[spec.name] = data[spec.name]
        return initial

    def blank_form(self):
        return fb.build_step_form(
            self.step,
            answers=self.state["data"],
            initial=self.initial(),
            existing_files=submission.files_by_field(self.state),
            auto_id=self.auto_id,
        )

    def bound_form(self, step_index, post, files):
        return fb.build_step_form(
            self.steps[step_index],
            data=post,
            files=files,
            answers=self.state["data"],
            existing_files=submission.files_by_field(self.state),
            auto_id=self.auto_id,
        )

    def save(self):
        submission.save_state(self.request, self.page, self.block_id, self.state)

    def url(self, **params):
        query = f"?{urlencode(params)}" if params else ""
        return f"{page_url(self.page, self.request)}{query}"

    def form_url(self):
        return f"{page_url(self.page, self.request)}#{self.anchor}"


def chf(rappen):
    """CHF with two decimals and Swiss thousands separators, e.g. "CHF 1’250.00"."""
    return "CHF " + f"{rappen / 100:,.2f}".replace(",", "’")


def _drop_answer(ui, name):
    ui.state["data"].pop(name, None)
    for record in submission.files_for(ui.state, name):
        submission.remove_upload(ui.state, record["id"])


def merge(ui, form, step_index):
    """Keep the valid answers (and uploads) of a submitted step in the state, even if other answers have errors."""
    data = ui.state["data"]
    for spec in ui.steps[step_index].fields:
        if spec.name not in form.fields or spec.name in form.skipped:
            _drop_answer(ui, spec.name)
    data.update(form.answers_json())
    submission.apply_file_changes(ui.state, form.file_changes)
    for name in form.file_changes:
        data[name] = submission.file_names(ui.state, name)
        # The form shows what is stored now, so a re-rendered step does not ask for the same file again.
        form.set_existing_files(name, submission.files_for(ui.state, name))


# --- the page -----------------------------------------------------------------------------------------------


def form_context(page, request):
    """Template context of the page's body: its blocks, with the forms' state for FormBlocks."""
    overrides = getattr(request, OVERRIDES_ATTR, {})
    items = []
    for block in page.body:
        ui = None
        if block.block_type == "form":
            ui = overrides.get(block.id) or FormUI(page, request, block.id, block.value)
            if ui.live and ui.access.can_fill and ui.django_form is None:
                ui.django_form = ui.blank_form()
        items.append({"block": block, "ui": ui})
    return {"body_items": items, "fee_display": chf(page.fee_rappen) if page.fee_rappen else ""}


def render_page(page, request, overrides=None):
    setattr(request, OVERRIDES_ATTR, overrides or {})
    request.is_preview = getattr(request, "is_preview", False)
    return TemplateResponse(request, page.get_template(request), page.get_context(request))


def serve(page, request):
    """The response for a request to a service page, or None for a plain GET (Wagtail's serve renders it)."""
    if request.method == "POST":
        return handle_post(page, request)
    if "resume" in request.GET:
        return resume_draft(page, request, request.GET["resume"])
    if "done" in request.GET:
        return confirmation(page, request, request.GET["done"])
    if "review" in request.GET:
        return review(page, request, request.GET["review"])
    if "block" in request.GET and "step" in request.GET:
        return jump_to_step(page, request, request.GET["block"], request.GET["step"])
    return None


def _load(page, request, block_id):
    value = page.form_block(block_id) if block_id else None
    if value is None:
        return None
    ui = FormUI(page, request, block_id, value)
    return ui if ui.live and ui.steps else None


def jump_to_step(page, request, block_id, step):
    """A "change" link of the review: go back to a step already reached."""
    ui = _load(page, request, block_id)
    if ui is None:
        raise Http404
    try:
        index = int(step)
    except ValueError:
        index = ui.step_index
    if 0 <= index <= min(ui.state.get("reached", 0), len(ui.steps) - 1):
        ui.state["step"] = index
        ui.state["review"] = False
        ui.save()
    return SeeOther(ui.form_url())


def resume_draft(page, request, token):
    """Continue a saved draft: only its author may, anyone else gets 404."""
    if not request.user.is_authenticated:
        return HttpResponseRedirect(login_url(request.get_full_path()))
    try:
        token = uuid.UUID(token)
    except ValueError as exc:
        raise Http404 from exc
    draft = (
        Case.objects.visible_to(request.user)
        .filter(status=CaseStatus.DRAFT, submitted_by=request.user, submission_token=token, service_page=page)
        .first()
    )
    ui = _load(page, request, draft.form_block_id) if draft else None
    if ui is None:
        raise Http404
    if ui.state["token"] != str(token) and not ui.state.get("draft_id"):
        submission.discard_files(ui.state)
    data = dict(draft.data or {})
    files = data.pop(submission.UPLOADS_KEY, [])
    step = min(draft.current_step, len(ui.steps) - 1)
    ui.state = submission.new_state(token)
    ui.state.update(data=data, files=files, step=step, reached=step, draft_id=draft.pk)
    ui.save()
    messages.info(request, _("Your draft has been loaded. You can continue where you left off."))
    return SeeOther(ui.form_url())


def _case_for_token(request, token):
    """The submitted case a submission token became, if this visitor submitted it (session or account)."""
    try:
        token = uuid.UUID(str(token))
    except ValueError:
        return None
    case_id = submission.done_case_id(request, token)
    if case_id:
        case = Case.objects.submitted().filter(pk=case_id, submission_token=token).first()
        if case:
            return case
    if request.user.is_authenticated:
        return Case.objects.visible_to(request.user).submitted().filter(submission_token=token).first()
    return None


def confirmation(page, request, token):
    case = _case_for_token(request, token)
    if case is None or case.service_page_id != page.pk:
        raise Http404
    value = page.form_block(case.form_block_id)
    in_account = request.user.is_authenticated and Case.objects.visible_to(request.user).filter(pk=case.pk).exists()
    context = Page.get_context(page, request)
    context.update(
        {
            "case": case,
            "confirmation": value.get("confirmation") if value else None,
            "case_url": cases.case_url(case) if in_account else "",
            "page_url": page_url(page, request),
            "fee_display": chf(case.fee_rappen),
        }
    )
    return TemplateResponse(request, "services/form_done.html", context)


def review_sections(ui):
    answers = fb.visible_answers(ui.steps, ui.state["data"])
    sections = []
    for step in ui.steps:
        shown = [spec for spec in step.fields if spec.name in answers]
        sections.append(
            {
                "step": step,
                "answers": fb.display_answers(fb.fields_snapshot([step]), {s.name: answers[s.name] for s in shown}),
                "change_url": f"{ui.url(block=ui.block_id, step=step.index)}#{ui.anchor}",
            }
        )
    return sections


def review(page, request, block_id):
    ui = _load(page, request, block_id)
    if ui is None:
        raise Http404
    if not ui.state.get("review") or fb.first_incomplete_step(ui.steps, ui.state["data"]) is not None:
        return SeeOther(ui.form_url())
    context = Page.get_context(page, request)
    context.update({"ui": ui, "sections": review_sections(ui)})
    return TemplateResponse(request, "services/form_review.html", context)


# --- POST ---------------------------------------------------------------------------------------------------


def handle_post(page, request):
    ui = _load(page, request, request.POST.get("block_id", ""))
    if ui is None:
        messages.error(request, _("This form is no longer available. Please reload the page."))
        return SeeOther(page_url(page, request))
    if not ui.access.can_fill:
        messages.error(request, ui.access.message)
        return SeeOther(ui.form_url())
    token = request.POST.get("submission_token", "")
    if token != ui.state["token"]:
        case = _case_for_token(request, token)
        if case is not None:
            # A double click or a replayed final POST: show the case the first POST made.
            return SeeOther(ui.url(done=str(case.submission_token)))
        if not adopt_token(ui, token):
            return expired(ui)
    action = request.POST.get("action", "next")
    posted_step = request.POST.get("step", "")
    if posted_step == "review":
        return post_review(ui, action)
    try:
        index = int(posted_step)
    except ValueError:
        return expired(ui)
    if not 0 <= index <= min(ui.state.get("reached", 0), len(ui.steps) - 1):
        return expired(ui)
    ui.state["step"] = index
    form = ui.bound_form(index, request.POST, request.FILES)
    valid = form.is_valid()
    merge(ui, form, index)
    ui.state["review"] = False

    if fb.is_entry_action(action):
        # "Add another person" / "Remove person 2": the same step again, nothing lost, nothing checked yet.
        ui.save()
        ui.django_form = fb.with_entry_change(form, action)
        return render_page(ui.page, request, {ui.block_id: ui})
    if action == "back":
        ui.state["step"] = max(0, index - 1)
        ui.save()
        return SeeOther(ui.form_url())
    if ui.access.needs_login:
        # Sent to log in; the answers wait in the session (Django keeps it when an anonymous visitor logs in).
        ui.save()
        messages.info(request, _("Please log in to continue. Your answers have been kept."))
        return HttpResponseRedirect(ui.access.login_url)
    if action == "save_draft":
        return save_draft(ui, index)
    if not valid:
        ui.save()
        ui.django_form = form
        return render_page(ui.page, request, {ui.block_id: ui})
    if action == "next" and index < len(ui.steps) - 1:
        ui.state["step"] = index + 1
        ui.state["reached"] = max(ui.state.get("reached", 0), index + 1)
        ui.save()
        return SeeOther(ui.form_url())
    # The last step (or "review"/"submit" from any step once everything has been answered).
    ui.state["reached"] = max(ui.state.get("reached", 0), index)
    if go_back_to_incomplete(ui):
        return SeeOther(ui.form_url())
    if action == "submit":
        return submit(ui)
    ui.state["review"] = True
    ui.state["reviewed"] = True
    ui.save()
    return SeeOther(ui.url(review=ui.block_id))


def adopt_token(ui, token):
    """A first POST: the page was rendered without storing a state (no session for mere visitors), so the
    token of the rendered form becomes the state's token, unless some case already uses it."""
    if submission.has_state(ui.request, ui.page, ui.block_id):
        return False
    try:
        token = uuid.UUID(token)
    except ValueError:
        return False
    if Case.objects.filter(submission_token=token).exists():
        return False
    ui.state = submission.new_state(token)
    return True


def expired(ui):
    messages.warning(
        ui.request,
        _("This form was changed in another window or your session has expired. Please check your answers."),
    )
    return SeeOther(ui.form_url())


def go_back_to_incomplete(ui):
    """If a shown required question is unanswered (a show-if answer changed), send the person to its step."""
    incomplete = fb.first_incomplete_step(ui.steps, ui.state["data"])
    if incomplete is None:
        return False
    ui.state["step"] = incomplete
    ui.state["review"] = False
    ui.save()
    messages.error(ui.request, _("Please answer the required questions of this step."))
    return True


def post_review(ui, action):
    if not ui.state.get("review"):
        return SeeOther(ui.form_url())
    if action == "back":
        ui.state["step"] = len(ui.steps) - 1
        ui.state["review"] = False
        ui.save()
        return SeeOther(ui.form_url())
    if action == "save_draft":
        return save_draft(ui, len(ui.steps) - 1, then=ui.url(review=ui.block_id))
    if action != "submit":
        return SeeOther(ui.url(review=ui.block_id))
    if ui.access.needs_login:
        ui.save()
        return HttpResponseRedirect(login_url(ui.url(review=ui.block_id)))
    if go_back_to_incomplete(ui):
        return SeeOther(ui.form_url())
    return submit(ui)


def save_draft(ui, index, then=None):
    request = ui.request
    ui.state["step"] = index
    if not request.user.is_authenticated:
        ui.save()
        messages.error(request, _("Log in to save a draft."))
        return SeeOther(ui.form_url())
    try:
        draft = cases.save_draft(
            acting_context=request.acting_context,
            service_page=ui.page,
            form=ui.form,
            block_id=ui.block_id,
            data={**ui.state["data"], submission.UPLOADS_KEY: ui.state.get("files", [])},
            step=index,
            submission_token=ui.state["token"],
            title=case_title(ui),
        )
    except cases.CaseError as exc:
        messages.error(request, str(exc))
        return SeeOther(ui.form_url())
    ui.state["draft_id"] = draft.pk
    ui.save()
    messages.success(request, _("Draft saved. You find it in your account under “My cases”."))
    return SeeOther(then or ui.form_url())


def case_title(ui):
    if len(ui.page.form_blocks()) > 1 and ui.live.title:
        return f"{ui.page.title}: {ui.live.title}"[:255]
    return ui.page.title


def submit(ui):
    """The final submission: one case per submission token, whatever happens to the POST afterwards."""
    request = ui.request
    state = ui.state
    token = state["token"]
    existing = Case.objects.submitted().filter(submission_token=token).first()
    if existing is None:
        answers = fb.visible_answers(ui.steps, state["data"])
        file_fields = {spec.name for spec in fb.all_fields(ui.steps) if spec.type == "file" and spec.name in answers}
        contact = next(
            (answers[spec.name] for spec in fb.all_fields(ui.steps) if spec.type == "email" and answers.get(spec.name)),
            "",
        )
        try:
            files = submission.open_files(state, file_fields)
        except FileNotFoundError:
            # A concurrent POST with the same token submitted first and took the uploads.
            files = None
        if files is None:
            existing = Case.objects.submitted().filter(submission_token=token).first()
            if existing is None:
                messages.error(request, _("An uploaded file is missing. Please upload it again."))
                return SeeOther(ui.form_url())
        else:
            try:
                existing = cases.submit(
                    acting_context=request.acting_context,
                    service_page=ui.page,
                    form=ui.form,
                    form_revision=ui.form.live_revision,
                    block_id=ui.block_id,
                    fields_snapshot=fb.fields_snapshot(ui.steps),
                    data=answers,
                    files=files,
                    submission_token=token,
                    contact_email=contact,
                    title=case_title(ui),
                )
            except cases.CaseError as exc:
                messages.error(request, str(exc))
                return SeeOther(ui.form_url())
            finally:
                submission.close_files(files)
    finished = dict(state)
    transaction.on_commit(lambda: submission.discard_files(finished))
    submission.clear_state(request, ui.page, ui.block_id, delete_files=False)
    submission.remember_done(request, token, existing.pk)
    return SeeOther(ui.url(done=token))

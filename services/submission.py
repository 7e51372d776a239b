"""The state of a form being filled in (per page and form block, in the session) and its pending uploads.

A state is a small JSON dict: {token, step, reached, data, files, draft_id, review, updated}. `token` is the
submission token that becomes the case's `submission_token`, so a replayed final POST finds the case made
the first time. Uploads wait in the private storage under `pending/<token>/…` until the case takes them
over (or the state expires).
"""

import logging
import os
import time
import uuid
from datetime import timedelta

from django.core.files import File
from django.core.files.storage import storages
from django.utils import timezone
from django.utils.text import get_valid_filename

logger = logging.getLogger(__name__)

SESSION_KEY = "service_forms"
DONE_KEY = "service_forms_done"
# Draft cases keep the records of their pending uploads under this key of their data.
UPLOADS_KEY = "__uploads__"
PENDING_PREFIX = "pending"
MAX_STATES = 20  # per session: a visitor may have several forms open, but the session must stay small
MAX_DONE = 20


def private_storage():
    return storages["private"]


def new_state(token=None):
    return {
        "token": str(token or uuid.uuid4()),
        "step": 0,
        "reached": 0,
        "data": {},
        "files": [],
        "draft_id": None,
        "review": False,
        "updated": time.time(),
    }


def _key(page, block_id):
    return f"{page.pk}:{block_id}"


def get_state(request, page, block_id):
    """The state of this form block for this visitor (a fresh one if none)."""
    state = request.session.get(SESSION_KEY, {}).get(_key(page, block_id))
    return dict(state) if state else new_state()


def has_state(request, page, block_id):
    return _key(page, block_id) in request.session.get(SESSION_KEY, {})


def save_state(request, page, block_id, state):
    states = dict(request.session.get(SESSION_KEY, {}))
    state["updated"] = time.time()
    states[_key(page, block_id)] = state
    if len(states) > MAX_STATES:
        oldest = sorted(states, key=lambda key: states[key].get("updated", 0))[: len(states) - MAX_STATES]
        for key in oldest:
            # Only files of forms that are no drafts can go: a draft still needs its uploads.
            if not states[key].get("draft_id"):
                discard_files(states[key])
            del states[key]
    request.session[SESSION_KEY] = states


def clear_state(request, page, block_id, *, delete_files=True):
    """Forget this form block's state (after a submission, or to start again)."""
    states = dict(request.session.get(SESSION_KEY, {}))
    state = states.pop(_key(page, block_id), None)
    if state and delete_files:
        discard_files(state)
    request.session[SESSION_KEY] = states


def remember_done(request, token, case_id):
    """Remember in the session which case a token became, so a replayed POST shows the same case."""
    done = dict(request.session.get(DONE_KEY, {}))
    done[str(token)] = case_id
    while len(done) > MAX_DONE:
        done.pop(next(iter(done)))
    request.session[DONE_KEY] = done


def done_case_id(request, token):
    return request.session.get(DONE_KEY, {}).get(str(token))


# --- pending uploads --------------------------------------------------------------------------------------


def _owned(state, record):
    # Paths come from our own session or draft data; still, never touch anything outside this token's folder.
    return str(record.get("path", "")).startswith(f"{PENDING_PREFIX}/{state['token']}/")


def files_for(state, field_name):
    return [record for record in state.get("files", []) if record.get("field") == field_name]


def files_by_field(state):
    result = {}
    for record in state.get("files", []):
        result.setdefault(record["field"], []).append(record)
    return result


def store_upload(state, field_name, upload):
    """Store an uploaded file privately until submission; returns its record (kept in the state)."""
    name = os.path.basename(upload.name or "document") or "document"
    file_id = uuid.uuid4().hex
    safe_name = get_valid_filename(name)[-100:] or "document"
    path = private_storage().save(f"{PENDING_PREFIX}/{state['token']}/{file_id}/{safe_name}", upload)
    record = {
        "id": file_id,
        "field": field_name,
        "name": name,
        "path": path,
        "content_type": getattr(upload, "sniffed_content_type", None)
        or getattr(upload, "content_type", None)
        or "application/octet-stream",
        "size": upload.size,
    }
    state.setdefault("files", []).append(record)
    return record


def remove_upload(state, file_id):
    for record in list(state.get("files", [])):
        if record["id"] == file_id:
            if _owned(state, record):
                private_storage().delete(record["path"])
            state["files"].remove(record)


def apply_file_changes(state, changes):
    """Apply a step's file changes ({field: FileChange(keep ids, new uploads)}) to the pending uploads."""
    for field_name, change in changes.items():
        for record in files_for(state, field_name):
            if record["id"] not in change.keep:
                remove_upload(state, record["id"])
        for upload in change.new:
            store_upload(state, field_name, upload)


def file_names(state, field_name):
    return [record["name"] for record in files_for(state, field_name)]


def open_files(state, field_names=None):
    """The pending uploads as (field name, django File) for `cases.submit(files=…)`; close them afterwards."""
    storage = private_storage()
    result = []
    for record in state.get("files", []):
        if field_names is not None and record["field"] not in field_names:
            continue
        if not _owned(state, record):
            continue
        handle = storage.open(record["path"], "rb")
        file = File(handle, name=record["name"])
        file.content_type = record.get("content_type")
        result.append((record["field"], file))
    return result


def close_files(files):
    for _field, file in files:
        file.close()


def discard_files(state):
    """Delete every pending upload of this state."""
    for record in list(state.get("files", [])):
        if _owned(state, record):
            try:
                private_storage().delete(record["path"])
            except OSError:
                logger.warning("could not delete pending upload %s", record["path"])
    state["files"] = []


def cleanup_expired(max_age=timedelta(days=2)):
    """Delete pending uploads older than `max_age` whose token is no draft (for a periodic task).

    Returns the number of files deleted.
    """
    from .models import Case, CaseStatus

    storage = private_storage()
    try:
        tokens, _files = storage.listdir(PENDING_PREFIX)
    except (FileNotFoundError, NotImplementedError):
        return 0
    drafts = {
        str(token)
        for token in Case.objects.filter(status=CaseStatus.DRAFT, submission_token__in=_uuids(tokens)).values_list(
            "submission_token", flat=True
        )
    }
    limit = timezone.now() - max_age
    deleted = 0
    for token in tokens:
        if token in drafts:
            continue
        folder = f"{PENDING_PREFIX}/{token}"
        file_ids, _ = storage.listdir(folder)
        for file_id in file_ids:
            _dirs, names = storage.listdir(f"{folder}/{file_id}")
            for name in names:
                path = f"{folder}/{file_id}/{name}"
                if storage.get_modified_time(path) < limit:
                    storage.delete(path)
                    deleted += 1
    return deleted


def _uuids(values):
    result = []
    for value in values:
        try:
            result.append(uuid.UUID(value))
        except ValueError:
            continue
    return result

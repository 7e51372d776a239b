"""django-q2 entry points of the privacy self-service. Idempotent: running one twice does no harm."""

import logging

from .models import DataExport
from .privacy import build_export, expire, mark_failed

logger = logging.getLogger(__name__)


def build_data_export(export_id):
    """Build the ZIP of one export, once: the job that claims the waiting row builds it, any other returns."""
    claimed = DataExport.objects.filter(pk=export_id, status=DataExport.Status.PENDING).update(
        status=DataExport.Status.RUNNING, progress=0
    )
    if not claimed:
        return False
    export = DataExport.objects.select_related("user").get(pk=export_id)
    try:
        return build_export(export)
    except Exception as error:
        # The reason names the kind of failure only; the traceback goes to the log, never to the person.
        logger.exception("data export %s of user %s failed", export_id, export.user_id)
        mark_failed(export_id, type(error).__name__)
        return False


def expire_exports():
    """Daily (schedule in account/migrations/0005): delete the files of expired exports, mark them expired."""
    return expire()

"""A logging formatter that writes one JSON object per line, for log collectors (LOG_FORMAT=json)."""

import json
import logging
from datetime import UTC, datetime

# Attributes every LogRecord has; anything else on a record came from `extra=` and is written out as well.
STANDARD_ATTRIBUTES = frozenset(
    logging.LogRecord("", logging.INFO, "", 0, "", None, None).__dict__.keys() | {"message", "asctime", "taskName"}
)


def _serialisable(value):
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


class JsonFormatter(logging.Formatter):
    """time (ISO 8601, UTC), level, logger, message, then exception and stack text and the record's extra fields.

    Extra fields that JSON cannot represent (a request, a model instance) are left out rather than written as their
    repr, which could carry personal data into the logs; a field never replaces one of the four named above.
    """

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        for key, value in record.__dict__.items():
            if key not in STANDARD_ATTRIBUTES and key not in entry and _serialisable(value):
                entry[key] = value
        return json.dumps(entry, ensure_ascii=False)

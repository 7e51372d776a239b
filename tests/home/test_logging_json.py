"""JSON log lines (LOG_FORMAT=json): what a log collector reads."""

import json
import logging
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from config.logging_json import JsonFormatter

BASE_DIR = Path(__file__).resolve().parents[2]


def log_line(level=logging.INFO, msg="hello", args=None, exc_info=None, extra=None, stack_info=False):
    logger = logging.getLogger("portal.test")
    record = logger.makeRecord("portal.test", level, __file__, 1, msg, args, exc_info, extra=extra, sinfo=None)
    if stack_info:
        record.stack_info = "Stack (most recent call last):\n  here"
    return JsonFormatter().format(record)


def test_one_object_with_time_level_logger_and_message():
    line = log_line(logging.WARNING, "Meter %s has %d readings", ("M-1", 3))

    entry = json.loads(line)
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "portal.test"
    assert entry["message"] == "Meter M-1 has 3 readings"
    time = datetime.fromisoformat(entry["time"])
    assert time.utcoffset() == timedelta(0)
    assert abs(datetime.now(tz=time.tzinfo) - time) < timedelta(minutes=1)


def test_multi_line_message_stays_on_one_line():
    line = log_line(msg="first\nsecond")

    assert "\n" not in line
    assert json.loads(line)["message"] == "first\nsecond"


def test_exception_text_is_included():
    try:
        raise ValueError("broken meter file")
    except ValueError:
        line = log_line(logging.ERROR, "Import failed", exc_info=sys.exc_info())

    entry = json.loads(line)
    assert entry["message"] == "Import failed"
    assert "Traceback" in entry["exception"]
    assert "ValueError: broken meter file" in entry["exception"]


def test_stack_info_is_included():
    entry = json.loads(log_line(stack_info=True))

    assert entry["stack"].startswith("Stack")


def test_serialisable_extra_fields_are_kept_others_dropped():
    line = log_line(extra={"status_code": 404, "meter": {"number": "M-1"}, "request": object(), "tags": ["a"]})

    entry = json.loads(line)
    assert entry["status_code"] == 404
    assert entry["meter"] == {"number": "M-1"}
    assert entry["tags"] == ["a"]
    assert "request" not in entry
    assert "object at 0x" not in line


def test_non_ascii_text_is_written_as_is():
    line = log_line(msg="Zählerstand gemeldet")

    assert "Zählerstand" in line


def run_logging_with(log_format):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    env.pop("LOG_FORMAT", None)
    if log_format is not None:
        env["LOG_FORMAT"] = log_format
    code = "import django, logging; django.setup(); logging.getLogger('portal.check').warning('it works')"
    result = subprocess.run(  # noqa: S603 — our own interpreter with a fixed program
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return result.stderr.strip().splitlines()[-1]


def test_settings_choose_json_by_environment_and_plain_by_default():
    entry = json.loads(run_logging_with("json"))
    assert entry["logger"] == "portal.check"
    assert entry["message"] == "it works"

    plain = run_logging_with(None)
    assert plain.endswith("WARNING portal.check it works")

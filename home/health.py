"""GET /healthz for load balancers and monitoring: database, cache and task queue, answered as JSON."""

import logging
import time
import uuid
from functools import cache

from django.conf import settings
from django.core.cache import cache as default_cache
from django.db import connections
from django.db.models import Count, Min
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

logger = logging.getLogger(__name__)

DEFAULT_QUEUE_MAX_AGE = 300


class QueueTooOld(Exception):
    """The oldest waiting task has waited longer than HEALTH_QUEUE_MAX_AGE: no worker is taking tasks."""


def check_database():
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {}


def check_cache():
    # A key of its own per probe: several web hosts probe the same Redis at the same moment.
    key = f"healthz:{uuid.uuid4().hex}"
    value = uuid.uuid4().hex
    default_cache.set(key, value, timeout=30)
    try:
        if default_cache.get(key) != value:
            raise RuntimeError("the cache did not return the value just stored")
    finally:
        default_cache.delete(key)
    return {}


def queue_max_age():
    return getattr(settings, "HEALTH_QUEUE_MAX_AGE", DEFAULT_QUEUE_MAX_AGE)


def orm_queue_state(now):
    """(backlog, age in seconds of the oldest waiting task or None) of django-q2's ORM broker, in one query.

    A waiting task is one whose lock has passed: the broker stores the enqueue time in `lock` and moves it into the
    future while a worker holds the task, so a task of a dead worker counts again once its retry time is over.
    """
    from django_q.conf import Conf
    from django_q.models import OrmQ

    state = (
        OrmQ.objects.using(Conf.ORM)
        .filter(key=Conf.CLUSTER_NAME, lock__lte=now)
        .aggregate(backlog=Count("id"), oldest=Min("lock"))
    )
    oldest = state["oldest"]
    return state["backlog"], (now - oldest).total_seconds() if oldest else None


@cache
def _redis_broker():
    # One broker (and its connection pool) per process, not one per probe.
    from django_q.brokers import get_broker

    return get_broker()


def check_queue():
    from django_q.conf import Conf

    if Conf.ORM:
        backlog, oldest_age = orm_queue_state(timezone.now())
    else:
        # Redis lists keep no enqueue time: only the backlog can be reported.
        backlog, oldest_age = _redis_broker().queue_size(), None
    result = {"backlog": backlog, "oldestAgeSeconds": round(oldest_age, 1) if oldest_age is not None else None}
    if oldest_age is not None and oldest_age > queue_max_age():
        raise QueueTooOld(result)
    return result


CHECKS = {"database": check_database, "cache": check_cache, "queue": check_queue}


def run_check(name, check):
    """The check's outcome for the answer; a failure is logged in full but answered without its text."""
    started = time.perf_counter()
    try:
        result = {"ok": True, **check()}
    except QueueTooOld as too_old:
        logger.error("Health check %s failed: oldest task waits longer than %s s", name, queue_max_age())
        result = {"ok": False, **too_old.args[0]}
    except Exception:
        logger.exception("Health check %s failed", name)
        result = {"ok": False}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def run_checks():
    return {name: run_check(name, check) for name, check in CHECKS.items()}


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD"])
def healthz(request):
    checks = run_checks()
    healthy = all(check["ok"] for check in checks.values())
    response = JsonResponse({"status": "ok" if healthy else "fail", "checks": checks}, status=200 if healthy else 503)
    if request.method == "HEAD":
        # gunicorn drops a HEAD body with a warning in the log: once per probe of a balancer that uses HEAD.
        response.content = b""
    return response

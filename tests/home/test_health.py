"""GET /healthz: what a load balancer and a monitoring system get back, healthy and not."""

import json
import logging
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.test import Client
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import OrmQ

from home import health

pytestmark = pytest.mark.django_db

SECRET_DSN = "postgres://portal:s3cret-pw@db-primary.internal:5432/portal"


def probe(client, method="get"):
    response = getattr(client, method)("/healthz")
    return response, (json.loads(response.content) if response.content else None)


def enqueue(waited_seconds, *, locked_for_seconds=None):
    # As django-q2's ORM broker stores a task: `lock` is the enqueue time, moved ahead while a worker holds it.
    lock = timezone.now() - timedelta(seconds=waited_seconds)
    if locked_for_seconds is not None:
        lock = timezone.now() + timedelta(seconds=locked_for_seconds)
    return OrmQ.objects.create(key=Conf.CLUSTER_NAME, payload="signed-package", lock=lock)


def test_healthy_portal_answers_ok_with_every_check(client):
    response, body = probe(client)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "queue"}
    for check in body["checks"].values():
        assert check["ok"] is True
        assert isinstance(check["ms"], float)
    assert body["checks"]["queue"]["backlog"] == 0
    assert body["checks"]["queue"]["oldestAgeSeconds"] is None


def test_answer_is_never_cached(client):
    response, _ = probe(client)

    assert "no-store" in response["Cache-Control"]


def test_probe_is_cheap_two_queries_and_no_session(client, django_assert_num_queries):
    # SELECT 1 and the queue's one aggregate; a balancer probing every few seconds must not cost more.
    with django_assert_num_queries(2):
        response, _ = probe(client)

    assert response.status_code == 200
    assert "sessionid" not in response.cookies


def test_no_language_prefix_and_no_login_needed(client):
    response = client.get("/healthz", HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 200
    assert "Location" not in response


def test_database_failure_answers_503_without_the_error_text(client, monkeypatch, caplog):
    def broken_database():
        raise OperationalError(f"could not connect to {SECRET_DSN}")

    monkeypatch.setitem(health.CHECKS, "database", broken_database)

    with caplog.at_level(logging.ERROR, logger="home.health"):
        response, body = probe(client)

    assert response.status_code == 503
    assert body["status"] == "fail"
    assert body["checks"]["database"]["ok"] is False
    assert body["checks"]["cache"]["ok"] is True
    assert "s3cret" not in response.content.decode()
    assert "db-primary" not in response.content.decode()
    # The operator still finds the cause in the log.
    (record,) = [r for r in caplog.records if r.name == "home.health"]
    assert record.levelno == logging.ERROR
    assert "database" in record.getMessage()
    assert SECRET_DSN in str(record.exc_info[1])


def test_cache_that_loses_values_is_unhealthy(client, monkeypatch):
    monkeypatch.setattr(health.default_cache, "get", lambda key, default=None: None)

    response, body = probe(client)

    assert response.status_code == 503
    assert body["checks"]["cache"] == {"ok": False, "ms": body["checks"]["cache"]["ms"]}


def test_recent_queued_tasks_are_a_backlog_not_a_failure(client):
    enqueue(waited_seconds=10)
    enqueue(waited_seconds=20)

    response, body = probe(client)

    assert response.status_code == 200
    assert body["checks"]["queue"]["backlog"] == 2
    assert 20 <= body["checks"]["queue"]["oldestAgeSeconds"] < 60


def test_task_waiting_longer_than_the_limit_answers_503(client):
    enqueue(waited_seconds=10 * 60)

    response, body = probe(client)

    assert response.status_code == 503
    assert body["status"] == "fail"
    queue = body["checks"]["queue"]
    assert queue["ok"] is False
    assert queue["backlog"] == 1
    assert queue["oldestAgeSeconds"] >= 600


def test_limit_comes_from_the_setting(client, settings):
    settings.HEALTH_QUEUE_MAX_AGE = 5
    enqueue(waited_seconds=30)

    response, _ = probe(client)

    assert response.status_code == 503


def test_task_held_by_a_worker_is_not_waiting(client):
    enqueue(waited_seconds=0, locked_for_seconds=120)

    response, body = probe(client)

    assert response.status_code == 200
    assert body["checks"]["queue"]["backlog"] == 0


def test_redis_broker_reports_its_queue_length(client, monkeypatch):
    class FakeRedisBroker:
        def queue_size(self):
            return 7

    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(health, "_redis_broker", FakeRedisBroker)

    response, body = probe(client)

    assert response.status_code == 200
    assert body["checks"]["queue"] == {
        "ok": True,
        "backlog": 7,
        "oldestAgeSeconds": None,
        "ms": pytest.approx(0, abs=50),
    }


def test_head_works_for_balancers_that_use_it(client):
    response = client.head("/healthz")

    assert response.status_code == 200
    assert response.content == b""


def test_post_is_not_allowed_even_without_a_csrf_token():
    response = Client(enforce_csrf_checks=True).post("/healthz")

    assert response.status_code == 405
    assert sorted(response["Allow"].split(", ")) == ["GET", "HEAD"]

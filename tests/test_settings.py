"""Settings that protect a live installation: the production checks and the embedded defaults."""

import os
import subprocess
import sys

from django.conf import settings

from config.settings.oidc_keys import generate_private_key_pem


def test_production_settings_pass_the_deploy_check():
    env = {
        **os.environ,
        "SECRET_KEY": "x" * 60 + "-not-a-real-secret",
        "ALLOWED_HOSTS": "portal.example",
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "PORTAL_OIDC_PRIVATE_KEY": generate_private_key_pem(),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # a test-only switch that the deploy check rightly refuses
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY"}}
    env.update({"ALLOWED_HOSTS": "portal.example", "DJANGO_SETTINGS_MODULE": "config.settings.production"})
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_background_jobs_follow_the_django_q2_rules():
    q = settings.Q_CLUSTER
    assert q["timeout"] < q["retry"]
    assert q["max_attempts"] > 0
    assert q["catch_up"] is False
    assert q["sync"] is True  # tests run jobs inline


def test_wagtail_tasks_backend_is_explicit():
    assert settings.TASKS["default"]["BACKEND"] == "django_tasks.backends.immediate.ImmediateBackend"

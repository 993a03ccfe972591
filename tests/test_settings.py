"""Production settings refuse to start without a secret and pass Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_passes_check_deploy_with_the_documented_environment():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="k8Jr2v-Zq9pXw4tL7mN1bC3dF6gH0jS5aU8eY2iO4pQ7rT9wE1xZ3cV6bN8mK0lP",
        DJANGO_ALLOWED_HOSTS="tiendo.example.gov.vn",
        DATABASE_URL="sqlite:////tmp/tiendo-check.sqlite3",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage(
        "check",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_ALLOWED_HOSTS="tiendo.example.gov.vn",
        DATABASE_URL="sqlite:////tmp/tiendo-check.sqlite3",
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr

"""Production settings: `manage.py check --deploy` is clean, cookies and HSTS are as documented."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AURIC_", "DJANGO_", "DATABASE_URL", "REDIS_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="auric.settings",
        AURIC_VAR_DIR=str(tmp_path),
        AURIC_DEBUG="0",
        AURIC_SECRET_KEY="x7Hq-" + "9fK2mLp4Rt8vWz1Yb6Nc3Jd5Gh0Sa" * 3,
        AURIC_ALLOWED_HOSTS="shop.example.cn",
        AURIC_CSRF_TRUSTED_ORIGINS="https://shop.example.cn",
        AURIC_HTTPS="1",
        AURIC_SECURE_COOKIES="1",
        AURIC_SMS_BACKEND="auric.accounts.sms.TencentCloudBackend",
    )
    env.update(overrides)
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_check_deploy_passes_with_no_warnings_under_production_settings(tmp_path):
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stderr and "security.W" not in result.stdout + result.stderr


def test_check_deploy_does_warn_when_tls_is_not_declared(tmp_path):
    # The check above is meaningful: the same command notices a missing HTTPS redirect and HSTS.
    env = production_env(tmp_path)
    del env["AURIC_HTTPS"]
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)

    assert result.returncode != 0
    assert "security.W004" in result.stderr and "security.W008" in result.stderr


PROBE = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({name: getattr(s, name, None) for name in (
    "DEBUG", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SECURE",
    "LANGUAGE_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD", "SECURE_CONTENT_TYPE_NOSNIFF", "X_FRAME_OPTIONS", "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY", "AURIC_RATE_LIMITS", "SECURE_REDIRECT_EXEMPT")}))
"""


@pytest.fixture(scope="module")
def production_settings(tmp_path_factory) -> dict:
    result = run(["-c", PROBE], production_env(tmp_path_factory.mktemp("prod")))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_cookies_are_secure_http_only_and_same_site(production_settings):
    s = production_settings
    assert s["DEBUG"] is False
    assert s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"] and s["LANGUAGE_COOKIE_SECURE"]
    assert s["SESSION_COOKIE_HTTPONLY"] and s["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_production_sends_a_year_of_hsts_on_every_subdomain_with_preload(production_settings):
    s = production_settings
    assert s["SECURE_SSL_REDIRECT"] is True
    assert s["SECURE_HSTS_SECONDS"] >= 31536000
    assert s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True and s["SECURE_HSTS_PRELOAD"] is True
    assert s["SECURE_REDIRECT_EXEMPT"] == ["^healthz$", "^readyz$"]


def test_production_forbids_framing_sniffing_and_cross_origin_leaks(production_settings):
    s = production_settings
    assert s["X_FRAME_OPTIONS"] == "DENY" and s["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert s["SECURE_REFERRER_POLICY"] == "same-origin" and s["SECURE_CROSS_ORIGIN_OPENER_POLICY"] == "same-origin"


def test_rate_limits_are_on_unless_switched_off(production_settings, tmp_path):
    assert production_settings["AURIC_RATE_LIMITS"] is True
    off = run(["-c", PROBE], production_env(tmp_path, AURIC_RATE_LIMITS="0"))
    assert json.loads(off.stdout.strip().splitlines()[-1])["AURIC_RATE_LIMITS"] is False


def test_check_deploy_warns_while_sign_in_codes_would_go_to_the_log(tmp_path):
    env = production_env(tmp_path, AURIC_SMS_BACKEND="auric.accounts.sms.ConsoleBackend")

    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)

    assert result.returncode != 0
    assert "auric.W001" in result.stderr + result.stdout

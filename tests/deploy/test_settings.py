"""Production settings: what makes them refuse to start, and what they turn on.

Each case runs config/settings.py afresh (runpy) with a chosen environment, as a new process
would read it; the few that need a whole process (check --deploy, Sentry) start one.
"""

from __future__ import annotations

import json
import logging
import os
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.logs import FORMATTERS, logging_config

BASE_DIR = Path(__file__).resolve().parents[2]
SETTINGS = BASE_DIR / "config" / "settings.py"
GOOD_KEY = secrets.token_urlsafe(50)
# Every variable these tests set or that would change the outcome when inherited.
VARIABLES = (
    "DJANGO_ENV",
    "DJANGO_DEBUG",
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "SITE_URL",
    "DATABASE_URL",
    "DATABASE_POOL",
    "DATABASE_CONN_MAX_AGE",
    "S3_BUCKET",
    "LOG_FORMAT",
    "SENTRY_DSN",
)


@pytest.fixture
def environment(monkeypatch, tmp_path):
    """A clean environment for settings.py, with VAR_DIR in a temporary folder."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))

    def load(**values: str) -> dict:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(SETTINGS))

    return load


def production(**values: str) -> dict[str, str]:
    return {
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": GOOD_KEY,
        "DJANGO_ALLOWED_HOSTS": "a.example",
        "SITE_URL": "https://a.example",
    } | values


def test_development_needs_nothing(environment):
    settings = environment()
    assert settings["DEBUG"] is True
    assert settings["PRODUCTION"] is False
    assert settings["LOGGING"]["handlers"]["console"]["formatter"] == "text"


def test_a_safe_production_environment_starts(environment):
    settings = environment(**production())
    assert settings["DEBUG"] is False
    assert settings["SECURE_SSL_REDIRECT"] is True
    assert settings["SESSION_COOKIE_SECURE"] and settings["CSRF_COOKIE_SECURE"]
    assert settings["SECURE_HSTS_SECONDS"] >= 31536000
    assert settings["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert settings["SECURE_REFERRER_POLICY"] == "same-origin"
    assert "django.middleware.csp.ContentSecurityPolicyMiddleware" in settings["MIDDLEWARE"]
    assert settings["SECURE_CSP"]["script-src"]
    assert (
        settings["STORAGES"]["staticfiles"]["BACKEND"]
        == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )


@pytest.mark.parametrize(
    ("values", "named"),
    [
        pytest.param(production(DJANGO_DEBUG="true"), "DJANGO_DEBUG", id="debug-on"),
        pytest.param(production(DJANGO_SECRET_KEY=""), "DJANGO_SECRET_KEY", id="no-key"),
        pytest.param(production(DJANGO_SECRET_KEY="x" * 20), "DJANGO_SECRET_KEY", id="short-key"),
        pytest.param(production(DJANGO_SECRET_KEY="ab" * 30), "DJANGO_SECRET_KEY", id="few-characters"),
        pytest.param(
            production(DJANGO_SECRET_KEY="django-insecure-" + GOOD_KEY),
            "DJANGO_SECRET_KEY",
            id="insecure-prefix",
        ),
        pytest.param(production(DJANGO_ALLOWED_HOSTS=""), "DJANGO_ALLOWED_HOSTS", id="no-hosts"),
        pytest.param(production(DJANGO_ALLOWED_HOSTS="a.example,*"), "DJANGO_ALLOWED_HOSTS", id="wildcard"),
        # The QR codes on the survey sheets and reports lead residents to SITE_URL.
        pytest.param(production(SITE_URL=""), "SITE_URL", id="no-site-url"),
        pytest.param(production(SITE_URL="https://b.example"), "SITE_URL", id="site-url-not-allowed"),
        # The old signal alone: DEBUG off is production, so the development key is refused.
        pytest.param(
            {"DJANGO_DEBUG": "false", "DJANGO_ALLOWED_HOSTS": "a.example"},
            "DJANGO_SECRET_KEY",
            id="debug-off",
        ),
    ],
)
def test_production_refuses_an_unsafe_value_and_names_it(environment, values, named):
    with pytest.raises(ImproperlyConfigured, match="拒绝启动") as refused:
        environment(**values)
    assert named in str(refused.value)


def test_every_unsafe_value_is_named_at_once(environment):
    with pytest.raises(ImproperlyConfigured) as refused:
        environment(DJANGO_ENV="production", DJANGO_DEBUG="true")
    message = str(refused.value)
    assert all(name in message for name in ("DJANGO_DEBUG", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"))


def test_a_mistyped_environment_name_is_refused(environment):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_ENV"):
        environment(DJANGO_ENV="prod")


def test_postgresql_goes_through_psycopgs_pool(environment):
    settings = environment(DATABASE_URL="postgres://u:p@db.example:5432/shifandian")
    database = settings["DATABASES"]["default"]
    assert database["CONN_MAX_AGE"] == 0
    pool = database["OPTIONS"]["pool"]
    assert pool["min_size"] == 1 and pool["max_size"] == 4 and pool["timeout"] == 10
    assert callable(pool["check"])


def test_the_pool_and_persistent_connections_exclude_each_other(environment):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_CONN_MAX_AGE"):
        environment(DATABASE_URL="postgres://u:p@db.example/shifandian", DATABASE_CONN_MAX_AGE="60")
    settings = environment(DATABASE_POOL="false")
    assert "pool" not in settings["DATABASES"]["default"].get("OPTIONS", {})
    assert settings["DATABASES"]["default"]["CONN_MAX_AGE"] == 60


def test_sqlite_has_no_pool(environment):
    assert "pool" not in environment()["DATABASES"]["default"].get("OPTIONS", {})


def test_media_stay_on_the_volume_without_a_bucket(environment):
    assert environment()["STORAGES"]["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def test_media_go_to_s3_when_a_bucket_is_named(environment, monkeypatch):
    """The options are ones django-storages accepts: the storage is built and signs a private URL
    for the endpoint, offline."""
    from storages.backends.s3 import S3Storage

    monkeypatch.setenv("S3_ENDPOINT_URL", "https://minio.example.org:9000")
    monkeypatch.setenv("S3_ACCESS_KEY_ID", "key-id")
    monkeypatch.setenv("S3_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("S3_ADDRESSING_STYLE", "path")
    storage = environment(S3_BUCKET="uploads")["STORAGES"]["default"]
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    s3 = S3Storage(**storage["OPTIONS"])
    url = s3.url("plans/方案.pdf")
    assert url.startswith("https://minio.example.org:9000/uploads/media/plans/")
    assert "Signature=" in url or "X-Amz-Signature=" in url


def test_production_logs_json_lines_to_stdout(environment):
    settings = environment(**production())
    handler = settings["LOGGING"]["handlers"]["console"]
    assert handler["formatter"] == "json"
    assert handler["stream"] == "ext://sys.stdout"


def test_a_json_log_line_keeps_chinese_and_extra_fields():
    spec = {key: value for key, value in FORMATTERS["json"].items() if key != "()"}
    from pythonjsonlogger.json import JsonFormatter

    record = logging.LogRecord("members.imports", logging.WARNING, __file__, 1, "导入 %s 行", (3,), None)
    record.job = 7
    line = JsonFormatter(**spec).format(record)
    assert "导入 3 行" in line
    assert json.loads(line) | {"time": None} == {
        "time": None,
        "level": "WARNING",
        "logger": "members.imports",
        "message": "导入 3 行",
        "job": 7,
    }


def test_an_unknown_log_format_is_refused(environment):
    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT"):
        environment(LOG_FORMAT="xml")
    with pytest.raises(ValueError):
        logging_config("xml", "INFO")


def _run(*argv: str, **values: str) -> subprocess.CompletedProcess:
    """A new Python process with config.settings and only `values` of the variables above."""
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings", **values}
    return subprocess.run(
        [sys.executable, *argv], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_sentry_reports_django_and_celery_errors_when_a_dsn_is_set():
    code = (
        "import django, sentry_sdk; django.setup(); client = sentry_sdk.get_client();"
        "print(client.is_active(), 'django' in client.integrations, 'celery' in client.integrations,"
        " client.options['send_default_pii'])"
    )
    # An address on this machine where nothing listens: nothing is ever sent anywhere.
    with_dsn = _run("-c", code, SENTRY_DSN="http://key@127.0.0.1:1/1")
    assert with_dsn.stdout.split() == ["True", "True", "True", "False"], with_dsn.stderr
    without = _run("-c", code)
    assert without.stdout.split()[0] == "False", without.stderr


def test_a_refusal_stops_manage_py_with_the_message():
    result = _run("manage.py", "check", DJANGO_ENV="production")
    assert result.returncode != 0
    assert "生产环境配置不安全，拒绝启动" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr

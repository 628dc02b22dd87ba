"""/healthz and /readyz: what they check, what they answer, and what they never touch."""

import json

import pytest
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

# A port nothing listens on: connecting is refused at once.
DEAD_BROKER = "redis://127.0.0.1:1/0"


def _answer(response) -> dict:
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def test_healthz_answers_200_when_database_and_broker_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert _answer(response) == {"status": "ok", "database": "ok", "broker": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_readyz_also_checks_migrations(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert _answer(response) == {"status": "ok", "database": "ok", "broker": "ok", "migrations": "ok"}


def test_healthz_names_the_broker_when_it_is_down(client, settings):
    settings.CELERY_BROKER_URL = DEAD_BROKER
    response = client.get("/healthz")
    assert response.status_code == 503
    assert _answer(response) == {"status": "fail", "database": "ok", "broker": "failed"}


def test_healthz_names_the_database_when_it_is_down(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert _answer(response) == {"status": "fail", "database": "failed", "broker": "ok"}


def test_readyz_skips_migrations_without_a_database(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert _answer(response)["migrations"] == "skipped"


def test_readyz_fails_while_a_migration_is_unapplied(client, monkeypatch):
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("0099_pending", False)])
    assert client.get("/healthz").status_code == 200
    response = client.get("/readyz")
    assert response.status_code == 503
    assert _answer(response) == {"status": "fail", "database": "ok", "broker": "ok", "migrations": "failed"}


def test_failure_details_go_to_the_log_not_the_response(client, settings, caplog):
    settings.CELERY_BROKER_URL = DEAD_BROKER
    response = client.get("/healthz")
    assert b"127.0.0.1" not in response.content
    assert "health check broker failed" in caplog.text


def test_probe_reads_no_session_and_sets_no_cookie(client, cast):
    """A logged-in browser's cookie comes along; the session store is never asked."""
    client.force_login(cast.secretary)
    assert client.cookies["sessionid"].value
    with CaptureQueriesContext(connection) as healthz:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert not response.cookies
    assert not response.has_header("Set-Cookie")
    # The one query: SELECT 1.
    assert [q["sql"] for q in healthz.captured_queries] == ["SELECT 1"]

    with CaptureQueriesContext(connection) as readyz:
        response = client.get("/readyz")
    assert response.status_code == 200
    assert not response.cookies
    # SELECT 1, whether django_migrations exists, and the applied migrations.
    assert len(readyz.captured_queries) <= 3
    assert not [q for q in readyz.captured_queries if "django_session" in q["sql"]]


def test_an_ordinary_page_does_read_the_session(client, cast):
    """The counterpart of the test above: the same cookie on a page does reach the store."""
    client.force_login(cast.secretary)
    with CaptureQueriesContext(connection) as page:
        client.get("/")
    assert [q for q in page.captured_queries if "django_session" in q["sql"]]


def test_probe_passes_host_check_and_ssl_redirect(client, settings):
    """Probes speak plain HTTP to the container's own address; other requests still may not."""
    settings.ALLOWED_HOSTS = ["dangjian.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz", HTTP_HOST="172.18.0.5:8000").status_code == 200
    assert client.get("/readyz", HTTP_HOST="172.18.0.5:8000").status_code == 200
    assert client.get("/accounts/login/", HTTP_HOST="172.18.0.5:8000").status_code == 400
    assert client.get("/accounts/login/", HTTP_HOST="dangjian.example.org").status_code == 301


def test_only_get_and_head_on_the_exact_paths_are_probes(client):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code != 200
    assert client.get("/healthz/").status_code == 404

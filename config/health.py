"""`/healthz` and `/readyz` for load balancers, container health checks and monitoring.

`/healthz` answers 200 when this process reaches the database and the Celery broker, else 503
naming the part that failed; `/readyz` also needs every migration applied, so a process
started before `migrate` has run gets no traffic. The body is JSON, e.g.
`{"status": "fail", "database": "ok", "broker": "failed"}`; why a check failed goes to the
log, not to the (public) response.

The middleware answers before any other: a probe speaks plain HTTP to the container's own
address, so the host check and the SSL redirect must not turn it away, and it never reads or
writes a session (no cookie, no session query). Only GET and HEAD on these two exact paths
are answered here; everything else passes through untouched.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse

from config.celery import app as celery_app

logger = logging.getLogger(__name__)

# Seconds a probe may wait for the broker before calling it down.
BROKER_TIMEOUT = 3.0


def check_database() -> None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")


def check_broker() -> None:
    """Open a connection to the broker (for Redis: connect and PING) and close it again."""
    with celery_app.connection_for_write(
        settings.CELERY_BROKER_URL,
        connect_timeout=BROKER_TIMEOUT,
        # For Redis: a broker that accepts the connection but never answers fails too.
        transport_options={"socket_timeout": BROKER_TIMEOUT, "socket_connect_timeout": BROKER_TIMEOUT},
    ) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT)


def check_migrations() -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise RuntimeError("unapplied migrations")


LIVENESS: dict[str, Callable[[], None]] = {"database": check_database, "broker": check_broker}
READINESS: dict[str, Callable[[], None]] = {**LIVENESS, "migrations": check_migrations}
PROBES = {"/healthz": LIVENESS, "/readyz": READINESS}


def run_checks(checks: dict[str, Callable[[], None]]) -> JsonResponse:
    results: dict[str, str] = {}
    for name, check in checks.items():
        if name == "migrations" and results.get("database") != "ok":
            results[name] = "skipped"
            continue
        try:
            check()
        except Exception:
            logger.warning("health check %s failed", name, exc_info=True)
            results[name] = "failed"
        else:
            results[name] = "ok"
    healthy = all(result == "ok" for result in results.values())
    response = JsonResponse(
        {"status": "ok" if healthy else "fail", **results}, status=200 if healthy else 503
    )
    response["Cache-Control"] = "no-store"
    return response


class HealthCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        checks = PROBES.get(request.path_info)
        if checks is None or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        return run_checks(checks)

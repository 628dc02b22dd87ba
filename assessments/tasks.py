"""Celery jobs of the assessments app. Thin: they take ids or plain values and call the code that
works; both are idempotent, so a retry or a second beat does no harm."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from campaigns.models import Site

from . import dossier, report
from .models import Acceptance, Dossier
from .services.publicity import finalize_results


# A database hiccup or a full disk (OSError: the storage) is worth another try; a bug is not.
@shared_task(
    autoretry_for=(DatabaseError, OSError),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def render_acceptance_report(acceptance_id: int, force: bool = False) -> str:
    """Render and store the signed acceptance's report (enqueued on commit by `sign_acceptance`).
    A report already rendered is left as it is unless `force`. Returns its content digest."""
    acceptance = Acceptance.objects.filter(pk=acceptance_id, signed_at__isnull=False).first()
    if acceptance is None:
        return ""
    return report.render_report(acceptance, force=force).report_content_sha256


@shared_task(ignore_result=False)
def finalize_publicity(day: str | None = None) -> dict:
    """Beat's daily job: make final every result whose 公示 ended with every objection answered
    (`day` YYYY-MM-DD; default today in Asia/Shanghai)."""
    today = datetime.date.fromisoformat(day) if day else timezone.localdate()
    finalized = finalize_results(today=today)
    return {"date": today.isoformat(), "finalized": [a.pk for a in finalized]}


@shared_task(
    autoretry_for=(DatabaseError, OSError),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=3,
)
def render_site_dossier(site_id: int, variant: str, force: bool = False) -> str:
    """Render and store the site's dossier (创建档案) in `variant` (enqueued on commit by
    `dossier.request_dossier`). A dossier already rendered from the same content is left as it
    is unless `force`. Returns the content fingerprint rendered ("" when nothing was)."""
    site = Site.objects.filter(pk=site_id).first()
    if site is None or variant not in Dossier.Variant.values:
        return ""
    rendered = dossier.render_dossier(site, variant, force=force)
    return rendered.fingerprint if rendered is not None else ""

"""Celery jobs of the members app. Thin: they take ids and call a service."""

from celery import shared_task

from .exports import run_export_job
from .services.import_checks import run_check
from .services.imports import run_import_job


@shared_task(ignore_result=True)
def run_import(job_id: int) -> None:
    """Import a large spreadsheet into a branch's records (all rows or none), recording progress."""
    run_import_job(job_id=job_id)


@shared_task(ignore_result=True)
def check_import(check_id: str) -> None:
    """Check every row of a large uploaded file for its preview (nothing is saved)."""
    run_check(check_id=check_id)


@shared_task(ignore_result=True)
def run_export(job_id: int) -> None:
    """Write a large export's file, recording progress."""
    run_export_job(job_id=job_id)

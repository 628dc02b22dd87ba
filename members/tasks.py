"""Celery jobs of the members app. Thin: they take ids and call a service."""

from celery import shared_task

from .services.imports import run_import_job


@shared_task(ignore_result=True)
def run_import(job_id: int) -> None:
    """Import a large spreadsheet into a branch's records (all rows or none), recording progress."""
    run_import_job(job_id=job_id)

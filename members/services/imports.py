"""Importing a spreadsheet into a branch's records: preview, start, run (the engine is members/imports.py).

A file is checked and shown before anything is saved (`preview_import`); confirming it makes an
`ImportJob` (`start_import`) that runs at once when the file is small and as a Celery job when
it has more than `ASYNC_ROWS` rows. Either way `run_import_job` saves every row or none, and a
job runs once: it is claimed under a row lock, so a Celery message delivered twice (a worker
lost before it acknowledged, a retry) finds it taken.

Refusals: the policy's reason as `ValidationError` with code "forbidden"; a file that cannot be
read at all as `spreadsheets.FileRefused`.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, transaction
from django.utils import timezone

from organizations.models import Organization, Verb, record_event
from spreadsheets import FileRefused, RowError, read_table

from .. import policies
from ..imports import ASYNC_ROWS, KINDS, Plan, plan_import, write_plan
from ..models import ImportJob

logger = logging.getLogger(__name__)


def _check_may_import(user, branch: Organization) -> None:
    if reason := policies.cannot_import_records(user, branch):
        raise ValidationError(reason, code="forbidden")


@dataclass
class Preview:
    plan: Plan
    stored_name: str
    original_name: str


def preview_import(*, branch: Organization, kind: str, upload: UploadedFile, by) -> Preview:
    """Check an uploaded file without saving any record; a file without bad rows is kept (as
    `stored_name`) for the confirmation.

    Raises FileRefused when the file as a whole cannot be read.
    """
    _check_may_import(by, branch)
    data = upload.read()
    table = read_table(data, upload.name)
    plan = plan_import(kind=kind, branch=branch, user=by, table=table)
    stored_name = ""
    if not plan.errors:
        file_field = ImportJob._meta.get_field("file")
        name = file_field.generate_filename(None, f"{uuid.uuid4().hex}{Path(upload.name).suffix.lower()}")
        stored_name = file_field.storage.save(name, ContentFile(data))
    return Preview(plan=plan, stored_name=stored_name, original_name=Path(upload.name).name[:255])


@transaction.atomic
def start_import(
    *, branch: Organization, kind: str, stored_name: str, original_name: str, total_rows: int, by
) -> ImportJob:
    """Make the job for a previewed file: run now when small, else queued for a worker.

    Confirming the same preview twice returns the first job.
    """
    _check_may_import(by, branch)
    if kind not in KINDS:
        raise ValidationError("未知的导入内容。")
    job = ImportJob.objects.filter(branch=branch, file=stored_name).first()
    if job is not None:
        return job
    job = ImportJob.objects.create(
        kind=kind,
        branch=branch,
        file=stored_name,
        original_name=original_name,
        total_rows=total_rows,
        created_by=by,
    )
    if total_rows > ASYNC_ROWS:
        from ..tasks import run_import

        transaction.on_commit(partial(run_import.delay, job.pk))
        return job
    return run_import_job(job_id=job.pk)


def _progress(job_id: int, done: int) -> None:
    ImportJob.objects.filter(pk=job_id).update(processed_rows=done)


def _fail(job: ImportJob, errors: list[RowError]) -> ImportJob:
    job.status = ImportJob.Status.FAILED
    job.errors = [e.as_dict() for e in errors]
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "errors", "finished_at"])
    return job


@transaction.atomic
def _claim(job_id: int) -> tuple[ImportJob, bool]:
    """The job, and whether this caller took it: PENDING → RUNNING under a lock on its row, so of
    two callers at once the second waits, then finds it RUNNING (or finished) and leaves it."""
    job = (
        ImportJob.objects.select_for_update(of=("self",))
        .select_related("branch", "created_by")
        .get(pk=job_id)
    )
    if job.status != ImportJob.Status.PENDING:
        return job, False
    job.status = ImportJob.Status.RUNNING
    job.processed_rows = 0
    job.save(update_fields=["status", "processed_rows"])
    return job, True


def run_import_job(*, job_id: int) -> ImportJob:
    """Check every row of the job's file, then save them all in one transaction, or none.

    Runs a job once: one that another call has claimed (running or finished) is returned as it
    is. Progress (`processed_rows`) is saved every few hundred rows while the rows are checked,
    outside the saving transaction, so the page polling it sees it move.
    """
    job, claimed = _claim(job_id)
    if not claimed:
        return job
    try:
        with job.file.open("rb") as stored:
            data = stored.read()
        table = read_table(data, job.original_name)
        if len(table.rows) != job.total_rows:
            job.total_rows = len(table.rows)
            job.save(update_fields=["total_rows"])
        plan = plan_import(
            kind=job.kind,
            branch=job.branch,
            user=job.created_by,
            table=table,
            on_progress=partial(_progress, job.pk),
        )
    except FileRefused as refused:
        return _fail(job, [RowError(None, "；".join(refused.messages))])
    except (OSError, DatabaseError):
        logger.exception("import job %s could not be checked", job.pk)
        return _fail(job, [RowError(None, "读取或检查文件时出错，未导入任何记录。请稍后重新导入。")])
    if plan.errors:
        job.processed_rows = plan.total
        job.save(update_fields=["processed_rows"])
        return _fail(job, plan.errors)
    try:
        with transaction.atomic():
            created, updated = write_plan(plan)
            job.status = ImportJob.Status.DONE
            job.processed_rows = plan.total
            job.created_rows, job.updated_rows = created, updated
            job.errors = []
            job.finished_at = timezone.now()
            job.save()
            record_event(
                actor=job.created_by,
                verb=Verb.IMPORT_RECORDS,
                target=job,
                organization=job.branch,
                subject=job.branch,
                summary=f"{job.get_kind_display()}《{job.original_name}》：{plan.total} 行，"
                f"新增 {created} 条，更新 {updated} 条",
            )
    except DatabaseError:
        logger.exception("import job %s could not be saved", job.pk)
        return _fail(
            job, [RowError(None, "保存时与他人同时修改的记录冲突，未导入任何记录。请重新上传该文件。")]
        )
    return job

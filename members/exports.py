"""Exports of a branch's records: which there are, and the job that writes one too large for a request.

Every export is an `imports.ExportTable`: headings, and rows streamed from a queryset of only
the columns it writes, as the user sees them (`visible_to`, masked 公民身份证号). Up to
`EXPORT_ASYNC_ROWS` rows it is written in the request, as it always was; above, `export`
makes an `ExportJob` (queued on commit) and a Celery worker writes the file to a temporary file
a chunk of rows at a time (`spreadsheets.streaming`), then stores it. The page polls the job's
progress and then offers the download, to its owner only.

Retention: a finished job's file is deleted `KEEP_DAYS` days after it was asked for, by the next
export job that runs (`delete_expired_exports`); the job itself stays, saying its file expired.
"""

from __future__ import annotations

import datetime
import logging
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial

from django.core.files import File
from django.db import DatabaseError, transaction
from django.utils import timezone

from organizations.models import Organization
from spreadsheets.streaming import write_csv, write_xlsx

from .imports import Download, ExportTable, export_table, national_table
from .models import ExportJob, ImportJob

logger = logging.getLogger(__name__)

# Above this many rows an export is written by a job, not in the request.
EXPORT_ASYNC_ROWS = 3_000
PROGRESS_EVERY = 1_000
KEEP_DAYS = 7
# A job asked for this recently and not finished is the one to wait for; an older one was lost
# with its worker (a file of 20,000 rows takes seconds) and asking again makes a new one.
SAME_JOB_MINUTES = 15
FAILED = "导出时出错，文件没有生成。请稍后重新导出；再次出错请联系管理员。"


@dataclass(frozen=True)
class ExportKind:
    """One export a branch page offers: its formats, and its table for a user."""

    kind: str
    formats: tuple[str, ...]
    table: Callable[..., ExportTable]  # (branch=, user=, today=)


def _import_layout(kind: str) -> Callable[..., ExportTable]:
    return partial(export_table, kind=kind)


BOTH = ("xlsx", "csv")
EXPORTS: dict[str, ExportKind] = {
    spec.kind: spec
    for spec in (
        ExportKind(ExportJob.Kind.MEMBERS, BOTH, _import_layout(ImportJob.Kind.MEMBERS)),
        ExportKind(ExportJob.Kind.NATIONAL, ("xlsx",), national_table),
        ExportKind(ExportJob.Kind.HOUSEHOLDS, BOTH, _import_layout(ImportJob.Kind.HOUSEHOLDS)),
        ExportKind(ExportJob.Kind.SERVICES, BOTH, _import_layout(ImportJob.Kind.SERVICES)),
        ExportKind(ExportJob.Kind.ATTENDANCE, BOTH, _import_layout(ImportJob.Kind.ATTENDANCE)),
        ExportKind(ExportJob.Kind.MEETINGS, BOTH, _import_layout(ImportJob.Kind.MEETINGS)),
    )
}


def export(*, kind: str, fmt: str, branch: Organization, user, today: datetime.date) -> Download | ExportJob:
    """The branch's records of `kind` that `user` sees as a file: written now when it has at
    most `EXPORT_ASYNC_ROWS` rows, else the job that will write it.

    Queries when small: the count, then the rows a chunk at a time (plus what the resource
    asks once, such as whether the user sees whole ID numbers)."""
    table = EXPORTS[kind].table(branch=branch, user=user, today=today)
    total = table.count()
    if total <= EXPORT_ASYNC_ROWS:
        return table.download(fmt)
    return start_export(
        kind=kind, fmt=fmt, branch=branch, by=user, total_rows=total, filename=f"{table.name}.{fmt}"
    )


@transaction.atomic
def start_export(
    *, kind: str, fmt: str, branch: Organization, by, total_rows: int, filename: str
) -> ExportJob:
    """The job for a large export, queued for a worker once it is saved. Asking again while the
    same export of the same person waits or runs (asked less than `SAME_JOB_MINUTES` ago)
    returns that job rather than a second one.

    `by` must see `branch` (the view found it through `visible_to`); the job writes the rows
    `by` sees when it runs."""
    running = (
        ExportJob.objects.select_for_update()
        .filter(
            created_by=by,
            branch=branch,
            kind=kind,
            format=fmt,
            status__in=[ExportJob.Status.PENDING, ExportJob.Status.RUNNING],
            created_at__gte=timezone.now() - datetime.timedelta(minutes=SAME_JOB_MINUTES),
        )
        .first()
    )
    if running is not None:
        return running
    job = ExportJob.objects.create(
        kind=kind, format=fmt, branch=branch, created_by=by, total_rows=total_rows, filename=filename
    )
    from .tasks import run_export

    transaction.on_commit(partial(run_export.delay, job.pk))
    return job


@transaction.atomic
def _claim(job_id: int) -> tuple[ExportJob, bool]:
    """The job, and whether this caller took it (PENDING → RUNNING under a lock on its row): a
    Celery message delivered twice writes the file once."""
    job = (
        ExportJob.objects.select_for_update(of=("self",))
        .select_related("branch", "created_by")
        .get(pk=job_id)
    )
    if job.status != ExportJob.Status.PENDING:
        return job, False
    job.status = ExportJob.Status.RUNNING
    job.processed_rows = 0
    job.save(update_fields=["status", "processed_rows"])
    return job, True


def _counted(rows: Iterable[Sequence], job_id: int, written: list[int]) -> Iterator[Sequence]:
    """`rows` as they are written, saving the count on the job every `PROGRESS_EVERY` rows."""
    for number, row in enumerate(rows, start=1):
        yield row
        written[0] = number
        if number % PROGRESS_EVERY == 0:
            ExportJob.objects.filter(pk=job_id).update(processed_rows=number)


def run_export_job(*, job_id: int) -> ExportJob:
    """Write the job's file: the rows its owner sees now, to a temporary file, then stored.

    Runs a job once: one another call has claimed (running or finished) is returned as it is.
    Afterwards the files of jobs older than `KEEP_DAYS` are deleted."""
    job, claimed = _claim(job_id)
    if not claimed:
        return job
    written = [0]
    try:
        today = timezone.localdate(job.created_at)
        table = EXPORTS[job.kind].table(branch=job.branch, user=job.created_by, today=today)
        rows = _counted(table.rows(), job.pk, written)
        with tempfile.TemporaryFile() as temporary:
            if job.format == ExportJob.Format.CSV:
                write_csv(temporary, table.headers, rows)
            else:
                write_xlsx(temporary, table.headers, rows, title=table.title, above=table.above)
            temporary.seek(0)
            job.file.save(f"{uuid.uuid4().hex}.{job.format}", File(temporary, name=job.filename), save=False)
    except (OSError, DatabaseError):
        logger.exception("export job %s failed", job.pk)
        job.status = ExportJob.Status.FAILED
        job.error = FAILED
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        return job
    job.status = ExportJob.Status.DONE
    job.total_rows = job.processed_rows = written[0]
    job.finished_at = timezone.now()
    job.save(update_fields=["file", "status", "total_rows", "processed_rows", "finished_at"])
    delete_expired_exports(now=job.finished_at)
    return job


def expired(job: ExportJob, *, now: datetime.datetime | None = None) -> bool:
    """Whether the job's file is past keeping (or already deleted)."""
    now = now or timezone.now()
    return job.status == ExportJob.Status.DONE and (
        not job.file or job.created_at < now - datetime.timedelta(days=KEEP_DAYS)
    )


def delete_expired_exports(*, now: datetime.datetime) -> int:
    """Delete the files of export jobs asked for more than `KEEP_DAYS` days before `now`; the
    jobs stay, without a file. How many files were deleted."""
    old = ExportJob.objects.filter(created_at__lt=now - datetime.timedelta(days=KEEP_DAYS)).exclude(file="")
    deleted = 0
    for job in old.only("file"):
        job.file.delete(save=False)
        job.save(update_fields=["file"])
        deleted += 1
    return deleted

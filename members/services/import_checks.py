"""The preview of a large upload, checked by a Celery job instead of in the request.

A file of more than `ASYNC_ROWS` rows (counted roughly from the file, without reading its
cells) is stored as a small file's preview stores it, with a ticket beside it saying whose check
it is (`start_check`); a worker then checks every row (`run_check`) exactly as `preview_import`
does and stores what the preview page shows — the counts, the first rows, every bad row — as a
result beside the ticket. The page polls the progress (kept in the cache while the rows are
checked) and then shows that preview with the same confirmation as a small file: confirming
makes the `ImportJob` as before, which checks the rows once more as it saves them.

A preview is not a record, as it never was: the ticket and result are files in storage (shared
by web and worker) written once each, and nothing is saved in the database until the import is
confirmed. Without a shared cache (development without Redis) the page shows no row count while
the rows are checked, only the result when it comes.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import uuid
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError
from django.utils import timezone
from openpyxl import load_workbook

from organizations.models import Organization
from spreadsheets import FileRefused, RowError, read_table
from spreadsheets.limits import check_archive

from .. import policies
from ..imports import ALL_KINDS, ImportKind, PreviewRow, plan_import
from ..models import ImportJob

logger = logging.getLogger(__name__)

CHECKS_FOLDER = "imports/checks"
# How long the page may find a check's progress: as long as its confirmation stays valid.
PROGRESS_SECONDS = 6 * 3600
UNREADABLE = "读取或检查文件时出错，未导入任何记录。请稍后重新上传。"


def _storage() -> Storage:
    return ImportJob._meta.get_field("file").storage


def _ticket_name(check_id: str) -> str:
    return f"{CHECKS_FOLDER}/{check_id}.json"


def _result_name(check_id: str) -> str:
    return f"{CHECKS_FOLDER}/{check_id}.result.json"


def _progress_key(check_id: str) -> str:
    return f"members:import-check:{check_id}"


def rough_row_count(data: bytes, name: str) -> int:
    """About how many data rows a file has, without reading its cells: an .xlsx's stated
    dimension, a .csv's lines, less the header. Enough to choose where to check it (a title row
    or a line break inside a cell counts one too many); 0 for a file that cannot be opened or is
    refused by the upload limits, which the preview then refuses with its reason."""
    if Path(name).suffix.lower() == ".csv":
        lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        return max(lines - 1, 0)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_archive(archive)  # before openpyxl unpacks any part of it
        workbook = load_workbook(io.BytesIO(data), read_only=True)
    except Exception:  # openpyxl raises several unrelated types for a bad file
        return 0
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.max_row if sheet.max_row is not None else sum(1 for _ in sheet.iter_rows())
        return max(rows - 1, 0)
    finally:
        workbook.close()


@dataclass(frozen=True)
class Check:
    """Whose check of which stored file: the ticket."""

    id: str
    branch_id: int
    user_id: int
    kind: str
    stored_name: str
    original_name: str
    rows: int


@dataclass
class CheckedPlan:
    """What the preview page shows of a `Plan`, as the job stored it."""

    kind: ImportKind
    total: int
    headers: list[str]
    used_columns: list[tuple[str, str]]
    ignored_columns: list[tuple[str, str]]
    errors: list[RowError]
    preview: list[PreviewRow]
    created: int
    updated: int
    unchanged: int
    # A problem of the file as a whole (wrong columns, no rows): nothing else was checked.
    refused: str = ""

    # The preview page counts a Plan's creates and updates.
    @property
    def creates(self) -> range:
        return range(self.created)

    @property
    def updates(self) -> range:
        return range(self.updated)


@dataclass
class CheckState:
    check: Check
    processed: int
    total: int
    plan: CheckedPlan | None  # once the job has finished

    @property
    def finished(self) -> bool:
        return self.plan is not None

    @property
    def percent(self) -> int:
        return min(int(self.processed * 100 / self.total), 100) if self.total else 0


def start_check(
    *, branch: Organization, kind: str, upload: UploadedFile, data: bytes, rows: int, by
) -> Check:
    """Store a large upload and queue the check of every row (nothing is saved as records).

    `data` is the upload's content, `rows` its rough row count. The task is queued at once:
    what it reads is in storage, not in a transaction."""
    if reason := policies.cannot_import_records(by, branch):
        raise ValidationError(reason, code="forbidden")
    if kind not in ALL_KINDS:
        raise ValidationError("未知的导入内容。")
    storage = _storage()
    file_field = ImportJob._meta.get_field("file")
    stored_name = storage.save(
        file_field.generate_filename(None, f"{uuid.uuid4().hex}{Path(upload.name).suffix.lower()}"),
        ContentFile(data),
    )
    check = Check(
        id=uuid.uuid4().hex,
        branch_id=branch.pk,
        user_id=by.pk,
        kind=kind,
        stored_name=stored_name,
        original_name=Path(upload.name).name[:255],
        rows=rows,
    )
    ticket = {**asdict(check), "created_at": timezone.now().isoformat()}
    storage.save(_ticket_name(check.id), ContentFile(json.dumps(ticket, ensure_ascii=False).encode()))
    from ..tasks import check_import

    check_import.delay(check.id)
    return check


def _ticket(check_id: str) -> Check | None:
    if not check_id.isalnum():
        return None
    try:
        with _storage().open(_ticket_name(check_id), "rb") as stored:
            data = json.load(stored)
    except (OSError, ValueError):
        return None
    return Check(**{name: data[name] for name in Check.__dataclass_fields__})


def _result(check: Check) -> CheckedPlan | None:
    try:
        with _storage().open(_result_name(check.id), "rb") as stored:
            data = json.load(stored)
    except (OSError, ValueError):
        return None
    return CheckedPlan(
        kind=ALL_KINDS[check.kind],
        total=data["total"],
        headers=data["headers"],
        used_columns=[tuple(pair) for pair in data["used_columns"]],
        ignored_columns=[tuple(pair) for pair in data["ignored_columns"]],
        errors=[RowError(e["row"], e["message"]) for e in data["errors"]],
        preview=[PreviewRow(**row) for row in data["preview"]],
        created=data["created"],
        updated=data["updated"],
        unchanged=data["unchanged"],
        refused=data["refused"],
    )


def check_state(*, check_id: str, branch: Organization, user) -> CheckState | None:
    """The check `check_id` of `user`'s upload into `branch` as it stands; None when there is
    no such check, or it is someone else's."""
    check = _ticket(check_id)
    if check is None or check.branch_id != branch.pk or check.user_id != user.pk:
        return None
    plan = _result(check)
    if plan is not None:
        return CheckState(check=check, processed=plan.total, total=plan.total, plan=plan)
    progress = cache.get(_progress_key(check.id)) or {}
    return CheckState(
        check=check,
        processed=progress.get("processed", 0),
        total=progress.get("total", check.rows),
        plan=None,
    )


def _save_progress(check_id: str, total: int, done: int) -> None:
    cache.set(_progress_key(check_id), {"processed": done, "total": total}, PROGRESS_SECONDS)


def run_check(*, check_id: str) -> None:
    """Check every row of the ticket's file for importing, save nothing, and store what the
    preview shows. A check already finished (a message delivered twice) is left as it is; a
    file with bad rows is deleted, as a small file's preview does not keep one."""
    check = _ticket(check_id)
    storage = _storage()
    if check is None or storage.exists(_result_name(check_id)):
        return
    result = {
        "total": 0,
        "headers": [],
        "used_columns": [],
        "ignored_columns": [],
        "errors": [],
        "preview": [],
        "created": 0,
        "updated": 0,
        "unchanged": 0,
        "refused": "",
    }
    try:
        branch = Organization.objects.get(pk=check.branch_id)
        user = get_user_model().objects.get(pk=check.user_id)
        with storage.open(check.stored_name, "rb") as stored:
            table = read_table(stored.read(), check.original_name)
        _save_progress(check.id, len(table.rows), 0)
        plan = plan_import(
            kind=check.kind,
            branch=branch,
            user=user,
            table=table,
            on_progress=lambda done: _save_progress(check.id, len(table.rows), done),
        )
    except FileRefused as refused:
        result["refused"] = "；".join(refused.messages)
    except (OSError, DatabaseError, csv.Error, ObjectDoesNotExist):
        logger.exception("import check %s failed", check.id)
        result["refused"] = UNREADABLE
    else:
        result.update(
            total=plan.total,
            headers=plan.headers,
            used_columns=plan.used_columns,
            ignored_columns=plan.ignored_columns,
            errors=[e.as_dict() for e in plan.errors],
            preview=[asdict(row) for row in plan.preview],
            created=len(plan.creates),
            updated=len(plan.updates),
            unchanged=plan.unchanged,
        )
    if result["refused"] or result["errors"]:
        storage.delete(check.stored_name)
    storage.save(_result_name(check.id), ContentFile(json.dumps(result, ensure_ascii=False).encode()))

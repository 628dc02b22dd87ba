"""The 创建方案 attachment, the same on the nominate form and the plan edit page."""

from __future__ import annotations

from pathlib import PurePosixPath

from organizations.uploads import DOCUMENT_EXTENSIONS, check_upload, describe_limits

# A plan is a Word or PDF document, or a photo of a signed paper copy.
PLAN_EXTENSIONS = DOCUMENT_EXTENSIONS
# The stored path (plans/<year>/<name>) must fit the FileField's 100 characters.
MAX_FILE_NAME = 80


class PlanFileMixin:
    """For a form with a `plan_file` field: the limits said beside it, and the file checked."""

    plan_file_note = ""

    def describe_plan_file(self) -> None:
        field = self.fields["plan_file"]
        field.help_text = f"{describe_limits(PLAN_EXTENSIONS)}。{self.plan_file_note}"
        field.widget.attrs["accept"] = ",".join(f".{e}" for e in PLAN_EXTENSIONS)

    def clean_plan_file(self):
        upload = self.cleaned_data.get("plan_file")
        check_upload(upload, PLAN_EXTENSIONS)
        if upload is not None and len(upload.name) > MAX_FILE_NAME:
            stem, suffix = PurePosixPath(upload.name).stem, PurePosixPath(upload.name).suffix
            upload.name = stem[: MAX_FILE_NAME - len(suffix)] + suffix
        return upload

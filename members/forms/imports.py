"""The import page's forms: choose what to import and the file, then confirm the preview."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError

from organizations.uploads import check_upload, describe_limits
from spreadsheets import MAX_ROWS

from ..imports import ASYNC_ROWS, IMPORT_EXTENSIONS, KINDS
from ..models import ImportJob

LIMITS = (
    f"{describe_limits(IMPORT_EXTENSIONS)}，每个文件最多 {MAX_ROWS} 行；"
    f"超过 {ASYNC_ROWS} 行的文件在后台导入，本页显示进度。"
)
CONFIRM_SALT = "members.imports.confirm"
CONFIRM_MAX_AGE = 6 * 3600


def check_spreadsheet(file) -> None:
    """.xlsx by its content (a zip), .csv as text; both within the upload size limit."""
    extension = Path(file.name).suffix.lower().lstrip(".")
    if extension not in IMPORT_EXTENSIONS:
        raise ValidationError("只能导入 Excel（.xlsx）或 CSV（.csv）文件；.xls 请在 Excel 中另存为 .xlsx。")
    if extension == "xlsx":
        check_upload(file, ("xlsx",))
        return
    if file.size > settings.MAX_UPLOAD_BYTES:
        raise ValidationError(f"文件不能超过 {settings.MAX_UPLOAD_BYTES // (1024 * 1024)} MB。")
    head = file.read(4096)
    file.seek(0)
    if b"\x00" in head or head.startswith(b"PK\x03\x04"):
        raise ValidationError("文件内容不是 CSV 文本：Excel 文件请保存为 .xlsx 后上传。")


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label="导入内容",
        choices=[(kind, spec.label) for kind, spec in KINDS.items()],
        initial=ImportJob.Kind.MEMBERS,
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label="文件",
        help_text=LIMITS,
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
        error_messages={"required": "请选择要导入的文件。", "empty": "文件是空的。"},
    )

    def clean_file(self):
        file = self.cleaned_data["file"]
        check_spreadsheet(file)
        return file


def confirmation(*, branch_id: int, user_id: int, kind: str, stored_name: str, name: str, total: int) -> str:
    """A signed note of what the preview showed, so confirming cannot swap in another file."""
    return signing.dumps(
        {"b": branch_id, "u": user_id, "k": kind, "f": stored_name, "n": name, "t": total},
        salt=CONFIRM_SALT,
    )


class ImportConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, branch_id: int, user_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.branch_id = branch_id
        self.user_id = user_id

    def clean_token(self) -> dict:
        try:
            data = signing.loads(self.cleaned_data["token"], salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
        except signing.SignatureExpired:
            raise ValidationError("预览已超过 6 小时，请重新上传文件。") from None
        except signing.BadSignature:
            raise ValidationError("确认信息无效，请重新上传文件。") from None
        if data.get("b") != self.branch_id or data.get("u") != self.user_id or data.get("k") not in KINDS:
            raise ValidationError("确认信息无效，请重新上传文件。")
        return data

"""考核标准: the frameworks a 组织部 starts campaigns on — the list, one table, its Excel download,
and importing a county 考核细则 (upload → preview → confirm).

Everyone signed in reads the templates (a campaign's copy goes with its campaign:
`Framework.objects.visible_to`); only a 组织部 imports (`policies.cannot_import_framework`), anyone
else's request answers 403 with the reason. The preview saves nothing; the uploaded file waits in
storage under a random name, and the confirm form carries a signed note of it, so confirming
cannot swap in another file. Confirming reads the file again and imports it whole or not at all.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Count, Prefetch, Q, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from organizations.uploads import check_upload
from spreadsheets import XLSX_TYPE, FileRefused, ImportRefused

from ..framework_files import MAX_BYTES, MAX_ROWS, ParsedFramework, framework_xlsx, read_framework
from ..models import Dimension, Framework, Indicator
from ..policies import cannot_import_framework
from ..services import import_framework

CONFIRM_SALT = "assessments.frameworks.import"
CONFIRM_MAX_AGE = 6 * 3600
UPLOAD_DIR = "framework-imports"
LAYOUT = (
    "Excel（.xlsx），不超过 5 MB、2000 行。列：一级指标、二级指标（可无）、考核内容、分值、评分标准、"
    "考核方式、一票否决（是/否）；也认“考核项目”“考核要点”“标准分”“评分细则”“检查方式”等常见写法。"
    "表头上方可有标题行，合并单元格照常。"
)


class UploadForm(forms.Form):
    file = forms.FileField(
        label="考核细则文件",
        help_text=LAYOUT,
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
        error_messages={"required": "请选择要导入的考核细则文件。", "empty": "文件是空的。"},
    )
    name = forms.CharField(
        label="考核标准名称", max_length=200, required=False, help_text="留空则用表格的标题。"
    )
    source = forms.CharField(
        label="依据",
        max_length=300,
        required=False,
        help_text="出处，如“××县示范点创建实施方案（×组发〔2026〕×号）”。",
    )

    def clean_file(self):
        file = self.cleaned_data["file"]
        if Path(file.name).suffix.lower() != ".xlsx":
            raise ValidationError("只能导入 Excel（.xlsx）文件；.xls 或 Word 表格请在 Excel 中另存为 .xlsx。")
        if file.size > MAX_BYTES:
            raise ValidationError("文件超过 5 MB，考核细则表通常不会这么大，请检查是否选错了文件。")
        check_upload(file, ("xlsx",))
        return file


class ConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)
    name = forms.CharField(
        label="考核标准名称", max_length=200, error_messages={"required": "请填写考核标准名称。"}
    )
    source = forms.CharField(label="依据", max_length=300, required=False)

    def __init__(self, *args, user_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.user_id = user_id

    def clean_token(self) -> dict:
        try:
            data = signing.loads(self.cleaned_data["token"], salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
        except signing.SignatureExpired:
            raise ValidationError("预览已超过 6 小时，请重新上传文件。") from None
        except signing.BadSignature:
            raise ValidationError("确认信息无效，请重新上传文件。") from None
        if data.get("u") != self.user_id or not str(data.get("f", "")).startswith(f"{UPLOAD_DIR}/"):
            raise ValidationError("确认信息无效，请重新上传文件。")
        return data


def _require_importer(user) -> None:
    if reason := cannot_import_framework(user):
        raise PermissionDenied(reason)


@login_required
def framework_list(request):
    """The template frameworks, newest version first within a name, with their totals (one query)."""
    frameworks = (
        Framework.objects.visible_to(request.user)
        .templates()
        .annotate(
            n_dimensions=Count("dimensions", distinct=True),
            n_indicators=Count("dimensions__indicators"),
            points=Sum("dimensions__indicators__max_score", filter=Q(dimensions__indicators__is_bonus=False)),
        )
        .order_by("name", "-version")
    )
    return render(
        request,
        "assessments/frameworks/list.html",
        {"frameworks": frameworks, "may_import": cannot_import_framework(request.user) is None},
    )


@login_required
def framework_detail(request, pk: int):
    """One framework as its table: 一级指标 → 二级指标 → 考核内容, points, rule and methods.

    Four queries whatever the size: the framework, its dimensions, their indicators with their
    groups, (and the session's user).
    """
    framework = get_object_or_404(Framework.objects.visible_to(request.user), pk=pk)
    dimensions = list(
        Dimension.objects.filter(framework=framework).prefetch_related(
            Prefetch("indicators", queryset=Indicator.objects.select_related("item_group"))
        )
    )
    sections = []
    for dimension in dimensions:
        indicators = list(dimension.indicators.all())
        sections.append(
            {
                "dimension": dimension,
                "indicators": indicators,
                "points": sum((i.max_score for i in indicators if not i.is_bonus), 0),
            }
        )
    total = sum((section["points"] for section in sections), 0)
    return render(
        request,
        "assessments/frameworks/detail.html",
        {"framework": framework, "sections": sections, "total": total},
    )


@login_required
def framework_export(request, pk: int):
    """下载 Excel: the layout `import_framework` reads back."""
    framework = get_object_or_404(Framework.objects.visible_to(request.user), pk=pk)
    response = HttpResponse(framework_xlsx(framework), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'{framework}.xlsx')}"
    return response


@login_required
def framework_import(request):
    """Upload → preview: every row with its rule (or why it is scored by hand), or every bad row."""
    _require_importer(request.user)
    if request.method != "POST":
        return _upload_page(request, UploadForm())
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _upload_page(request, form)
    upload = form.cleaned_data["file"]
    data = upload.read()
    try:
        parsed = read_framework(data, upload.name)
    except ImportRefused as refused:
        return _upload_page(request, form, errors=refused.rows, file_name=upload.name)
    except FileRefused as refused:
        form.add_error("file", refused.messages)
        return _upload_page(request, form)
    stored = default_storage.save(f"{UPLOAD_DIR}/{uuid.uuid4().hex}.xlsx", ContentFile(data))
    token = signing.dumps({"u": request.user.pk, "f": stored, "n": upload.name}, salt=CONFIRM_SALT)
    confirm = ConfirmForm(
        initial={
            "token": token,
            "name": form.cleaned_data["name"] or parsed.title,
            "source": form.cleaned_data["source"],
        },
        user_id=request.user.pk,
    )
    return _preview_page(request, parsed, confirm, upload.name)


@login_required
@require_POST
def framework_import_confirm(request):
    """Confirm a previewed file: read it again and import it whole."""
    _require_importer(request.user)
    form = ConfirmForm(request.POST, user_id=request.user.pk)
    if not form.is_valid():
        if "token" in form.errors:
            messages.error(request, form.errors["token"][0])
            return redirect("assessments:framework_import")
        return _preview_again(request, form)
    stored = form.cleaned_data["token"]["f"]
    try:
        with default_storage.open(stored) as file:
            data = file.read()
    except OSError:
        messages.error(request, "预览的文件已不在，请重新上传。")
        return redirect("assessments:framework_import")
    try:
        parsed = read_framework(data, stored)
        framework = import_framework(
            by=request.user, parsed=parsed, name=form.cleaned_data["name"], source=form.cleaned_data["source"]
        )
    except (FileRefused, ImportRefused):
        messages.error(request, "文件已无法导入，请重新上传。")
        return redirect("assessments:framework_import")
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            form.add_error(None, error.messages)
        return _preview_again(request, form, parsed)
    default_storage.delete(stored)
    messages.success(
        request,
        f"已导入“{framework}”：{len(parsed.indicators)} 条考核内容，"
        f"合计 {parsed.total_points.normalize():f} 分，其中 {parsed.computable_count} 条按规则计分。",
    )
    return redirect("assessments:framework_detail", framework.pk)


def _preview_again(request, form: ConfirmForm, parsed: ParsedFramework | None = None):
    data = form.cleaned_data.get("token") or {}
    if parsed is None:
        try:
            with default_storage.open(data["f"]) as file:
                parsed = read_framework(file.read(), data["f"])
        except (KeyError, OSError, FileRefused, ImportRefused):
            messages.error(request, "预览的文件已不在，请重新上传。")
            return redirect("assessments:framework_import")
    return _preview_page(request, parsed, form, data.get("n", ""), status=400)


def _upload_page(request, form: UploadForm, *, errors=(), file_name: str = ""):
    return render(
        request,
        "assessments/frameworks/import.html",
        {"form": form, "errors": errors, "file_name": file_name, "max_rows": MAX_ROWS},
        status=400 if form.is_bound and (errors or form.errors) else 200,
    )


def _preview_page(request, parsed: ParsedFramework, form: ConfirmForm, file_name: str, *, status: int = 200):
    return render(
        request,
        "assessments/frameworks/preview.html",
        {
            "parsed": parsed,
            "form": form,
            "file_name": file_name,
            "manual_count": len(parsed.indicators) - parsed.computable_count,
            "bonus_count": sum(1 for i in parsed.indicators if i.is_bonus),
            "veto_count": sum(1 for i in parsed.indicators if i.is_veto),
        },
        status=status,
    )


__all__ = [
    "framework_detail",
    "framework_export",
    "framework_import",
    "framework_import_confirm",
    "framework_list",
]

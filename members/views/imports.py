"""导入导出: a branch's records in and out of Excel/CSV.

Everyone who sees the branch may export its records (limited to what `visible_to` gives them),
download the templates and read the import history; only those `policies.cannot_import_records`
lets import are offered the upload, and anyone else's POST answers 403 with its reason.

An import goes upload → preview (nothing saved; every bad row listed) → confirm. Confirming
makes an `ImportJob`: a small file is imported in the request, a large one by a Celery job
whose page shows its progress, polled with htmx (a <noscript> refresh without JavaScript).
The preview of a large file is checked by a job too (`services.import_checks`): the upload
leads to a page that shows the check's progress the same way, then the preview.

Exports of up to `exports.EXPORT_ASYNC_ROWS` rows download at once; a larger one leads to its
`ExportJob`'s page — progress, then the download — which, like the file, is its owner's only:
anyone else (who might see ID numbers masked where the owner sees them whole, or not at all)
gets 404, as for a job that does not exist.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.views.decorators.http import require_POST

from organizations.models import Organization
from spreadsheets import FileRefused

from .. import policies
from ..exports import EXPORT_ASYNC_ROWS, EXPORTS, KEEP_DAYS, expired, export
from ..forms.imports import ImportConfirmForm, ImportUploadForm, confirmation
from ..imports import ASYNC_ROWS, BY_SLUG, KINDS, Download, Plan, template_download
from ..models import ExportJob, ImportJob
from ..services.import_checks import CheckedPlan, CheckState, check_state, rough_row_count, start_check
from ..services.imports import preview_import, start_import
from .branch import branch_for

PER_PAGE = 25
FORMATS = ("xlsx", "csv")
# Where the imported records are seen, by kind.
RECORDS_URL = {
    ImportJob.Kind.MEMBERS: "members:member_list",
    ImportJob.Kind.HOUSEHOLDS: "members:household_list",
    ImportJob.Kind.SERVICES: "members:service_list",
    ImportJob.Kind.ATTENDANCE: "members:meeting_list",
    ImportJob.Kind.MEETINGS: "members:meeting_list",
}
DESCRIPTIONS = {
    ImportJob.Kind.MEMBERS: "按《党员信息采集表》的 16 项，另可加“工作单位及职务”“党小组”两列。"
    "按全国《党员基本信息汇总表》填写的名册可直接导入：表头上方的标题行会跳过，入党日期、转正日期、"
    "手机号等常见列名都认得，学历、工作岗位可填名称或代码。"
    "公民身份证号（没有时用姓名加出生日期）相同的，更新已有党员，不会重复登记。",
    ImportJob.Kind.HOUSEHOLDS: "户主姓名、类别（困难户、残疾人、低保户、种养户）、帮扶需求、住址、联系电话。"
    "户主姓名相同的，更新已有帮扶对象。",
    ImportJob.Kind.SERVICES: "每行一次服务：党员按姓名对应（同名时加公民身份证号），服务对象按户主姓名对应。"
    "同一党员、日期和服务内容的，更新已有记录。导入的记录仍需支部书记核实才计入星级。",
    ImportJob.Kind.ATTENDANCE: "每行一名党员在一次会议的出勤。会议按日期和主题对应“三会一课”中已登记的会议，"
    "请先登记会议。同一会议、同一党员的，更新已有出勤。",
    ImportJob.Kind.MEETINGS: "每行一次会议，照纸质会议记录填写召开日期、会议类型、主题、地点、主持人、"
    "记录人、应到和实到人数、列席人员、议程、会议记录和决议；党小组会填党小组。日期和主题相同的，更新已有会议。"
    "缺席人员及原因请在会议页面的出勤表中登记，或用“会议出勤”导入。",
}


def _format(request, formats: tuple[str, ...] = FORMATS) -> str:
    fmt = request.GET.get("format", formats[0])
    if fmt not in formats:
        raise Http404("没有这种文件格式。")
    return fmt


def _file_response(download: Download) -> HttpResponse:
    response = HttpResponse(download.content, content_type=download.content_type)
    response["Content-Disposition"] = content_disposition_header(True, download.filename)
    return response


def _kinds(branch: Organization) -> list[dict]:
    return [
        {
            "kind": kind,
            "slug": spec.slug,
            "label": spec.label,
            "description": DESCRIPTIONS[kind],
            "columns": spec.columns(branch),
            "export_url": reverse(f"members:export_{spec.slug}", args=[branch.pk]),
            "national": kind == ImportJob.Kind.MEMBERS,
        }
        for kind, spec in KINDS.items()
    ]


def _require_importer(user, branch: Organization) -> None:
    if reason := policies.cannot_import_records(user, branch):
        raise PermissionDenied(reason)


def _forbidden(refused: ValidationError) -> None:
    """The service's own policy check (the view asked first): 403 with its reason."""
    if getattr(refused, "code", None) != "forbidden":
        raise refused
    raise PermissionDenied(refused.messages[0]) from refused


def _list_page(
    request, branch: Organization, form: ImportUploadForm | None, *, status: int = 200, refusal=None
):
    may_import = policies.cannot_import_records(request.user, branch) is None
    jobs = ImportJob.objects.visible_to(request.user).filter(branch=branch).select_related("created_by")
    page = Paginator(jobs, PER_PAGE).get_page(request.GET.get("page"))
    if may_import and form is None:
        form = ImportUploadForm(initial={"kind": request.GET.get("kind") or ImportJob.Kind.MEMBERS})
    return render(
        request,
        "members/imports/import_list.html",
        {
            "branch": branch,
            "tab": "imports",
            "may_import": may_import,
            "form": form if may_import else None,
            "kinds": _kinds(branch),
            "page_obj": page,
            "jobs": page.object_list,
            "async_rows": ASYNC_ROWS,
            "refusal": refusal,
        },
        status=status,
    )


@login_required
def import_list(request, branch: int):
    """The page: upload and preview (record keepers), templates, exports, the import history."""
    branch = branch_for(request, branch)
    if request.method != "POST":
        return _list_page(request, branch, None)
    _require_importer(request.user, branch)
    form = ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _list_page(request, branch, form)
    kind = form.cleaned_data["kind"]
    upload = form.cleaned_data["file"]
    data = upload.read()
    upload.seek(0)
    rows = rough_row_count(data, upload.name)
    try:
        if rows > ASYNC_ROWS:
            check = start_check(
                branch=branch, kind=kind, upload=upload, data=data, rows=rows, by=request.user
            )
            state = check_state(check_id=check.id, branch=branch, user=request.user)
            if state is not None and state.finished:
                # The check was done before the page could ask (tasks run in the process).
                return _checked_page(request, branch, state)
            return redirect(_check_url(branch, check.id))
        preview = preview_import(branch=branch, kind=kind, upload=upload, by=request.user)
    except FileRefused as refused:
        form.add_error("file", refused.messages)
        return _list_page(request, branch, form)
    except ValidationError as refused:
        _forbidden(refused)
    return _preview_page(
        request,
        branch,
        plan=preview.plan,
        kind=kind,
        stored_name=preview.stored_name,
        original_name=preview.original_name,
    )


def _preview_page(
    request,
    branch: Organization,
    *,
    plan: Plan | CheckedPlan,
    kind: str,
    stored_name: str,
    original_name: str,
):
    """What importing the file would do, and the confirmation when no row is bad."""
    confirm_form = None
    if not plan.errors:
        token = confirmation(
            branch_id=branch.pk,
            user_id=request.user.pk,
            kind=kind,
            stored_name=stored_name,
            name=original_name,
            total=plan.total,
        )
        confirm_form = ImportConfirmForm(
            initial={"token": token}, branch_id=branch.pk, user_id=request.user.pk
        )
    return render(
        request,
        "members/imports/preview.html",
        {
            "branch": branch,
            "tab": "imports",
            "plan": plan,
            "kind_label": plan.kind.label,
            "original_name": original_name,
            "confirm_form": confirm_form,
            "upload_form": ImportUploadForm(initial={"kind": kind}),
            "in_background": plan.total > ASYNC_ROWS,
            "async_rows": ASYNC_ROWS,
        },
    )


def _checked_page(request, branch: Organization, state: CheckState):
    """A finished check: its preview, or why the file was refused as a whole."""
    check, plan = state.check, state.plan
    if plan.refused:
        return render(
            request,
            "members/imports/check.html",
            {
                **_check_context(branch, state),
                "upload_form": ImportUploadForm(initial={"kind": check.kind}),
            },
        )
    return _preview_page(
        request,
        branch,
        plan=plan,
        kind=check.kind,
        stored_name=check.stored_name,
        original_name=check.original_name,
    )


def _check_url(branch: Organization, check_id: str) -> str:
    return reverse("members:import_check", args=[branch.pk]) + "?" + urlencode({"upload": check_id})


def _check_for(request, branch: int) -> tuple[Organization, CheckState]:
    """The user's check named by ?upload= (404 for anyone else's, as for none)."""
    branch = branch_for(request, branch)
    _require_importer(request.user, branch)
    state = check_state(check_id=request.GET.get("upload", ""), branch=branch, user=request.user)
    if state is None:
        raise Http404("没有找到这次上传。")
    return branch, state


def _check_context(branch: Organization, state: CheckState) -> dict:
    return {
        "branch": branch,
        "tab": "imports",
        "state": state,
        "check": state.check,
        "kind_label": ImportJob.Kind(state.check.kind).label,
        "async_rows": ASYNC_ROWS,
    }


@login_required
def import_check(request, branch: int):
    """A large upload's preview: the check's progress while a job reads every row, then the
    preview (or the bad rows) as a small file's upload shows it at once. The uploader's only."""
    branch, state = _check_for(request, branch)
    if state.finished:
        return _checked_page(request, branch, state)
    return render(request, "members/imports/check.html", _check_context(branch, state))


@login_required
def import_check_progress(request, branch: int):
    """The progress fragment the check page polls; once the check is done, htmx is sent to the
    whole page, which then shows the preview."""
    branch, state = _check_for(request, branch)
    if state.finished:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = _check_url(branch, state.check.id)
        return response
    return render(request, "members/imports/_check_progress.html", _check_context(branch, state))


@login_required
@require_POST
def import_confirm(request, branch: int):
    """Confirm a previewed file: the import runs now (small files) or in the background."""
    branch = branch_for(request, branch)
    _require_importer(request.user, branch)
    form = ImportConfirmForm(request.POST, branch_id=branch.pk, user_id=request.user.pk)
    if not form.is_valid():
        return _list_page(request, branch, None, status=400, refusal=form.errors["token"])
    data = form.cleaned_data["token"]
    try:
        job = start_import(
            branch=branch,
            kind=data["k"],
            stored_name=data["f"],
            original_name=data["n"],
            total_rows=data["t"],
            by=request.user,
        )
    except ValidationError as refused:
        _forbidden(refused)
    return redirect("members:import_detail", branch=branch.pk, job=job.pk)


def _job_for(request, branch: int, job: int) -> tuple[Organization, ImportJob]:
    branch = branch_for(request, branch)
    found = get_object_or_404(
        ImportJob.objects.visible_to(request.user).select_related("created_by"), branch=branch, pk=job
    )
    return branch, found


def _job_context(branch: Organization, job: ImportJob) -> dict:
    finished = job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED)
    return {
        "branch": branch,
        "job": job,
        "finished": finished,
        "unchanged_rows": max(job.total_rows - job.created_rows - job.updated_rows, 0),
        "records_url": reverse(RECORDS_URL[job.kind], args=[branch.pk]),
    }


@login_required
def import_detail(request, branch: int, job: int):
    """One import: its progress while it runs, then what it saved or every bad row."""
    branch, job = _job_for(request, branch, job)
    return render(
        request,
        "members/imports/import_detail.html",
        {**_job_context(branch, job), "tab": "imports"},
    )


@login_required
def import_progress(request, branch: int, job: int):
    """The progress fragment the job page polls every 2 s; once finished it no longer polls."""
    branch, job = _job_for(request, branch, job)
    return render(request, "members/imports/_progress.html", _job_context(branch, job))


@login_required
def import_template(request, branch: int, kind: str):
    """An empty file with the right column headings (and, in .xlsx, how to fill each in)."""
    branch = branch_for(request, branch)
    spec = BY_SLUG.get(kind)
    if spec is None:
        raise Http404("没有这种导入模板。")
    return _file_response(template_download(kind=spec.kind, fmt=_format(request), branch=branch))


def export_response(request, branch: int, kind: str) -> HttpResponse:
    """The branch's records of `kind` that the user sees: the file itself when it is small,
    else a redirect to the page of the job that writes it."""
    found = branch_for(request, branch)
    spec = EXPORTS[kind]
    fmt = _format(request, spec.formats)
    result = export(kind=kind, fmt=fmt, branch=found, user=request.user, today=timezone.localdate())
    if isinstance(result, ExportJob):
        return redirect("members:export_detail", branch=found.pk, job=result.pk)
    return _file_response(result)


@login_required
def export_members(request, branch: int):
    """The roster in the import layout, or with ?layout=national as the national 党员基本信息汇总表."""
    if request.GET.get("layout") == "national":
        return export_response(request, branch, ExportJob.Kind.NATIONAL)
    return export_response(request, branch, ExportJob.Kind.MEMBERS)


@login_required
def export_households(request, branch: int):
    return export_response(request, branch, ExportJob.Kind.HOUSEHOLDS)


@login_required
def export_services(request, branch: int):
    return export_response(request, branch, ExportJob.Kind.SERVICES)


@login_required
def export_attendance(request, branch: int):
    return export_response(request, branch, ExportJob.Kind.ATTENDANCE)


def _own_jobs(request, branch: Organization):
    """The user's export jobs for `branch`: nobody else's, whatever their role."""
    return ExportJob.objects.visible_to(request.user).filter(branch=branch, created_by=request.user)


def _export_job_for(request, branch: int, job: int) -> tuple[Organization, ExportJob]:
    found = branch_for(request, branch)
    return found, get_object_or_404(_own_jobs(request, found), pk=job)


# Where each export is asked for, to ask again: (URL name, query).
EXPORT_URLS = {
    ExportJob.Kind.MEMBERS: ("members:export_members", {}),
    ExportJob.Kind.NATIONAL: ("members:export_members", {"layout": "national"}),
    ExportJob.Kind.HOUSEHOLDS: ("members:export_households", {}),
    ExportJob.Kind.SERVICES: ("members:export_services", {}),
    ExportJob.Kind.ATTENDANCE: ("members:export_attendance", {}),
    ExportJob.Kind.MEETINGS: ("members:export_meetings", {}),
}


def _export_context(branch: Organization, job: ExportJob) -> dict:
    name, query = EXPORT_URLS[job.kind]
    if len(EXPORTS[job.kind].formats) > 1:
        query = {**query, "format": job.format}
    again = reverse(name, args=[branch.pk]) + (f"?{urlencode(query)}" if query else "")
    return {
        "branch": branch,
        "job": job,
        "finished": job.status in (ExportJob.Status.DONE, ExportJob.Status.FAILED),
        "expired": expired(job),
        "keep_days": KEEP_DAYS,
        "keep_until": job.created_at + datetime.timedelta(days=KEEP_DAYS),
        "again_url": again,
    }


@login_required
def export_list(request, branch: int):
    """The user's own large exports of this branch, newest first, with their downloads."""
    found = branch_for(request, branch)
    page = Paginator(_own_jobs(request, found), PER_PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    jobs = [(job, expired(job, now=now)) for job in page.object_list]
    return render(
        request,
        "members/exports/export_list.html",
        {
            "branch": found,
            "tab": "imports",
            "page_obj": page,
            "jobs": jobs,
            "keep_days": KEEP_DAYS,
            "async_rows": EXPORT_ASYNC_ROWS,
        },
    )


@login_required
def export_detail(request, branch: int, job: int):
    """One large export: its progress while the job writes it, then the download."""
    found, job = _export_job_for(request, branch, job)
    return render(
        request, "members/exports/export_detail.html", {**_export_context(found, job), "tab": "imports"}
    )


@login_required
def export_progress(request, branch: int, job: int):
    """The progress fragment the job page polls every 2 s; once finished it no longer polls."""
    found, job = _export_job_for(request, branch, job)
    return render(request, "members/exports/_progress.html", _export_context(found, job))


@login_required
def export_file(request, branch: int, job: int):
    """The file a finished job wrote, to its owner, while it is kept."""
    _, job = _export_job_for(request, branch, job)
    if job.status != ExportJob.Status.DONE or expired(job):
        raise Http404("文件还没有生成，或已超过保留期限被删除。")
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.filename)

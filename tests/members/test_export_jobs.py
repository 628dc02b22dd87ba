"""Large exports as jobs: above EXPORT_ASYNC_ROWS rows an export is written by Celery to a file
its owner downloads from the job's page; the file holds what the request would have written."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from members import exports
from members.imports import ALL_KINDS, MemberImport
from members.models import Attendance, ExportJob, ImportJob, Meeting, Member
from members.resources import MemberResource
from members.tasks import run_export
from tests.members.factories import HouseholdFactory, MemberFactory, ServiceRecordFactory, valid_id_number

pytestmark = pytest.mark.django_db

ID_A = "430124198001011234"
ROLES = ["org_department", "committee", "secretary", "inspector"]
# The export URL and query of each kind, and its formats.
KINDS = {
    ExportJob.Kind.MEMBERS: ("members:export_members", ""),
    ExportJob.Kind.NATIONAL: ("members:export_members", "layout=national"),
    ExportJob.Kind.HOUSEHOLDS: ("members:export_households", ""),
    ExportJob.Kind.SERVICES: ("members:export_services", ""),
    ExportJob.Kind.ATTENDANCE: ("members:export_attendance", ""),
    ExportJob.Kind.MEETINGS: ("members:export_meetings", ""),
}
KIND_FORMATS = [
    (kind, fmt)
    for kind in KINDS
    for fmt in (("xlsx",) if kind == ExportJob.Kind.NATIONAL else ("xlsx", "csv"))
]


def login(client, user):
    client.force_login(user)
    return client


def export_url(branch, kind, fmt="xlsx") -> str:
    name, query = KINDS[kind]
    params = "&".join(p for p in (query, "" if kind == ExportJob.Kind.NATIONAL else f"format={fmt}") if p)
    return reverse(name, args=[branch.pk]) + (f"?{params}" if params else "")


@pytest.fixture
def always_async(monkeypatch):
    """Every export, however small, goes to a job."""
    monkeypatch.setattr(exports, "EXPORT_ASYNC_ROWS", 0)


def ledger(tree):
    """A branch with a little of everything the exports write: a member in a 党小组, one whose
    name looks like a formula, a household served, a branch meeting with an absentee and a
    党小组 meeting with typed counts."""
    branch = tree.branch_a1
    li = MemberFactory(
        branch=branch,
        name="李明",
        id_number=ID_A,
        phone="+8613800000001",
        birth_date=datetime.date(1980, 1, 1),
        group=tree.group_a1,
    )
    wang = MemberFactory(
        branch=branch, name="=王芳", id_number=valid_id_number(datetime.date(1990, 2, 3), male=False)
    )
    household = HouseholdFactory(branch=branch, name="张三", needs="-修屋顶")
    ServiceRecordFactory(member=li, household=household, content="代购药品", responsible="组长")
    ServiceRecordFactory(member=wang, household=None, content="打扫卫生", verified_at=None)
    meeting = Meeting.objects.create(
        organization=branch,
        kind="THEME_DAY",
        held_on=datetime.date(2026, 5, 1),
        topic="主题党日",
        host="书记",
    )
    Attendance.objects.create(meeting=meeting, member=li)
    Attendance.objects.create(
        meeting=meeting, member=wang, status=Attendance.Status.EXCUSED, reason="外出务工"
    )
    Meeting.objects.create(
        organization=tree.group_a1,
        kind="GROUP_MEETING",
        held_on=datetime.date(2026, 4, 2),
        topic="小组学习",
        expected_count=5,
        present_count=4,
    )
    return branch


def many_members(branch, count: int) -> None:
    born = datetime.date(1960, 1, 1)
    Member.objects.bulk_create(
        Member(
            branch=branch,
            name=f"党员{i:05d}",
            gender="M" if i % 2 else "F",
            id_number=valid_id_number(
                born + datetime.timedelta(days=i // 200), male=bool(i % 2), sequence=i % 200
            ),
            birth_date=born + datetime.timedelta(days=i // 200),
            joined_on=datetime.date(2005, 7, 1),
        )
        for i in range(count)
    )


def cells(content: bytes, fmt: str) -> list[list]:
    if fmt == "csv":
        assert content.startswith("\ufeff".encode())
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    sheet = load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def job_file(job: ExportJob) -> bytes:
    with job.file.open("rb") as stored:
        return stored.read()


def start_job(client, user, branch, kind=ExportJob.Kind.MEMBERS, fmt="xlsx") -> ExportJob:
    response = login(client, user).get(export_url(branch, kind, fmt))
    assert response.status_code == 302
    job = ExportJob.objects.get(created_by=user, kind=kind, format=fmt)
    assert response.url == reverse("members:export_detail", args=[branch.pk, job.pk])
    return job


# Small in the request, large as a job ---------------------------------------------------------


def test_an_export_at_the_threshold_downloads_at_once(client, cast, tree, monkeypatch):
    ledger(tree)
    monkeypatch.setattr(exports, "EXPORT_ASYNC_ROWS", 2)  # the roster has two members

    response = login(client, cast.secretary).get(export_url(tree.branch_a1, ExportJob.Kind.MEMBERS))

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert not ExportJob.objects.exists()


def test_a_big_export_makes_a_job_enqueued_on_commit(
    client, cast, tree, monkeypatch, django_capture_on_commit_callbacks
):
    ledger(tree)
    monkeypatch.setattr(exports, "EXPORT_ASYNC_ROWS", 1)
    sent = []
    monkeypatch.setattr(run_export, "delay", lambda job_id: sent.append(job_id))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = start_job(client, cast.secretary, tree.branch_a1, ExportJob.Kind.SERVICES, "csv")

    assert sent == []  # nothing is sent before the job is saved
    assert len(callbacks) == 1
    callbacks[0]()
    assert sent == [job.pk]
    assert (job.status, job.total_rows, job.branch, job.format) == ("PENDING", 2, tree.branch_a1, "csv")
    assert job.filename == f"一村党支部-星级服务记录-{timezone.localdate():%Y%m%d}.csv"


def test_asking_again_while_it_waits_returns_the_same_job(client, cast, tree, always_async):
    ledger(tree)
    first = start_job(client, cast.secretary, tree.branch_a1)

    again = client.get(export_url(tree.branch_a1, ExportJob.Kind.MEMBERS))

    assert again.url == reverse("members:export_detail", args=[tree.branch_a1.pk, first.pk])
    assert ExportJob.objects.count() == 1
    csv_job = start_job(client, cast.secretary, tree.branch_a1, fmt="csv")  # another file, another job
    assert csv_job.pk != first.pk


def test_a_job_lost_with_its_worker_does_not_hold_up_a_new_one(client, cast, tree, always_async):
    ledger(tree)
    lost = start_job(client, cast.secretary, tree.branch_a1)
    ExportJob.objects.filter(pk=lost.pk).update(
        status="RUNNING", created_at=timezone.now() - datetime.timedelta(minutes=exports.SAME_JOB_MINUTES + 1)
    )

    again = client.get(export_url(tree.branch_a1, ExportJob.Kind.MEMBERS))

    fresh = ExportJob.objects.exclude(pk=lost.pk).get()
    assert again.url == reverse("members:export_detail", args=[tree.branch_a1.pk, fresh.pk])


def test_the_task_writes_every_row_and_reports_progress(client, cast, tree, always_async, monkeypatch):
    many_members(tree.branch_a1, 2_500)
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 1_000)
    job = start_job(client, cast.secretary, tree.branch_a1)

    with CaptureQueriesContext(connection) as queries:
        run_export(job.pk)

    job.refresh_from_db()
    rows = cells(job_file(job), "xlsx")
    assert (job.status, job.total_rows, job.processed_rows) == ("DONE", 2_500, 2_500)
    assert len(rows) == 2_501
    assert {row[0] for row in rows[1:]} == {f"党员{i:05d}" for i in range(2_500)}
    progress = [
        int(m.group(1))
        for q in queries.captured_queries
        if (m := re.search(r'UPDATE "members_exportjob" SET "processed_rows" = (\d+)', q["sql"]))
    ]
    assert progress == [1_000, 2_000]  # every PROGRESS_EVERY rows, not per row
    assert job.finished_at is not None


def test_a_job_delivered_twice_writes_once(client, cast, tree, always_async):
    ledger(tree)
    job = start_job(client, cast.secretary, tree.branch_a1)
    run_export(job.pk)
    job.refresh_from_db()
    first_file = job.file.name

    run_export(job.pk)

    job.refresh_from_db()
    assert (job.status, job.file.name) == ("DONE", first_file)


# The same file either way ---------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "fmt"), KIND_FORMATS)
def test_the_job_writes_what_the_request_writes(client, cast, tree, monkeypatch, kind, fmt):
    ledger(tree)
    login(client, cast.committee)  # masked ID numbers: the owner's view of the records
    in_request = client.get(export_url(tree.branch_a1, kind, fmt))
    assert in_request.status_code == 200

    monkeypatch.setattr(exports, "EXPORT_ASYNC_ROWS", 0)
    job = start_job(client, cast.committee, tree.branch_a1, kind, fmt)
    run_export(job.pk)
    job.refresh_from_db()
    download = client.get(reverse("members:export_file", args=[tree.branch_a1.pk, job.pk]))
    content = b"".join(download.streaming_content)

    assert job.status == "DONE"
    assert cells(content, fmt) == cells(in_request.content, fmt)
    if fmt == "csv":
        assert content == in_request.content
    assert job.filename in download["Content-Disposition"] or "filename*=" in download["Content-Disposition"]
    assert job.total_rows == len(cells(content, fmt)) - (3 if kind == ExportJob.Kind.NATIONAL else 1)


@pytest.mark.parametrize("kind", [k for k in ALL_KINDS if k in ImportJob.Kind.values])
def test_the_rows_are_what_import_export_wrote_from_whole_records(cast, tree, kind):
    """Reading only the written columns changes no cell: the rows equal django-import-export's
    own export of the full records, as the export was written before."""
    ledger(tree)
    spec = ALL_KINDS[kind]
    resource = spec.resource(branch=tree.branch_a1, user=cast.committee)
    whole = spec.export_queryset(branch=tree.branch_a1, user=cast.committee)
    whole = whole.model.objects.filter(pk__in=whole.values("pk"))
    if order := spec.export_queryset(branch=tree.branch_a1, user=cast.committee).query.order_by:
        whole = whole.order_by(*order)
    if kind == ImportJob.Kind.MEETINGS:
        from members.meeting_record import with_marks, with_sheet_counts

        whole = with_marks(with_sheet_counts(whole))
    reference = resource.export(whole)

    table = exports.EXPORTS[kind].table(
        branch=tree.branch_a1, user=cast.committee, today=timezone.localdate()
    )

    assert table.headers == reference.headers
    assert [list(row) for row in table.rows()] == [list(row) for row in reference]


def test_the_national_rows_are_those_of_whole_records(cast, tree):
    ledger(tree)
    resource = MemberResource(branch=tree.branch_a1, user=cast.committee)
    from members.imports import national_rows

    reference = list(national_rows(resource.get_queryset().order_by("name", "id"), resource))

    table = exports.EXPORTS[ExportJob.Kind.NATIONAL].table(
        branch=tree.branch_a1, user=cast.committee, today=timezone.localdate()
    )

    assert list(table.rows()) == reference


def test_an_export_reads_only_the_columns_it_writes(cast, tree):
    ledger(tree)
    table = exports.EXPORTS[ExportJob.Kind.SERVICES].table(
        branch=tree.branch_a1, user=cast.secretary, today=timezone.localdate()
    )

    with CaptureQueriesContext(connection) as queries:
        rows = list(table.rows())

    sql = " ".join(q["sql"] for q in queries.captured_queries if "members_servicerecord" in q["sql"])
    assert len(rows) == 2
    assert '"members_servicerecord"."served_on"' in sql
    for unwritten in (
        '"members_member"."address"',
        '"members_member"."phone"',
        '"members_household"."needs"',
    ):
        assert unwritten not in sql
    roster = MemberImport().export_queryset(branch=tree.branch_a1, user=cast.secretary)
    assert "address" in str(roster.query)  # the roster writes 家庭住址
    assert '"organizations_organization"."path"' not in str(roster.query).split("FROM")[0]


def test_a_committees_job_masks_id_numbers_as_its_page_would(client, cast, tree, always_async):
    ledger(tree)
    job = start_job(client, cast.committee, tree.branch_a1)
    run_export(job.pk)
    job.refresh_from_db()

    rows = cells(job_file(job), "xlsx")

    assert "4301**********1234" in [row[3] for row in rows]
    assert ID_A not in [row[3] for row in rows]


# Who sees the job and its file -----------------------------------------------------------------


def job_urls(branch, job) -> list[str]:
    return [
        reverse("members:export_detail", args=[branch.pk, job.pk]),
        reverse("members:export_progress", args=[branch.pk, job.pk]),
        reverse("members:export_file", args=[branch.pk, job.pk]),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_follows_and_downloads_its_own_job(client, cast, tree, always_async, role):
    ledger(tree)
    user = getattr(cast, role)
    job = start_job(client, user, tree.branch_a1)
    run_export(job.pk)

    page, progress, download = (client.get(url) for url in job_urls(tree.branch_a1, job))

    assert page.status_code == progress.status_code == download.status_code == 200
    assert "下载" in page.content.decode()
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in download["Content-Disposition"]
    assert len(cells(b"".join(download.streaming_content), "xlsx")) == 3


@pytest.mark.parametrize("role", ["org_department", "committee", "inspector", "outsider"])
def test_nobody_but_the_owner_sees_the_job_or_its_file(client, cast, tree, always_async, role):
    ledger(tree)
    job = start_job(client, cast.secretary, tree.branch_a1)
    run_export(job.pk)
    login(client, getattr(cast, role))

    assert [client.get(url).status_code for url in job_urls(tree.branch_a1, job)] == [404, 404, 404]


def test_anonymous_is_sent_to_login(client, cast, tree, always_async):
    ledger(tree)
    job = start_job(client, cast.secretary, tree.branch_a1)
    client.logout()

    for url in [*job_urls(tree.branch_a1, job), reverse("members:export_list", args=[tree.branch_a1.pk])]:
        response = client.get(url)
        assert response.status_code == 302 and "login" in response.url


def test_the_owner_out_of_scope_gets_404(client, cast, tree, always_async):
    """A job is found within the owner's scope: under another branch, or after the owner lost
    the role over its branch, it is gone."""
    ledger(tree)
    job = start_job(client, cast.secretary, tree.branch_a1)
    run_export(job.pk)
    other = reverse("members:export_detail", args=[tree.branch_a2.pk, job.pk])

    assert login(client, cast.committee).get(other).status_code == 404
    cast.secretary.roles.all().delete()
    for url in job_urls(tree.branch_a1, job):
        assert login(client, cast.secretary).get(url).status_code == 404


def test_a_file_not_written_yet_is_not_served(client, cast, tree, always_async):
    ledger(tree)
    job = start_job(client, cast.secretary, tree.branch_a1)

    page = client.get(reverse("members:export_detail", args=[tree.branch_a1.pk, job.pk]))

    assert client.get(reverse("members:export_file", args=[tree.branch_a1.pk, job.pk])).status_code == 404
    html = page.content.decode()
    assert 'hx-trigger="every 2s"' in html
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html
    assert "等待后台处理" in html


def test_a_running_job_shows_how_far_it_is_and_a_finished_one_stops_polling(client, cast, tree, always_async):
    ledger(tree)
    job = start_job(client, cast.secretary, tree.branch_a1)
    ExportJob.objects.filter(pk=job.pk).update(status="RUNNING", total_rows=4_000, processed_rows=1_000)
    progress_url = reverse("members:export_progress", args=[tree.branch_a1.pk, job.pk])

    running = client.get(progress_url).content.decode()
    ExportJob.objects.filter(pk=job.pk).update(status="PENDING")
    run_export(job.pk)
    done = client.get(progress_url).content.decode()

    assert re.search(r'<progress[^>]*max="4000"[^>]*value="1000"', running)
    assert "1000 / 4000" in running and "hx-trigger" in running
    assert "hx-trigger" not in done
    assert reverse("members:export_file", args=[tree.branch_a1.pk, job.pk]) in done


def test_a_failed_job_says_why_in_chinese(client, cast, tree, always_async, monkeypatch):
    ledger(tree)
    job = start_job(client, cast.secretary, tree.branch_a1)

    def disk_full(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(exports, "write_xlsx", disk_full)
    run_export(job.pk)

    job.refresh_from_db()
    page = client.get(reverse("members:export_detail", args=[tree.branch_a1.pk, job.pk])).content.decode()
    assert (job.status, job.file.name) == ("FAILED", "")
    assert job.error == exports.FAILED
    assert exports.FAILED in page and "重新导出" in page
    assert client.get(reverse("members:export_file", args=[tree.branch_a1.pk, job.pk])).status_code == 404


# Keeping the files seven days ------------------------------------------------------------------


def test_the_next_export_deletes_files_older_than_seven_days(client, cast, tree, always_async):
    ledger(tree)
    old, recent = (start_job(client, cast.secretary, tree.branch_a1, fmt=fmt) for fmt in ("xlsx", "csv"))
    for job in (old, recent):
        run_export(job.pk)
    now = timezone.now()
    ExportJob.objects.filter(pk=old.pk).update(created_at=now - datetime.timedelta(days=7, minutes=1))
    ExportJob.objects.filter(pk=recent.pk).update(created_at=now - datetime.timedelta(days=6, hours=23))
    old.refresh_from_db()
    old_file = old.file.name
    storage = old.file.storage
    assert storage.exists(old_file)

    run_export(start_job(client, cast.secretary, tree.branch_a1, ExportJob.Kind.HOUSEHOLDS).pk)

    old.refresh_from_db()
    recent.refresh_from_db()
    assert not storage.exists(old_file) and old.file.name == ""
    assert recent.file and storage.exists(recent.file.name)
    page = client.get(reverse("members:export_detail", args=[tree.branch_a1.pk, old.pk])).content.decode()
    assert "已删除" in page and "重新导出" in page
    assert client.get(reverse("members:export_file", args=[tree.branch_a1.pk, old.pk])).status_code == 404
    assert client.get(reverse("members:export_file", args=[tree.branch_a1.pk, recent.pk])).status_code == 200


def test_a_file_past_its_days_is_not_served_even_before_it_is_deleted(client, cast, tree, always_async):
    ledger(tree)
    job = start_job(client, cast.secretary, tree.branch_a1)
    run_export(job.pk)
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(days=8))

    assert client.get(reverse("members:export_file", args=[tree.branch_a1.pk, job.pk])).status_code == 404


# The list of one's exports ---------------------------------------------------------------------


@pytest.mark.parametrize("count", [3, 30])
def test_the_export_list_shows_only_ones_own_in_fixed_queries(
    client, cast, tree, django_assert_max_num_queries, count
):
    for i in range(count):
        ExportJob.objects.create(
            kind=ExportJob.Kind.MEMBERS,
            branch=tree.branch_a1,
            created_by=cast.secretary,
            filename=f"f{i}.xlsx",
        )
    ExportJob.objects.create(
        kind=ExportJob.Kind.MEMBERS, branch=tree.branch_a1, created_by=cast.committee, filename="theirs.xlsx"
    )
    login(client, cast.secretary)
    url = reverse("members:export_list", args=[tree.branch_a1.pk])

    # Session and user; the user's roles; the branch; the page's count; the page's jobs.
    with django_assert_max_num_queries(6):
        page = client.get(url)

    html = page.content.decode()
    assert page.status_code == 200
    assert f"共 {count} 次" in html
    assert "theirs" not in html
    assert html.count("/export-jobs/") == min(count, 25)  # a link to each job of the page


def test_the_export_list_is_404_for_an_outsider(client, cast, tree):
    assert (
        login(client, cast.outsider).get(reverse("members:export_list", args=[tree.branch_a1.pk])).status_code
        == 404
    )

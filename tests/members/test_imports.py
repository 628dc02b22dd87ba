"""导入: upload → preview → confirm; all or nothing; no duplicates; large files as a Celery job."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from members.imports import ASYNC_ROWS, PROGRESS_EVERY, plan_import, write_plan
from members.models import Attendance, Education, Household, ImportJob, Meeting, Member, ServiceRecord
from members.services import imports as import_services
from members.validation import ID_TAKEN
from organizations.models import AuditEvent, Verb, forget_roles
from spreadsheets import read_table
from tests.members.factories import HouseholdFactory, MemberFactory, valid_id_number

pytestmark = pytest.mark.django_db

ROSTER_HEADERS = [
    "姓名",
    "性别",
    "民族",
    "公民身份证号",
    "出生日期",
    "学历",
    "人员类别",
    "所在党支部",
    "加入党组织日期",
    "转为正式党员日期",
    "工作岗位",
    "联系电话",
    "家庭住址",
    "党籍状态",
    "是否为失联党员",
    "是否为流动党员",
    "党小组",
]
SERVICE_HEADERS = [
    "姓名",
    "公民身份证号",
    "服务日期",
    "服务地点",
    "服务内容",
    "服务对象",
    "时长(小时)",
    "服务反馈",
]
ATTENDANCE_HEADERS = ["会议日期", "会议主题", "姓名", "公民身份证号", "出勤"]
HOUSEHOLD_HEADERS = ["户主姓名", "类别", "帮扶需求", "住址", "联系电话"]


def birth_date(i: int) -> datetime.date:
    # 500 people a day (the ID number's sequence holds 500 men and 500 women per birth date).
    return datetime.date(1980, 1, 1) + datetime.timedelta(days=i // 500)


def id_number(i: int) -> str:
    """Member i's 公民身份证号: well formed, with their birth date and sex (odd i are men)."""
    return valid_id_number(birth_date(i), male=bool(i % 2), sequence=i % 500)


def roster_row(i: int, **changes) -> list:
    row = dict(
        zip(
            ROSTER_HEADERS,
            [
                f"党员{i:05d}",
                "男" if i % 2 else "女",
                "汉族",
                id_number(i),
                f"{birth_date(i):%Y-%m-%d}",
                "本科",
                "正式党员",
                "一村党支部",
                "2005年7月1日",
                "2006/7/1",
                "农牧渔民",
                f"138{i:08d}",
                "一村三组",
                "正常",
                "否",
                "是" if i % 5 == 0 else "否",
                "第一党小组" if i % 3 == 0 else "",
            ],
            strict=True,
        )
    )
    row.update(changes)
    return [row[h] for h in ROSTER_HEADERS]


def xlsx_upload(headers, rows, name="名册.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def csv_upload(headers, rows, name="名册.csv", encoding="utf-8-sig") -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(encoding))


def login(client, user):
    client.force_login(user)
    return client


def upload(client, branch, kind, file):
    return client.post(reverse("members:import_list", args=[branch.pk]), {"kind": kind, "file": file})


def confirm(client, branch, preview):
    token = preview.context["confirm_form"].initial["token"]
    return client.post(reverse("members:import_confirm", args=[branch.pk]), {"token": token})


def import_file(client, branch, kind, file) -> ImportJob:
    """Upload, check the preview has no bad rows, confirm; the job it made."""
    preview = upload(client, branch, kind, file)
    assert preview.status_code == 200
    assert preview.context["plan"].errors == []
    response = confirm(client, branch, preview)
    assert response.status_code == 302
    return ImportJob.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))


def make_job(branch, user, **kwargs) -> ImportJob:
    return ImportJob.objects.create(
        kind=ImportJob.Kind.MEMBERS,
        branch=branch,
        file="imports/test.xlsx",
        original_name="名册.xlsx",
        created_by=user,
        **kwargs,
    )


# Who sees which page --------------------------------------------------------------------------

ROLES = ["org_department", "committee", "secretary", "inspector"]
KEEPERS = {"committee", "secretary"}


@pytest.mark.parametrize("role", ROLES)
def test_import_page_answers_each_role_and_offers_upload_to_keepers(client, cast, tree, role):
    response = login(client, getattr(cast, role)).get(
        reverse("members:import_list", args=[tree.branch_a1.pk])
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert ("上传并预览" in page) is (role in KEEPERS)
    assert reverse("members:export_members", args=[tree.branch_a1.pk]) in page


def test_outsider_gets_404_on_every_import_page(client, cast, tree):
    branch = tree.branch_a1
    job = make_job(branch, cast.secretary)
    login(client, cast.outsider)
    urls = [
        reverse("members:import_list", args=[branch.pk]),
        reverse("members:import_detail", args=[branch.pk, job.pk]),
        reverse("members:import_progress", args=[branch.pk, job.pk]),
        reverse("members:import_template", args=[branch.pk, "members"]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404
    assert client.post(reverse("members:import_confirm", args=[branch.pk]), {"token": "x"}).status_code == 404
    response = upload(client, branch, "MEMBERS", xlsx_upload(ROSTER_HEADERS, [roster_row(1)]))
    assert response.status_code == 404
    assert not Member.objects.exists()


def test_anonymous_is_sent_to_login(client, tree, cast):
    job = make_job(tree.branch_a1, cast.secretary)
    for url in (
        reverse("members:import_list", args=[tree.branch_a1.pk]),
        reverse("members:import_detail", args=[tree.branch_a1.pk, job.pk]),
        reverse("members:import_progress", args=[tree.branch_a1.pk, job.pk]),
        reverse("members:import_template", args=[tree.branch_a1.pk, "members"]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", ["org_department", "inspector"])
def test_readers_upload_and_confirm_are_refused_and_import_nothing(client, cast, tree, role):
    secretary = login(client, cast.secretary)
    preview = upload(secretary, tree.branch_a1, "MEMBERS", xlsx_upload(ROSTER_HEADERS, [roster_row(1)]))
    token = preview.context["confirm_form"].initial["token"]
    login(client, getattr(cast, role))

    refused_upload = upload(client, tree.branch_a1, "MEMBERS", xlsx_upload(ROSTER_HEADERS, [roster_row(2)]))
    refused_confirm = client.post(
        reverse("members:import_confirm", args=[tree.branch_a1.pk]), {"token": token}
    )

    assert refused_upload.status_code == 403
    assert refused_confirm.status_code == 403
    assert not Member.objects.exists()
    assert not ImportJob.objects.exists()


def test_a_confirmation_made_for_someone_else_is_refused(client, cast, tree):
    preview = upload(
        login(client, cast.secretary), tree.branch_a1, "MEMBERS", xlsx_upload(ROSTER_HEADERS, [roster_row(1)])
    )
    token = preview.context["confirm_form"].initial["token"]

    response = login(client, cast.committee).post(
        reverse("members:import_confirm", args=[tree.branch_a1.pk]), {"token": token}
    )

    assert response.status_code == 400
    assert "确认信息无效" in response.content.decode()
    assert not Member.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_job_page_and_progress_answer_each_role(client, cast, tree, role):
    job = make_job(tree.branch_a1, cast.secretary, status=ImportJob.Status.RUNNING, total_rows=3000)
    login(client, getattr(cast, role))

    detail = client.get(reverse("members:import_detail", args=[tree.branch_a1.pk, job.pk]))
    progress = client.get(
        reverse("members:import_progress", args=[tree.branch_a1.pk, job.pk]), HTTP_HX_REQUEST="true"
    )

    assert detail.status_code == progress.status_code == 200
    assert 'hx-trigger="every 2s"' in progress.content.decode()


def test_a_job_of_another_branch_is_404_under_this_branch(client, cast, tree):
    job = make_job(tree.branch_a2, cast.committee)

    response = login(client, cast.committee).get(
        reverse("members:import_detail", args=[tree.branch_a1.pk, job.pk])
    )

    assert response.status_code == 404


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", ["members", "households", "services", "attendance"])
def test_templates_download_for_each_role(client, cast, tree, role, kind):
    login(client, getattr(cast, role))
    url = reverse("members:import_template", args=[tree.branch_a1.pk, kind])

    xlsx = client.get(url)
    as_csv = client.get(url + "?format=csv")

    assert xlsx.status_code == as_csv.status_code == 200
    headers = [c.value for c in next(load_workbook(io.BytesIO(xlsx.content)).worksheets[0].iter_rows())]
    assert headers == next(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert "填写说明" in load_workbook(io.BytesIO(xlsx.content)).sheetnames


def test_an_unknown_template_is_404(client, cast, tree):
    login(client, cast.secretary)
    assert client.get(reverse("members:import_template", args=[tree.branch_a1.pk, "dues"])).status_code == 404
    url = reverse("members:import_template", args=[tree.branch_a1.pk, "members"])
    assert client.get(url + "?format=xls").status_code == 404


def test_a_template_filled_in_imports(client, cast, tree):
    login(client, cast.secretary)
    template = client.get(reverse("members:import_template", args=[tree.branch_a1.pk, "members"]))
    workbook = load_workbook(io.BytesIO(template.content))
    headers = [c.value for c in next(workbook.worksheets[0].iter_rows())]
    values = {"姓名": "王芳", "性别": "女", "出生日期": "1990-05-06", "党小组": "第一党小组"}

    job = import_file(
        client, tree.branch_a1, "MEMBERS", xlsx_upload(headers, [[values.get(h, "") for h in headers]])
    )

    assert job.status == ImportJob.Status.DONE
    member = Member.objects.get(name="王芳")
    assert (member.branch, member.group, member.status) == (tree.branch_a1, tree.group_a1, "FULL")


# A good file ----------------------------------------------------------------------------------


@pytest.mark.parametrize("make_file", [xlsx_upload, csv_upload])
def test_a_good_roster_imports_every_row(client, cast, tree, make_file):
    rows = [roster_row(i) for i in range(1, 7)]
    login(client, cast.secretary)

    preview = upload(client, tree.branch_a1, "MEMBERS", make_file(ROSTER_HEADERS, rows))

    plan = preview.context["plan"]
    assert (plan.total, len(plan.creates), plan.errors) == (6, 6, [])
    assert [row.action for row in plan.preview] == ["新增"] * 6
    assert not Member.objects.exists()  # a preview saves nothing

    response = confirm(client, tree.branch_a1, preview)

    job = ImportJob.objects.get()
    assert response.url == reverse("members:import_detail", args=[tree.branch_a1.pk, job.pk])
    assert (job.status, job.created_rows, job.updated_rows, job.processed_rows) == ("DONE", 6, 0, 6)
    assert Member.objects.filter(branch=tree.branch_a1).count() == 6
    three = Member.objects.get(name="党员00003")
    assert three.id_number == id_number(3)
    assert (three.gender, three.education, three.occupation, three.group) == (
        "M",
        Education.BACHELOR,
        Member.Occupation.FARMER,
        tree.group_a1,
    )
    assert (three.joined_on, three.full_member_on) == (datetime.date(2005, 7, 1), datetime.date(2006, 7, 1))
    assert Member.objects.get(name="党员00005").is_mobile
    assert AuditEvent.objects.filter(verb=Verb.IMPORT_RECORDS, organization=tree.branch_a1).count() == 1
    detail = client.get(response.url).content.decode()
    assert "6 行全部导入" in detail
    assert "every 2s" not in detail  # no more polling once done


def test_a_gb18030_csv_from_chinese_excel_imports(client, cast, tree):
    file = csv_upload(ROSTER_HEADERS, [roster_row(1)], encoding="gb18030")

    job = import_file(login(client, cast.secretary), tree.branch_a1, "MEMBERS", file)

    assert job.status == ImportJob.Status.DONE
    assert Member.objects.get().address == "一村三组"


def test_households_services_and_attendance_import_by_name(client, cast, tree):
    login(client, cast.secretary)
    li = MemberFactory(branch=tree.branch_a1, name="李明", id_number=id_number(1))
    import_file(
        client,
        tree.branch_a1,
        "HOUSEHOLDS",
        xlsx_upload(HOUSEHOLD_HEADERS, [["张大爷", "困难户", "代购药品", "一村二组", ""]]),
    )
    meeting = Meeting.objects.create(
        organization=tree.group_a1, kind="GROUP_MEETING", held_on=datetime.date(2026, 5, 1), topic="学习党章"
    )

    services = import_file(
        client,
        tree.branch_a1,
        "SERVICES",
        xlsx_upload(
            SERVICE_HEADERS, [["李明", "", "2026年5月2日", "村部", "代购药品", "张大爷", "1.5", "满意"]]
        ),
    )
    attendance = import_file(
        client,
        tree.branch_a1,
        "ATTENDANCE",
        csv_upload(ATTENDANCE_HEADERS, [["2026/5/1", "学习党章", "李明", "", "请假"]]),
    )

    household = Household.objects.get(branch=tree.branch_a1)
    assert (household.name, household.category, household.needs) == ("张大爷", "HARDSHIP", "代购药品")
    record = ServiceRecord.objects.get()
    assert (record.member, record.household, str(record.hours), record.verified_at) == (
        li,
        household,
        "1.5",
        None,
    )
    assert Attendance.objects.get().status == Attendance.Status.EXCUSED
    assert Attendance.objects.get().meeting == meeting
    assert services.status == attendance.status == ImportJob.Status.DONE


# Bad rows -------------------------------------------------------------------------------------


def test_a_file_with_two_bad_rows_imports_nothing_and_names_both(client, cast, tree):
    rows = [roster_row(i) for i in range(1, 6)]
    rows[1] = roster_row(2, 性别="未知")
    rows[3] = roster_row(4, 出生日期="1980-13-45", 所在党支部="实验学校党支部")
    login(client, cast.secretary)

    preview = upload(client, tree.branch_a1, "MEMBERS", xlsx_upload(ROSTER_HEADERS, rows))

    page = preview.content.decode()
    errors = preview.context["plan"].errors
    assert [e.row for e in errors] == [3, 5]  # the header is row 1
    assert "性别：“未知”不是有效的选项" in errors[0].message
    assert "出生日期：“1980-13-45”不是有效的日期" in errors[1].message
    assert "所在党支部：“实验学校党支部”不是本支部" in errors[1].message
    assert "第 3 行" in page and "第 5 行" in page
    assert "整个文件都没有导入" in page
    assert preview.context["confirm_form"] is None
    assert not Member.objects.exists()
    assert not ImportJob.objects.exists()


def test_the_job_itself_refuses_a_file_that_went_bad_after_the_preview(client, cast, tree):
    """The rows are checked again when the job runs: the register may have changed meanwhile."""
    login(client, cast.secretary)
    preview = upload(
        client, tree.branch_a1, "MEMBERS", xlsx_upload(ROSTER_HEADERS, [roster_row(1), roster_row(2)])
    )
    MemberFactory(branch=tree.branch_a2, name="别处的人", id_number=id_number(2))

    confirm(client, tree.branch_a1, preview)

    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED
    assert job.errors == [{"row": 3, "message": ID_TAKEN}]
    assert not Member.objects.filter(branch=tree.branch_a1).exists()
    detail = client.get(reverse("members:import_detail", args=[tree.branch_a1.pk, job.pk])).content.decode()
    assert "第 3 行" in detail


def test_row_level_mistakes_are_named_in_chinese(tree, cast):
    MemberFactory(branch=tree.branch_a1, name="同名", birth_date=datetime.date(1970, 1, 1))
    MemberFactory(branch=tree.branch_a1, name="同名", birth_date=datetime.date(1970, 1, 1))
    rows = [
        roster_row(1, 姓名=""),
        roster_row(2, 公民身份证号="12345"),
        roster_row(3, 党小组="第九党小组"),
        roster_row(4, 公民身份证号="", 出生日期=""),
        roster_row(5, 公民身份证号="", 出生日期="1970-01-01", 姓名="同名"),
        roster_row(6),
        roster_row(6, 姓名="重复的人"),
    ]
    table = read_table(xlsx_upload(ROSTER_HEADERS, rows).read(), "a.xlsx")

    plan = plan_import(kind="MEMBERS", branch=tree.branch_a1, user=cast.secretary, table=table)

    messages = {e.row: e.message for e in plan.errors}
    assert messages[2] == "姓名：此字段不能为空。"
    assert messages[3] == "公民身份证号应为 18 位：17 位数字，末位是数字或 X。"
    assert messages[4] == "党小组须是“一村党支部”下的党小组，“第九党小组”不是。"
    assert "公民身份证号和出生日期至少填一项" in messages[5]
    assert "本支部有 2 名党员叫“同名”且出生日期相同" in messages[6]
    assert messages[8] == "与第 7 行是同一条记录，请删去重复的一行。"
    assert 7 not in messages


def test_unknown_members_households_and_meetings_are_bad_rows(tree, cast):
    MemberFactory(branch=tree.branch_a1, name="张三", id_number=id_number(1))
    MemberFactory(branch=tree.branch_a1, name="张三", id_number=id_number(2))
    MemberFactory(branch=tree.branch_a2, name="外村人")
    services = [
        ["张三", "", "2026-05-02", "村部", "打扫", "", "", ""],
        ["外村人", "", "2026-05-02", "村部", "打扫", "", "", ""],
        ["张三", id_number(2), "2026-05-02", "村部", "打扫", "没这户", "一小时", ""],
    ]
    attendance = [["2026-05-01", "没开过的会", "张三", id_number(1), "出席"]]

    service_plan = plan_import(
        kind="SERVICES",
        branch=tree.branch_a1,
        user=cast.secretary,
        table=read_table(xlsx_upload(SERVICE_HEADERS, services).read(), "s.xlsx"),
    )
    attendance_plan = plan_import(
        kind="ATTENDANCE",
        branch=tree.branch_a1,
        user=cast.secretary,
        table=read_table(xlsx_upload(ATTENDANCE_HEADERS, attendance).read(), "a.xlsx"),
    )

    messages = {e.row: e.message for e in service_plan.errors}
    assert "本支部有 2 名党员叫“张三”，请填写公民身份证号加以区分" in messages[2]
    assert "本支部党员名册中没有“外村人”" in messages[3]
    assert "服务对象：本支部帮扶对象中没有“没这户”" in messages[4]
    assert "时长(小时)：“一小时”不是数字" in messages[4]
    assert "找不到 2026-05-01 召开的“没开过的会”" in attendance_plan.errors[0].message


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("名册.xls", b"\xd0\xcf\x11\xe0 old excel", "只能导入 Excel（.xlsx）或 CSV（.csv）文件"),
        ("名册.xlsx", b"not a zip at all", "文件内容与扩展名 .xlsx 不符"),
        ("名册.csv", b"PK\x03\x04 a zip named csv", "文件内容不是 CSV 文本"),
        ("名册.csv", "姓名,民族\n李明,汉族\n".encode(), "第 1 行缺少列：性别"),
        ("名册.csv", "姓名,性别\n".encode(), "文件中没有数据"),
    ],
)
def test_a_wrong_file_is_refused_beside_the_file_field(client, cast, tree, name, content, message):
    response = upload(
        login(client, cast.secretary), tree.branch_a1, "MEMBERS", SimpleUploadedFile(name, content)
    )

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["file"])
    assert 'class="field__error"' in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_file_over_the_size_limit_is_refused(client, cast, tree, settings):
    settings.MAX_UPLOAD_BYTES = 100

    response = upload(
        login(client, cast.secretary),
        tree.branch_a1,
        "MEMBERS",
        csv_upload(ROSTER_HEADERS, [roster_row(i) for i in range(5)]),
    )

    assert "文件不能超过" in " ".join(response.context["form"].errors["file"])


def test_limits_are_stated_on_the_page(client, cast, tree):
    page = (
        login(client, cast.secretary)
        .get(reverse("members:import_list", args=[tree.branch_a1.pk]))
        .content.decode()
    )

    assert "单个文件不超过 20 MB" in page
    assert "每个文件最多 20000 行" in page
    assert f"超过 {ASYNC_ROWS} 行的文件在后台导入" in page


# Importing again ------------------------------------------------------------------------------


def test_reimporting_the_same_roster_creates_no_duplicates(client, cast, tree):
    rows = [roster_row(i) for i in range(1, 5)]
    rows.append(roster_row(9, 公民身份证号=""))  # matched by 姓名 + 出生日期
    login(client, cast.secretary)
    import_file(client, tree.branch_a1, "MEMBERS", xlsx_upload(ROSTER_HEADERS, rows))

    again = import_file(client, tree.branch_a1, "MEMBERS", xlsx_upload(ROSTER_HEADERS, rows))
    rows[0] = roster_row(1, 联系电话="13999999999")
    changed = import_file(client, tree.branch_a1, "MEMBERS", csv_upload(ROSTER_HEADERS, rows))

    assert Member.objects.count() == 5
    assert (again.created_rows, again.updated_rows) == (0, 0)
    assert (changed.created_rows, changed.updated_rows) == (0, 1)
    assert Member.objects.get(id_number=id_number(1)).phone == "13999999999"


def test_reimporting_records_of_every_kind_creates_no_duplicates(client, cast, tree):
    login(client, cast.secretary)
    MemberFactory(branch=tree.branch_a1, name="李明")
    HouseholdFactory(branch=tree.branch_a1, name="张大爷")
    Meeting.objects.create(
        organization=tree.branch_a1, kind="THEME_DAY", held_on=datetime.date(2026, 5, 1), topic="主题党日"
    )
    files = {
        "HOUSEHOLDS": (
            HOUSEHOLD_HEADERS,
            [["张大爷", "困难户", "", "", ""], ["王奶奶", "低保户", "", "", ""]],
        ),
        "SERVICES": (SERVICE_HEADERS, [["李明", "", "2026-05-02", "村部", "代购药品", "张大爷", "", ""]]),
        "ATTENDANCE": (ATTENDANCE_HEADERS, [["2026-05-01", "主题党日", "李明", "", "出席"]]),
    }
    for kind, (headers, rows) in files.items():
        import_file(client, tree.branch_a1, kind, xlsx_upload(headers, rows))
        import_file(client, tree.branch_a1, kind, csv_upload(headers, rows))

    assert Household.objects.count() == 2  # 张大爷 was on file: updated, not added
    assert ServiceRecord.objects.count() == 1
    assert Attendance.objects.count() == 1


def test_confirming_twice_makes_one_job(client, cast, tree):
    login(client, cast.secretary)
    preview = upload(client, tree.branch_a1, "MEMBERS", xlsx_upload(ROSTER_HEADERS, [roster_row(1)]))

    first = confirm(client, tree.branch_a1, preview)
    second = confirm(client, tree.branch_a1, preview)

    assert first.url == second.url
    assert ImportJob.objects.count() == 1
    assert Member.objects.count() == 1


def test_a_committees_masked_export_imports_back_without_changes(client, cast, tree):
    MemberFactory(
        branch=tree.branch_a1, name="李明", id_number=id_number(1), birth_date=datetime.date(1980, 1, 1)
    )
    login(client, cast.committee)
    exported = client.get(reverse("members:export_members", args=[tree.branch_a1.pk]))
    masked = f"{id_number(1)[:4]}**********{id_number(1)[-4:]}"
    assert masked in [c.value for c in load_workbook(io.BytesIO(exported.content)).active[2]]

    job = import_file(client, tree.branch_a1, "MEMBERS", SimpleUploadedFile("导出.xlsx", exported.content))

    assert (job.created_rows, job.updated_rows) == (0, 0)
    assert Member.objects.get().id_number == id_number(1)


# Large files ----------------------------------------------------------------------------------


def test_a_10000_row_roster_imports_through_the_job(
    client, cast, tree, settings, django_capture_on_commit_callbacks, monkeypatch
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    progress = []
    record_progress = import_services._progress
    monkeypatch.setattr(
        import_services,
        "_progress",
        lambda job_id, done: progress.append(done) or record_progress(job_id, done),
    )
    rows = [roster_row(i) for i in range(10_000)]
    login(client, cast.secretary)
    preview = upload(client, tree.branch_a1, "MEMBERS", csv_upload(ROSTER_HEADERS, rows))
    assert preview.context["in_background"]

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = confirm(client, tree.branch_a1, preview)

    assert len(callbacks) == 1  # the job was enqueued on commit, not run in the request
    job = ImportJob.objects.get()
    assert (job.status, job.total_rows, job.processed_rows, job.created_rows) == (
        "DONE",
        10_000,
        10_000,
        10_000,
    )
    assert Member.objects.filter(branch=tree.branch_a1).count() == 10_000
    # Progress was saved every PROGRESS_EVERY rows, not per row.
    assert progress == [*range(PROGRESS_EVERY, 10_001, PROGRESS_EVERY), 10_000]
    assert "10000 行全部导入" in client.get(response.url).content.decode()


def test_a_small_file_runs_in_the_request_without_a_worker(
    client, cast, tree, django_capture_on_commit_callbacks
):
    login(client, cast.secretary)
    preview = upload(client, tree.branch_a1, "MEMBERS", xlsx_upload(ROSTER_HEADERS, [roster_row(1)]))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        confirm(client, tree.branch_a1, preview)

    assert callbacks == []
    assert ImportJob.objects.get().status == ImportJob.Status.DONE


def test_a_running_job_page_polls_and_refreshes_without_javascript(client, cast, tree):
    job = make_job(tree.branch_a1, cast.secretary, status=ImportJob.Status.RUNNING, total_rows=4000)
    job.processed_rows = 1500
    job.save()

    page = login(client, cast.secretary).get(
        reverse("members:import_detail", args=[tree.branch_a1.pk, job.pk])
    )

    html = page.content.decode()
    assert 'hx-trigger="every 2s"' in html
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html
    assert re.search(r'<progress[^>]*max="4000"[^>]*value="1500"', html)
    assert "1500 / 4000" in html


def test_the_job_task_is_idempotent(cast, tree):
    from members.tasks import run_import

    job = make_job(tree.branch_a1, cast.secretary, status=ImportJob.Status.DONE, created_rows=3)

    run_import(job.pk)

    job.refresh_from_db()
    assert (job.status, job.created_rows) == ("DONE", 3)


def test_a_job_delivered_twice_imports_once(cast, tree, settings, tmp_path, monkeypatch):
    """A redelivered Celery message (the first worker still at it, or done) finds the job claimed."""
    settings.MEDIA_ROOT = tmp_path
    file = csv_upload(ROSTER_HEADERS, [roster_row(i) for i in range(1, 4)])
    job = make_job(tree.branch_a1, cast.secretary, total_rows=3)
    job.original_name = "名册.csv"
    job.file.save("roster.csv", file)
    redelivered = []
    check_rows = import_services.plan_import

    def check_while_the_message_comes_again(**kwargs):
        # The second delivery arrives while the first is checking the rows.
        redelivered.append(import_services.run_import_job(job_id=job.pk))
        return check_rows(**kwargs)

    monkeypatch.setattr(import_services, "plan_import", check_while_the_message_comes_again)

    first = import_services.run_import_job(job_id=job.pk)
    again = import_services.run_import_job(job_id=job.pk)

    assert [j.status for j in redelivered] == [ImportJob.Status.RUNNING]  # it left the job alone
    assert (first.status, first.created_rows, again.status) == ("DONE", 3, "DONE")
    assert Member.objects.filter(branch=tree.branch_a1).count() == 3
    events = AuditEvent.objects.filter(verb=Verb.IMPORT_RECORDS, organization=tree.branch_a1)
    assert [e.summary for e in events] == ["党员名册《名册.csv》：3 行，新增 3 条，更新 0 条"]


# Queries --------------------------------------------------------------------------------------


def _services_table(count: int):
    rows = [
        [f"党员{i % 40:03d}", "", "2026-05-02", "村部", f"服务{i}", f"户主{i % 20:03d}", "1", ""]
        for i in range(count)
    ]
    return read_table(csv_upload(SERVICE_HEADERS, rows).read(), "s.csv")


def test_names_are_resolved_with_a_fixed_number_of_queries(tree, cast):
    for i in range(40):
        MemberFactory(branch=tree.branch_a1, name=f"党员{i:03d}")
    for i in range(20):
        HouseholdFactory(branch=tree.branch_a1, name=f"户主{i:03d}")
    counts = []
    for rows in (100, 1000):
        table = _services_table(rows)
        forget_roles(cast.secretary)  # each run reads the user's roles afresh, as a request does
        with CaptureQueriesContext(connection) as queries:
            plan = plan_import(kind="SERVICES", branch=tree.branch_a1, user=cast.secretary, table=table)
        assert (len(plan.creates), plan.errors) == (rows, [])
        counts.append(len(queries))

    # The branch's members, its households, the service records already on file, and whether
    # the user sees full ID numbers (the preview's column) — the same for 100 rows and 1,000.
    assert counts[0] == counts[1] <= 6


def test_a_whole_import_does_not_query_per_row(tree, cast, django_assert_max_num_queries):
    for i in range(40):
        MemberFactory(branch=tree.branch_a1, name=f"党员{i:03d}")
    for i in range(20):
        HouseholdFactory(branch=tree.branch_a1, name=f"户主{i:03d}")
    rows = [roster_row(i) for i in range(1000)]
    table = read_table(csv_upload(ROSTER_HEADERS, rows).read(), "m.csv")

    # Members on file, the branch's 党小组, ID numbers taken elsewhere, the ID-number policy;
    # then the INSERTs in batches of 1,000 rows (SQLite may split a batch by its variable limit).
    with django_assert_max_num_queries(10):
        plan = plan_import(kind="MEMBERS", branch=tree.branch_a1, user=cast.secretary, table=table)
        write_plan(plan)

    assert Member.objects.filter(branch=tree.branch_a1).count() == 1040


@pytest.mark.parametrize("count", [5, 50])
def test_import_history_queries_do_not_grow(client, cast, tree, django_assert_max_num_queries, count):
    for _ in range(count):
        make_job(tree.branch_a1, cast.secretary, status=ImportJob.Status.DONE)
    login(client, cast.secretary)

    # session, user, the branch (visible_to), may_keep_records (two role checks), the jobs'
    # count for the pager, the page of jobs with their users.
    with django_assert_max_num_queries(7):
        response = client.get(reverse("members:import_list", args=[tree.branch_a1.pk]))

    assert len(response.context["jobs"]) == min(count, 25)

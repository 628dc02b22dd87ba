"""Member import speed: this project's engine against django-import-export's row-by-row save,
and the engine on a county's 20,000-row roster in the national 汇总表 layout beside the same rows
in the app's own template.

`make bench` prints the figures; the tests only check that every row was imported. Each file is
built here and goes into a fresh branch (the database is rolled back between tests, so the
公民身份证号 are free again):

- the same 5,000-row 党员信息采集表 file to the engine and to django-import-export;
- 20,000 members (the most one file may hold, `spreadsheets.reading.MAX_ROWS`) twice: as the
  national 党员基本信息汇总表 (title and 党组织名称 line above the header, 序号 and 备注, 学历 and
  工作岗位 as codes, dates as counties type them, 失去联系日期 to the month) and as the app's own
  template (its headings, the choices' names, ISO dates).
"""

from __future__ import annotations

import datetime
import io
import time

import pytest
import tablib
from openpyxl import Workbook

from members.imports import KINDS, NATIONAL_COLUMNS, NATIONAL_TITLE, plan_import, write_plan
from members.models import Education, ImportJob, Member
from members.resources import MemberResource
from organizations.models import Kind
from spreadsheets import read_table
from tests.members.factories import valid_id_number
from tests.organizations.factories import make_org

pytestmark = pytest.mark.django_db

ROWS = 5_000
HEADERS = [
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
]
BRANCH_CODE = "BENCH"
results: dict[str, float] = {}
COUNTY_ROWS = 20_000
county_results: dict[str, float] = {}


@pytest.fixture(scope="module")
def roster() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    born = datetime.date(1960, 1, 1)
    for i in range(ROWS):
        birth = born + datetime.timedelta(days=i % 15_000)
        sheet.append(
            [
                f"党员{i:05d}",
                "男" if i % 2 else "女",
                "汉族",
                valid_id_number(birth, male=bool(i % 2)),  # one person per birth date
                birth,
                "高中/中专",
                "正式党员" if i % 10 else "预备党员",
                BRANCH_CODE,
                "2005-07-01",
                "2006-07-01" if i % 10 else "",
                "农牧渔民",
                f"138{i:08d}",
                f"一村{i % 12 + 1}组",
                "正常",
                "否",
                "是" if i % 9 == 0 else "否",
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def fresh_branch():
    work = make_org(None, Kind.WORK_COMMITTEE, "基准工委", code="BENCH-W")
    committee = make_org(work, Kind.PARTY_COMMITTEE, "基准党委", code="BENCH-C")
    return make_org(committee, Kind.BRANCH, "基准村党支部", code=BRANCH_CODE)


def report(name: str, seconds: float) -> None:  # the engine against django-import-export
    results[name] = seconds
    print(f"\n{name}: {ROWS} 行 {seconds:.2f} s，{ROWS / seconds:,.0f} 行/秒")
    if len(results) == 2:
        ours, theirs = results.values()
        print(f"本项目导入器是 django-import-export 逐行保存的 {theirs / ours:.1f} 倍")


def test_engine_imports_every_row(roster):
    branch = fresh_branch()

    started = time.perf_counter()
    table = read_table(roster, "bench.xlsx")
    read = time.perf_counter()
    plan = plan_import(kind="MEMBERS", branch=branch, user=None, table=table)
    checked = time.perf_counter()
    write_plan(plan)
    report("本项目导入器（先全部检查，再批量写入）", time.perf_counter() - started)
    print(
        f"  其中读取文件 {read - started:.2f} s，逐行检查 {checked - read:.2f} s，"
        f"批量写入 {time.perf_counter() - checked:.2f} s"
    )

    assert plan.errors == []
    assert Member.objects.filter(branch=branch).count() == ROWS


def test_django_import_export_row_by_row_imports_every_row(roster):
    branch = fresh_branch()

    started = time.perf_counter()
    dataset = tablib.Dataset().load(roster, format="xlsx")
    result = MemberResource().import_data(dataset, dry_run=False, use_transactions=True)
    report("django-import-export 默认逐行保存", time.perf_counter() - started)

    assert not result.has_errors() and not result.has_validation_errors()
    assert Member.objects.filter(branch=branch).count() == ROWS


# A county's roster: the national 汇总表 beside the app's own template ------------------------------


@pytest.fixture(scope="module")
def county_people() -> list[dict]:
    """20,000 members as the national form has them, varied as a county's are."""
    people = []
    born = datetime.date(1950, 1, 1)
    educations = [c for c, _ in Education.choices]
    occupations = [c for c, _ in Member.Occupation.choices]
    for i in range(COUNTY_ROWS):
        birth = born + datetime.timedelta(days=i % 15_000)
        joined = birth + datetime.timedelta(days=25 * 365)
        probationary = i % 20 == 0
        lost = i % 50 == 0
        mobile = i % 9 == 0
        people.append(
            {
                "name": f"党员{i:05d}",
                "male": bool(i % 2),
                "ethnicity": "汉族" if i % 7 else "土家族",
                # one person per birth date and sequence
                "id_number": valid_id_number(birth, male=bool(i % 2), sequence=i // 15_000),
                "birth_date": birth,
                "education": educations[i % len(educations)],
                "probationary": probationary,
                "joined_on": datetime.date(2025, 7, 1) if probationary else joined,
                "full_member_on": None if probationary else joined + datetime.timedelta(days=365),
                "occupation": occupations[i % len(occupations)],
                "phone": f"139{i:08d}",
                "landline": f"0731-8{i % 10_000_000:07d}" if i % 4 == 0 else "",
                "address": f"一村{i % 12 + 1}组{i % 80 + 1}号",
                "suspended": lost and i % 100 == 0,
                "lost_since": datetime.date(2020 + i % 5, i % 12 + 1, 1) if lost else None,
                "mobile_destination": "广东省深圳市" if mobile else "",
            }
        )
    return people


def _xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _dotted(day: datetime.date | None) -> str:
    return f"{day:%Y.%m.%d}" if day else "—"


@pytest.fixture(scope="module")
def national_roster(county_people) -> bytes:
    """The people as a county keeps the 汇总表: codes, dotted dates, 失去联系日期 as 2020.07, 无 and
    — in empty boxes."""
    rows: list[list] = [
        [NATIONAL_TITLE],
        [f"党组织名称：{BRANCH_CODE}", None, None, None, None, None, None, None, "填报日期：2026年6月"],
        list(NATIONAL_COLUMNS),
    ]
    for number, p in enumerate(county_people, start=1):
        rows.append(
            [
                number,
                p["name"],
                "男" if p["male"] else "女",
                p["id_number"],
                p["ethnicity"],
                _dotted(p["birth_date"]),
                p["education"],
                "预备党员" if p["probationary"] else "正式党员",
                BRANCH_CODE,
                _dotted(p["joined_on"]),
                _dotted(p["full_member_on"]),
                p["occupation"],
                p["phone"],
                p["landline"] or "无",
                p["address"],
                "停止党籍" if p["suspended"] else "正常",
                "是" if p["lost_since"] else "否",
                f"{p['lost_since']:%Y.%m}" if p["lost_since"] else "—",
                "是" if p["mobile_destination"] else "否",
                p["mobile_destination"] or "—",
                "",
            ]
        )
    return _xlsx(rows)


@pytest.fixture(scope="module")
def own_roster(county_people) -> bytes:
    """The same people in the app's own template: its headings, the choices' names, ISO dates."""
    headers = [name for name, _, _ in KINDS[ImportJob.Kind.MEMBERS].columns(None)]
    education = dict(Education.choices)
    occupation = dict(Member.Occupation.choices)
    rows: list[list] = [headers]
    for p in county_people:
        values = {
            "姓名": p["name"],
            "性别": "男" if p["male"] else "女",
            "民族": p["ethnicity"],
            "公民身份证号": p["id_number"],
            "出生日期": p["birth_date"].isoformat(),
            "学历": education[p["education"]],
            "人员类别": "预备党员" if p["probationary"] else "正式党员",
            "所在党支部": BRANCH_CODE,
            "加入党组织日期": p["joined_on"].isoformat(),
            "转为正式党员日期": p["full_member_on"].isoformat() if p["full_member_on"] else "",
            "工作岗位": occupation[p["occupation"]],
            "联系电话": p["phone"],
            "固定电话": p["landline"],
            "家庭住址": p["address"],
            "党籍状态": "停止党籍" if p["suspended"] else "正常",
            "是否为失联党员": "是" if p["lost_since"] else "否",
            "失去联系日期": p["lost_since"].isoformat() if p["lost_since"] else "",
            "是否为流动党员": "是" if p["mobile_destination"] else "否",
            "外出流向": p["mobile_destination"],
        }
        rows.append([values.get(name, "") for name in headers])
    return _xlsx(rows)


def county_import(name: str, roster: bytes, filename: str):
    branch = fresh_branch()
    started = time.perf_counter()
    table = read_table(roster, filename)
    read = time.perf_counter()
    plan = plan_import(kind="MEMBERS", branch=branch, user=None, table=table)
    checked = time.perf_counter()
    write_plan(plan)
    seconds = time.perf_counter() - started
    county_results[name] = seconds
    print(f"\n{name}: {COUNTY_ROWS} 行 {seconds:.2f} s，{COUNTY_ROWS / seconds:,.0f} 行/秒")
    print(
        f"  其中读取文件 {read - started:.2f} s，逐行检查 {checked - read:.2f} s，"
        f"批量写入 {time.perf_counter() - checked:.2f} s"
    )
    if len(county_results) == 2:
        national, own = county_results.values()
        print(f"全国汇总表格式的导入速度是本系统模板的 {own / national:.2f} 倍")
    assert [str(e) for e in plan.errors[:5]] == []
    assert Member.objects.filter(branch=branch).count() == COUNTY_ROWS
    return plan, Member.objects.get(branch=branch, name="党员00050")


def test_a_county_roster_in_the_national_layout_imports_every_row(national_roster):
    plan, member = county_import("全国党员基本信息汇总表格式（2 万行）", national_roster, "汇总表.xlsx")

    assert [name for name, _ in plan.ignored_columns] == ["序号", "备注"]
    # Number 50 is lost since 2020.03, written to the month.
    assert (member.is_lost_contact, member.lost_contact_since) == (True, datetime.date(2020, 3, 1))
    assert (member.education, member.occupation) == (Education.COLLEGE, Member.Occupation.RETIRED)


def test_the_same_roster_in_the_apps_template_imports_every_row(own_roster):
    plan, member = county_import("本系统党员名册模板（同样 2 万行）", own_roster, "名册.xlsx")

    assert plan.ignored_columns == []
    assert (member.is_lost_contact, member.lost_contact_since) == (True, datetime.date(2020, 3, 1))
    assert (member.education, member.occupation) == (Education.COLLEGE, Member.Occupation.RETIRED)

"""Member import speed: this project's engine against django-import-export's row-by-row save.

`make bench` prints the figures; the tests only check that both imported every row. The same
5,000-row 党员信息采集表 file goes to each, each into a fresh branch (the database is rolled
back between the two tests, so the 公民身份证号 are free again).
"""

from __future__ import annotations

import datetime
import io
import time

import pytest
import tablib
from openpyxl import Workbook

from members.imports import plan_import, write_plan
from members.models import Member
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


def report(name: str, seconds: float) -> None:
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

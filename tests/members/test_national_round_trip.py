"""The roster's round trip in the national layout: a county's 党员基本信息汇总表 in, the app's
汇总表 out, and that file in again — nothing changes.

The county's file is built as counties print it: the title and the 党组织名称 line above the
header, 序号 and 备注, 学历 and 工作岗位 as codes (GB/T 4658's finer 学历 codes too), dates in
several hands, and 失去联系日期 as a year and month. Compared are every item the 汇总表 carries
(the 采集表's sixteen); 党小组, 工作单位及职务 and 特长 are not on the national form, so a file
in that layout leaves them as they are and a member deleted and imported again has them empty.
"""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from members.imports import NATIONAL_COLUMNS, national_download, plan_import, write_plan
from members.models import Education, Member
from members.resources import MemberResource
from spreadsheets import read_table
from tests.members.factories import valid_id_number

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)
LI_ID = valid_id_number(datetime.date(1949, 12, 31), male=True)
ZHOU_ID = valid_id_number(datetime.date(1992, 11, 23), male=False)
ZHAO_ID = valid_id_number(datetime.date(1958, 2, 28), male=False)
CHEN_ID = valid_id_number(datetime.date(2001, 6, 30), male=True)

# The items the national 汇总表 carries, as the Member fields that keep them.
NATIONAL_FIELDS = (
    "name",
    "gender",
    "ethnicity",
    "id_number",
    "birth_date",
    "education",
    "status",
    "branch_id",
    "joined_on",
    "full_member_on",
    "occupation",
    "phone",
    "landline",
    "address",
    "party_standing",
    "is_lost_contact",
    "lost_contact_since",
    "is_mobile",
    "mobile_destination",
)
TITLE_ROWS = [
    ["党员基本信息汇总表"],
    ["党组织名称（盖章）：中共一村党支部", None, None, None, None, None, None, None, "填报日期：2026年6月"],
]
HEADER = [
    "序号",
    "姓  名",
    "性别",
    "公民身份\n证号码",
    "民族",
    "出生日期",
    "学历",
    "人员类别",
    "所在党支部",
    "加入党组织日期",
    "转为正式党员日期",
    "工作岗位",
    "手机号码",
    "固定电话",
    "家庭住址",
    "党籍状态",
    "是否为失联党员",
    "失去联系日期",
    "是否为流动党员",
    "外出流向",
    "备注",
]
ROWS = [
    # 序号, 姓名, 性别, 身份证, 民族, 出生日期, 学历, 人员类别, 所在党支部, 入党, 转正, 工作岗位,
    # 手机, 固定电话, 家庭住址, 党籍, 失联, 失联日期, 流动, 外出流向, 备注
    [1, "李明", "男", LI_ID, "汉族", "1949.12.31", "21", "正式党员", "一村党支部", "1975.07.01",
     "1976年7月1日", "09", "13912345678", "0731-84123456", "一村三组12号", "正常", "否", "—", "是",
     "广东省深圳市南山区", "村民小组长"],
    [2, "周芳", "女", ZHOU_ID, "土家族", datetime.datetime(1992, 11, 23), "31", "预备党员", "一村党支部",
     "2025-07-01", "—", "03", "13700000002", "无", "一村五组", "正常", "是", "2024.03", "否", "", ""],
    [3, "王强", "男", "", "汉族", "1985-04-02", "61", "正式党员", "A1", "2010-07-01", "2011-07-01",
     "08", "", "0731-84000000", "一村二组", "停止党籍", "是", "2019年11月", "否", "无", "无身份证号"],
    [4, "赵敏", "女", ZHAO_ID, "回族", "", "14", "正式党员", "", "1980-05-04", "1981-05-04", "12",
     "13600000004", "", "一村一组", "正常", "否", "", "否", "", ""],
    [5, "陈刚", "男", CHEN_ID, "汉族", "", "", "正式党员", "一村党支部", "2023-06-30", "2024-06-30", "13",
     "13500000005", "", "", "正常", "否", "", "是", "浙江省杭州市", ""],
]  # fmt: skip


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: TODAY)


def workbook_bytes(rows, merges=()) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for cells in merges:
        sheet.merge_cells(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def county_roster() -> bytes:
    return workbook_bytes([*TITLE_ROWS, HEADER, *ROWS], merges=["A1:U1"])


def import_file(data: bytes, branch, user=None, name="汇总表.xlsx"):
    plan = plan_import(kind="MEMBERS", branch=branch, user=user, table=read_table(data, name))
    assert [str(e) for e in plan.errors] == []
    write_plan(plan)
    return plan


def national_items() -> list[dict]:
    return list(Member.objects.order_by("name").values(*NATIONAL_FIELDS))


def export(branch, user=None) -> bytes:
    return national_download(branch=branch, user=user, today=TODAY).content


# In ---------------------------------------------------------------------------------------------


def test_the_county_roster_imports_with_its_codes_and_year_months(tree):
    import_file(county_roster(), tree.branch_a1)

    li, zhou, wang, zhao, chen = (
        Member.objects.get(name=n) for n in ("李明", "周芳", "王强", "赵敏", "陈刚")
    )
    assert (li.education, li.occupation, li.birth_date) == (
        Education.BACHELOR,  # 21 大学本科毕业 is its level
        Member.Occupation.FARMER,
        datetime.date(1949, 12, 31),
    )
    assert (zhou.education, zhou.occupation, zhou.lost_contact_since) == (
        Education.COLLEGE,
        Member.Occupation.INSTITUTION_PROFESSIONAL,
        datetime.date(2024, 3, 1),  # 2024.03: the first of the month
    )
    assert (wang.id_number, wang.education, wang.party_standing, wang.lost_contact_since) == (
        "",
        Education.SENIOR,
        Member.Standing.SUSPENDED,
        datetime.date(2019, 11, 1),
    )
    assert (wang.phone, wang.landline, wang.branch) == ("", "0731-84000000", tree.branch_a1)
    assert (zhao.education, zhao.occupation, zhao.birth_date) == (
        Education.POSTGRADUATE,  # 14 硕士研究生毕业
        Member.Occupation.RETIRED,
        datetime.date(1958, 2, 28),  # from the ID number
    )
    assert (chen.education, chen.occupation, chen.address) == ("", Member.Occupation.OTHER, "")


# Out and in again ------------------------------------------------------------------------------


def test_the_export_has_the_national_columns_under_its_title(tree):
    import_file(county_roster(), tree.branch_a1)

    table = read_table(export(tree.branch_a1), "汇总表.xlsx")

    assert table.header_row == 3  # title, 党组织名称 line, header
    assert table.headers == list(NATIONAL_COLUMNS)
    li = next(row for _, row in table.rows if row["姓名"] == "李明")
    assert (li["学历"], li["工作岗位"], li["公民身份证号"]) == ("20", "09", LI_ID)


def test_importing_the_export_over_the_register_changes_nothing(tree, cast):
    import_file(county_roster(), tree.branch_a1)
    before = list(Member.objects.order_by("pk").values())  # every field, 党小组 and 特长 included

    again = import_file(export(tree.branch_a1, cast.secretary), tree.branch_a1, cast.secretary)

    assert (len(again.creates), len(again.updates), again.unchanged) == (0, 0, len(ROWS))
    assert list(Member.objects.order_by("pk").values()) == before


def test_deleted_and_imported_from_the_export_every_item_is_as_it_was(tree, cast):
    import_file(county_roster(), tree.branch_a1)
    before = national_items()
    exported = export(tree.branch_a1, cast.secretary)
    Member.objects.all().delete()

    again = import_file(exported, tree.branch_a1, cast.secretary)

    assert len(again.creates) == len(ROWS)
    assert national_items() == before


def test_the_export_imported_again_by_the_county_command_places_each_member(tmp_path, tree):
    import_file(county_roster(), tree.branch_a1)
    before = national_items()
    path = tmp_path / "汇总表.xlsx"
    path.write_bytes(export(tree.branch_a1))
    Member.objects.all().delete()

    call_command("import_members", str(path), branch="auto", stdout=io.StringIO())

    assert national_items() == before


def test_the_export_imported_into_another_branch_is_the_same_people_there(tree):
    """Members moved with their file: the 所在党支部 column names the branch they go to."""
    import_file(county_roster(), tree.branch_a1)
    before = national_items()
    table = read_table(export(tree.branch_a1), "汇总表.xlsx")
    for _, row in table.rows:
        row["所在党支部"] = tree.branch_a2.code
    Member.objects.all().delete()

    plan = plan_import(kind="MEMBERS", branch=tree.branch_a2, user=None, table=table)
    write_plan(plan)

    assert plan.errors == []
    assert national_items() == [{**m, "branch_id": tree.branch_a2.pk} for m in before]


def test_a_committees_export_with_masked_numbers_imports_back_unchanged(tree, cast):
    import_file(county_roster(), tree.branch_a1)
    before = list(Member.objects.order_by("pk").values())
    exported = export(tree.branch_a1, cast.committee)
    assert LI_ID not in str(read_table(exported, "a.xlsx").rows)  # the 党委 sees them masked

    again = import_file(exported, tree.branch_a1, cast.committee)

    assert again.unchanged == len(ROWS)
    assert list(Member.objects.order_by("pk").values()) == before


def test_an_export_in_the_apps_own_layout_and_the_national_one_agree(tree):
    """The branch's two exports read back to the same members."""
    import_file(county_roster(), tree.branch_a1)
    resource = MemberResource(branch=tree.branch_a1)
    own = resource.export(resource.get_queryset())
    national = read_table(export(tree.branch_a1), "汇总表.xlsx")

    own_names = sorted(row[own.headers.index("姓名")] for row in own)
    assert own_names == sorted(row["姓名"] for _, row in national.rows)


# Headings in two lines, codes written with their names -------------------------------------------

# A 汇总表 printed with a two-level header: 联系电话 spans 手机号码 and 固定电话 in the row below,
# every other heading merged down over both rows.
TOP = [*HEADER[:12], "联系电话", None, *HEADER[14:]]
SUB = [None] * 12 + ["手机号码", "固定电话"] + [None] * 7


def test_a_two_level_merged_header_imports(tree):
    merges = ["A1:U1", "M3:N3"] + [
        f"{get_column_letter(i)}3:{get_column_letter(i)}4" for i in range(1, 22) if i not in (13, 14)
    ]
    data = workbook_bytes([*TITLE_ROWS, TOP, SUB, *ROWS], merges=merges)

    plan = plan_import(kind="MEMBERS", branch=tree.branch_a1, user=None, table=read_table(data, "a.xlsx"))

    assert [str(e) for e in plan.errors] == []
    assert {m.name: m.landline for m in plan.creates}["李明"] == "0731-84123456"


@pytest.mark.parametrize(
    ("column", "written"),
    [
        ("工作岗位", "农牧渔民（09）"),
        ("工作岗位", "09 农牧渔民"),
        ("学历", "20 大学本科"),
        ("学历", "21-大学本科毕业"),
    ],
)
def test_a_code_written_with_its_name_reads(tree, column, written):
    row = list(ROWS[0])
    row[HEADER.index(column)] = written
    data = workbook_bytes([HEADER, row])

    plan = plan_import(kind="MEMBERS", branch=tree.branch_a1, user=None, table=read_table(data, "a.xlsx"))

    assert [str(e) for e in plan.errors] == []

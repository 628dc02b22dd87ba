"""Real rosters in, real forms out: a county's roster in the national 党员基本信息汇总表 layout.

The layouts follow what counties print. The 2017 collection (中组部《关于开展党组织和党员基本信息
采集工作的通知》) has four tables — 党组织和所在单位基本信息采集表, 党员基本信息采集表, 两张汇总表 —
and sixteen member items (https://m.yzwku.com/doc/215809.html, "党组织和党员基本信息采集说明(0614)";
http://www.uta.edu.cn/dwzzb/2017/0619/c639a8658/page.htm, "党员基本信息16项"). The form's
instructions tell people to write 无 or — in an empty box and to give a landline or a mobile
(http://m.360docs.net/doc/6616739875.html, 《党员基本信息采集表》填写说明). Printed rosters put
the title and the 填报单位 above the header, number the rows (序号), break long headings
(公民身份\\n证号) and use the short words (入党日期, 转正日期, 联系电话（手机号）).
"""

from __future__ import annotations

import csv
import datetime
import io

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from members.imports import (
    NATIONAL_COLUMNS,
    MemberImport,
    national_download,
    plan_import,
    template_download,
    write_plan,
)
from members.models import Education, Gender, Member
from members.resources import MEMBER_HEADINGS, SCIENTIFIC_ID, MemberResource
from organizations.resources import ChineseCSV
from spreadsheets import heading, read_table
from tests.members.factories import valid_id_number

pytestmark = pytest.mark.django_db

LI_BORN = datetime.date(1980, 5, 6)
ZHOU_BORN = datetime.date(1992, 11, 23)
LI_ID = valid_id_number(LI_BORN, male=True)
ZHOU_ID = valid_id_number(ZHOU_BORN, male=False)

# The 汇总表 as a county prints it: title, unit line, header with its own words, 序号 and 备注.
NATIONAL_TITLE_ROWS = [
    ["党员基本信息汇总表"],
    ["党组织名称（盖章）：中共一村党支部", None, None, None, None, None, None, "填报日期：2026年5月"],
]
NATIONAL_HEADER = [
    "序号",
    "姓  名",
    "性别",
    "公民身份\n证号",
    "民族",
    "出生日期",
    "学历",
    "人员类别",
    "所在党支部",
    "入党日期",
    "转正日期",
    "工作岗位",
    "联系电话（手机号）",
    "固定电话",
    "家庭住址",
    "党籍状态",
    "是否为失联党员",
    "失去联系日期",
    "是否为流动党员",
    "外出流向",
    "籍贯",
    "备注",
]


def national_rows():
    return [
        [
            1,
            "李明",
            "男",
            LI_ID,
            "汉族",
            "1980.05.06",
            "21",  # GB/T 4658 大学本科毕业
            "正式党员",
            "一村党支部",
            "2005年7月1日",
            "２００６－０７－０１",  # full-width, as some input methods type
            "09",  # 农牧渔民
            "13800000001",
            "0731-84123456",
            "一村三组",
            "正常",
            "否",
            "无",
            "是",
            "广东省深圳市",
            "湖南长沙",
            "村民小组长",
        ],
        [
            2,
            "周芳",
            "女性",
            ZHOU_ID,
            "土家族",
            datetime.datetime(1992, 11, 23),
            "大学专科",
            "预备党员",
            "",
            "2025-07-01 00:00:00",
            "—",
            "事业单位专业技术人员",
            "—",
            "无",
            "一村五组",
            "正常",
            "√",
            "2024年3月",
            "否",
            "",
            "",
            "",
        ],
    ]


def workbook_bytes(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def national_table(rows=None, header=NATIONAL_HEADER):
    data = workbook_bytes([*NATIONAL_TITLE_ROWS, header, *(rows if rows is not None else national_rows())])
    return read_table(data, "汇总表.xlsx")


def plan(branch, table, user=None):
    return plan_import(kind="MEMBERS", branch=branch, user=user, table=table)


def row_errors(branch, changes: dict) -> list[str]:
    """The messages for the first national row with `changes` (by the header's heading)."""
    row = national_rows()[0]
    for name, value in changes.items():
        row[NATIONAL_HEADER.index(name)] = value
    return [str(e) for e in plan(branch, national_table([row])).errors]


# The national layout imports as it is ----------------------------------------------------------


def test_a_national_roster_with_title_rows_imports_every_item(tree):
    result = plan(tree.branch_a1, national_table())

    assert result.errors == []
    write_plan(result)
    li, zhou = Member.objects.get(name="李明"), Member.objects.get(name="周芳")
    assert (li.id_number, li.birth_date, li.education, li.occupation) == (
        LI_ID,
        LI_BORN,
        Education.BACHELOR,
        Member.Occupation.FARMER,
    )
    assert (li.joined_on, li.full_member_on) == (datetime.date(2005, 7, 1), datetime.date(2006, 7, 1))
    assert (li.phone, li.landline) == ("13800000001", "0731-84123456")
    assert (li.is_mobile, li.mobile_destination, li.is_lost_contact, li.lost_contact_since) == (
        True,
        "广东省深圳市",
        False,
        None,
    )
    assert (zhou.gender, zhou.status, zhou.education, zhou.occupation) == (
        Gender.FEMALE,
        Member.Status.PROBATIONARY,
        Education.COLLEGE,
        Member.Occupation.INSTITUTION_PROFESSIONAL,
    )
    assert (zhou.birth_date, zhou.joined_on, zhou.full_member_on) == (
        ZHOU_BORN,
        datetime.date(2025, 7, 1),
        None,
    )
    assert (zhou.phone, zhou.landline, zhou.branch) == ("", "", tree.branch_a1)
    assert (zhou.is_lost_contact, zhou.lost_contact_since) == (True, datetime.date(2024, 3, 1))


def test_every_column_used_is_listed_and_every_column_ignored_is_named_with_why(tree):
    result = plan(tree.branch_a1, national_table())

    assert ("入党日期", "加入党组织日期") in result.used_columns
    assert ("公民身份证号", "公民身份证号") in result.used_columns
    assert ("联系电话(手机号)", "联系电话") in result.used_columns
    assert len(result.used_columns) == 19
    assert result.ignored_columns == [
        ("序号", "只是行的编号"),
        ("籍贯", "不是本导入认识的列，这一列的内容不会导入"),
        ("备注", "党员档案没有备注一项，备注不导入"),
    ]


def test_the_preview_page_shows_the_ignored_columns(client, cast, tree):
    file = SimpleUploadedFile(
        "汇总表.xlsx", workbook_bytes([*NATIONAL_TITLE_ROWS, NATIONAL_HEADER, *national_rows()])
    )
    client.force_login(cast.secretary)

    response = client.post(
        reverse("members:import_list", args=[tree.branch_a1.pk]), {"kind": "MEMBERS", "file": file}
    )

    page = response.content.decode()
    assert response.context["plan"].errors == []
    assert "以下 3 列不会导入" in page
    assert "<strong>籍贯</strong>" in page
    assert "入党日期 → 加入党组织日期" in page


def test_a_title_row_does_not_shift_the_row_numbers_of_errors(tree):
    rows = national_rows()
    rows[1][NATIONAL_HEADER.index("性别")] = "未知"

    errors = plan(tree.branch_a1, national_table(rows)).errors

    assert [e.row for e in errors] == [5]  # title, unit line, header, 李明, 周芳


def test_two_columns_for_one_item_are_refused_by_name(tree):
    header = [*NATIONAL_HEADER[:-1], "加入党组织日期"]

    with pytest.raises(Exception, match="“入党日期”与“加入党组织日期”都是加入党组织日期"):
        plan(tree.branch_a1, national_table([], header))


@pytest.mark.parametrize(
    ("attribute", "name"),
    [(attribute, name) for attribute, names in MEMBER_HEADINGS.items() for name in names],
)
def test_every_heading_variant_is_recognised(tree, attribute, name):
    resource = MemberResource(branch=tree.branch_a1)
    table = read_table(workbook_bytes([["姓名", name] if attribute != "name" else [name, "性别"]]), "a.xlsx")

    renamed, _used, ignored = MemberImport().recognise(table, resource)

    assert resource.fields[attribute].column_name in renamed.headers
    assert ignored == []


@pytest.mark.parametrize(
    "written",
    ["公民身份\n证号", "公民身份证号 ", "公民 身份 证号", "＊公民身份证号", "公民身份证号码", "身份证号"],
)
def test_headings_are_compared_without_spaces_breaks_and_marks(written):
    assert heading(written) in {heading(n) for n in MEMBER_HEADINGS["id_number"]}


# Values as rosters write them --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("研究生", Education.POSTGRADUATE),
        ("14", Education.POSTGRADUATE),  # 硕士研究生毕业
        ("硕士", Education.POSTGRADUATE),
        ("大学本科", Education.BACHELOR),
        ("20", Education.BACHELOR),
        ("本科", Education.BACHELOR),
        ("大学专科", Education.COLLEGE),
        ("31", Education.COLLEGE),
        ("大专", Education.COLLEGE),
        ("中等专科", Education.VOCATIONAL),
        ("中专", Education.VOCATIONAL),
        ("47", Education.VOCATIONAL),  # 技工学校毕业
        ("高中", Education.SENIOR),
        ("高中/中专", Education.SENIOR),  # the app's old label
        ("61", Education.SENIOR),
        ("初中", Education.JUNIOR),
        ("小学", Education.PRIMARY),
        ("小学及以下", Education.PRIMARY),
        ("８０", Education.PRIMARY),
        ("", ""),
        ("无", ""),
    ],
)
def test_education_names_codes_and_synonyms_are_stored_as_the_code(written, stored):
    field = MemberResource().fields["education"]

    assert field.clean({"学历": written}) == stored


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("工勤技能人员", "08"),
        ("事业单位专业技术人员", "03"),
        ("公有经济控制企业管理人员", "04"),
        ("其他职业人员", "13"),
        ("09", "09"),
        ("农牧渔民", "09"),
        ("农民", "09"),
        ("教师", "03"),
        ("离退休人员", "12"),
        ("退休", "12"),
        ("机关事业单位人员", "01"),  # the app's old label
    ],
)
def test_occupation_names_codes_and_synonyms_are_stored_as_the_code(written, stored):
    assert MemberResource().fields["occupation"].clean({"工作岗位": written}) == stored


@pytest.mark.parametrize(
    ("column", "written", "stored"),
    [
        ("性别", "男", "M"),
        ("性别", "男性", "M"),
        ("性别", "女", "F"),
        ("性别", "女性", "F"),
        ("人员类别", "预备", "PROBATIONARY"),
        ("人员类别", "正式党员", "FULL"),
        ("党籍状态", "正常", "NORMAL"),
        ("党籍状态", "停止党籍", "SUSPENDED"),
        ("党籍状态", "停止", "SUSPENDED"),
        ("是否为流动党员", "是", True),
        ("是否为流动党员", "√", True),
        ("是否为流动党员", "Y", True),
        ("是否为流动党员", "否", False),
        ("是否为流动党员", "×", False),
        ("是否为流动党员", "无", False),
        ("是否为流动党员", "", False),
    ],
)
def test_choice_and_yes_no_columns_take_the_usual_words(column, written, stored):
    fields = {f.column_name: f for f in MemberResource().fields.values()}

    assert fields[column].clean({column: written}) == stored


@pytest.mark.parametrize(
    "written",
    [
        "2005-07-01",
        "2005.7.1",
        "2005年7月1日",
        "20050701",
        38534,  # Excel's day number
        "２００５年７月１日",
        "2005-07-01 00:00:00",
        datetime.datetime(2005, 7, 1),
    ],
)
def test_every_date_form_reads(tree, written):
    assert row_errors(tree.branch_a1, {"入党日期": written}) == []


@pytest.mark.parametrize("written", ["2020.07", "2020年7月", "202007", 2020.07, "2020-07-15"])
def test_lost_contact_date_may_be_a_year_and_month(tree, written):
    row = national_rows()[0]
    row[NATIONAL_HEADER.index("是否为失联党员")] = "是"
    row[NATIONAL_HEADER.index("失去联系日期")] = written

    result = plan(tree.branch_a1, national_table([row]))

    assert result.errors == []
    assert result.creates[0].lost_contact_since.replace(day=1) == datetime.date(2020, 7, 1)


def test_a_year_and_month_is_refused_where_the_day_is_needed(tree):
    assert row_errors(tree.branch_a1, {"入党日期": "2005.07"}) == [
        "第 4 行：加入党组织日期：“2005.07”只写到了月，请写出哪一天，如 2005-07-01。"
    ]


@pytest.mark.parametrize("written", [1.30225198005061e17, "1.30225198005061E+17", "1.30225198005061e17"])
def test_an_id_number_excel_turned_into_scientific_notation_is_refused(tree, written):
    assert row_errors(tree.branch_a1, {"公民身份\n证号": written}) == [
        f"第 4 行：公民身份证号：{SCIENTIFIC_ID}。"
    ]
    assert SCIENTIFIC_ID == "Excel 已把身份证号变成科学计数法，请把该列设为文本后重新导出"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"公民身份\n证号": LI_ID[:-1] + ("0" if LI_ID[-1] != "0" else "1")}, "公民身份证号校验位不对"),
        ({"出生日期": "1980-05-07"}, "出生日期与公民身份证号不符（身份证号上是 1980-05-06）"),
        ({"性别": "女"}, "性别与公民身份证号不符（身份证号上是男）"),
        ({"学历": "大学"}, ""),
        ({"学历": "博士后"}, "“博士后”不是有效的选项"),
        ({"工作岗位": "99"}, "“99”不是有效的选项"),
        ({"是否为流动党员": "也许"}, "“也许”应填“是”或“否”"),
        ({"入党日期": "七月一日"}, "“七月一日”不是有效的日期"),
    ],
)
def test_each_bad_value_is_refused_with_its_reason(tree, changes, message):
    errors = row_errors(tree.branch_a1, changes)

    if message:
        assert len(errors) == 1 and message in errors[0]
    else:
        assert errors == []


# Out in the national layout, and back in ------------------------------------------------------------


def test_the_national_export_has_the_form_columns_in_order_and_codes(tree):
    write_plan(plan(tree.branch_a1, national_table()))

    download = national_download(branch=tree.branch_a1, user=None, today=datetime.date(2026, 5, 31))
    table = read_table(download.content, download.filename)

    assert download.filename.endswith("党员基本信息汇总表-20260531.xlsx")
    assert table.header_row == 3
    assert table.headers == list(NATIONAL_COLUMNS)
    assert [row["序号"] for _, row in table.rows] == [1, 2]
    li = next(row for _, row in table.rows if row["姓名"] == "李明")
    assert (li["性别"], li["学历"], li["工作岗位"], li["人员类别"]) == ("男", "20", "09", "正式党员")
    assert (li["手机号码"], li["固定电话"], li["外出流向"]) == (
        "13800000001",
        "0731-84123456",
        "广东省深圳市",
    )


def test_import_export_national_import_changes_nothing(tree):
    write_plan(plan(tree.branch_a1, national_table()))
    before = list(Member.objects.order_by("name").values())

    download = national_download(branch=tree.branch_a1, user=None, today=datetime.date(2026, 5, 31))
    again = plan(tree.branch_a1, read_table(download.content, download.filename))

    assert again.errors == []
    assert (len(again.creates), len(again.updates), again.unchanged) == (0, 0, 2)
    write_plan(again)
    assert list(Member.objects.order_by("name").values()) == before


def test_outsider_gets_404_for_the_national_export(client, cast, tree):
    url = reverse("members:export_members", args=[tree.branch_a1.pk]) + "?layout=national"

    assert client.force_login(cast.outsider) or client.get(url).status_code == 404
    client.force_login(cast.secretary)
    response = client.get(url)
    assert response.status_code == 200
    assert read_table(response.content, "a.xlsx").headers == list(NATIONAL_COLUMNS)


# The admin reads what the branch pages read --------------------------------------------------------


def test_the_admin_csv_format_reads_gb18030_from_chinese_excel():
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["姓名", "性别", "入党日期"], ["李明", "男", "2005-07-01"]])

    dataset = ChineseCSV().create_dataset(buffer.getvalue().encode("gb18030"))

    assert dataset.headers == ["姓名", "性别", "入党日期"]
    assert dataset[0] == ("李明", "男", "2005-07-01")


def test_the_admin_csv_format_refuses_an_unknown_encoding_in_chinese():
    with pytest.raises(Exception, match="无法识别 CSV 文件的文字编码"):
        ChineseCSV().create_dataset("姓名\r\n李明\r\n".encode("utf-16"))


def test_the_admin_import_recognises_the_national_headings(tree):
    dataset = tablib.Dataset(
        headers=["姓  名", "性别", "公民身份\n证号", "所在党支部", "入党日期", "联系电话（手机号）"]
    )
    dataset.append(["李明", "男性", LI_ID, "A1", "2005.7.1", "13800000001"])

    result = MemberResource().import_data(dataset, dry_run=False, use_transactions=True)

    assert not result.has_errors() and not result.has_validation_errors()
    li = Member.objects.get(name="李明")
    assert (li.joined_on, li.phone, li.birth_date) == (datetime.date(2005, 7, 1), "13800000001", LI_BORN)


# The command line -----------------------------------------------------------------------------------


def roster_file(tmp_path, rows, header=NATIONAL_HEADER, name="汇总表.xlsx"):
    path = tmp_path / name
    path.write_bytes(workbook_bytes([*NATIONAL_TITLE_ROWS, header, *rows]))
    return str(path)


def test_the_command_dry_run_checks_and_writes_nothing(tmp_path, tree):
    out = io.StringIO()

    call_command(
        "import_members", roster_file(tmp_path, national_rows()), branch="A1", dry_run=True, stdout=out
    )

    assert "一村党支部：2 行，新增 2 名" in out.getvalue()
    assert "不导入的列：籍贯" in out.getvalue()
    assert not Member.objects.exists()


def test_the_command_imports_and_a_second_run_duplicates_nobody(tmp_path, tree):
    path = roster_file(tmp_path, national_rows())

    call_command("import_members", path, branch="A1", stdout=io.StringIO())
    out = io.StringIO()
    call_command("import_members", path, branch="A1", stdout=out)

    assert Member.objects.filter(branch=tree.branch_a1).count() == 2
    assert "2 名无变化" in out.getvalue()


def test_the_command_prints_every_bad_row_and_writes_nothing(tmp_path, tree):
    rows = national_rows()
    rows[0][NATIONAL_HEADER.index("性别")] = "未知"
    rows[1][NATIONAL_HEADER.index("公民身份\n证号")] = "1.30225198005061E+17"
    err = io.StringIO()

    with pytest.raises(CommandError, match="2 行有误，整个文件都没有导入"):
        call_command(
            "import_members", roster_file(tmp_path, rows), branch="A1", stderr=err, stdout=io.StringIO()
        )

    assert err.getvalue().splitlines() == [
        "第 4 行：性别：“未知”不是有效的选项，可填：男、女。",
        f"第 5 行：公民身份证号：{SCIENTIFIC_ID}。",
    ]
    assert not Member.objects.exists()


def test_the_command_places_rows_by_their_branch_within_the_users_scope(tmp_path, cast, tree):
    rows = national_rows()
    rows[1][NATIONAL_HEADER.index("所在党支部")] = tree.branch_b1.name
    path = roster_file(tmp_path, rows)

    with pytest.raises(CommandError, match="1 行有误"):
        call_command(
            "import_members",
            path,
            branch="auto",
            user=cast.secretary.username,
            stderr=io.StringIO(),
            stdout=io.StringIO(),
        )
    assert not Member.objects.exists()

    call_command("import_members", path, branch="auto", stdout=io.StringIO())

    assert Member.objects.get(name="李明").branch == tree.branch_a1
    assert Member.objects.get(name="周芳").branch == tree.branch_b1


def test_the_template_has_both_phones_the_whereabouts_and_the_code_tables(tree):
    download = template_download(kind="MEMBERS", fmt="xlsx", branch=tree.branch_a1)
    workbook = load_workbook(io.BytesIO(download.content))

    headers = [c.value for c in workbook.worksheets[0][1]]
    guide = "\n".join(str(c.value) for row in workbook["填写说明"].iter_rows() for c in row if c.value)
    assert {"联系电话", "固定电话", "失去联系日期", "外出流向"} <= set(headers)
    assert "20 大学本科" in guide and "08 工勤技能人员" in guide

"""Reading an upload: .xlsx, or .csv as Chinese Excel saves it; headings as people type them."""

import io

import pytest
from openpyxl import Workbook

from spreadsheets import FileRefused, read_table, xlsx_bytes
from spreadsheets import reading as reading_module

ROWS = [["李明", "男"], ["周芳", "女"]]


def workbook_bytes(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_text(rows) -> str:
    return "".join(",".join(row) + "\r\n" for row in rows)


def test_read_back_what_was_written_with_row_numbers_past_blank_rows():
    data = xlsx_bytes(
        ["工作内容", "责任人"], [["制定方案", "吴泽忠"], [None, None], ["召开动员会", "佘跃柱"]]
    )

    table = read_table(data, "安排.xlsx")

    assert table.headers == ["工作内容", "责任人"]
    assert table.rows == [
        (2, {"工作内容": "制定方案", "责任人": "吴泽忠"}),
        (4, {"工作内容": "召开动员会", "责任人": "佘跃柱"}),
    ]


@pytest.mark.parametrize(
    "encoding",
    [
        "utf-8",
        "utf-8-sig",  # Excel's "CSV UTF-8" starts with a BOM
        "gb18030",  # Chinese Excel's "CSV (逗号分隔)"
    ],
)
def test_csv_in_each_encoding_excel_writes(encoding):
    data = csv_text([["姓名", "性别"], *ROWS, ["", ""]]).encode(encoding)

    table = read_table(data, "名册.CSV")

    assert table.headers == ["姓名", "性别"]
    assert table.rows == [(2, {"姓名": "李明", "性别": "男"}), (3, {"姓名": "周芳", "性别": "女"})]


def test_headings_are_read_as_people_type_them():
    data = workbook_bytes([[" 姓名* ", "＊性别", "时长（小时）", None], ["李明", "男", 1.5, "多余"]])

    table = read_table(data, "a.xlsx")

    # A value under no heading is not dropped silently: its column gets a name the import
    # preview lists among the columns it ignores.
    assert table.headers == ["姓名", "性别", "时长(小时)", "第4列(无列名)"]
    assert table.rows == [(2, {"姓名": "李明", "性别": "男", "时长(小时)": 1.5, "第4列(无列名)": "多余"})]


def test_a_two_level_header_names_each_column_by_its_second_line():
    data = workbook_bytes(
        [
            ["党员基本信息汇总表", None, None, None],
            ["姓名", "联系电话", None, "备注"],
            [None, "手机号码", "固定电话", None],
            ["李明", "13800000000", "0539-8123456", None],
        ]
    )

    table = read_table(data, "a.xlsx")

    assert table.header_row == 3
    assert table.headers == ["姓名", "手机号码", "固定电话", "备注"]
    assert table.rows == [
        (4, {"姓名": "李明", "手机号码": "13800000000", "固定电话": "0539-8123456", "备注": None})
    ]


def test_a_data_row_under_one_line_headings_is_not_taken_for_a_second_heading_line():
    data = workbook_bytes([["姓名", "性别", "民族"], ["李明", "男", "汉族"]])

    table = read_table(data, "a.xlsx")

    assert table.header_row == 1
    assert table.rows == [(2, {"姓名": "李明", "性别": "男", "民族": "汉族"})]


def test_a_heading_twice_is_refused():
    with pytest.raises(FileRefused, match="第 1 行的列名“姓名”出现了不止一次"):
        read_table(workbook_bytes([["姓名", "性别", "姓名 "]]), "a.xlsx")


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"not a spreadsheet", "a.xlsx", "无法读取该文件，请上传 Excel（.xlsx）文件"),
        (b"\xd0\xcf\x11\xe0 old excel", "a.xls", "只能导入 Excel（.xlsx）或 CSV（.csv）文件"),
        (b"", "a.csv", "文件是空的：第 1 行应是列名"),
        (b",,\r\n", "a.csv", "文件是空的"),
        ("姓名\r\n李明\r\n".encode("utf-16"), "a.csv", "无法识别 CSV 文件的文字编码"),
    ],
)
def test_unusable_files_are_refused_as_a_whole(data, name, message):
    with pytest.raises(FileRefused, match=message):
        read_table(data, name)


def test_a_file_longer_than_the_bound_is_refused(monkeypatch):
    monkeypatch.setattr(reading_module, "MAX_ROWS", 2)
    data = csv_text([["姓名"], ["甲"], [""], ["乙"], ["丙"]]).encode()

    with pytest.raises(FileRefused, match="文件超过 2 行，请分成几个文件分别导入"):
        read_table(data, "a.csv")
    assert len(read_table(csv_text([["姓名"], ["甲"], ["乙"]]).encode(), "a.csv").rows) == 2


def test_missing_columns_are_named_with_the_advice():
    table = read_table(xlsx_bytes(["工作内容"], []), "a.xlsx")

    with pytest.raises(FileRefused) as refused:
        table.require(["工作内容", "完成时限", "责任人"], advice="请用本页的模板。")

    assert refused.value.messages == ["第 1 行缺少列：完成时限、责任人。请用本页的模板。"]
    table.require(["工作内容"], advice="")


def test_spaces_line_breaks_and_full_width_brackets_inside_headings_are_ignored():
    data = workbook_bytes(
        [["姓  名", "公民身份\n证号", "联系电话（手机号）", "入党\u3000日期"], ["李明", "1", "2", "3"]]
    )

    table = read_table(data, "a.xlsx")

    assert table.headers == ["姓名", "公民身份证号", "联系电话(手机号)", "入党日期"]


@pytest.mark.parametrize("name", ["a.xlsx", "a.csv"])
def test_a_title_and_notes_row_above_the_header_are_skipped_and_rows_keep_their_numbers(name):
    rows = [
        ["党员基本信息汇总表", "", "", ""],
        ["填报单位：红星村党支部", "", "填报日期：2026年5月", ""],
        ["", "", "", ""],
        ["序号", "姓名", "性别", "民族"],
        ["1", "李明", "男", "汉族"],
        ["2", "周芳", "女", "土家族"],
    ]
    data = workbook_bytes(rows) if name.endswith("xlsx") else csv_text(rows).encode("gb18030")

    table = read_table(data, name)

    assert table.header_row == 4
    assert table.headers == ["序号", "姓名", "性别", "民族"]
    assert [number for number, _ in table.rows] == [5, 6]
    with pytest.raises(FileRefused, match="第 4 行缺少列：党小组"):
        table.require(["党小组"], advice="")


def test_renaming_two_headings_to_one_column_is_refused():
    table = read_table(
        workbook_bytes([["入党日期", "加入党组织日期"], ["2001-07-01", "2001-07-01"]]), "a.xlsx"
    )

    with pytest.raises(FileRefused, match="“入党日期”与“加入党组织日期”都是加入党组织日期"):
        table.renamed({"入党日期": "加入党组织日期"})

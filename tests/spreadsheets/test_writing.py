"""Exports: whatever a spreadsheet would run as a formula is written as text, in .xlsx and .csv."""

import csv
import io
from io import BytesIO

import pytest
from openpyxl import load_workbook

from spreadsheets import (
    XLSX_TYPE,
    cell_text,
    csv_bytes,
    read_table,
    safe_cell,
    template_xlsx,
    xlsx_bytes,
    xlsx_response,
)

LEADS = ["=", "+", "-", "@", "\t", "\r"]


@pytest.mark.parametrize("lead", LEADS)
def test_dangerous_leading_characters_are_escaped(lead):
    value = f'{lead}HYPERLINK("http://x")'
    assert safe_cell(value) == "'" + value
    sheet = load_workbook(BytesIO(xlsx_bytes(["内容"], [[value]]))).active
    # XML turns a stored CR into LF on the way back; what matters is the leading apostrophe.
    assert sheet["A2"].value.startswith("'" + lead.replace("\r", "\n"))
    assert sheet["A2"].data_type == "s"


@pytest.mark.parametrize("lead", LEADS)
def test_csv_cells_are_escaped_too(lead):
    value = f"{lead}1+1"

    text = csv_bytes(["内容"], [[value]]).decode("utf-8-sig")

    assert list(csv.reader(io.StringIO(text, newline="")))[1] == ["'" + value]


@pytest.mark.parametrize("value", ["召开动员会", "", 12, None, "a=b"])
def test_ordinary_values_are_left_alone(value):
    assert safe_cell(value) == value


def test_csv_has_a_bom_so_excel_reads_the_chinese():
    data = csv_bytes(["姓名", "电话"], [["李明", None]])

    assert data.startswith("\ufeff".encode())
    assert data.decode("utf-8-sig") == "姓名,电话\r\n李明,\r\n"


@pytest.mark.parametrize("name", ["a.xlsx", "a.csv"])
def test_an_escaped_export_reads_back_as_it_was_typed(name):
    typed = ["=SUM(A1:A9)", "+86 138", "-", "@某人", "普通"]
    write = xlsx_bytes if name.endswith("xlsx") else csv_bytes

    table = read_table(write(["内容"], [[v] for v in typed]), name)

    assert [cell_text(row["内容"]) for _, row in table.rows] == typed


def test_the_response_is_an_xlsx_download_with_a_chinese_name():
    response = xlsx_response("工作安排.xlsx", ["工作内容"], [["制定方案"]])

    assert response["Content-Type"] == XLSX_TYPE
    assert response["Content-Disposition"] == (
        "attachment; filename*=UTF-8''%E5%B7%A5%E4%BD%9C%E5%AE%89%E6%8E%92.xlsx"
    )
    assert load_workbook(BytesIO(response.content)).active["A2"].value == "制定方案"


def test_a_template_has_the_headings_and_a_guide_with_notes_escaped():
    columns = [("姓名", True, ""), ("联系电话", False, "+86 开头的也可以")]

    workbook = load_workbook(BytesIO(template_xlsx(columns, title="党员名册", notes=[("党小组", "=第一")])))

    sheet, guide = workbook.worksheets
    assert (sheet.title, [c.value for c in sheet[1]]) == ("党员名册", ["姓名", "联系电话"])
    assert sheet["A1"].font.color.rgb.endswith("B91C1C") and sheet["B1"].font.color is None
    rows = [[c.value for c in row] for row in guide.iter_rows()]
    assert ["联系电话", "可空", "'+86 开头的也可以"] in rows
    assert ["党小组", None, "'=第一"] in rows

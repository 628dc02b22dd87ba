from io import BytesIO

import pytest
from openpyxl import load_workbook

from campaigns.spreadsheets import SpreadsheetError, read_xlsx, safe_cell, xlsx_bytes


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r"])
def test_dangerous_leading_characters_are_escaped(lead):
    value = f'{lead}HYPERLINK("http://x")'
    assert safe_cell(value) == "'" + value
    sheet = load_workbook(BytesIO(xlsx_bytes(["内容"], [[value]]))).active
    # XML turns a stored CR into LF on the way back; what matters is the leading apostrophe.
    assert sheet["A2"].value.startswith("'" + lead.replace("\r", "\n"))
    assert sheet["A2"].data_type == "s"


@pytest.mark.parametrize("value", ["召开动员会", "", 12, None, "a=b"])
def test_ordinary_values_are_left_alone(value):
    assert safe_cell(value) == value


def test_read_back_what_was_written():
    data = xlsx_bytes(
        ["工作内容", "责任人"], [["制定方案", "吴泽忠"], [None, None], ["召开动员会", "佘跃柱"]]
    )
    rows = read_xlsx(BytesIO(data), required=["工作内容"], optional=["责任人"])
    assert rows == [
        (2, {"工作内容": "制定方案", "责任人": "吴泽忠"}),
        (4, {"工作内容": "召开动员会", "责任人": "佘跃柱"}),
    ]


def test_missing_columns_are_named():
    with pytest.raises(SpreadsheetError, match="第 1 行缺少列：完成时限"):
        read_xlsx(BytesIO(xlsx_bytes(["工作内容"], [])), required=["工作内容", "完成时限"])


def test_a_file_that_is_not_xlsx():
    with pytest.raises(SpreadsheetError, match="请上传 Excel"):
        read_xlsx(BytesIO(b"not a spreadsheet"), required=["工作内容"])

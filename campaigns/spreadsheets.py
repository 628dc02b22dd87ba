"""Reading and writing .xlsx for the pages' imports and exports.

Exports escape any text cell a spreadsheet would run as a formula (leading = + - @, tab or
carriage return) by prefixing an apostrophe, so a name typed as "=HYPERLINK(...)" stays text.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from io import BytesIO
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

DANGEROUS_LEADS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value):
    """A cell value that a spreadsheet will show, never evaluate."""
    if isinstance(value, str) and value.startswith(DANGEROUS_LEADS):
        return "'" + value
    return value


def xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence], *, title: str = "Sheet1") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(list(headers))
    widths = [len(str(h)) * 2 + 2 for h in headers]
    for row in rows:
        values = [safe_cell(v) for v in row]
        sheet.append(values)
        for i, v in enumerate(values):
            text = v.strftime("%Y-%m-%d") if isinstance(v, datetime.date) else str(v if v is not None else "")
            widths[i] = min(max(widths[i], sum(2 if ord(c) > 127 else 1 for c in text) + 2), 60)
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence], *, title: str = "Sheet1"):
    """An .xlsx download; `filename` may be Chinese (RFC 5987 encoded)."""
    response = HttpResponse(xlsx_bytes(headers, rows, title=title), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


class SpreadsheetError(ValueError):
    """The file is not a readable .xlsx, or its header row is wrong; the message says which."""


def read_xlsx(file, *, required: Sequence[str], optional: Sequence[str] = ()) -> list[tuple[int, dict]]:
    """Rows of the first sheet as (spreadsheet row number, {header: value}).

    The first row holds the headers; `required` ones must all be there. Blank rows are skipped.
    """
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises several unrelated types for a bad file
        raise SpreadsheetError("无法读取该文件，请上传 Excel（.xlsx）文件。") from error
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise SpreadsheetError("文件是空的。")
    names = [str(h).strip() if h is not None else "" for h in header]
    missing = [h for h in required if h not in names]
    if missing:
        raise SpreadsheetError(
            f"第 1 行缺少列：{'、'.join(missing)}。应有的列：{'、'.join([*required, *optional])}。"
        )
    wanted = set(required) | set(optional)
    result = []
    for number, values in enumerate(rows, start=2):
        if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        result.append(
            (number, {name: value for name, value in zip(names, values, strict=False) if name in wanted})
        )
    workbook.close()
    return result

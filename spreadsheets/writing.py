"""Writing .xlsx and .csv for exports and templates.

Every text cell a spreadsheet would run as a formula (leading = + - @, tab or carriage return) is
prefixed with an apostrophe, so a name typed as "=HYPERLINK(...)" stays text; the readers take
the apostrophe off again (`spreadsheets.cell_text`), so an export imports as it was.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

DANGEROUS_LEADS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


def safe_cell(value):
    """A cell value that a spreadsheet will show, never evaluate."""
    if isinstance(value, str) and value.startswith(DANGEROUS_LEADS):
        return "'" + value
    return value


def xlsx_bytes(
    headers: Sequence[str], rows: Iterable[Sequence], *, title: str = "Sheet1", above: Sequence[str] = ()
) -> bytes:
    """One sheet: the headings, frozen, then the rows; columns as wide as their text (up to 60).

    `above` are lines written over the header, each in its own row (a form's title, the unit
    filling it in), as printed forms have them; `read_table` skips them again."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    for line in above:
        sheet.append([safe_cell(line)])
    if above:
        sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
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
    sheet.freeze_panes = f"A{len(above) + 2}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_xlsx(
    columns: Sequence[tuple[str, bool, str]], *, title: str, notes: Sequence[tuple[str, str]] = ()
) -> bytes:
    """An empty file to fill in: the headings (required ones in red), and a second sheet 填写说明
    with each column's (heading, required, how to fill it in), then `notes` as (what, text)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append([name for name, _, _ in columns])
    for i, (name, required, _) in enumerate(columns, start=1):
        sheet.cell(row=1, column=i).font = Font(bold=True, color="B91C1C" if required else None)
        sheet.column_dimensions[get_column_letter(i)].width = max(12, len(name) * 2 + 4)
    sheet.freeze_panes = "A2"
    guide = workbook.create_sheet("填写说明")
    guide.append(["列名", "是否必填", "填写说明"])
    for name, required, note in columns:
        guide.append([name, "必填" if required else "可空", safe_cell(note)])
    for what, text in notes:
        guide.append([])
        guide.append([what, "", safe_cell(text)])
    guide.append([])
    guide.append(["说明", "", "第 1 行是列名，请勿改动；从第 2 行起每行一条。红色列名为必填列。"])
    for letter, width in (("A", 18), ("B", 10), ("C", 70)):
        guide.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with a BOM, so Excel opens the Chinese as Chinese."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([safe_cell("" if v is None else v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence], *, title: str = "Sheet1"):
    """An .xlsx download; `filename` may be Chinese (RFC 5987 encoded)."""
    response = HttpResponse(xlsx_bytes(headers, rows, title=title), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response

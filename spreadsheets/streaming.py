"""Writing an export of any length to a file, a row at a time, for the jobs that write large ones.

`writing.xlsx_bytes` and `csv_bytes` build the whole file in memory, which is right for the
few thousand rows a request writes. These write the same cells (escaped against formulas by
`safe_cell`, the same headings, `above` lines and frozen header) to a file as the rows come, so
a job holds one chunk of rows at a time: the .xlsx through openpyxl's write-only mode, which
keeps no cells in memory. A write-only sheet takes its column widths before its first row, so
they are measured on the first `WIDTH_SAMPLE` rows rather than on all of them.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from itertools import chain, islice
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .writing import safe_cell

WIDTH_SAMPLE = 1_000


def write_xlsx(
    target: str | IO[bytes],
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    title: str = "Sheet1",
    above: Sequence[str] = (),
) -> None:
    """One sheet as `writing.xlsx_bytes` lays it out, written to `target` (a path or a binary file)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    rows = iter(rows)
    sample = [[safe_cell(v) for v in row] for row in islice(rows, WIDTH_SAMPLE)]
    widths = [len(str(h)) * 2 + 2 for h in headers]
    for values in sample:
        for i, value in enumerate(values):
            widths[i] = _width(widths[i], value)
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = f"A{len(above) + 2}"
    for number, line in enumerate(above):
        cell = WriteOnlyCell(sheet, value=safe_cell(line))
        if number == 0:
            cell.font = Font(bold=True, size=14)
        sheet.append([cell])
    sheet.append(list(headers))
    for values in chain(sample, ([safe_cell(v) for v in row] for row in rows)):
        sheet.append(values)
    workbook.save(target)


def write_csv(target: IO[bytes], headers: Sequence[str], rows: Iterable[Sequence]) -> None:
    """The rows as `writing.csv_bytes` writes them (UTF-8 with a BOM), to a binary file."""
    text = io.TextIOWrapper(target, encoding="utf-8-sig", newline="", write_through=True)
    try:
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(headers)
        for row in rows:
            writer.writerow([safe_cell("" if v is None else v) for v in row])
    finally:
        text.detach()


def _width(width: int, value) -> int:
    """A column's width grown to fit `value`, by `writing.xlsx_bytes`' rule (a CJK character
    counts two, at most 60)."""
    text = (
        value.strftime("%Y-%m-%d")
        if isinstance(value, datetime.date)
        else str(value if value is not None else "")
    )
    return min(max(width, sum(2 if ord(c) > 127 else 1 for c in text) + 2), 60)

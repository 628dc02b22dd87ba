"""Reading an uploaded .xlsx or .csv into rows keyed by the file's own column headings."""

from __future__ import annotations

import csv
import io
import itertools
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from .errors import FileRefused
from .limits import MAX_COLUMNS, check_archive
from .writing import DANGEROUS_LEADS

MAX_ROWS = 20_000
# Rows read at most, blank ones included: a sheet of a million empty rows stops here.
MAX_SCANNED = 2 * MAX_ROWS + 100
# How far down a title, a notes line (填报单位、填报日期) or a blank line may push the header row.
HEADER_SEARCH_ROWS = 10


@dataclass
class Table:
    """A file's header row and its data rows as (spreadsheet row number, {heading: value}).

    Blank rows are left out, so the numbers need not be consecutive; the header is row
    `header_row` (1 unless a title or notes row stands above it).
    """

    headers: list[str]
    rows: list[tuple[int, dict[str, Any]]]
    header_row: int = 1

    def require(self, columns: Sequence[str], *, advice: str) -> None:
        """Refuse the file unless its header row has every one of `columns`; `advice` says what
        to do (which template to use, which columns there should be)."""
        missing = [c for c in columns if c not in self.headers]
        if missing:
            raise FileRefused(f"第 {self.header_row} 行缺少列：{'、'.join(missing)}。{advice}")

    def renamed(self, names: dict[str, str]) -> Table:
        """The same table with headings renamed (`names`: the file's heading → the one meant);
        a heading not in `names` is kept. Two headings meaning the same column are refused."""
        headers = [names.get(h, h) for h in self.headers]
        twice = sorted({h for h in headers if headers.count(h) > 1})
        if twice:
            clash = "、".join(
                "“" + "”与“".join(o for o in self.headers if names.get(o, o) == h) + f"”都是{h}"
                for h in twice
            )
            raise FileRefused(f"第 {self.header_row} 行有两列是同一项：{clash}，请删去其中一列。")
        if headers == self.headers:
            return self
        rows = [(number, {names.get(h, h): v for h, v in row.items()}) for number, row in self.rows]
        return Table(headers=headers, rows=rows, header_row=self.header_row)


def read_table(data: bytes, name: str) -> Table:
    """The first sheet of an .xlsx, or a .csv in UTF-8 (with or without BOM) or GB18030 — what
    Chinese Excel writes when it saves "CSV (逗号分隔)". `name` (the uploaded file's) says which.

    Headings are read as people type them (`heading`: spaces and line breaks inside, a
    required-mark * and full-width brackets aside); a heading may appear once. A title or notes
    row above the header (党员基本信息汇总表, 填报单位：…) is skipped: the header is the first row
    filled more than half as wide as the widest of the first rows. Raises FileRefused for an
    unreadable or empty file, or one of more than MAX_ROWS rows.
    """
    extension = Path(name).suffix.lower().lstrip(".")
    if extension == "xlsx":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                check_archive(archive)
        except zipfile.BadZipFile as error:
            raise FileRefused("无法读取该文件，请上传 Excel（.xlsx）文件。") from error
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises several unrelated types for a bad file
            raise FileRefused("无法读取该文件，请上传 Excel（.xlsx）文件。") from error
        try:
            sheet = workbook.worksheets[0]
            return _table(sheet.iter_rows(max_col=MAX_COLUMNS, max_row=MAX_SCANNED + 1, values_only=True))
        except FileRefused:
            raise
        except Exception as error:  # a part defusedxml refuses, or XML cut short
            raise FileRefused("无法读取该文件，请上传 Excel（.xlsx）文件。") from error
        finally:
            workbook.close()
    if extension == "csv":
        # Decoded as it is read, so reading stops at the row limit without the whole file ever
        # becoming text; a file that is not UTF-8 is read again as GB18030.
        for encoding in ("utf-8-sig", "gb18030"):
            text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
            try:
                return _table(row[:MAX_COLUMNS] for row in csv.reader(text))
            except UnicodeDecodeError:
                continue
            except csv.Error as error:
                raise FileRefused("无法读取该 CSV 文件，请在 Excel 中另存为 .xlsx 后上传。") from error
        raise FileRefused("无法识别 CSV 文件的文字编码，请在 Excel 中另存为“CSV UTF-8”或 .xlsx 后上传。")
    raise FileRefused("只能导入 Excel（.xlsx）或 CSV（.csv）文件。")


def cell_text(value: Any) -> str:
    """A cell as the text that was typed: blank is "", a spreadsheet number that is whole (a phone
    or ID number) has no trailing .0, and a cell an export escaped against formulas ('=…, '+86…)
    comes back as it was."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text[:1] == "'" and text[1:].startswith(DANGEROUS_LEADS):
        text = text[1:]
    return text


SPACES = re.compile(r"\s+")


def heading(value: Any) -> str:
    """A column heading as it is meant: full-width forms as ordinary ones (（）→ (), ＊ → *),
    no spaces or line breaks anywhere (姓  名, 公民身份\\n证号), no required-mark * around it."""
    text = "" if value is None else unicodedata.normalize("NFKC", str(value))
    return SPACES.sub("", text).strip("*")


def _blank(values: Sequence[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _filled(values: Sequence[Any] | None) -> int:
    return sum(1 for v in values or () if v is not None and not (isinstance(v, str) and not v.strip()))


def _sub_headings(header: list[str], row: Sequence[Any] | None) -> list[str] | None:
    """The second line of a two-level header, or None when `row` is data.

    A form like the 汇总表 heads some columns in two lines: a merged 联系电话 over 手机号码 and
    固定电话, while 姓名 spans both lines. Read as values, the merged cell is text in its first
    column and empty in the others. `row` is such a second line when it holds only text, and each
    of its cells stands under an empty heading or under the first cell of a merged group (a
    heading followed by an empty one) — a data row has values under ordinary one-column headings.
    """
    if row is None:
        return None
    cells = [heading(v) if isinstance(v, str) else v for v in row]
    filled = [(i, c) for i, c in enumerate(cells) if c not in (None, "")]
    # A group spans at least two columns, so a second line has at least two headings.
    if len(filled) < 2 or any(not isinstance(c, str) for _, c in filled):
        return None
    width = len(header)
    named = {i for i, _ in filled}

    def above(i: int) -> str:
        return header[i] if i < width else ""

    for i, _ in filled:
        # The first cell of a merged group: a heading with an empty one to its right, and the
        # group's next sub-heading under that empty one.
        group_start = bool(above(i)) and not above(i + 1) and i + 1 in named
        if above(i) and not group_start:
            return None
    return [c if isinstance(c, str) else "" for c in cells]


def _table(records: Iterable[Sequence[Any]]) -> Table:
    records = iter(records)
    first = [next(records, None) for _ in range(HEADER_SEARCH_ROWS)]
    first = [r for r in first if r is not None]
    widest = max((_filled(r) for r in first), default=0)
    if widest == 0:
        raise FileRefused("文件是空的：第 1 行应是列名。")
    enough = widest // 2 + 1
    at = next(i for i, r in enumerate(first) if _filled(r) >= enough)
    header_row = at + 1
    headers = [heading(h) for h in first[at]]
    below = first[at + 1] if at + 1 < len(first) else None
    subs = _sub_headings(headers, below)
    if subs is not None:
        # Each column is named by its second line where it has one (手机号码, 固定电话).
        width = max(len(headers), len(subs))
        headers = [
            (subs[i] if i < len(subs) and subs[i] else "") or (headers[i] if i < len(headers) else "")
            for i in range(width)
        ]
        at += 1
        header_row += 1
    records = itertools.chain(first[at + 1 :], records)
    named = [h for h in headers if h]
    duplicated = sorted({h for h in named if named.count(h) > 1})
    if duplicated:
        raise FileRefused(f"第 {header_row} 行的列名“{'”“'.join(duplicated)}”出现了不止一次。")
    rows = []
    unnamed: set[int] = set()
    for number, values in enumerate(records, start=header_row + 1):
        if number > MAX_SCANNED:
            raise FileRefused(
                f"文件超过 {MAX_ROWS} 行（含空行超过 {MAX_SCANNED} 行），请分成几个文件分别导入。"
            )
        if values is None or _blank(values):
            continue
        if len(rows) == MAX_ROWS:
            raise FileRefused(f"文件超过 {MAX_ROWS} 行，请分成几个文件分别导入。")
        values = list(values)
        for i, v in enumerate(values):
            if (i >= len(headers) or not headers[i]) and not _blank([v]):
                unnamed.add(i)
        rows.append((number, values))
    # A column with data but no heading is not dropped silently: it gets a name the preview
    # lists among the ignored columns.
    if unnamed:
        headers = headers + [""] * (max(unnamed) + 1 - len(headers))
        for i in sorted(unnamed):
            headers[i] = f"第{i + 1}列(无列名)"
        named = [h for h in headers if h]
    table_rows = [
        (number, {h: v for h, v in zip(headers, values, strict=False) if h}) for number, values in rows
    ]
    return Table(headers=named, rows=table_rows, header_row=header_row)

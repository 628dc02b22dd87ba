"""A spreadsheet that would make the server unpack, expand or read without end is refused before
it does, quickly and with a message naming the limit."""

import io
import time
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook

from spreadsheets import FileRefused, read_table
from spreadsheets.limits import MAX_COLUMNS
from spreadsheets.reading import MAX_ROWS


def xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rewritten(data: bytes, replace: dict[str, bytes]) -> bytes:
    """The same .xlsx with some parts replaced."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            archive.writestr(item.filename, replace.get(item.filename, source.read(item.filename)))
    return out.getvalue()


def refused_quickly(data: bytes, name: str, *, seconds: float = 2.0) -> str:
    """Refused within `seconds`, and on a second try, measured by tracemalloc (which slows every
    allocation, so not timed), without the memory growing past 64 MB beyond the file itself."""
    started = time.perf_counter()
    with pytest.raises(FileRefused) as refused:
        read_table(data, name)
    elapsed = time.perf_counter() - started
    assert elapsed < seconds, f"took {elapsed:.1f} s"
    tracemalloc.start()
    with pytest.raises(FileRefused):
        read_table(data, name)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 64 * 1024 * 1024 + 3 * len(data), f"peak {peak / 1e6:.0f} MB"
    return " ".join(refused.value.messages)


def test_a_zip_bomb_is_refused_before_it_unpacks():
    sheet = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    padding = b" " * (300 * 1024 * 1024)  # 300 MB of XML whitespace packs to ~300 KB
    bomb = rewritten(
        xlsx([["姓名"], ["李明"]]),
        {"xl/worksheets/sheet1.xml": sheet + padding + b"</sheetData></worksheet>"},
    )
    assert len(bomb) < 2 * 1024 * 1024
    assert "压缩炸弹" in refused_quickly(bomb, "名册.xlsx")


MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def test_billion_laughs_inside_an_xlsx_is_refused():
    entities = b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    sheet = (
        b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY lol "lol">'
        + entities
        + b']><worksheet xmlns="'
        + MAIN
        + b'"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
        + b"</sheetData></worksheet>"
    )
    data = rewritten(xlsx([["姓名"], ["李明"]]), {"xl/worksheets/sheet1.xml": sheet})
    assert "无法读取" in refused_quickly(data, "名册.xlsx")


def test_a_million_row_csv_stops_at_the_limit():
    data = ("姓名,性别\n" + "李明,男\n" * 1_000_000).encode()
    assert f"文件超过 {MAX_ROWS} 行" in refused_quickly(data, "名册.csv")


def test_a_sheet_of_empty_rows_stops_too():
    data = ("姓名,性别\n" + ",\n" * 200_000).encode()
    assert "含空行" in refused_quickly(data, "名册.csv")


def test_columns_beyond_the_limit_are_not_read():
    wide = [f"列{i}" for i in range(MAX_COLUMNS + 50)]
    table = read_table(("\n".join([",".join(wide), ",".join("x" * len(wide))]) + "\n").encode(), "a.csv")
    assert len(table.headers) == MAX_COLUMNS

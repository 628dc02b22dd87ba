"""PDFs about a branch's members, rendered with WeasyPrint: the 公示栏 poster.

The CSS names "Noto Sans CJK SC" (fonts-noto-cjk) everywhere, the @page margin boxes included —
they do not inherit the body's font, and without it their Chinese would come out as boxes.
"""

from __future__ import annotations

import datetime
import itertools
import logging

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from members.queries import Board
from members.stars import BoardRow
from organizations.models import Organization

# WeasyPrint logs every layout step at INFO; a poster request should not print seven lines.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

# Up to this many members the table is one column; beyond it two members share a line, so
# an ordinary village branch (20–40 members) fits on one A4 sheet.
ONE_COLUMN_MAX = 14
# Lines of the two-column table that fit on the first sheet (below the title, rule and QR code)
# and on each later one, with a margin to spare; a sheet's table is filled down, then across.
FIRST_PAGE_LINES = 20
PAGE_LINES = 30

Entry = tuple[int, BoardRow]


def css_string(text: str) -> SafeString:
    """`text` as a quoted CSS string, for `content:` in the @page margin boxes.

    Safe inside <style>: backslashes, quotes, newlines and `<` (so no `</style>`) are escaped.
    """
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ").replace("<", "\\3c ")
    return mark_safe(f'"{escaped}"')


def poster_pages(rows: list[BoardRow]) -> list[list[tuple[Entry | None, ...]]]:
    """The table sheet by sheet, each a list of lines of one member, or of two when there are many.

    Numbers run down the left column and on down the right one, as on a paper board, and each
    sheet is filled that way on its own, so the numbering never jumps between sheets.
    """
    entries = list(enumerate(rows, start=1))
    if len(entries) <= ONE_COLUMN_MAX:
        return [[(entry,) for entry in entries]] if entries else []
    pages, capacity = [], FIRST_PAGE_LINES
    while entries:
        chunk, entries = entries[: 2 * capacity], entries[2 * capacity :]
        half = (len(chunk) + 1) // 2
        pages.append(list(itertools.zip_longest(chunk[:half], chunk[half:])))
        capacity = PAGE_LINES
    return pages


def render_board_poster(
    *,
    branch: Organization,
    board: Board,
    public_url: str,
    qr_data_uri: str,
    printed_on: datetime.date,
) -> bytes:
    """The year's board as an A4 PDF poster: title, rule, table, plaques and a QR code."""
    # WeasyPrint takes about a second to import; only this function needs it.
    from weasyprint import HTML

    pages = poster_pages(board.rows)
    html = render_to_string(
        "members/board/poster.html",
        {
            "branch": branch,
            "board": board,
            "pages": pages,
            "two_columns": bool(pages) and len(pages[0][0]) == 2,
            "public_url": public_url,
            "qr_data_uri": qr_data_uri,
            "printed_on": printed_on,
            "footer_left": css_string(f"{branch.name} · {board.year} 年度党员星级服务公示"),
            "footer_right": css_string(f"打印于 {printed_on.year}年{printed_on.month}月{printed_on.day}日"),
        },
    )
    return HTML(string=html).write_pdf()

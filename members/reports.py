"""PDFs about a branch's members, rendered with WeasyPrint: the 公示栏 poster.

The CSS names "Noto Sans CJK SC" (fonts-noto-cjk) everywhere, the @page margin boxes included —
they do not inherit the body's font, and without it their Chinese would come out as boxes.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import json
import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
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
            "footer_right": css_string(f"生成于 {printed_on.year}年{printed_on.month}月{printed_on.day}日"),
        },
    )
    return HTML(string=html).write_pdf()


# The poster is rendered once per branch, year and content, and kept ----------------------------

POSTER_FOLDER = "posters"


def poster_fingerprint(*, branch: Organization, board: Board, public_url: str) -> str:
    """What the poster shows, hashed: the branch, year, rule, every line of the board, the
    plaques and the address its QR code opens. Equal fingerprints draw the same poster."""
    content = {
        "branch": [branch.pk, branch.name],
        "year": board.year,
        "rule": list(board.rule),
        "rows": [[r.member_id, r.name, r.group_name, r.services, r.stars] for r in board.rows],
        "plaques": [
            board.plaques.year,
            [
                [title, [[p.member.name, p.get_method_display(), str(p.awarded_on)] for p in ps]]
                for title, ps in board.plaques.by_title
            ],
        ],
        "url": public_url,
    }
    return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()[:24]


def stored_poster(
    *, branch: Organization, board: Board, public_url: str, qr_data_uri: str, today: datetime.date
) -> str:
    """The storage name of the poster for this content, rendered now only if no poster of the
    same content is stored (a verified service, a plaque or a new rule changes the content).
    Posters of the same branch and year with older content are deleted. Two requests rendering
    at once both store a file; the storage keeps one name each, both correct."""
    folder = f"{POSTER_FOLDER}/{branch.code}"
    prefix = f"{board.year}-"
    name = f"{folder}/{prefix}{poster_fingerprint(branch=branch, board=board, public_url=public_url)}.pdf"
    if default_storage.exists(name):
        return name
    pdf = render_board_poster(
        branch=branch, board=board, public_url=public_url, qr_data_uri=qr_data_uri, printed_on=today
    )
    saved = default_storage.save(name, ContentFile(pdf))
    try:
        _, files = default_storage.listdir(folder)
    except FileNotFoundError:
        files = []
    for old in files:
        if old.startswith(prefix) and f"{folder}/{old}" not in (name, saved):
            default_storage.delete(f"{folder}/{old}")
    return saved

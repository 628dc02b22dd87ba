"""One reading of a date cell for every import, whatever wrote the file."""

from __future__ import annotations

import datetime
import re

from openpyxl.utils.datetime import from_excel

from .reading import cell_text

# 2026-05-31, 2026/5/31, 2026.5.31, 2026年5月31日 (the 日 may be left off), with spaces around the
# separators if typed so; a time after it, as a text export adds, is ignored.
DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+[\d:]+)?$")
# 20260531: eight digits, as rosters often write a date (typed as text or as a number).
COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
# Excel's day numbers: 1 is 1900-01-01 and 2958465 is 9999-12-31.
EXCEL_DAYS = range(1, 2_958_466)


def parse_date(value) -> datetime.date | None:
    """A date cell as a date; None when blank.

    Takes an Excel date (a datetime), an Excel day number (a date cell that lost its format:
    46173 is 2026-05-31), eight digits (20260531, as text or a number), or text like 2026-05-31,
    2026/5/31, 2026.5.31 or 2026年5月31日. Anything else raises ValueError with a Chinese message.
    """
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and value not in EXCEL_DAYS:
            return _from_text(str(value))
        if 1 <= value < EXCEL_DAYS.stop:
            return from_excel(value).date()
        raise _not_a_date(str(value))
    text = cell_text(value)
    if not text:
        return None
    return _from_text(text)


def _from_text(text: str) -> datetime.date:
    match = DATE_TEXT.match(text) or COMPACT_DATE.match(text)
    if match is None:
        raise _not_a_date(text)
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        raise _not_a_date(text) from None


def _not_a_date(text: str) -> ValueError:
    return ValueError(f"“{text}”不是有效的日期，请写成 2020-01-31 的形式。")

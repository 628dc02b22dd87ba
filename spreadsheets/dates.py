"""One reading of a date cell for every import, whatever wrote the file."""

from __future__ import annotations

import datetime
import re
import unicodedata

from openpyxl.utils.datetime import from_excel

from .reading import cell_text

# 2026-05-31, 2026/5/31, 2026.5.31, 2026年5月31日 (the 日 may be left off), with spaces around the
# separators if typed so; a time after it, as a text export adds, is ignored.
DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+[\d:.]+)?$")
# 20260531: eight digits, as rosters often write a date (typed as text or as a number).
COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
# 2001.07, 2001-7, 2001/07, 2001年7月: a year and a month, as the 采集表 asks for some dates.
MONTH_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
# 200107: six digits, the compact year-month.
COMPACT_MONTH = re.compile(r"^(\d{4})(\d{2})$")
# Excel's day numbers: 1 is 1900-01-01 and 2958465 is 9999-12-31.
EXCEL_DAYS = range(1, 2_958_466)
# A number cell such as 2001.07 is a year and a month typed into a cell Excel took for a number,
# not day 2001 of Excel's calendar (1905), which no roster means.
YEARS = range(1900, 2101)


def parse_date(value, *, month_ok: bool = False) -> datetime.date | None:
    """A date cell as a date; None when blank.

    Takes an Excel date (a datetime), an Excel day number (a date cell that lost its format:
    46173 is 2026-05-31), eight digits (20260531, as text or a number), or text like 2026-05-31,
    2026/5/31, 2026.5.31, 2026年5月31日 or 2026-05-31 00:00:00, full-width digits included.
    With `month_ok` (a field the forms ask only the month of), a year and a month (2001.07,
    2001年7月, 200107, or the number 2001.07) is the first of that month. Anything else raises
    ValueError with a Chinese message.
    """
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, float) and int(value) in YEARS:
            # Excel keeps 2001.10 as 2001.1: two decimals are the month as typed.
            return _month(f"{value:.2f}", month_ok)
        if isinstance(value, int) and value not in EXCEL_DAYS:
            return _from_text(str(value), month_ok)
        if 1 <= value < EXCEL_DAYS.stop:
            return from_excel(value).date()
        raise _not_a_date(str(value))
    text = cell_text(value)
    if not text:
        return None
    return _from_text(unicodedata.normalize("NFKC", text), month_ok)


def _from_text(text: str, month_ok: bool = False) -> datetime.date:
    match = DATE_TEXT.match(text) or COMPACT_DATE.match(text)
    if match is None:
        return _month(text, month_ok)
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        raise _not_a_date(text) from None


def _month(text: str, month_ok: bool) -> datetime.date:
    match = MONTH_TEXT.match(text) or COMPACT_MONTH.match(text)
    if match is None:
        raise _not_a_date(text)
    year, month = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        raise _not_a_date(text)
    if not month_ok:
        raise ValueError(f"“{text}”只写到了月，请写出哪一天，如 {year}-{month:02d}-01。")
    return datetime.date(year, month, 1)


def _not_a_date(text: str) -> ValueError:
    return ValueError(f"“{text}”不是有效的日期，请写成 2020-01-31 的形式。")

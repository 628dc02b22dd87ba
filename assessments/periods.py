"""Period arithmetic for metrics: which periods a campaign's date range asks for, and which were met.

A plan says `每月召开支委会1次`, `党日活动每周1次`, `每年培养2名以上的入党积极分子`,
`每两年至少发展1名新党员`. A metric counts the branch's own dated records against such a
requirement; this module says which periods are required and how many of them a set of dates fills.
Pure: dates in, numbers and spans out; no database.

How periods are laid out (the choice an inspector would expect, so the figures can be checked
with a calendar in hand):

* **Weeks, months, quarters, half years are calendar periods**: ISO weeks (Monday to Sunday; the
  week of 30 December 2024 is 2025年第1周), calendar months, quarters and halves. Only the periods
  lying **wholly inside** the range are required. A campaign running from 15 March cannot be asked
  for a March meeting, and a pro-rata "half a meeting" is nothing anyone can hold. A partial period
  at either end is neither required nor credited (an activity on 20 March does not make up for a
  missed April); `Coverage.left_out` lists those periods so a page can say so.
* **Years and two-year windows are counted back from the end of the range** (the assessment
  date): the last window ends on the range's last day, the one before ends the day before that
  one starts, and so on until the range start is covered. The earliest window may start before the
  range: records on those days count, because `每两年至少发展1名新党员`, assessed at the end of a
  one-year campaign, asks about the two years up to the assessment, not for half a member this
  year and not for nothing (issue 8). For a campaign over a calendar year, the YEAR window is that
  calendar year; for a school year (September to August) it is the school year.

`window(...)` gives the days whose records a metric must read (which can start before the
campaign); `coverage(...)` counts how many required periods the dates fill.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

ONE_DAY = datetime.timedelta(days=1)


class Period(StrEnum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    HALF_YEAR = "half_year"
    YEAR = "year"
    TWO_YEARS = "two_years"

    @property
    def label(self) -> str:
        """The period as a plan writes it after 每 (每周, 每月, 每季度, 每半年, 每年, 每两年)."""
        return _LABELS[self]

    @property
    def is_calendar(self) -> bool:
        """Calendar periods (whole ones required); the others are windows counted back from the end."""
        return self in _MONTHS_PER_CALENDAR_PERIOD or self is Period.WEEK


_LABELS = {
    Period.WEEK: "周",
    Period.MONTH: "月",
    Period.QUARTER: "季度",
    Period.HALF_YEAR: "半年",
    Period.YEAR: "年",
    Period.TWO_YEARS: "两年",
}
_MONTHS_PER_CALENDAR_PERIOD = {Period.MONTH: 1, Period.QUARTER: 3, Period.HALF_YEAR: 6}
_YEARS_PER_WINDOW = {Period.YEAR: 1, Period.TWO_YEARS: 2}


@dataclass(frozen=True, order=True)
class Span:
    """One period, both ends included."""

    start: datetime.date
    end: datetime.date
    period: Period

    def __contains__(self, day: object) -> bool:
        return isinstance(day, datetime.date) and self.start <= day <= self.end

    @property
    def label(self) -> str:
        """How a page names it: 2025年第1周, 2024年3月, 2024年第2季度, 2024年上半年, 2024年, ……"""
        start, end, period = self.start, self.end, self.period
        if period is Period.WEEK:
            year, week, _ = start.isocalendar()
            return f"{year}年第{week}周"
        if period is Period.MONTH:
            return f"{start.year}年{start.month}月"
        if period is Period.QUARTER:
            return f"{start.year}年第{(start.month - 1) // 3 + 1}季度"
        if period is Period.HALF_YEAR:
            return f"{start.year}年{'上' if start.month == 1 else '下'}半年"
        if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31):
            return f"{start.year}年" if start.year == end.year else f"{start.year}—{end.year}年"
        return f"{_day(start)}—{_day(end)}"


@dataclass(frozen=True)
class Coverage:
    """How far a set of dates meets `per_period` qualifying dates in each required period."""

    required: int
    """Qualifying dates required: required periods × `per_period`."""
    credited: int
    """Qualifying dates counted, at most `per_period` in each required period."""
    spans: tuple[Span, ...]
    """The required periods, in order."""
    missing: tuple[Span, ...]
    """Required periods with fewer than `per_period` qualifying dates."""
    left_out: tuple[Span, ...]
    """Partial calendar periods at the ends of the range: neither required nor credited."""

    @property
    def shortfall(self) -> int:
        return self.required - self.credited


def spans(start: datetime.date, end: datetime.date, period: Period) -> tuple[Span, ...]:
    """The periods the range [start, end] requires, in order (see the module docstring)."""
    return _layout(start, end, period)[0]


def count_periods(start: datetime.date, end: datetime.date, period: Period) -> int:
    """How many periods the range requires: 12 for a calendar year by month, 52 by ISO week in 2024."""
    return len(spans(start, end, period))


def window(
    start: datetime.date, end: datetime.date, period: Period
) -> tuple[datetime.date, datetime.date] | None:
    """The first and last day whose records count, or None when no whole period fits in the range.

    For years and two-year windows the first day can lie before `start`; a metric reads its records
    from there.
    """
    required = spans(start, end, period)
    if not required:
        return None
    return required[0].start, required[-1].end


def coverage(
    start: datetime.date,
    end: datetime.date,
    period: Period,
    dates: Iterable[datetime.date],
    *,
    per_period: int = 1,
) -> Coverage:
    """Count `dates` against `per_period` per required period.

    A period holding more qualifying dates than it needs counts `per_period` times, no more: with
    `per_period=1` a week with two activities counts once, and it cannot make up for an empty
    week. Dates outside the required periods are ignored.
    """
    if per_period < 1:
        raise ValueError("每期要求的次数至少为 1。")
    required, left_out = _layout(start, end, period)
    counts = [0] * len(required)
    for day in dates:
        index = _index_of(required, day)
        if index is not None:
            counts[index] += 1
    return Coverage(
        required=len(required) * per_period,
        credited=sum(min(count, per_period) for count in counts),
        spans=required,
        missing=tuple(span for span, count in zip(required, counts, strict=True) if count < per_period),
        left_out=left_out,
    )


def count_periods_with(
    start: datetime.date, end: datetime.date, period: Period, dates: Iterable[datetime.date]
) -> int:
    """How many required periods hold at least one of `dates` (a week with two activities counts once)."""
    return coverage(start, end, period, dates).credited


def _layout(
    start: datetime.date, end: datetime.date, period: Period
) -> tuple[tuple[Span, ...], tuple[Span, ...]]:
    """(required spans, partial calendar spans left out) for the range."""
    if end < start:
        raise ValueError("结束日期不能早于开始日期。")
    period = Period(period)
    if period in _YEARS_PER_WINDOW:
        return _windows_back_from(end, start, _YEARS_PER_WINDOW[period], period), ()
    touching = _calendar_spans(start, end, period)
    whole = tuple(span for span in touching if start <= span.start and span.end <= end)
    partial = tuple(span for span in touching if span not in whole)
    return whole, partial


def _calendar_spans(start: datetime.date, end: datetime.date, period: Period) -> list[Span]:
    """Every calendar period touching [start, end], the first and last possibly sticking out."""
    result = []
    if period is Period.WEEK:
        first = start - datetime.timedelta(days=start.weekday())
        while first <= end:
            result.append(Span(first, first + datetime.timedelta(days=6), period))
            first += datetime.timedelta(days=7)
        return result
    months = _MONTHS_PER_CALENDAR_PERIOD[period]
    year, month = start.year, (start.month - 1) // months * months + 1
    while datetime.date(year, month, 1) <= end:
        last_month = month + months - 1
        last_day = calendar.monthrange(year, last_month)[1]
        result.append(Span(datetime.date(year, month, 1), datetime.date(year, last_month, last_day), period))
        month += months
        if month > 12:
            year, month = year + 1, month - 12
    return result


def _windows_back_from(
    end: datetime.date, start: datetime.date, years: int, period: Period
) -> tuple[Span, ...]:
    """Windows of `years` years, the last ending on `end`, going back until `start` is covered."""
    result = []
    window_end = end
    while window_end >= start:
        window_start = _years_before(window_end + ONE_DAY, years)
        result.append(Span(window_start, window_end, period))
        window_end = window_start - ONE_DAY
    return tuple(reversed(result))


def _years_before(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day `years` earlier; 29 February becomes 1 March in a common year.

    Used on the day after a window's end, so a year ending 28 February 2025 starts 1 March 2024 and
    one ending 29 February 2024 starts 1 March 2023: every window holds exactly one of each date.
    """
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return datetime.date(day.year - years, 3, 1)


def _index_of(required: tuple[Span, ...], day: datetime.date) -> int | None:
    """Index of the span holding `day` (spans are ordered and do not overlap), by bisection."""
    low, high = 0, len(required)
    while low < high:
        middle = (low + high) // 2
        span = required[middle]
        if day < span.start:
            high = middle
        elif day > span.end:
            low = middle + 1
        else:
            return middle
    return None


def _day(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"

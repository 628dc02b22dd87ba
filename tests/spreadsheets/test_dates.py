"""One date parser for every import: every form the two old parsers took (the schedule import's
and the roster widget's), and the same refusal for anything else."""

import datetime

import pytest

from spreadsheets import parse_date

DAY = datetime.date(2026, 5, 31)


@pytest.mark.parametrize(
    "value",
    [
        # Excel cells
        datetime.datetime(2026, 5, 31, 0, 0),
        datetime.datetime(2026, 5, 31, 14, 30),
        DAY,
        46173,  # a date cell that lost its format: Excel's day number
        46173.0,
        46173.6,  # with a time of day
        # both parsers
        "2026-05-31",
        "2026-5-31",
        "2026/05/31",
        "2026/5/31",
        "2026.5.31",
        "2026.05.31",
        "2026年5月31日",
        "2026年05月31日",
        "  2026-05-31  ",
        # the schedule import's
        "2026年5月31",
        "2026 - 5 - 31",
        "2026年 5月 31日",
        "2026-5/31",
        "2026-05-31 00:00:00",
        # the roster widget's
        "20260531",
        20260531,
        20260531.0,
    ],
)
def test_every_form_reads_as_the_same_day(value):
    assert parse_date(value) == DAY


@pytest.mark.parametrize("value", [None, "", "   "])
def test_blank_is_none(value):
    assert parse_date(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "2026-13-01",
        "2026-02-30",
        "1980-13-45",
        "31/05/2026",
        "五月三十一日",
        "2026-5-",
        "2026531",  # seven digits: 2026-5-31 or 2026-05-3-1? refused, not guessed
        "202651",
        "46173",  # a day number typed as text is not a date
        0,
        -5,
        0.5,
        99999999,
        True,
    ],
)
def test_anything_else_is_refused_in_chinese(value):
    with pytest.raises(ValueError, match="不是有效的日期，请写成 2020-01-31 的形式"):
        parse_date(value)


def test_the_refusal_quotes_what_was_typed():
    with pytest.raises(ValueError) as refused:
        parse_date(" 2026-13-01 ")

    assert str(refused.value) == "“2026-13-01”不是有效的日期，请写成 2020-01-31 的形式。"


@pytest.mark.parametrize(
    "value",
    [
        "２０２６－０５－３１",
        "２０２６年５月３１日",
        "2026-05-31T00:00:00".replace("T", " "),
        "２０２６０５３１",
    ],
)
def test_full_width_digits_and_a_time_read_as_the_day(value):
    assert parse_date(value) == DAY


@pytest.mark.parametrize(
    "value",
    [
        "2001.07",
        "2001.7",
        "2001-07",
        "2001/7",
        "2001年7月",
        "2001 年 7 月",
        "200107",
        "２００１．０７",
        2001.07,
    ],
)
def test_a_year_and_month_is_the_first_of_the_month_where_the_field_allows_it(value):
    assert parse_date(value, month_ok=True) == datetime.date(2001, 7, 1)


def test_a_number_cell_keeps_two_decimals_of_month():
    # Excel shows 2001.10 typed into a number cell as 2001.1: October, not January.
    assert parse_date(2001.1, month_ok=True) == datetime.date(2001, 10, 1)


@pytest.mark.parametrize("value", ["2001.07", "2001年7月", 2001.07])
def test_a_year_and_month_is_refused_where_the_day_is_needed(value):
    with pytest.raises(ValueError, match="只写到了月，请写出哪一天，如 2001-07-01"):
        parse_date(value)


@pytest.mark.parametrize("value", ["2001.13", "2001年0月"])
def test_a_month_past_twelve_is_no_date(value):
    with pytest.raises(ValueError, match="不是有效的日期"):
        parse_date(value, month_ok=True)

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
        "2026-05",
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

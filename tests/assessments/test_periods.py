"""Period arithmetic for metrics: calendar weeks and months whole, years counted back from the end."""

import datetime

import pytest

from assessments.periods import Period, Span, count_periods, count_periods_with, coverage, spans, window

D = datetime.date


def test_a_calendar_year_has_twelve_months():
    assert count_periods(D(2024, 1, 1), D(2024, 12, 31), Period.MONTH) == 12


def test_months_follow_month_ends_including_the_leap_day():
    months = spans(D(2024, 1, 1), D(2024, 3, 31), Period.MONTH)

    assert [(span.start, span.end) for span in months] == [
        (D(2024, 1, 1), D(2024, 1, 31)),
        (D(2024, 2, 1), D(2024, 2, 29)),
        (D(2024, 3, 1), D(2024, 3, 31)),
    ]
    assert [span.label for span in months] == ["2024年1月", "2024年2月", "2024年3月"]


def test_a_meeting_on_the_leap_day_counts_for_february():
    result = coverage(D(2024, 1, 1), D(2024, 3, 31), Period.MONTH, [D(2024, 1, 31), D(2024, 2, 29)])

    assert (result.required, result.credited) == (3, 2)
    assert [span.label for span in result.missing] == ["2024年3月"]


def test_the_last_day_of_a_month_and_the_first_of_the_next_are_two_months():
    assert (
        count_periods_with(D(2024, 1, 1), D(2024, 12, 31), Period.MONTH, [D(2024, 4, 30), D(2024, 5, 1)]) == 2
    )


def test_partial_months_at_both_ends_are_neither_required_nor_credited():
    result = coverage(
        D(2024, 3, 15), D(2024, 6, 10), Period.MONTH, [D(2024, 3, 20), D(2024, 5, 8), D(2024, 6, 1)]
    )

    assert [span.label for span in result.spans] == ["2024年4月", "2024年5月"]
    assert [span.label for span in result.left_out] == ["2024年3月", "2024年6月"]
    assert (result.required, result.credited, result.shortfall) == (2, 1, 1)
    assert [span.label for span in result.missing] == ["2024年4月"]


def test_a_range_shorter_than_a_month_requires_no_month():
    assert count_periods(D(2024, 3, 5), D(2024, 3, 25), Period.MONTH) == 0
    assert window(D(2024, 3, 5), D(2024, 3, 25), Period.MONTH) is None


def test_a_week_with_two_activities_counts_once():
    start, end = D(2024, 1, 1), D(2024, 1, 28)  # Monday 1 January to Sunday 28 January: four ISO weeks
    result = coverage(start, end, Period.WEEK, [D(2024, 1, 2), D(2024, 1, 5), D(2024, 1, 9)])

    assert (result.required, result.credited) == (4, 2)
    assert [span.label for span in result.missing] == ["2024年第3周", "2024年第4周"]


def test_weeks_start_on_monday():
    first = spans(D(2024, 1, 1), D(2024, 1, 14), Period.WEEK)[0]

    assert first.start.weekday() == 0
    assert first.end == D(2024, 1, 7)


def test_a_calendar_year_2024_requires_52_iso_weeks_and_leaves_out_the_week_across_the_year_end():
    result = coverage(D(2024, 1, 1), D(2024, 12, 31), Period.WEEK, [])

    assert result.required == 52
    assert [(span.start, span.end, span.label) for span in result.left_out] == [
        (D(2024, 12, 30), D(2025, 1, 5), "2025年第1周")
    ]


def test_an_iso_week_across_the_year_end_is_one_week():
    # Monday 30 December 2024 to Sunday 5 January 2025 is 2025年第1周.
    start, end = D(2024, 12, 23), D(2025, 1, 12)
    result = coverage(start, end, Period.WEEK, [D(2024, 12, 31), D(2025, 1, 2)])

    assert [span.label for span in result.spans] == ["2024年第52周", "2025年第1周", "2025年第2周"]
    assert (result.required, result.credited) == (3, 1)


def test_per_period_counts_at_most_that_many_in_a_period():
    days = [D(2024, 1, 3), D(2024, 1, 10), D(2024, 1, 17), D(2024, 2, 6)]

    result = coverage(D(2024, 1, 1), D(2024, 2, 29), Period.MONTH, days, per_period=2)

    assert (result.required, result.credited) == (4, 3)
    assert [span.label for span in result.missing] == ["2024年2月"]


def test_quarters_and_half_years_are_calendar_periods():
    assert [span.label for span in spans(D(2024, 1, 1), D(2024, 12, 31), Period.QUARTER)] == [
        "2024年第1季度",
        "2024年第2季度",
        "2024年第3季度",
        "2024年第4季度",
    ]
    assert [span.label for span in spans(D(2024, 2, 1), D(2024, 12, 31), Period.HALF_YEAR)] == [
        "2024年下半年"
    ]


def test_a_calendar_year_is_one_year_window():
    assert spans(D(2024, 1, 1), D(2024, 12, 31), Period.YEAR) == (
        Span(D(2024, 1, 1), D(2024, 12, 31), Period.YEAR),
    )


def test_a_school_year_is_one_year_window():
    (year,) = spans(D(2024, 9, 1), D(2025, 8, 31), Period.YEAR)

    assert (year.start, year.end) == (D(2024, 9, 1), D(2025, 8, 31))
    assert year.label == "2024年9月1日—2025年8月31日"


def test_a_two_year_rule_in_a_one_year_campaign_looks_back_two_years():
    """每两年至少发展1名新党员: not half a member this year, not nothing."""
    (window_span,) = spans(D(2024, 1, 1), D(2024, 12, 31), Period.TWO_YEARS)

    assert (window_span.start, window_span.end) == (D(2023, 1, 1), D(2024, 12, 31))
    assert window_span.label == "2023—2024年"
    assert window(D(2024, 1, 1), D(2024, 12, 31), Period.TWO_YEARS) == (D(2023, 1, 1), D(2024, 12, 31))


def test_a_two_year_window_across_a_year_end_counts_a_member_admitted_before_the_campaign():
    # A school-year campaign 2024-09-01..2025-08-31: the window is 2023-09-01..2025-08-31.
    start, end = D(2024, 9, 1), D(2025, 8, 31)

    admitted_in_december_2023 = coverage(start, end, Period.TWO_YEARS, [D(2023, 12, 20)])
    admitted_too_early = coverage(start, end, Period.TWO_YEARS, [D(2023, 8, 31)])

    assert (admitted_in_december_2023.required, admitted_in_december_2023.credited) == (1, 1)
    assert (admitted_too_early.required, admitted_too_early.credited) == (1, 0)


def test_two_members_in_one_two_year_window_count_once_for_one_a_window():
    result = coverage(D(2024, 1, 1), D(2024, 12, 31), Period.TWO_YEARS, [D(2023, 12, 31), D(2024, 1, 1)])

    assert (result.required, result.credited) == (1, 1)


def test_longer_ranges_have_windows_counted_back_from_the_end():
    windows = spans(D(2021, 7, 1), D(2024, 12, 31), Period.TWO_YEARS)

    assert [(span.start, span.end) for span in windows] == [
        (D(2021, 1, 1), D(2022, 12, 31)),
        (D(2023, 1, 1), D(2024, 12, 31)),
    ]


@pytest.mark.parametrize(
    ("end", "start"),
    [
        (D(2024, 2, 29), D(2022, 3, 1)),  # ends on the leap day
        (D(2024, 2, 28), D(2022, 3, 1)),  # the day after ends on the leap day
        (D(2025, 2, 28), D(2023, 3, 1)),  # holds 29 February 2024 once
    ],
)
def test_two_year_windows_around_a_leap_day_hold_every_date_once(end, start):
    (span,) = spans(end, end, Period.TWO_YEARS)

    assert span.start == start
    assert span.end == end


def test_a_year_ending_on_28_february_of_a_leap_year_starts_on_1_march():
    (span,) = spans(D(2024, 2, 28), D(2024, 2, 28), Period.YEAR)

    assert (span.start, span.end) == (D(2023, 3, 1), D(2024, 2, 28))


def test_dates_outside_the_required_periods_are_ignored():
    assert (
        count_periods_with(D(2024, 1, 1), D(2024, 1, 31), Period.MONTH, [D(2023, 12, 31), D(2024, 2, 1)]) == 0
    )


def test_a_range_ending_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="结束日期不能早于开始日期"):
        count_periods(D(2024, 2, 1), D(2024, 1, 1), Period.MONTH)


def test_period_labels_read_as_the_plans_write_them():
    assert [period.label for period in Period] == ["周", "月", "季度", "半年", "年", "两年"]
    assert Period.WEEK.is_calendar and not Period.TWO_YEARS.is_calendar

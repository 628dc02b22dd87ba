"""The time rules of 发展党员 as pure functions, at their boundaries: exactly a year, a day short."""

import datetime

import pytest

from members import development_rules as rules
from members.models import DevelopmentStage

D = datetime.date
S = DevelopmentStage.Stage
TODAY = D(2026, 11, 28)


def history(*dates: datetime.date) -> dict[str, datetime.date]:
    """The first len(dates) stages, reached on those dates."""
    return dict(zip(rules.ORDER, dates, strict=False))


# Dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (D(2024, 3, 1), 1, D(2025, 3, 1)),
        (D(2025, 12, 31), 1, D(2026, 12, 31)),
        (D(2024, 2, 29), 1, D(2025, 2, 28)),  # no 29 February: the month's last day
        (D(2024, 2, 29), 4, D(2028, 2, 29)),
        (D(2008, 5, 3), 18, D(2026, 5, 3)),
    ],
)
def test_years_after(day, years, expected):
    assert rules.years_after(day, years) == expected


def test_chinese_date_has_no_leading_zeros():
    assert rules.chinese_date(D(2025, 3, 1)) == "2025年3月1日"


# Order ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reached", "current", "upcoming"),
    [
        (0, None, S.APPLICANT),
        (1, S.APPLICANT, S.ACTIVIST),
        (2, S.ACTIVIST, S.CANDIDATE),
        (3, S.CANDIDATE, S.PROBATIONARY),
        (4, S.PROBATIONARY, S.FULL),
        (5, S.FULL, None),
    ],
)
def test_current_and_next_stage(reached, current, upcoming):
    past = history(*[D(2020, 1, 1) + datetime.timedelta(days=400 * i) for i in range(reached)])

    assert rules.current_stage(past) == current
    assert rules.next_stage(past) == upcoming


def test_a_stage_cannot_be_skipped():
    refusal = rules.check_move(history(D(2024, 1, 5)), S.CANDIDATE, D(2026, 1, 5), today=TODAY)

    assert refusal.rule == "逐级发展"
    assert refusal.message == "发展党员须逐级进行：下一步应登记为入党积极分子，不能直接登记为发展对象。"


def test_a_stage_cannot_be_recorded_twice():
    refusal = rules.check_move(history(D(2024, 1, 5)), S.APPLICANT, D(2024, 2, 5), today=TODAY)

    assert refusal.rule == "不重复登记"
    assert "2024年1月5日" in refusal.message


def test_nothing_follows_full_membership():
    done = history(D(2019, 1, 1), D(2019, 6, 1), D(2020, 6, 1), D(2020, 10, 1), D(2021, 10, 1))

    assert rules.check_move(done, S.FULL, D(2022, 1, 1), today=TODAY).rule == "不重复登记"
    assert rules.next_stage(done) is None


# Dates in order ---------------------------------------------------------------------------


def test_same_day_as_the_previous_stage_is_allowed():
    assert rules.check_move(history(D(2026, 3, 1)), S.ACTIVIST, D(2026, 3, 1), today=TODAY) is None


def test_a_day_before_the_previous_stage_is_refused():
    refusal = rules.check_move(history(D(2026, 3, 1)), S.ACTIVIST, D(2026, 2, 28), today=TODAY)

    assert refusal.rule == "日期先后"
    assert refusal.message == "入党积极分子的日期不能早于入党申请人的日期（2026年3月1日）。"


def test_today_is_allowed_and_tomorrow_is_not():
    past = history(D(2026, 3, 1))

    assert rules.check_move(past, S.ACTIVIST, TODAY, today=TODAY) is None
    refusal = rules.check_move(past, S.ACTIVIST, TODAY + datetime.timedelta(days=1), today=TODAY)
    assert refusal.rule == "不得预先登记"


# 培养教育考察一年以上 -------------------------------------------------------------------------


def test_candidate_exactly_a_year_after_becoming_activist():
    past = history(D(2023, 10, 1), D(2024, 3, 1))

    assert rules.check_move(past, S.CANDIDATE, D(2025, 3, 1), today=TODAY) is None


def test_candidate_one_day_short_of_a_year_is_refused_with_the_rule_named():
    past = history(D(2023, 10, 1), D(2024, 3, 1))

    refusal = rules.check_move(past, S.CANDIDATE, D(2025, 2, 28), today=TODAY)

    assert refusal.rule == "培养教育考察一年以上"
    assert refusal.message == "列为发展对象须在确定为入党积极分子满一年后（2025年3月1日起）。"


def test_activist_from_29_february_waits_until_28_february():
    past = history(D(2023, 10, 1), D(2024, 2, 29))

    assert rules.check_move(past, S.CANDIDATE, D(2025, 2, 28), today=TODAY) is None
    assert rules.check_move(past, S.CANDIDATE, D(2025, 2, 27), today=TODAY).rule == "培养教育考察一年以上"


# 预备期一年 ------------------------------------------------------------------------------------

PROBATION = history(D(2022, 1, 10), D(2022, 6, 1), D(2023, 6, 5), D(2025, 7, 1))


def test_full_membership_exactly_a_year_after_probation():
    assert rules.check_move(PROBATION, S.FULL, D(2026, 7, 1), today=TODAY) is None


def test_full_membership_one_day_short_is_refused_with_the_rule_named():
    refusal = rules.check_move(PROBATION, S.FULL, D(2026, 6, 30), today=TODAY)

    assert refusal.rule == "预备期一年"
    assert refusal.message == "转为正式党员须在预备期满一年后（2026年7月1日起）。"


def test_the_year_rules_do_not_hold_back_the_other_moves():
    # 发展对象 → 预备党员 and 申请人 → 积极分子 have no waiting time of their own.
    assert rules.check_move(history(D(2026, 1, 1)), S.ACTIVIST, D(2026, 1, 2), today=TODAY) is None
    past = history(D(2024, 1, 1), D(2024, 6, 1), D(2025, 6, 1))
    assert rules.check_move(past, S.PROBATIONARY, D(2025, 6, 2), today=TODAY) is None


# 年满十八岁 ------------------------------------------------------------------------------------


def test_applying_on_the_eighteenth_birthday_is_allowed():
    assert rules.check_move({}, S.APPLICANT, D(2026, 5, 3), birth_date=D(2008, 5, 3), today=TODAY) is None


def test_applying_the_day_before_the_eighteenth_birthday_is_refused():
    refusal = rules.check_move({}, S.APPLICANT, D(2026, 5, 2), birth_date=D(2008, 5, 3), today=TODAY)

    assert refusal.rule == "年满十八岁"
    assert refusal.message == "申请入党须年满十八岁（2026年5月3日起）。"


def test_age_is_not_checked_when_the_birth_date_is_unknown():
    assert rules.check_move({}, S.APPLICANT, D(2026, 5, 2), birth_date=None, today=TODAY) is None


# The earliest day, as the pages show it -------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "past", "birth", "expected"),
    [
        (S.APPLICANT, {}, None, None),
        (S.APPLICANT, {}, D(2008, 5, 3), D(2026, 5, 3)),
        (S.ACTIVIST, history(D(2026, 3, 1)), None, D(2026, 3, 1)),
        (S.CANDIDATE, history(D(2023, 10, 1), D(2024, 3, 1)), None, D(2025, 3, 1)),
        (S.PROBATIONARY, history(D(2023, 10, 1), D(2024, 3, 1), D(2025, 4, 1)), None, D(2025, 4, 1)),
        (S.FULL, PROBATION, None, D(2026, 7, 1)),
    ],
)
def test_earliest_date(stage, past, birth, expected):
    assert rules.earliest_date(stage, past, birth_date=birth) == expected

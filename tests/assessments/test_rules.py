"""Each scoring rule kind at its boundaries, in Decimal, with the sentence that explains it."""

import json
from decimal import Decimal

import pytest

from assessments.periods import Period
from assessments.rules import (
    Bonus,
    FixedDeduction,
    GradedLevels,
    Level,
    Manual,
    PerUnitDeduction,
    Threshold,
    Veto,
    cap_bonuses,
    describe,
    dimension_total,
    from_data,
    manual_refusal,
    score,
    score_bonus,
    score_fixed,
    score_graded,
    score_manual,
    score_per_unit,
    score_threshold,
    score_veto,
    to_data,
    to_decimal,
)

D = Decimal

ATTENDANCE = Threshold(points=5, threshold=90, subject="党员到会率", unit="%")
COMMITTEE = PerUnitDeduction(
    points=5, per_unit="0.5", required=1, period=Period.MONTH, subject="支委会", action="开"
)


# 达标


def test_threshold_exactly_at_the_threshold_scores_full():
    result = score_threshold(ATTENDANCE, D("90"))

    assert result.points == D("5.00")
    assert result.explanation == "党员到会率 90%，达到 90%，得 5 分"


def test_threshold_just_below_scores_nothing_and_does_not_read_as_ninety():
    result = score_threshold(ATTENDANCE, D("89.999"))

    assert result.points == D("0.00")
    assert result.explanation == "党员到会率 89.999%，未达到 90%，不得分"


def test_threshold_far_below_scores_nothing():
    assert score_threshold(ATTENDANCE, D("12.5")).points == 0


def test_threshold_with_a_set_deduction_takes_only_that_off():
    rule = Threshold(points=5, threshold=90, deduction=2, subject="党员到会率", unit="%")

    result = score_threshold(rule, D("85"))

    assert result.points == D("3.00")
    assert result.explanation == "党员到会率 85%，未达到 90%，扣 2 分"


def test_threshold_at_most_passes_at_the_limit_and_fails_above():
    rule = Threshold(points=2, threshold=2, at_least=False, subject="无故缺席", unit="次")

    assert score_threshold(rule, 2).points == D("2.00")
    assert score_threshold(rule, 3).points == 0
    assert score_threshold(rule, 3).explanation == "无故缺席 3 次，超过 2 次，不得分"


def test_threshold_compares_a_rate_unrounded():
    # 26 of 29 members present is 89.655…%: below 90 however it is shown.
    rate = D(26) / D(29) * 100

    assert score_threshold(ATTENDANCE, rate).points == 0
    assert "89.66%" in score_threshold(ATTENDANCE, rate).explanation


# per-unit deduction


def test_per_unit_explains_like_the_inspector():
    result = score_per_unit(COMMITTEE, 10, periods=12)

    assert result.points == D("4.00")
    assert result.explanation == "支委会 10 次，应开 12 次，少 2 次，扣 1 分"


def test_per_unit_exactly_met_deducts_nothing():
    result = score_per_unit(COMMITTEE, 12, periods=12)

    assert result.points == D("5.00")
    assert result.explanation == "支委会 12 次，应开 12 次，不扣分"


def test_per_unit_more_than_required_scores_full_and_no_more():
    assert score_per_unit(COMMITTEE, 20, periods=12).points == D("5.00")


def test_per_unit_one_short():
    assert score_per_unit(COMMITTEE, 11, periods=12).points == D("4.50")


def test_per_unit_far_short_stops_at_zero():
    result = score_per_unit(COMMITTEE, 0, periods=12)

    assert result.points == D("0.00")
    assert result.explanation == "支委会 0 次，应开 12 次，少 12 次，应扣 6 分，扣完为止，扣 5 分"


def test_per_unit_exactly_to_zero_is_not_called_a_floor():
    result = score_per_unit(COMMITTEE, 2, periods=12)

    assert result.points == D("0.00")
    assert result.explanation == "支委会 2 次，应开 12 次，少 10 次，扣 5 分"


def test_per_unit_cap_limits_the_deduction():
    rule = PerUnitDeduction(points=5, per_unit="0.5", required=1, cap=3, subject="支委会", action="开")

    result = score_per_unit(rule, 2, periods=12)

    assert result.points == D("2.00")
    assert result.explanation == "支委会 2 次，应开 12 次，少 10 次，应扣 5 分，最多扣 3 分，扣 3 分"


def test_per_unit_cap_not_reached_is_not_mentioned():
    rule = PerUnitDeduction(points=5, per_unit="0.5", required=1, cap=3)

    assert score_per_unit(rule, 10, periods=12).explanation == "10 次，应完成 12 次，少 2 次，扣 1 分"


def test_per_unit_without_a_requirement_scores_the_count_a_person_gives():
    rule = PerUnitDeduction(points=6, per_unit=1, action="缺", unit="项")

    assert score_per_unit(rule, 0).explanation == "缺 0 项，不扣分"
    assert score_per_unit(rule, 2).points == D("4.00")
    assert score_per_unit(rule, 2).explanation == "缺 2 项，扣 2 分"
    assert score_per_unit(rule, 9).points == D("0.00")


def test_per_unit_over_weeks_counts_weeks_held():
    # 党日活动每周1次 over 52 weeks, held in 50 of them.
    rule = PerUnitDeduction(points=5, per_unit="0.1", required=1, period=Period.WEEK, subject="党日活动")

    result = score_per_unit(rule, 50, periods=52)

    assert result.points == D("4.80")
    assert result.explanation == "党日活动 50 次，应完成 52 次，少 2 次，扣 0.2 分"


def test_per_unit_thirds_round_half_up_to_the_cent():
    rule = PerUnitDeduction(points=1, per_unit=D(1) / D(3))

    assert score_per_unit(rule, 1).points == D("0.67")


def test_per_unit_refuses_a_negative_count():
    with pytest.raises(ValueError, match="次数不能为负数"):
        score_per_unit(COMMITTEE, -1, periods=12)


# fixed deduction


def test_fixed_deduction_not_occurred_keeps_the_points():
    rule = FixedDeduction(points=10, amount=5, event="没开民主生活会")

    result = score_fixed(rule, occurred=False)

    assert result.points == D("10.00")
    assert result.explanation == "未发生“没开民主生活会”，不扣分"


def test_fixed_deduction_within_the_item():
    result = score_fixed(FixedDeduction(points=10, amount=5, event="没开民主生活会"), occurred=True)

    assert result.points == D("5.00")
    assert result.excess == 0


def test_fixed_deduction_larger_than_the_item_stops_at_zero_by_default():
    rule = FixedDeduction(points=10, amount=15, event="未按规定发展党员")

    result = score_fixed(rule, occurred=True)

    assert (result.points, result.excess) == (D("0.00"), D("0.00"))
    assert result.explanation == "未按规定发展党员，扣 15 分，本项 10 分扣完为止"


def test_fixed_deduction_allowed_beyond_the_item_reports_the_excess_apart():
    rule = FixedDeduction(points=10, amount=15, event="未按规定发展党员", may_exceed=True)

    result = score_fixed(rule, occurred=True)

    assert (result.points, result.excess) == (D("0.00"), D("5.00"))
    assert result.explanation == "未按规定发展党员，扣 15 分，本项 10 分扣完，另 5 分从所在一级指标中扣除"


# dimension total and excess deductions


def test_dimension_takes_the_excess_off_the_other_items():
    excess = score_fixed(
        FixedDeduction(points=10, amount=15, event="未按规定发展党员", may_exceed=True), True
    )
    others = score_per_unit(COMMITTEE, 12, periods=12)  # 5 of 5

    total = dimension_total([excess, others])

    assert (total.points, total.max_points, total.excess_applied) == (D("0.00"), D("15.00"), D("5.00"))
    assert total.explanation == "各项合计 5 分，另扣超出本项的 5 分，得 0 分"


def test_dimension_excess_is_floored_at_zero():
    excess = score_fixed(FixedDeduction(points=10, amount=15, may_exceed=True), True)
    others = score_per_unit(COMMITTEE, 10, periods=12)  # 4 of 5

    total = dimension_total([excess, others])

    assert total.points == D("0.00")
    assert total.excess_applied == D("4.00")
    assert total.explanation == "各项合计 4 分，另扣超出本项的 5 分，扣至 0 分为止，得 0 分"


def test_dimension_with_room_keeps_the_rest():
    excess = score_fixed(FixedDeduction(points=2, amount=3, may_exceed=True), True)
    graded = score_graded(GradedLevels(4, (Level("好", 4), Level("较好", 3))), "好")

    assert dimension_total([excess, graded]).points == D("3.00")


def test_dimension_keeps_the_bonus_apart_and_carries_the_veto():
    bonus = score_bonus(Bonus(per_unit=2, cap=4, condition="有创新做法"), 1)
    veto = score_veto(Veto(), passed=False)
    base = score_per_unit(COMMITTEE, 12, periods=12)

    total = dimension_total([bonus, veto, base])

    assert (total.points, total.bonus, total.vetoed) == (D("5.00"), D("2.00"), True)
    assert total.explanation == "各项合计 5 分；加分 2 分另计"


# graded levels


GRADED = GradedLevels(points=4, levels=(Level("好", 4), Level("较好", 3), Level("一般", 2), Level("差", 0)))


@pytest.mark.parametrize(
    ("label", "points"), [("好", "4.00"), ("较好", "3.00"), ("一般", "2.00"), ("差", "0.00")]
)
def test_graded_level_gives_its_points(label, points):
    assert score_graded(GRADED, label).points == D(points)


def test_graded_explains_the_level():
    assert score_graded(GRADED, "较好").explanation == "评定为“较好”，得 3 分"


def test_graded_refuses_an_unknown_level_naming_the_known_ones():
    with pytest.raises(ValueError, match="没有“优秀”这一等次，可选：好、较好、一般、差"):
        score_graded(GRADED, "优秀")


def test_graded_refuses_a_level_above_the_item():
    with pytest.raises(ValueError, match="超过本项分值"):
        GradedLevels(points=3, levels=(Level("好", 4), Level("差", 0)))


def test_graded_refuses_repeated_labels():
    with pytest.raises(ValueError, match="等次名称重复"):
        GradedLevels(points=4, levels=(Level("好", 4), Level("好", 0)))


# bonus


INNOVATION = Bonus(per_unit=2, cap=4, condition="有创新做法")


def test_bonus_is_apart_from_the_base_score():
    result = score_bonus(INNOVATION, 1)

    assert (result.points, result.max_points, result.bonus) == (D("0.00"), D("0.00"), D("2.00"))
    assert result.explanation == "有创新做法 1 项，每项加 2 分，加 2 分"


def test_bonus_exactly_at_the_item_cap():
    assert score_bonus(INNOVATION, 2).bonus == D("4.00")


def test_bonus_above_the_item_cap_is_capped():
    result = score_bonus(INNOVATION, 3)

    assert result.bonus == D("4.00")
    assert result.explanation == "有创新做法 3 项，每项加 2 分，应加 6 分，本项最多加 4 分，加 4 分"


def test_bonus_none_adds_nothing():
    assert score_bonus(INNOVATION, 0).bonus == 0


def test_framework_cap_trims_the_bonuses_of_the_whole_table():
    bonuses = [score_bonus(INNOVATION, 3), score_bonus(Bonus(per_unit=1, condition="受上级表彰"), 3)]

    total = cap_bonuses(bonuses, 5)

    assert (total.claimed, total.awarded, total.trimmed) == (D("7.00"), D("5.00"), D("2.00"))
    assert total.explanation == "加分合计 7 分，全表最多加 5 分，计 5 分"


def test_framework_cap_exactly_reached_trims_nothing():
    total = cap_bonuses([score_bonus(INNOVATION, 2), D("1")], 5)

    assert (total.awarded, total.trimmed) == (D("5.00"), D("0.00"))


def test_framework_cap_takes_dimension_totals_too():
    dimension = dimension_total([score_bonus(INNOVATION, 2)])

    assert cap_bonuses([dimension, dimension], 6).awarded == D("6.00")


def test_no_framework_cap_keeps_every_bonus():
    assert cap_bonuses([score_bonus(INNOVATION, 2), D(3)], None).awarded == D("7.00")


# veto


def test_veto_passed_keeps_the_item_and_the_site():
    result = score_veto(Veto(points=0, condition="发生违法违纪"), passed=True)

    assert not result.vetoed
    assert result.explanation == "一票否决项“发生违法违纪”未触及"


def test_veto_failed_fails_the_site_whatever_the_total():
    result = score_veto(Veto(points=5), passed=False)

    assert result.vetoed
    assert result.points == 0
    assert "无论总分多少，示范点不予通过" in result.explanation


# manual


def test_manual_at_max_needs_no_reason():
    assert manual_refusal(Manual(5), 5) is None
    assert score_manual(Manual(5), D("5")).explanation == "人工评分，得满分 5 分"


def test_manual_below_max_needs_a_reason():
    assert manual_refusal(Manual(5), D("4.5")) == "得分低于满分 5 分，请填写扣分理由。"
    assert manual_refusal(Manual(5), D("4.5"), "   ") == "得分低于满分 5 分，请填写扣分理由。"


def test_manual_below_max_with_a_reason_scores_it():
    result = score_manual(Manual(5), D("4.5"), "记录不全")

    assert result.points == D("4.50")
    assert result.explanation == "人工评分，扣 0.5 分，得 4.5 分：记录不全"


@pytest.mark.parametrize("value", [D("-0.5"), D("5.5")])
def test_manual_outside_zero_to_max_is_refused(value):
    assert manual_refusal(Manual(5), value, "理由") == "得分须在 0 至 5 分之间。"


def test_manual_refuses_more_than_two_decimals_and_non_numbers():
    assert manual_refusal(Manual(5), D("4.555"), "理由") == "得分最多保留两位小数。"
    assert manual_refusal(Manual(5), "四分", "理由") == "请填写数字分值。"


def test_score_manual_raises_the_refusal():
    with pytest.raises(ValueError, match="请填写扣分理由"):
        score_manual(Manual(5), 3)


def test_manual_zero_with_a_reason_is_accepted():
    assert score_manual(Manual(5), 0, "未开展").points == D("0.00")


# dispatch, Decimal only, sentences


def test_score_dispatches_on_the_kind():
    assert score(COMMITTEE, 10, periods=12).points == D("4.00")
    assert score(ATTENDANCE, D("95")).points == D("5.00")
    assert score(FixedDeduction(points=5, amount=2), True).points == D("3.00")
    assert score(GRADED, "一般").points == D("2.00")
    assert score(INNOVATION, 1).bonus == D("2.00")
    assert score(Veto(), False).vetoed
    assert score(Manual(5), 4, reason="材料不全").points == D("4.00")


def test_floats_are_refused_everywhere():
    with pytest.raises(TypeError, match="不能是 float"):
        to_decimal(0.1)
    with pytest.raises(TypeError):
        Threshold(points=5, threshold=89.5)
    with pytest.raises(TypeError):
        score_per_unit(COMMITTEE, 10.0, periods=12)


def test_strings_and_ints_become_decimals():
    rule = PerUnitDeduction(points="5", per_unit="0.5")

    assert rule.points == D("5") and rule.per_unit == D("0.5")


def test_rules_refuse_nonsense_amounts():
    with pytest.raises(ValueError, match="每次扣分须大于 0"):
        PerUnitDeduction(points=5, per_unit=0)
    with pytest.raises(ValueError, match="分值不能为负数"):
        FixedDeduction(points=-1, amount=1)
    with pytest.raises(ValueError, match="评定等次至少两档"):
        GradedLevels(points=4, levels=(Level("好", 4),))


@pytest.mark.parametrize(
    ("rule", "line"),
    [
        (COMMITTEE, "每月开支委会 1 次，每少开 1 次扣 0.5 分，扣完为止"),
        (
            PerUnitDeduction(points=6, per_unit=1, action="缺", unit="项", cap=3),
            "每缺 1 项扣 1 分，最多扣 3 分，扣完为止",
        ),
        (ATTENDANCE, "党员到会率90%以上得满分，否则不得分"),
        (FixedDeduction(points=10, amount=15, event="未按规定发展党员"), "未按规定发展党员扣 15 分"),
        (FixedDeduction(points=2, amount=2, event="无计划"), "无计划不得分"),
        (GRADED, "好 4 分、较好 3 分、一般 2 分、差 0 分"),
        (INNOVATION, "有创新做法每项加 2 分，最多加 4 分"),
        (Veto(), "一票否决"),
        (Manual(3), "酌情评分（0 至 3 分）"),
    ],
)
def test_describe_states_the_rule_in_one_line(rule, line):
    assert describe(rule) == line


@pytest.mark.parametrize(
    "rule",
    [
        ATTENDANCE,
        Threshold(points=5, threshold=2, at_least=False, deduction="1.5"),
        COMMITTEE,
        PerUnitDeduction(points=6, per_unit=1, action="缺", unit="项", cap=3),
        FixedDeduction(points=10, amount=15, event="未按规定发展党员", may_exceed=True),
        GRADED,
        INNOVATION,
        Bonus(per_unit="0.5"),
        Veto(points=0, condition="发生违法违纪"),
        Manual(3),
    ],
)
def test_rules_survive_a_json_round_trip(rule):
    data = json.loads(json.dumps(to_data(rule)))

    assert from_data(data) == rule


def test_json_data_keeps_decimals_as_strings():
    assert to_data(COMMITTEE) == {
        "kind": "per_unit",
        "points": "5",
        "per_unit": "0.5",
        "required": "1",
        "period": "month",
        "cap": None,
        "subject": "支委会",
        "action": "开",
        "unit": "次",
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "lottery"}, "不认识的评分规则类型"),
        ({"kind": "manual", "points": "3", "colour": "red"}, "评分规则数据有误"),
        ({"kind": "fixed", "points": "3", "amount": "0"}, "扣分须大于 0"),
    ],
)
def test_bad_rule_data_is_refused_in_chinese(data, message):
    with pytest.raises(ValueError, match=message):
        from_data(data)

"""The composite score: three parts on a 100-point scale from the framework's own total,
weighted, plus the capped bonus; a failed veto fails whatever the total."""

from decimal import Decimal as D

import pytest

from assessments.composite import FAILED, PASSED, RECTIFYING, Weights, composite_score, on_hundred

W = Weights(20, 30, 50)


def score(**kwargs):
    defaults = {
        "self_points": D("90"),
        "inspection_points": D("85"),
        "framework_total": D("100"),
        "satisfaction_rate": D("95"),
        "weights": W,
        "pass_score": D("80"),
    }
    return composite_score(**{**defaults, **kwargs})


@pytest.mark.parametrize(
    ("total", "self_points", "inspection_points", "rate", "expected"),
    [
        # 100-point table: 90×0.2 + 95×0.3 + 85×0.5 = 18 + 28.5 + 42.5
        (D("100"), D("90"), D("85"), D("95"), D("89.00")),
        # 80-point table (鸡冠区): 72/80 = 90, 68/80 = 85 → the same composite as above
        (D("80"), D("72"), D("68"), D("95"), D("89.00")),
        # 150-point table: 135/150 = 90, 127.5/150 = 85
        (D("150"), D("135"), D("127.5"), D("95"), D("89.00")),
        # 80-point table, odd points: 61/80 = 76.25, 59.5/80 = 74.38 (half up); 15.25 + 26.667 + 37.19
        (D("80"), D("61"), D("59.5"), D("88.89"), D("79.11")),
        # all perfect
        (D("100"), D("100"), D("100"), D("100"), D("100.00")),
        # nothing
        (D("100"), D("0"), D("0"), D("0"), D("0.00")),
    ],
)
def test_each_part_is_normalised_from_the_frameworks_own_total(
    total, self_points, inspection_points, rate, expected
):
    result = score(
        framework_total=total,
        self_points=self_points,
        inspection_points=inspection_points,
        satisfaction_rate=rate,
    )
    assert result.total == expected
    assert result.self_part == on_hundred(self_points, total)
    assert result.inspection_part == on_hundred(inspection_points, total)
    assert result.bonus == D("0")


def test_weights_change_the_outcome():
    public_heavy = score(weights=Weights(10, 60, 30), satisfaction_rate=D("60"))
    # 90×0.1 + 60×0.6 + 85×0.3 = 9 + 36 + 25.5
    assert public_heavy.total == D("70.50")
    assert public_heavy.verdicts == (RECTIFYING, FAILED)


def test_bonus_is_capped_on_the_framework_scale_then_normalised():
    # 80-point table, bonus claimed 8, cap 5 → 5/80 → 6.25 on the 100 scale
    result = score(
        framework_total=D("80"),
        self_points=D("72"),
        inspection_points=D("68"),
        bonus_points=D("8"),
        bonus_cap=D("5"),
    )
    assert result.weighted == D("89.00")
    assert result.bonus == D("6.25")
    assert result.total == D("95.25")
    uncapped = score(
        framework_total=D("80"), self_points=D("72"), inspection_points=D("68"), bonus_points=D("8")
    )
    assert uncapped.bonus == D("10.00")


def test_bonus_lifts_a_site_over_the_pass_score():
    below = score(self_points=D("78"), inspection_points=D("76"), satisfaction_rate=D("80"))
    assert below.total == D("77.60")
    assert below.verdicts == (RECTIFYING, FAILED)
    lifted = score(
        self_points=D("78"), inspection_points=D("76"), satisfaction_rate=D("80"), bonus_points=D("3")
    )
    assert lifted.total == D("80.60")
    assert lifted.verdicts == (PASSED,)


def test_a_failed_veto_fails_whatever_the_total():
    result = score(self_points=D("100"), inspection_points=D("100"), satisfaction_rate=D("100"), vetoed=True)
    assert result.total == D("100.00")
    assert not result.reaches_pass
    assert result.verdicts == (FAILED,)
    assert "一票否决" in result.explanation


def test_the_pass_score_comes_from_the_campaign():
    assert score(pass_score=D("89")).verdicts == (PASSED,)
    assert score(pass_score=D("89.01")).verdicts == (RECTIFYING, FAILED)
    assert score(pass_score=D("89")).suggested_verdict == PASSED


@pytest.mark.parametrize(
    "kwargs",
    [
        {"framework_total": D("0")},
        {"satisfaction_rate": D("101")},
        {"satisfaction_rate": D("-1")},
        {"self_points": D("101")},
        {"inspection_points": D("-0.5")},
    ],
)
def test_impossible_inputs_are_refused(kwargs):
    with pytest.raises(ValueError):
        score(**kwargs)


def test_weights_must_sum_to_100():
    with pytest.raises(ValueError, match="100"):
        Weights(20, 30, 40)
    with pytest.raises(ValueError):
        Weights(-10, 60, 50)

import pytest

from members.stars import DEFAULT_STAR_THRESHOLDS, star_level


@pytest.mark.parametrize(
    ("count", "stars"),
    [(0, 0), (4, 0), (5, 1), (9, 1), (10, 2), (15, 3), (20, 4), (24, 4), (25, 5), (100, 5)],
)
def test_default_rule(count, stars):
    assert star_level(count) == stars
    assert star_level(count, DEFAULT_STAR_THRESHOLDS) == stars


@pytest.mark.parametrize(("count", "stars"), [(2, 0), (3, 1), (5, 1), (6, 2), (29, 4), (30, 5)])
def test_non_default_rule(count, stars):
    assert star_level(count, (3, 6, 12, 20, 30)) == stars


@pytest.mark.parametrize("rule", [(5, 5, 15, 20, 25), (10, 5, 15, 20, 25), (5, 10, 15, 20)])
def test_rule_must_be_five_increasing_counts(rule):
    with pytest.raises(ValueError, match="逐级递增"):
        star_level(10, rule)

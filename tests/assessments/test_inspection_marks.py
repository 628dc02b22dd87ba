"""The team's marks for one indicator: pending, consistent (the mean counts), divergent beyond
the margin (flagged), agreed (the lead's score counts); and the inspection's total."""

from decimal import Decimal as D

from assessments.inspection import (
    AGREED,
    CONSISTENT,
    DIVERGENT,
    PENDING,
    Agreement,
    Mark,
    inspection_total,
    item_marks,
)

TEAM = [1, 2, 3]


def marks(
    points, *, max_points="10", margin="1", agreed=None, is_bonus=False, is_veto=False, occurred=None, pk=1
):
    given = {}
    for user_id, value in zip(TEAM, points, strict=False):
        if value is None:
            continue
        flag = occurred[user_id - 1] if occurred else None
        given[user_id] = Mark(user_id, None if value == "-" else D(value), flag)
    return item_marks(
        indicator_id=pk,
        max_points=D(max_points),
        is_bonus=is_bonus,
        is_veto=is_veto,
        team=TEAM,
        given=given,
        margin=D(margin),
        agreed=agreed,
    )


def test_pending_until_everyone_scored():
    item = marks(["8", "9", None])
    assert item.status == PENDING
    assert item.points is None


def test_within_the_margin_the_mean_counts():
    item = marks(["8", "9", "8.5"])
    assert item.status == CONSISTENT
    assert item.spread == D("1")
    assert item.points == D("8.50")


def test_the_margin_itself_is_not_divergence_but_beyond_it_is():
    assert marks(["8", "9", "9"], margin="1").status == CONSISTENT
    item = marks(["7.5", "9", "9"], margin="1")
    assert item.status == DIVERGENT
    assert item.is_divergent
    assert item.points is None


def test_the_agreed_score_counts_whatever_the_marks():
    item = marks(["5", "9", "9"], agreed=Agreement(D("7"), reason="现场复核"))
    assert item.status == AGREED
    assert item.points == D("7.00")


def test_a_veto_item_divergent_when_inspectors_disagree_on_the_event():
    item = marks(["0", "0", "0"], max_points="0", is_veto=True, occurred=[False, True, False])
    assert item.status == DIVERGENT
    assert not item.vetoed
    agreed = marks(
        ["0", "0", "0"],
        max_points="0",
        is_veto=True,
        occurred=[False, True, False],
        agreed=Agreement(D("0"), occurred=True, reason="查实"),
    )
    assert agreed.vetoed


def test_a_veto_found_by_everyone_vetoes():
    item = marks(["0", "0", "0"], max_points="0", is_veto=True, occurred=[True, True, True])
    assert item.status == CONSISTENT
    assert item.vetoed


def test_total_caps_items_and_bonus_and_lists_what_is_missing():
    items = [
        marks(["10", "10", "10"], pk=1),
        marks(["4", "5", "4.5"], max_points="5", pk=2),
        marks(["1", "4", "4"], max_points="5", pk=3),  # divergent
        marks(["2", None, None], max_points="5", pk=4),  # pending
        marks(["4", "4", "4"], max_points="4", is_bonus=True, pk=5),
        marks(["3", "3", "3"], max_points="3", is_bonus=True, pk=6),
    ]
    total = inspection_total(items, bonus_cap=D("5"))
    assert total.points == D("14.50")
    assert total.max_points == D("25.00")
    assert total.bonus.claimed == D("7.00")
    assert total.bonus.awarded == D("5.00")
    assert total.divergent_ids == (3,)
    assert total.pending_ids == (4,)
    assert not total.complete
    assert not total.vetoed

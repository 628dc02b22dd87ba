"""The 星级服务评定标准 as pure functions (village plan, 定“制”): no database, no models.

年内服务次数累计达5次，授予一星党员志愿者称号；……累计达25次，授予五星党员志愿者称号。

The yearly board that applies it to a branch's verified services is `members.queries.yearly_board`.
"""

from __future__ import annotations

import bisect
import datetime
import functools
import itertools
from collections.abc import Callable, Sequence
from typing import NamedTuple

DEFAULT_STAR_THRESHOLDS: tuple[int, int, int, int, int] = (5, 10, 15, 20, 25)

# What each level is called on the board; 0 is a member below the first threshold.
STAR_TITLES = {
    5: "五星党员志愿者",
    4: "四星党员志愿者",
    3: "三星党员志愿者",
    2: "二星党员志愿者",
    1: "一星党员志愿者",
    0: "尚未评星",
}
STAR_NAMES = {5: "五星", 4: "四星", 3: "三星", 2: "二星", 1: "一星", 0: "未达一星"}


def star_level(count: int, rule: Sequence[int] = DEFAULT_STAR_THRESHOLDS) -> int:
    """Stars (0–5) earned by `count` verified services in a year under `rule`.

    `rule` lists the counts needed for one to five stars, strictly increasing.
    """
    return star_scale(rule)(count)


def star_scale(rule: Sequence[int] = DEFAULT_STAR_THRESHOLDS) -> Callable[[int], int]:
    """`star_level` under `rule`, the rule checked once: for a board of hundreds of members.

    The stars are how many of the rule's counts `count` reaches: the rule being increasing,
    where `count` would go in it (`bisect_right`).
    """
    if len(rule) != 5 or any(later <= earlier for earlier, later in itertools.pairwise(rule)):
        raise ValueError("星级标准须为 5 个逐级递增的次数。")
    return functools.partial(bisect.bisect_right, tuple(rule))


def counted_key(served_on: datetime.date, content: str) -> tuple[datetime.date, str]:
    """What makes two verified services one for the stars: the same day and the same content,
    compared trimmed (an entry typed twice counts once). `members.queries.counted_service_key`
    is the same key in SQL."""
    return served_on, content.strip()


def rule_summary(rule: Sequence[int]) -> str:
    """The rule in one line, as the board states it."""
    return f"年内服务累计 {'/'.join(str(n) for n in rule)} 次授予一至五星党员志愿者"


def rule_sentence(rule: Sequence[int]) -> str:
    """The plan's wording folded into one sentence, for the printed poster."""
    counts = "、".join(f"{needed}次" for needed in rule)
    return f"年内服务次数累计达{counts}，分别授予一星至五星党员志愿者称号"


class BoardRow(NamedTuple):
    """One line of the yearly board. Deliberately no personal data: the public page shows it.

    A tuple, not a frozen dataclass: a board makes hundreds of them per request, and a tuple is
    made in half the time."""

    member_id: int
    name: str
    group_name: str
    services: int
    stars: int


class Level(NamedTuple):
    stars: int
    name: str
    title: str
    members: int


def level_counts(rows: Sequence[BoardRow]) -> list[Level]:
    """How many members stand at each level, five stars down to none."""
    tally = dict.fromkeys(range(6), 0)
    for row in rows:
        tally[row.stars] += 1
    return [Level(n, STAR_NAMES[n], STAR_TITLES[n], tally[n]) for n in range(5, -1, -1)]

"""The time rules of 发展党员 (《中国共产党发展党员工作细则》) as pure functions: no database.

A person moves 入党申请人 → 入党积极分子 → 发展对象 → 预备党员 → 正式党员, one stage at a time
and in that order, each dated no earlier than the one before. Two moves wait a year:

- 列为发展对象: after at least a year as 入党积极分子 (培养教育考察一年以上, 细则第十四条);
- 转为正式党员: after the year of probation (预备期为一年, 党章第七条).

And an 入党申请人 is at least eighteen (年满十八岁, 党章第一条) when the birth date is known.

"A year after" a date is the same day a year later; from 29 February it is 28 February, the
month's last day (民法典第二百零二条: 没有对应日的，月末日为期间的最后一日).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import TextChoices


class Stage(TextChoices):
    """The stages in their order (`DevelopmentStage.stage` takes these choices)."""

    APPLICANT = "APPLICANT", "入党申请人"
    ACTIVIST = "ACTIVIST", "入党积极分子"
    CANDIDATE = "CANDIDATE", "发展对象"
    PROBATIONARY = "PROBATIONARY", "预备党员"
    FULL = "FULL", "正式党员"


ORDER: tuple[str, ...] = tuple(Stage)
ADULT_AGE = 18

# What recording each stage is called (the button, the date's label, the message).
MOVE_NAMES = {
    Stage.APPLICANT: "递交入党申请书",
    Stage.ACTIVIST: "确定为入党积极分子",
    Stage.CANDIDATE: "列为发展对象",
    Stage.PROBATIONARY: "接收为预备党员",
    Stage.FULL: "转为正式党员",
}

# The rule that governs each move, said on the page before anyone is refused.
RULE_HINTS = {
    Stage.APPLICANT: "申请入党须年满十八岁。",
    Stage.ACTIVIST: "须在递交入党申请书之后。",
    Stage.CANDIDATE: "培养教育考察一年以上：确定为入党积极分子满一年后，才能列为发展对象。",
    Stage.PROBATIONARY: "须在列为发展对象之后；接收后将自动登记到党员名册（预备党员）。",
    Stage.FULL: (
        "预备期为一年：接收为预备党员满一年后，才能转为正式党员；转正后名册中的人员类别随之改为正式党员。"
    ),
}

# The stages a person must have spent a full year in before the next one: stage → the wait.
YEAR_BEFORE = {
    Stage.CANDIDATE: Stage.ACTIVIST,
    Stage.FULL: Stage.PROBATIONARY,
}


def chinese_date(day: datetime.date) -> str:
    """2025年3月1日 — how a date reads in a message."""
    return f"{day.year}年{day.month}月{day.day}日"


def years_after(day: datetime.date, years: int = 1) -> datetime.date:
    """The same day `years` later; 29 February gives 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def current_stage(history: Mapping[str, datetime.date]) -> str | None:
    """The furthest stage in `history` (stage → date reached), or None before any."""
    reached = [stage for stage in ORDER if stage in history]
    return reached[-1] if reached else None


def next_stage(history: Mapping[str, datetime.date]) -> str | None:
    """The one stage that may be recorded next, or None once a person is 正式党员."""
    current = current_stage(history)
    if current is None:
        return ORDER[0]
    position = ORDER.index(current)
    return ORDER[position + 1] if position + 1 < len(ORDER) else None


def earliest_date(
    stage: str, history: Mapping[str, datetime.date], *, birth_date: datetime.date | None = None
) -> datetime.date | None:
    """The first day on which `stage` may be dated, given the dates already reached.

    None when no rule sets a bound (an 入党申请人 whose birth date is unknown).
    """
    bounds = []
    position = ORDER.index(stage)
    if position > 0 and ORDER[position - 1] in history:
        bounds.append(history[ORDER[position - 1]])
    waited = YEAR_BEFORE.get(stage)
    if waited is not None and waited in history:
        bounds.append(years_after(history[waited]))
    if stage == Stage.APPLICANT and birth_date is not None:
        bounds.append(years_after(birth_date, ADULT_AGE))
    return max(bounds) if bounds else None


@dataclass(frozen=True)
class Refusal:
    """A move the rules do not allow: `rule` names it, `message` says it to the user."""

    rule: str
    message: str


def check_move(
    history: Mapping[str, datetime.date],
    stage: str,
    on: datetime.date,
    *,
    birth_date: datetime.date | None = None,
    today: datetime.date,
) -> Refusal | None:
    """None when `stage` may be recorded as reached on `on`; otherwise the rule it breaks.

    `history` maps each stage already reached to its date.
    """
    label = Stage(stage).label
    if stage in history:
        return Refusal("不重复登记", f"已于{chinese_date(history[stage])}登记为{label}，不能重复登记。")
    expected = next_stage(history)
    if stage != expected:
        if expected is None:
            return Refusal("逐级发展", "已是正式党员，发展程序已经完成。")
        return Refusal(
            "逐级发展",
            f"发展党员须逐级进行：下一步应登记为{Stage(expected).label}，不能直接登记为{label}。",
        )
    if on > today:
        return Refusal("不得预先登记", f"日期不能晚于今天（{chinese_date(today)}）。")
    position = ORDER.index(stage)
    if position > 0:
        previous = ORDER[position - 1]
        if on < history[previous]:
            return Refusal(
                "日期先后",
                f"{label}的日期不能早于{Stage(previous).label}的日期（{chinese_date(history[previous])}）。",
            )
    if stage == Stage.APPLICANT and birth_date is not None:
        adult_on = years_after(birth_date, ADULT_AGE)
        if on < adult_on:
            return Refusal("年满十八岁", f"申请入党须年满十八岁（{chinese_date(adult_on)}起）。")
    if stage == Stage.CANDIDATE:
        allowed = years_after(history[Stage.ACTIVIST])
        if on < allowed:
            return Refusal(
                "培养教育考察一年以上",
                f"列为发展对象须在确定为入党积极分子满一年后（{chinese_date(allowed)}起）。",
            )
    if stage == Stage.FULL:
        allowed = years_after(history[Stage.PROBATIONARY])
        if on < allowed:
            return Refusal(
                "预备期一年",
                f"转为正式党员须在预备期满一年后（{chinese_date(allowed)}起）。",
            )
    return None

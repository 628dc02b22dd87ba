"""The acceptance team's scores for one indicator, and the inspection's total: pure, no database.

Each inspector scores every indicator on their own (`InspectorScore.score` holds the points, as the
self-assessment's entries do; a 一票否决 item is answered by whether its event occurred). For one
indicator the team's marks are:

* 待评分 (`PENDING`) — someone of the team has not scored it yet;
* 一致 (`CONSISTENT`) — the points differ by no more than the acceptance's margin (and, for a veto
  item, everyone answered alike): the item scores the mean of the marks;
* 有分歧 (`DIVERGENT`) — they differ by more: the lead must record the agreed score with a reason;
* 已议定 (`AGREED`) — the lead's agreed score (`AgreedScore`) counts, whatever the marks.

`inspection_total` adds the items up on the framework's own scale: base points capped at each
item's points, bonus apart (capped framework-wide by `rules.cap_bonuses`), vetoes listed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from . import rules

PENDING = "PENDING"
CONSISTENT = "CONSISTENT"
DIVERGENT = "DIVERGENT"
AGREED = "AGREED"

STATUS_LABELS = {PENDING: "待评分", CONSISTENT: "一致", DIVERGENT: "有分歧，待议定", AGREED: "已议定"}

ZERO = rules.ZERO


@dataclass(frozen=True)
class Mark:
    """One inspector's answer for one indicator (None: not scored yet)."""

    inspector_id: int
    points: Decimal | None
    occurred: bool | None = None


@dataclass(frozen=True)
class Agreement:
    """The lead's agreed score (and, for a veto item, whether the event occurred)."""

    points: Decimal
    occurred: bool | None = None
    reason: str = ""


@dataclass(frozen=True)
class ItemMarks:
    """The team's marks for one indicator, and what counts."""

    indicator_id: int
    max_points: Decimal
    is_bonus: bool
    is_veto: bool
    marks: tuple[Mark, ...]
    margin: Decimal
    agreed: Agreement | None = None

    @property
    def scored(self) -> tuple[Mark, ...]:
        return tuple(m for m in self.marks if self._answered(m))

    def _answered(self, mark: Mark) -> bool:
        if self.is_veto and self.max_points == 0 and not self.is_bonus:
            return mark.occurred is not None
        return mark.points is not None and (not self.is_veto or mark.occurred is not None)

    @property
    def spread(self) -> Decimal | None:
        """Highest minus lowest points among the marks given (None with fewer than one)."""
        points = [m.points for m in self.scored if m.points is not None]
        if not points:
            return None
        return max(points) - min(points)

    @property
    def veto_disputed(self) -> bool:
        return self.is_veto and len({m.occurred for m in self.scored}) > 1

    @property
    def status(self) -> str:
        if self.agreed is not None:
            return AGREED
        if not self.marks or len(self.scored) < len(self.marks):
            return PENDING
        spread = self.spread
        if self.veto_disputed or (spread is not None and spread > self.margin):
            return DIVERGENT
        return CONSISTENT

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def is_divergent(self) -> bool:
        return self.status == DIVERGENT

    @property
    def points(self) -> Decimal | None:
        """What the item scores: the agreed score, the mean of consistent marks, else None."""
        if self.agreed is not None:
            return rules.quantize(self.agreed.points)
        if self.status != CONSISTENT:
            return None
        points = [m.points for m in self.scored if m.points is not None]
        if not points:
            return ZERO
        return rules.quantize(sum(points, ZERO) / len(points))

    @property
    def vetoed(self) -> bool:
        """A veto item whose event the team found (agreed, or every inspector alike)."""
        if not self.is_veto:
            return False
        if self.agreed is not None and self.agreed.occurred is not None:
            return self.agreed.occurred
        if self.status == CONSISTENT:
            return any(m.occurred for m in self.scored)
        return False


@dataclass(frozen=True)
class InspectionTotal:
    points: Decimal  # base points on the framework's scale
    max_points: Decimal
    bonus: rules.BonusTotal
    vetoed_ids: tuple[int, ...]
    pending_ids: tuple[int, ...]
    divergent_ids: tuple[int, ...]

    @property
    def complete(self) -> bool:
        """Every item has a score that counts: nothing pending, nothing left to agree."""
        return not self.pending_ids and not self.divergent_ids

    @property
    def vetoed(self) -> bool:
        return bool(self.vetoed_ids)


def item_marks(
    *,
    indicator_id: int,
    max_points: Decimal,
    is_bonus: bool,
    is_veto: bool,
    team: Sequence[int],
    given: dict[int, Mark],
    margin: Decimal,
    agreed: Agreement | None = None,
) -> ItemMarks:
    """The marks of every team member (in team order; an unscored one as an empty mark)."""
    marks = tuple(given.get(user_id, Mark(user_id, None)) for user_id in team)
    return ItemMarks(
        indicator_id=indicator_id,
        max_points=Decimal(max_points),
        is_bonus=is_bonus,
        is_veto=is_veto,
        marks=marks,
        margin=Decimal(margin),
        agreed=agreed,
    )


def inspection_total(items: Iterable[ItemMarks], bonus_cap: Decimal | None) -> InspectionTotal:
    """The inspection's score on the framework's scale; unscored items count 0 until scored."""
    points, maximum, bonuses = ZERO, ZERO, []
    vetoed, pending, divergent = [], [], []
    for item in items:
        status = item.status
        if status == PENDING:
            pending.append(item.indicator_id)
        elif status == DIVERGENT:
            divergent.append(item.indicator_id)
        if item.vetoed:
            vetoed.append(item.indicator_id)
        value = item.points or ZERO
        if item.is_bonus:
            bonuses.append(min(value, item.max_points) if item.max_points else value)
            continue
        maximum += item.max_points
        points += min(value, item.max_points)
    return InspectionTotal(
        points=rules.quantize(points),
        max_points=rules.quantize(maximum),
        bonus=rules.cap_bonuses([rules.quantize(b) for b in bonuses], bonus_cap),
        vetoed_ids=tuple(vetoed),
        pending_ids=tuple(pending),
        divergent_ids=tuple(divergent),
    )

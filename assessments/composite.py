"""The composite score of an acceptance (综合得分): pure arithmetic, no database.

The plans: "按照基层自评、群众测评、组织考评的步骤进行考核，加大群众对基层党组织和党员干部服务评价权重".
Each of the three parts is put on a 100-point scale from its own total — the self-assessment and
the inspectors' score from the framework's own total (80, 100, 150 …), the survey as its
satisfaction rate — and weighted by the campaign's weights (percent, summing to 100). The bonus
(加分项), already capped by the framework's `bonus_cap` on the framework's scale, is put on the same
100-point scale and added. A failed 一票否决 item fails the site whatever the total.

The verdict follows: vetoed → 不通过; composite ≥ the campaign's pass score → 通过; below it the
lead chooses 限期整改 (suggested) or 不通过.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal("100")
CENT = Decimal("0.01")
ZERO = Decimal("0")

PASSED = "PASSED"
RECTIFYING = "RECTIFYING"
FAILED = "FAILED"


def _q(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def on_hundred(points: Decimal, total: Decimal) -> Decimal:
    """`points` of `total` on a 100-point scale (0 when the total is 0), two decimals."""
    if total <= 0:
        return ZERO
    return _q(Decimal(points) * HUNDRED / Decimal(total))


@dataclass(frozen=True)
class Weights:
    """The campaign's weights, in percent: 基层自评, 群众测评, 组织考评."""

    self: int
    public: int
    inspection: int

    def __post_init__(self) -> None:
        if min(self.self, self.public, self.inspection) < 0:
            raise ValueError("权重不能为负数。")
        if self.self + self.public + self.inspection != 100:
            raise ValueError("基层自评、群众测评、组织考评三项权重之和必须等于 100。")

    @classmethod
    def of(cls, campaign) -> Weights:
        return cls(campaign.weight_self, campaign.weight_public, campaign.weight_inspection)


@dataclass(frozen=True)
class Composite:
    """The composite and its parts, each part on a 100-point scale before weighting."""

    self_part: Decimal
    public_part: Decimal
    inspection_part: Decimal
    bonus: Decimal  # on the 100-point scale, added after weighting
    weighted: Decimal  # the weighted sum of the three parts
    total: Decimal  # weighted + bonus
    vetoed: bool
    pass_score: Decimal
    weights: Weights

    @property
    def reaches_pass(self) -> bool:
        return not self.vetoed and self.total >= self.pass_score

    @property
    def verdicts(self) -> tuple[str, ...]:
        """The verdicts the lead may sign: the first is the one suggested."""
        if self.vetoed:
            return (FAILED,)
        if self.reaches_pass:
            return (PASSED,)
        return (RECTIFYING, FAILED)

    @property
    def suggested_verdict(self) -> str:
        return self.verdicts[0]

    @property
    def explanation(self) -> str:
        w = self.weights
        parts = (
            f"基层自评 {self.self_part} × {w.self}% + 群众测评 {self.public_part} × {w.public}% + "
            f"组织考评 {self.inspection_part} × {w.inspection}% = {self.weighted}"
        )
        if self.bonus:
            parts += f"，加分 {self.bonus}"
        parts += f"，综合得分 {self.total}"
        if self.vetoed:
            return parts + "；一票否决项未通过，验收不通过。"
        verb = "达到" if self.total >= self.pass_score else "未达到"
        return parts + f"，{verb}通过分数线 {self.pass_score}。"


def composite_score(
    *,
    self_points: Decimal,
    inspection_points: Decimal,
    framework_total: Decimal,
    satisfaction_rate: Decimal,
    weights: Weights,
    pass_score: Decimal,
    bonus_points: Decimal = ZERO,
    bonus_cap: Decimal | None = None,
    vetoed: bool = False,
) -> Composite:
    """The composite of an acceptance.

    `self_points` and `inspection_points` are on the framework's own scale out of
    `framework_total` (the bonus apart); `satisfaction_rate` is a percentage (0–100);
    `bonus_points` are the inspectors' agreed bonus on the framework's scale, capped here by
    `bonus_cap` (None: no cap) and put on the 100-point scale.
    """
    if framework_total <= 0:
        raise ValueError("考核标准总分须大于 0。")
    if not ZERO <= Decimal(satisfaction_rate) <= HUNDRED:
        raise ValueError("群众满意率须在 0 到 100 之间。")
    for name, points in (("基层自评", self_points), ("组织考评", inspection_points)):
        if points < 0 or points > framework_total:
            raise ValueError(f"{name}得分须在 0 到 {framework_total} 之间。")
    bonus = max(Decimal(bonus_points), ZERO)
    if bonus_cap is not None:
        bonus = min(bonus, Decimal(bonus_cap))
    self_part = on_hundred(self_points, framework_total)
    public_part = _q(Decimal(satisfaction_rate))
    inspection_part = on_hundred(inspection_points, framework_total)
    weighted = _q(
        (self_part * weights.self + public_part * weights.public + inspection_part * weights.inspection)
        / HUNDRED
    )
    bonus_part = on_hundred(bonus, framework_total)
    return Composite(
        self_part=self_part,
        public_part=public_part,
        inspection_part=inspection_part,
        bonus=bonus_part,
        weighted=weighted,
        total=_q(weighted + bonus_part),
        vetoed=vetoed,
        pass_score=_q(Decimal(pass_score)),
        weights=weights,
    )

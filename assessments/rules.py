"""The scoring rules of a 评分细则, each kind a frozen dataclass and a pure function.

Real county tables score an item (考核内容) in a handful of ways, in their own words:

* 达标 — `党员到会率在90%以上` : all the points or none (or a set deduction) — `Threshold`;
* per-unit deduction — `每月召开支委会1次，每少开1次扣0.5分，扣完为止` — `PerUnitDeduction`;
* fixed deduction for an event — `未按规定发展党员的扣15分` — `FixedDeduction`;
* graded levels — `好4分、较好3分、一般2分、差0分` — `GradedLevels`;
* bonus — `有创新做法的加2分，最多加4分` — `Bonus`, kept apart from the base score;
* veto — `一票否决` — `Veto`: failing it fails the site whatever the total;
* manual — `酌情扣分` — `Manual`: a person's score, with a reason below the maximum.

Every function returns a `RuleResult`: the points on the item's own scale (0..`points`), the bonus
apart, any deduction the table lets go beyond the item (`excess`, taken off the dimension by
`dimension_total`), the veto flag, and a Chinese sentence saying how the figure was reached
(`支委会 10 次，应开 12 次，少 2 次，扣 1 分`). All arithmetic is `Decimal`, quantized to 0.01 with
ROUND_HALF_UP; a float is refused, so no binary rounding can reach a score.

No models are imported here; `score(rule, value)` dispatches on the rule's kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal

from assessments.periods import Period

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

type Number = Decimal | int | str


def to_decimal(value: Number) -> Decimal:
    """A `Decimal` from a Decimal, int or numeric string; floats are refused (0.1 is not 0.1)."""
    if isinstance(value, bool | float):
        raise TypeError(f"分值须为 Decimal、整数或数字字符串，不能是 {type(value).__name__}：{value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str):
        try:
            result = Decimal(value)
        except ArithmeticError:
            raise ValueError(f"不是数字：{value!r}") from None
    else:
        raise TypeError(f"分值须为 Decimal、整数或数字字符串，不能是 {type(value).__name__}：{value!r}")
    if not result.is_finite():
        raise ValueError(f"不是有限的数字：{value!r}")
    return result


def quantize(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def fmt(value: Decimal | int) -> str:
    """A number as a sentence shows it: 1 not 1.00, 0.5 not 0.50, 100 not 1E+2."""
    if isinstance(value, int):
        return str(value)
    text = format(value.normalize(), "f")
    return "0" if text in {"-0", ""} else text


def _coerce(rule: object, *names: str, optional: tuple[str, ...] = ()) -> None:
    """Turn the named fields of a frozen dataclass into Decimals (None stays None where optional)."""
    for name in names:
        value = getattr(rule, name)
        if value is None and name in optional:
            continue
        object.__setattr__(rule, name, to_decimal(value))


def _non_negative(value: Decimal, what: str) -> None:
    if value < 0:
        raise ValueError(f"{what}不能为负数：{fmt(value)}")


def _positive(value: Decimal, what: str) -> None:
    if value <= 0:
        raise ValueError(f"{what}须大于 0：{fmt(value)}")


@dataclass(frozen=True)
class RuleResult:
    """How one item scored.

    `points` is the base score on the item's scale, 0..`max_points`. `bonus` is kept apart (the
    framework-wide cap is applied by `cap_bonuses`). `excess` is a deduction beyond the item that
    the table lets come off the dimension (see `FixedDeduction.may_exceed`); `dimension_total`
    takes it off, floored at 0. `vetoed` fails the site whatever the total.
    """

    points: Decimal
    max_points: Decimal
    explanation: str
    bonus: Decimal = ZERO
    excess: Decimal = ZERO
    vetoed: bool = False


@dataclass(frozen=True)
class Threshold:
    """达标: the figure reaches the threshold → all the points; otherwise none, or `deduction` off.

    `at_least` True means the figure must be ≥ `threshold` (`到会率在90%以上`); False means ≤
    (`缺席不超过2次`). As in Chinese law-writing, 以上/以下 include the number itself.
    The measured figure is compared unrounded; only the sentence shows it to 0.01.
    """

    points: Number
    threshold: Number
    at_least: bool = True
    deduction: Number | None = None
    subject: str = ""
    unit: str = ""

    def __post_init__(self) -> None:
        _coerce(self, "points", "threshold", "deduction", optional=("deduction",))
        _non_negative(self.points, "分值")
        if self.deduction is not None:
            _positive(self.deduction, "未达标扣分")


@dataclass(frozen=True)
class PerUnitDeduction:
    """Per-unit deduction: `per_unit` off for each missing (or each offending) unit, floor 0 (扣完为止).

    With `required` set, the value scored is what was done and the shortfall is
    `required × periods − done` (`每月召开支委会1次，每少开1次扣0.5分` : required 1, period month).
    Without it the value scored is the count of shortfalls or offences itself, as a person counts
    them (`每缺一项扣1分`, `每发现1次扣1分`). `cap` is the most the rule takes off (`最多扣3分`);
    the item's own points are always the floor, so the score never goes below 0.

    The words only make the sentence: `subject` is what is counted (支委会), `action` the verb
    (开 in `应开 12 次`; 缺 in `缺 2 项` when there is no requirement), `unit` the measure word.
    """

    points: Number
    per_unit: Number
    required: Number | None = None
    period: Period | None = None
    cap: Number | None = None
    subject: str = ""
    action: str = ""
    unit: str = "次"

    def __post_init__(self) -> None:
        _coerce(self, "points", "per_unit", "required", "cap", optional=("required", "cap"))
        _non_negative(self.points, "分值")
        _positive(self.per_unit, "每次扣分")
        if self.required is not None:
            _non_negative(self.required, "应完成次数")
        if self.cap is not None:
            _positive(self.cap, "最多扣分")
        if self.period is not None:
            object.__setattr__(self, "period", Period(self.period))


@dataclass(frozen=True)
class FixedDeduction:
    """A fixed deduction when an event happened (`未按规定发展党员的扣15分`).

    The deduction stops at the item's points unless `may_exceed` (the table says the deduction
    goes beyond the item); then the rest is reported as `RuleResult.excess` and comes off the
    dimension through `dimension_total`, floored at 0.
    """

    points: Number
    amount: Number
    event: str = ""
    may_exceed: bool = False

    def __post_init__(self) -> None:
        _coerce(self, "points", "amount")
        _non_negative(self.points, "分值")
        _positive(self.amount, "扣分")


@dataclass(frozen=True)
class Level:
    label: str
    points: Number

    def __post_init__(self) -> None:
        _coerce(self, "points")
        _non_negative(self.points, f"“{self.label}”的分值")
        if not self.label.strip():
            raise ValueError("等次名称不能为空。")


@dataclass(frozen=True)
class GradedLevels:
    """Graded levels (`好4分、较好3分、一般2分、差0分`): the level a person picks gives the points."""

    points: Number
    levels: tuple[Level, ...]

    def __post_init__(self) -> None:
        _coerce(self, "points")
        object.__setattr__(self, "levels", tuple(self.levels))
        if len(self.levels) < 2:
            raise ValueError("评定等次至少两档。")
        labels = [level.label for level in self.levels]
        if len(set(labels)) != len(labels):
            raise ValueError(f"等次名称重复：{'、'.join(labels)}")
        for level in self.levels:
            if level.points > self.points:
                raise ValueError(
                    f"“{level.label}”{fmt(level.points)} 分，超过本项分值 {fmt(self.points)} 分。"
                )


@dataclass(frozen=True)
class Bonus:
    """加分: `per_unit` for each qualifying thing, up to `cap` for the item (None: no item cap).

    The bonus never enters the base score; `cap_bonuses` applies the framework-wide cap.
    """

    per_unit: Number
    cap: Number | None = None
    condition: str = ""
    unit: str = "项"

    def __post_init__(self) -> None:
        _coerce(self, "per_unit", "cap", optional=("cap",))
        _positive(self.per_unit, "加分")
        if self.cap is not None:
            _positive(self.cap, "最多加分")

    @property
    def points(self) -> Decimal:
        """A bonus item adds nothing to the table's base total."""
        return ZERO


@dataclass(frozen=True)
class Veto:
    """一票否决: failing it fails the site whatever the total. `points` is the item's own, often 0."""

    points: Number = ZERO
    condition: str = ""

    def __post_init__(self) -> None:
        _coerce(self, "points")
        _non_negative(self.points, "分值")


@dataclass(frozen=True)
class Manual:
    """酌情: a person scores it within 0..`points`, giving a reason below the maximum."""

    points: Number

    def __post_init__(self) -> None:
        _coerce(self, "points")
        _non_negative(self.points, "分值")


type Rule = Threshold | PerUnitDeduction | FixedDeduction | GradedLevels | Bonus | Veto | Manual


def score_threshold(rule: Threshold, value: Number) -> RuleResult:
    """Score a measured figure (a rate in percent, a count) against the threshold."""
    value = to_decimal(value)
    met = _meets(rule, value)
    shown = quantize(value)
    if _meets(rule, shown) != met:
        # 89.999 shown as 90 would read "90%，未达到 90%": show enough digits to tell them apart.
        shown = value.quantize(Decimal("0.0001"), rounding=ROUND_DOWN if rule.at_least else ROUND_UP)
    gap = "" if rule.unit in ("", "%") else " "
    figure = f"{rule.subject} {fmt(shown)}{gap}{rule.unit}".strip()
    limit = f"{fmt(rule.threshold)}{gap}{rule.unit}"
    if met:
        wording = f"达到 {limit}" if rule.at_least else f"不超过 {limit}"
        return RuleResult(
            quantize(rule.points), quantize(rule.points), f"{figure}，{wording}，得 {fmt(rule.points)} 分"
        )
    wording = f"未达到 {limit}" if rule.at_least else f"超过 {limit}"
    if rule.deduction is None or rule.deduction >= rule.points:
        return RuleResult(ZERO, quantize(rule.points), f"{figure}，{wording}，不得分")
    points = quantize(rule.points - rule.deduction)
    return RuleResult(points, quantize(rule.points), f"{figure}，{wording}，扣 {fmt(rule.deduction)} 分")


def _meets(rule: Threshold, value: Decimal) -> bool:
    return value >= rule.threshold if rule.at_least else value <= rule.threshold


def score_per_unit(rule: PerUnitDeduction, value: Number, *, periods: int = 1) -> RuleResult:
    """Score `value`: what was done when the rule has `required`, else the count of shortfalls.

    `periods` is how many periods the campaign's range requires (`periods.count_periods`); the
    rule asks for `required × periods`.
    """
    value = to_decimal(value)
    _non_negative(value, "次数")
    if periods < 0:
        raise ValueError(f"期数不能为负数：{periods}")
    unit = rule.unit
    maximum = quantize(rule.points)
    if rule.required is not None:
        required = rule.required * periods
        shortfall = max(required - value, ZERO)
        head = (
            f"{rule.subject} {fmt(value)} {unit}，应{rule.action or '完成'} {fmt(required)} {unit}".lstrip()
        )
        if shortfall:
            head += f"，少 {fmt(shortfall)} {unit}"
    else:
        shortfall = value
        head = f"{rule.subject}{rule.action} {fmt(value)} {unit}".lstrip()
    if shortfall == 0:
        return RuleResult(maximum, maximum, f"{head}，不扣分")
    deduction = shortfall * rule.per_unit
    steps = []
    if rule.cap is not None and deduction > rule.cap:
        steps.append(f"应扣 {fmt(deduction)} 分，最多扣 {fmt(rule.cap)} 分")
        deduction = rule.cap
    if deduction > rule.points:
        if not steps:
            steps.append(f"应扣 {fmt(deduction)} 分")
        steps.append("扣完为止")
        deduction = rule.points
    steps.append(f"扣 {fmt(deduction)} 分")
    return RuleResult(quantize(rule.points - deduction), maximum, "，".join([head, *steps]))


def score_fixed(rule: FixedDeduction, occurred: bool) -> RuleResult:
    """Score whether the event happened; a deduction beyond the item goes to `excess` if allowed."""
    event = rule.event or "扣分情形"
    maximum = quantize(rule.points)
    if not occurred:
        return RuleResult(
            maximum, maximum, f"未发生“{event}”，不扣分" if rule.event else "无扣分情形，不扣分"
        )
    if rule.amount <= rule.points:
        return RuleResult(quantize(rule.points - rule.amount), maximum, f"{event}，扣 {fmt(rule.amount)} 分")
    beyond = rule.amount - rule.points
    if rule.may_exceed:
        return RuleResult(
            ZERO,
            maximum,
            f"{event}，扣 {fmt(rule.amount)} 分，本项 {fmt(rule.points)} 分扣完，"
            f"另 {fmt(beyond)} 分从所在一级指标中扣除",
            excess=quantize(beyond),
        )
    return RuleResult(
        ZERO,
        maximum,
        f"{event}，扣 {fmt(rule.amount)} 分，本项 {fmt(rule.points)} 分扣完为止",
    )


def score_graded(rule: GradedLevels, label: str) -> RuleResult:
    """Score the level a person picked; an unknown level is refused with the levels there are."""
    for level in rule.levels:
        if level.label == label:
            return RuleResult(
                quantize(level.points), quantize(rule.points), f"评定为“{label}”，得 {fmt(level.points)} 分"
            )
    known = "、".join(level.label for level in rule.levels)
    raise ValueError(f"没有“{label}”这一等次，可选：{known}。")


def score_bonus(rule: Bonus, count: Number) -> RuleResult:
    """Score `count` qualifying things; the bonus is reported apart from the base score (0)."""
    count = to_decimal(count)
    _non_negative(count, "加分项数")
    if count == 0:
        return RuleResult(ZERO, ZERO, f"{rule.condition}无加分情形，不加分".lstrip())
    claimed = count * rule.per_unit
    head = f"{rule.condition} {fmt(count)} {rule.unit}，每{rule.unit}加 {fmt(rule.per_unit)} 分".strip()
    if rule.cap is not None and claimed > rule.cap:
        explanation = f"{head}，应加 {fmt(claimed)} 分，本项最多加 {fmt(rule.cap)} 分，加 {fmt(rule.cap)} 分"
        return RuleResult(ZERO, ZERO, explanation, bonus=quantize(rule.cap))
    return RuleResult(ZERO, ZERO, f"{head}，加 {fmt(claimed)} 分", bonus=quantize(claimed))


def score_veto(rule: Veto, passed: bool) -> RuleResult:
    """Passed keeps the item's points; failed scores 0 and fails the site whatever the total."""
    maximum = quantize(rule.points)
    condition = f"“{rule.condition}”" if rule.condition else ""
    if passed:
        return RuleResult(maximum, maximum, f"一票否决项{condition}未触及")
    return RuleResult(ZERO, maximum, f"触及一票否决项{condition}，无论总分多少，示范点不予通过", vetoed=True)


def manual_refusal(rule: Manual, value: Number, reason: str = "") -> str | None:
    """Why a person's score is not acceptable, in Chinese, or None when it is."""
    try:
        value = to_decimal(value)
    except (TypeError, ValueError):
        return "请填写数字分值。"
    if value < 0 or value > rule.points:
        return f"得分须在 0 至 {fmt(rule.points)} 分之间。"
    if quantize(value) != value:
        return "得分最多保留两位小数。"
    if value < rule.points and not reason.strip():
        return f"得分低于满分 {fmt(rule.points)} 分，请填写扣分理由。"
    return None


def score_manual(rule: Manual, value: Number, reason: str = "") -> RuleResult:
    """A person's score; raises ValueError with `manual_refusal`'s message when not acceptable."""
    refusal = manual_refusal(rule, value, reason)
    if refusal:
        raise ValueError(refusal)
    value = to_decimal(value)
    if value == rule.points:
        explanation = f"人工评分，得满分 {fmt(value)} 分"
    else:
        explanation = f"人工评分，扣 {fmt(rule.points - value)} 分，得 {fmt(value)} 分：{reason.strip()}"
    return RuleResult(quantize(value), quantize(rule.points), explanation)


def score(rule: Rule, value: object, **options: object) -> RuleResult:
    """Dispatch on the rule's kind: `score(PerUnitDeduction(...), 10, periods=12)`.

    The value is what that kind scores: the figure (Threshold), what was done or the shortfalls
    (PerUnitDeduction, with `periods=`), whether the event happened (FixedDeduction), the level
    label (GradedLevels), the count (Bonus), whether it passed (Veto), the person's score (Manual,
    with `reason=`).
    """
    match rule:
        case Threshold():
            return score_threshold(rule, value)
        case PerUnitDeduction():
            return score_per_unit(rule, value, **options)
        case FixedDeduction():
            return score_fixed(rule, bool(value))
        case GradedLevels():
            return score_graded(rule, str(value))
        case Bonus():
            return score_bonus(rule, value)
        case Veto():
            return score_veto(rule, bool(value))
        case Manual():
            return score_manual(rule, value, **options)
    raise TypeError(f"不认识的评分规则：{rule!r}")


@dataclass(frozen=True)
class DimensionTotal:
    """A dimension's score: its items' points less any excess deduction, floored at 0."""

    points: Decimal
    max_points: Decimal
    bonus: Decimal
    excess_applied: Decimal
    vetoed: bool
    explanation: str


def dimension_total(results: Iterable[RuleResult]) -> DimensionTotal:
    """Sum the items of one dimension (一级指标).

    Excess deductions (a `FixedDeduction` allowed beyond its item) come off the sum, never below 0;
    `excess_applied` is what actually came off. Bonuses are summed apart, before the framework
    cap (`cap_bonuses`). A vetoed item marks the dimension vetoed.
    """
    results = list(results)
    items = sum((result.points for result in results), ZERO)
    maximum = sum((result.max_points for result in results), ZERO)
    excess = sum((result.excess for result in results), ZERO)
    bonus = sum((result.bonus for result in results), ZERO)
    applied = min(excess, items)
    points = items - applied
    explanation = f"各项合计 {fmt(items)} 分"
    if excess:
        explanation += f"，另扣超出本项的 {fmt(excess)} 分"
        if applied < excess:
            explanation += "，扣至 0 分为止"
        explanation += f"，得 {fmt(points)} 分"
    if bonus:
        explanation += f"；加分 {fmt(bonus)} 分另计"
    return DimensionTotal(
        points=quantize(points),
        max_points=quantize(maximum),
        bonus=quantize(bonus),
        excess_applied=quantize(applied),
        vetoed=any(result.vetoed for result in results),
        explanation=explanation,
    )


@dataclass(frozen=True)
class BonusTotal:
    claimed: Decimal
    awarded: Decimal
    explanation: str

    @property
    def trimmed(self) -> Decimal:
        return self.claimed - self.awarded


def cap_bonuses(bonuses: Iterable[RuleResult | DimensionTotal | Decimal], cap: Number | None) -> BonusTotal:
    """Apply the framework-wide bonus cap (`加分最多不超过5分`) to every bonus of a table.

    Takes item results, dimension totals or plain amounts; each item's own cap was applied already.
    """
    claimed = sum((item if isinstance(item, Decimal) else item.bonus for item in bonuses), ZERO)
    if cap is not None:
        cap = to_decimal(cap)
        _non_negative(cap, "加分上限")
    if cap is None or claimed <= cap:
        return BonusTotal(quantize(claimed), quantize(claimed), f"加分合计 {fmt(claimed)} 分")
    return BonusTotal(
        quantize(claimed),
        quantize(cap),
        f"加分合计 {fmt(claimed)} 分，全表最多加 {fmt(cap)} 分，计 {fmt(cap)} 分",
    )


def describe(rule: Rule) -> str:
    """The rule in one Chinese line, as the import preview and the self-assessment page show it."""
    match rule:
        case Threshold():
            wording = "以上" if rule.at_least else "以下"
            outcome = "不得分" if rule.deduction is None else f"扣 {fmt(rule.deduction)} 分"
            return f"{rule.subject}{fmt(rule.threshold)}{rule.unit}{wording}得满分，否则{outcome}"
        case PerUnitDeduction():
            parts = []
            if rule.required is not None:
                every = f"每{rule.period.label}" if rule.period else ""
                parts.append(f"{every}{rule.action}{rule.subject} {fmt(rule.required)} {rule.unit}".strip())
                parts.append(f"每少{rule.action} 1 {rule.unit}扣 {fmt(rule.per_unit)} 分")
            else:
                parts.append(f"{rule.subject}每{rule.action} 1 {rule.unit}扣 {fmt(rule.per_unit)} 分")
            if rule.cap is not None:
                parts.append(f"最多扣 {fmt(rule.cap)} 分")
            parts.append("扣完为止")
            return "，".join(parts)
        case FixedDeduction():
            event = rule.event or "发生扣分情形"
            if rule.amount == rule.points:
                return f"{event}不得分"
            tail = "，可超出本项分值" if rule.may_exceed else ""
            return f"{event}扣 {fmt(rule.amount)} 分{tail}"
        case GradedLevels():
            return "、".join(f"{level.label} {fmt(level.points)} 分" for level in rule.levels)
        case Bonus():
            cap = f"，最多加 {fmt(rule.cap)} 分" if rule.cap is not None else ""
            return f"{rule.condition}每{rule.unit}加 {fmt(rule.per_unit)} 分{cap}"
        case Veto():
            return f"{rule.condition}，一票否决" if rule.condition else "一票否决"
        case Manual():
            return f"酌情评分（0 至 {fmt(rule.points)} 分）"
    raise TypeError(f"不认识的评分规则：{rule!r}")


_KINDS: dict[str, type] = {
    "threshold": Threshold,
    "per_unit": PerUnitDeduction,
    "fixed": FixedDeduction,
    "graded": GradedLevels,
    "bonus": Bonus,
    "veto": Veto,
    "manual": Manual,
}


def to_data(rule: Rule) -> dict[str, object]:
    """The rule as JSON-ready data for a JSONField: `{"kind": "per_unit", "per_unit": "0.5", …}`.

    Decimals become strings (JSON numbers would come back as floats); `from_data` reads it back.
    """
    kind = next(name for name, cls in _KINDS.items() if isinstance(rule, cls))
    data: dict[str, object] = {"kind": kind}
    for spec in fields(rule):
        value = getattr(rule, spec.name)
        if isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, Period):
            value = value.value
        elif spec.name == "levels":
            value = [{"label": level.label, "points": str(level.points)} for level in value]
        data[spec.name] = value
    return data


def from_data(data: Mapping[str, object]) -> Rule:
    """The rule `to_data` wrote; ValueError (in Chinese) for an unknown kind or a bad field."""
    values = dict(data)
    cls = _KINDS.get(str(values.pop("kind", "")))
    if cls is None:
        raise ValueError(f"不认识的评分规则类型：{data.get('kind')!r}")
    if cls is GradedLevels:
        levels = values.get("levels") or []
        values["levels"] = tuple(Level(str(level["label"]), level["points"]) for level in levels)
    try:
        return cls(**values)
    except TypeError as error:
        raise ValueError(f"评分规则数据有误：{error}") from None

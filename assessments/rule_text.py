"""Read the 评分标准 text of a county scoring table into a structured rule (`assessments.rules`).

`parse_rule_text("每月召开支委会1次，每少开1次扣0.5分", points=5)` gives a `PerUnitDeduction`
(1 a month, 0.5 off for each one missing, floor 0); text the parser does not fully understand gives
no rule, and a person scores the item by hand. The result also names the fragments of the text that
were understood, so the import preview can show which rows became computable and why the others
did not.

Forms understood (in the tables' own words):

* per-unit deduction — `每少开1次扣0.5分`, `每缺一项扣1分`, `每人次扣1分`, `“三会一课”缺1次扣0.2分`,
  `无计划或总结各扣1.5分`, `每少1项-2分`; with a requirement (`每月召开支委会1次`, `每季度召开一次
  党支部会议`, `每月少一次扣1分`, `不少于4次`) the count is measured against it;
  modifiers `扣完为止` and `最多扣N分`;
* fixed deduction — `未按规定发展党员的扣15分`, `没开民主生活会扣5分`, `…的不得分` (the whole item);
  `可超出本项分值` / `从一级指标中扣除` lets it go beyond the item;
* graded levels — `好4分、较好3分、一般2分、差0分`, `健全(2分);比较健全(1分);不健全(0分)`;
* bonus — `有创新做法的加2分，最多加4分`, `加N分（最多M分）`, `奖1分(封顶1分)`; without a written cap the
  item's points (the 分值 column of a 加分项) are its cap;
* veto — `一票否决`;
* 达标 — `党员到会率在90%以上`, `低于80%不得分`;
* manual — `酌情扣分`, `视情况扣分`: a `Manual` rule, scored by a person.

Deliberately left to a person (no rule): several scoring clauses in one cell (`未召开不得分,未落实
扣1分`), stepped scales (`缺席一次扣3分,两次扣5分`), ranges (`扣3-4分`), counts in groups
(`每少2次扣1分`), and any leftover wording that still scores (扣, 加N, 得分, N分 other than the item's
own points). A wrong automatic score is worse than a hand-scored item.

Text is read through NFKC (full-width digits and punctuation), ½, Chinese numerals before a measure
word (一次, 两年, 十五分), 百分之九十, and the traditional forms common in copied tables (項, 較, 開).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from assessments.periods import Period
from assessments.rules import (
    Bonus,
    FixedDeduction,
    GradedLevels,
    Level,
    Manual,
    Number,
    PerUnitDeduction,
    Rule,
    Threshold,
    Veto,
    fmt,
    to_decimal,
)


@dataclass(frozen=True)
class ParsedRule:
    """What `parse_rule_text` made of one cell.

    `rule` is None when a person must score the item without a rule (see `note`); a `Manual` rule
    says the table itself asks for judgement (酌情). `understood` lists the fragments of the
    original text that were recognised, in reading order.
    """

    text: str
    rule: Rule | None
    understood: tuple[str, ...]
    note: str = ""

    @property
    def computable(self) -> bool:
        """True when the rule scores from a count, a figure, an event or a level (not by judgement)."""
        return self.rule is not None and not isinstance(self.rule, Manual)


_NUM = r"\d+(?:\.\d+)?"
_STOP = r",;。:、!?\x00"  # characters a subject or a condition does not run across


def _free(excluded: str, length: str) -> str:
    """Up to `length` characters outside `excluded` and never across a score (`2分`, `扣`).

    Subjects and conditions are matched lazily from the left, so without this a condition could
    swallow an earlier clause that scored and hide it from the multi-clause check.
    """
    return rf"(?<![\d.不得])(?:(?!{_NUM}分|不得分|不给分|不计分)[^{excluded}扣]){{{length}}}?"


_UNIT = r"人次|批次|次|项|名|人|个|篇|处|例|起|件|条|天"
_DEDUCT = r"(?:扣|减|-)"

_TRADITIONAL = str.maketrans(
    "項較開會為減滿優級個發現規時無沒實決獎記錄處條屆兩紀當對評議過達標準際從總劃體內計績職黨費繳範戶參與說",
    "项较开会为减满优级个发现规时无没实决奖记录处条届两纪当对评议过达标准际从总划体内计绩职党费缴范户参与说",
)
_FRACTIONS = {"½": "0.5", "¼": "0.25", "¾": "0.75"}
_DASHES = str.maketrans({"—": "-", "–": "-", "−": "-", "~": "-", "〜": "-"})
_CN_DIGITS = dict(zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
_CN_NUMERAL = "零〇一二两三四五六七八九十百"
_CN_NUMBER = re.compile(
    rf"(?<![\d.])[{_CN_NUMERAL}]+(?=(?:人次|次|项|分|名|人|个|篇|年|周|月|季度|例|起|处|期|条|件|批|天))"
)
# 十分 and 一分 are also plain words (十分重要); a numeral before 分 is a number only after these.
_SCORE_VERBS = "扣加得奖减各多高顶计为"
_PERCENT_WORDS = re.compile(rf"百分之([{_CN_NUMERAL}]+|{_NUM})")

_PERIODS = {
    "周": Period.WEEK,
    "月": Period.MONTH,
    "季度": Period.QUARTER,
    "季": Period.QUARTER,
    "半年": Period.HALF_YEAR,
    "年": Period.YEAR,
    "2年": Period.TWO_YEARS,
}
_PERIOD = r"周|月|季度|季|半年|2年|年"

# Words that name a level in graded scoring; a list item ending in one of them is a level.
_LEVEL_WORDS = sorted(
    {
        *("好", "较好", "比较好", "一般", "较差", "差", "优秀", "优", "良好", "良", "中", "合格", "基本合格"),
        *("不合格", "健全", "比较健全", "基本健全", "不健全", "规范", "比较规范", "基本规范", "不规范"),
        *("不太规范", "突出", "较突出", "明显", "较明显", "不明显", "满意", "基本满意", "不满意", "强"),
        *("较强", "弱", "较弱", "到位", "基本到位", "不到位"),
    },
    key=len,
    reverse=True,
)

_PATTERNS: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern)
    for name, pattern in {
        "veto": rf"(?P<cond>{_free(';。\x00', '0,30')})(?:的)?,?(?:实行|予以|实施|均)?一票否决(?:制)?",
        "manual": (
            r"酌情(?:扣分|打分|给分|加分|评分|计分|赋分|扣减|扣\d+(?:\.\d+)?分)?"
            r"|视情况?(?:扣分|打分|给分|评分)?"
        ),
        "range": rf"{_NUM}-{_NUM}分",
        "floor": rf"(?:本项|此项|该项|基本分)?(?:{_NUM}分)?扣(?:完|满|至0分)(?:本项分值?)?为止(?:,下同)?",
        "exceed": (
            r"(?:可|允许)?(?:超出|超过)本项分值|不受本项分值限制"
            r"|(?:从|在)(?:总分|所在一级指标|一级指标|本大项)中扣(?:除)?"
        ),
        "cap_deduct": (
            rf"(?:最多|最高|累计最多|累计)(?:扣|减)(?P<n>{_NUM})分(?:为止)?"
            rf"|扣分(?:最多|不超过|最高)(?P<n2>{_NUM})分"
        ),
        "cap_bonus": (
            rf"(?:最多|最高|累计最多|累计)(?:加|奖)(?P<n>{_NUM})分"
            rf"|(?:加分|奖分)(?:最多|不超过|最高)为?(?P<n2>{_NUM})分|封顶(?P<n3>{_NUM})分"
        ),
        "cap": rf"(?:最多不超过|累计不超过|最多|最高|不超过)(?P<n>{_NUM})分",
        "threshold_missed": (
            rf"(?P<subj>{_free(r'\d' + _STOP, '0,12')})"
            rf"(?:低于|不足|未达到|达不到|少于|不到)(?P<t>{_NUM})%(?:的)?,?"
            rf"(?:{_DEDUCT}(?P<d>{_NUM})分|不得分|不给分|得0分)"
        ),
        "threshold": (
            rf"(?P<subj>{_free(r'\d' + _STOP, '0,12')})"
            rf"(?P<cmp>在|达到|达|不低于|不少于|高于|不超过|不高于)?(?P<t>{_NUM})%"
            rf"(?P<dir>及以上|以上|及以下|以下)?(?:的)?,?(?:得满分|得(?P<full>{_NUM})分|不扣分)?"
        ),
        "per_period_short": (
            rf"(?P<subj>{_free(_STOP + '每', '0,12')})"
            rf"每(?P<period>{_PERIOD})(?P<verb>少|缺)(?P<act>开展|召开|开)?"
            rf"(?P<n>{_NUM})?(?P<unit>{_UNIT})(?P<obj>[^{_STOP}扣加每]{{0,8}}?)(?:的)?,?{_DEDUCT}(?P<d>{_NUM})分"
        ),
        "requirement": (
            rf"(?P<subj1>[^\d{_STOP}每]{{0,12}}?)每(?P<period>{_PERIOD})(?:至少|不少于|应)?"
            rf"(?P<verb>召开|开展|组织|举行|进行|举办|发展|培养|上|讲|开)?(?P<subj2>[^\d{_STOP}每]{{0,12}}?)"
            rf"(?:至少|不少于)?(?P<n>{_NUM})(?P<unit>次|名|人|个|篇)(?:以上)?(?P<subj3>[^\d{_STOP}每扣加()]{{0,8}})"
        ),
        "requirement_bare": rf"(?:不少于|至少|不低于)(?P<n>{_NUM})(?P<unit>次|名|人|个|篇)",
        "per_unit": (
            rf"(?:(?P<lead>{_free(_STOP, '1,20')})的,)?(?P<subj>{_free(_STOP, '0,20')})"
            rf"每(?P<verb>[^\d{_STOP}扣加每]{{0,4}}?)(?P<n>{_NUM})?(?P<unit>{_UNIT})"
            rf"(?P<obj>[^{_STOP}扣加每]{{0,12}}?)(?:的)?,?{_DEDUCT}(?P<d>{_NUM})分"
        ),
        "per_unit_bare": (
            rf"(?P<subj>{_free(_STOP + '每', '0,20')})"
            rf"(?P<verb>缺|少|发现|出现)(?P<act>开展|召开|开)?(?P<n>{_NUM})"
            rf"(?P<unit>{_UNIT})(?P<obj>[^\d{_STOP}扣加每]{{0,12}}?)(?:的)?,?各?{_DEDUCT}(?P<d>{_NUM})分"
        ),
        "per_unit_one": (
            rf"(?P<subj>{_free(_STOP + '每', '0,20')})(?<![\d.])1(?P<unit>{_UNIT})"
            rf"(?P<obj>[^\d{_STOP}扣加每]{{0,12}}?)(?:的)?,?各?{_DEDUCT}(?P<d>{_NUM})分"
        ),
        "each": rf"(?P<subj>{_free(_STOP + '每', '1,20')})各{_DEDUCT}(?P<d>{_NUM})分",
        "bonus": (
            rf"(?P<cond>{_free(_STOP, '0,24')})"
            rf"(?:每(?P<verb>[^\d{_STOP}扣加每]{{0,4}}?)(?P<n>{_NUM})?(?P<unit>{_UNIT})"
            rf"[^{_STOP}加奖]{{0,8}}?)?(?:的)?,?再?(?:加|奖励|奖)(?P<b>{_NUM})分"
        ),
        "fixed": rf"(?P<event>{_free(';。\x00', '1,40')})(?:的)?,?{_DEDUCT}(?P<d>{_NUM})分",
        "fixed_all": (
            rf"(?P<event>{_free(';。\x00', '1,40')})(?:的)?,?(?:此项|该项)?(?:不得分|不给分|不计分|得0分)"
        ),
    }.items()
}
# 考核方式 written into the 评分标准 cell before the rule (`实地查看,没标牌不给分`).
_METHOD_PREFIX = re.compile(r"^(?:实地查看|查看|查阅|查|听取?汇报|走访|座谈|问卷)[^,，。]{0,8}[,，。]")
_RESIDUE = re.compile(rf"扣|加\d|奖\d|不得分|不给分|得分|否决|得?(?P<n>{_NUM})分")

_PRIMARY = ("veto", "threshold", "graded", "per_unit", "bonus", "fixed")


@dataclass
class _Text:
    """The normalised text with, for each character, the span of the original it came from."""

    norm: str
    starts: list[int]
    ends: list[int]
    original: str

    def source(self, start: int, end: int) -> str:
        """The original text behind norm[start:end]."""
        if start >= end:
            return ""
        return self.original[self.starts[start] : self.ends[end - 1]]


@dataclass
class _Hit:
    kind: str
    start: int
    end: int
    match: re.Match[str] | None = None
    levels: tuple[tuple[str, Decimal], ...] = ()


def parse_rule_text(text: str, *, points: Number) -> ParsedRule:
    """Parse the 评分标准 of one indicator worth `points`; see the module docstring for the forms."""
    points = to_decimal(points)
    text = text or ""
    source = _normalize(text)
    if not source.norm:
        return ParsedRule(text, None, (), "没有评分标准，由评分人打分。")
    masked = list(source.norm)
    hits: list[_Hit] = []

    def take(kind: str) -> None:
        for match in _PATTERNS[kind].finditer("".join(masked)):
            if match.end() > match.start():
                hits.append(_Hit(kind, match.start(), match.end(), match))
                masked[match.start() : match.end()] = "\x00" * (match.end() - match.start())

    for kind in ("manual", "range", "floor", "exceed", "cap_deduct", "cap_bonus", "cap"):
        take(kind)
    take("threshold_missed")
    for match in _PATTERNS["threshold"].finditer("".join(masked)):
        if match["cmp"] or match["dir"]:
            hits.append(_Hit("threshold", match.start(), match.end(), match))
            masked[match.start() : match.end()] = "\x00" * (match.end() - match.start())
    for hit in _graded_hits("".join(masked), source):
        hits.append(hit)
        masked[hit.start : hit.end] = "\x00" * (hit.end - hit.start)
    for kind in ("per_period_short", "requirement"):
        take(kind)
    _take_bare_requirements(masked, hits)
    for kind in ("per_unit", "per_unit_bare", "per_unit_one", "each", "bonus", "fixed", "fixed_all", "veto"):
        take(kind)

    hits.sort(key=lambda hit: hit.start)
    understood = tuple(part for hit in hits if (part := _clean(source.source(hit.start, hit.end))))
    kinds = [hit.kind for hit in hits]

    def manual(note: str) -> ParsedRule:
        return ParsedRule(text, None, understood, note)

    if "manual" in kinds:
        return ParsedRule(text, Manual(points), understood)
    if "range" in kinds:
        return manual("扣分或加分为区间，由评分人在区间内确定。")
    primaries = [hit for hit in hits if _family(hit.kind) in _PRIMARY]
    if not primaries:
        return manual("未识别出评分规则，由评分人打分。")
    if len(primaries) > 1:
        return manual("一项中有多条评分规则，由评分人逐条扣分。")
    residue = _residue("".join(masked), points)
    if residue:
        return manual(f"有未能识别的评分文字“{residue}”，由评分人打分。")
    try:
        rule = _build(primaries[0], hits, points, source)
    except ValueError as refusal:
        return manual(str(refusal))
    return ParsedRule(text, rule, understood)


def _family(kind: str) -> str:
    return {
        "threshold_missed": "threshold",
        "per_period_short": "per_unit",
        "per_unit_bare": "per_unit",
        "per_unit_one": "per_unit",
        "each": "per_unit",
        "fixed_all": "fixed",
    }.get(kind, kind)


def _build(primary: _Hit, hits: list[_Hit], points: Decimal, source: _Text) -> Rule:
    """The rule for the one scoring clause, with its modifiers; ValueError when they do not fit."""
    family = _family(primary.kind)
    found = {hit.kind for hit in hits}
    requirements = [hit for hit in hits if hit.kind in ("requirement", "requirement_bare")]
    if requirements and family != "per_unit":
        raise ValueError("有次数要求，但评分方式不是按次扣分，由评分人打分。")
    if len(requirements) > 1:
        raise ValueError("一项中有多个次数要求，由评分人打分。")
    if "cap_bonus" in found and family != "bonus":
        raise ValueError("加分上限与评分规则不对应，由评分人打分。")
    if found & {"cap_deduct", "cap"} and family not in ("per_unit", "bonus"):
        raise ValueError("扣分上限与评分规则不对应，由评分人打分。")
    if "floor" in found and family not in ("per_unit", "fixed", "threshold"):
        raise ValueError("“扣完为止”与评分规则不对应，由评分人打分。")
    if "exceed" in found and family != "fixed":
        raise ValueError("“超出本项分值”只适用于定额扣分，由评分人打分。")
    cap = _first_number(hits, "cap_deduct") or _first_number(hits, "cap")
    match = primary.match
    if family == "veto":
        return Veto(points=points, condition=_clean(_group(source, match, "cond")))
    if family == "graded":
        return _graded(primary, points)
    if family == "threshold":
        return _threshold(primary, points, source)
    if family == "bonus":
        assert match is not None
        if match["n"] not in (None, "1"):
            raise ValueError("按多项合计加分，由评分人打分。")
        bonus_cap = _first_number(hits, "cap_bonus") or _first_number(hits, "cap")
        return Bonus(
            per_unit=Decimal(match["b"]),
            cap=bonus_cap if bonus_cap is not None else (points if points > 0 else None),
            condition=_clean(_group(source, match, "cond")),
            unit=match["unit"] or "项",
        )
    if family == "fixed":
        assert match is not None
        event = _METHOD_PREFIX.sub("", _clean(_group(source, match, "event")))
        amount = points if primary.kind == "fixed_all" else Decimal(match["d"])
        if primary.kind == "fixed_all" and points == 0:
            raise ValueError("“不得分”需要本项分值，由评分人打分。")
        return FixedDeduction(points=points, amount=amount, event=event, may_exceed="exceed" in found)
    return _per_unit(primary, requirements[0] if requirements else None, points, cap, source)


def _per_unit(
    primary: _Hit, requirement: _Hit | None, points: Decimal, cap: Decimal | None, source: _Text
) -> PerUnitDeduction:
    match = primary.match
    assert match is not None
    groups = match.groupdict()
    if groups.get("n") not in (None, "1"):
        raise ValueError("按多次合计扣分，由评分人打分。")
    amount = Decimal(match["d"])
    verb = groups.get("verb") or ""
    act = groups.get("act") or ""
    subject = _clean(_group(source, match, "subj"))
    if groups.get("lead"):
        # 未进行沟通研究的,每次扣1分: the clause before the comma says what is counted.
        subject = _clean(_group(source, match, "lead")) + subject
    obj = _clean(_group(source, match, "obj")) if "obj" in groups else ""
    unit = groups.get("unit") or "项"
    if primary.kind == "per_period_short":
        return PerUnitDeduction(
            points=points,
            per_unit=amount,
            required=1,
            period=_PERIODS[match["period"]],
            cap=cap,
            subject=obj or subject,
            action=act,
            unit=unit,
        )
    if requirement is not None:
        rm = requirement.match
        assert rm is not None
        names = rm.groupdict()
        required_subject = next(
            (_clean(_group(source, rm, name)) for name in ("subj2", "subj3", "subj1") if names.get(name)), ""
        )
        period = _PERIODS[rm["period"]] if names.get("period") else None
        action = (act or verb.lstrip("少缺")) or (names.get("verb") or "")
        return PerUnitDeduction(
            points=points,
            per_unit=amount,
            required=Decimal(rm["n"]),
            period=period,
            cap=cap,
            subject=required_subject or obj or subject,
            action=action,
            unit=rm["unit"],
        )
    # No requirement: a person counts the shortfalls or offences, as the sentence names them.
    if verb or act:
        action = verb + act
        return PerUnitDeduction(
            points=points, per_unit=amount, cap=cap, subject=obj or subject, action=action, unit=unit
        )
    return PerUnitDeduction(points=points, per_unit=amount, cap=cap, subject=subject, action=obj, unit=unit)


def _threshold(primary: _Hit, points: Decimal, source: _Text) -> Threshold:
    match = primary.match
    assert match is not None
    subject = _clean(_group(source, match, "subj"))
    threshold = Decimal(match["t"])
    if primary.kind == "threshold_missed":
        deduction = Decimal(match["d"]) if match["d"] else None
        if deduction is not None and deduction >= points:
            deduction = None
        return Threshold(points=points, threshold=threshold, deduction=deduction, subject=subject, unit="%")
    if match["full"] and Decimal(match["full"]) != points:
        raise ValueError(f"达标得分 {match['full']} 分与本项分值 {fmt(points)} 分不符，由评分人打分。")
    at_least = match["cmp"] not in ("不超过", "不高于") and match["dir"] not in ("以下", "及以下")
    return Threshold(points=points, threshold=threshold, at_least=at_least, subject=subject, unit="%")


def _graded(primary: _Hit, points: Decimal) -> GradedLevels:
    top = max(value for _, value in primary.levels)
    if points and top != points:
        raise ValueError(f"等次最高 {fmt(top)} 分，与本项分值 {fmt(points)} 分不符，由评分人打分。")
    return GradedLevels(
        points=points or top, levels=tuple(Level(label, value) for label, value in primary.levels)
    )


_LIST_ITEM = re.compile(rf"(?P<label>[^\W\d_]{{1,8}})(?:\((?P<n>{_NUM})分\)|(?P<n2>{_NUM})分)")
_LIST_GAP = re.compile(r"[;,、()]*")


def _graded_hits(text: str, source: _Text) -> list[_Hit]:
    """Runs of list items `label N分` / `label(N分)` where the labels name levels (好, 较好, 健全 …).

    Items follow each other with only , ; 、 or brackets between them; a run needs two items or
    more with distinct labels, one of them a level word; a label ending in a level word is that
    level (教学工作好 → 好). A label holding 扣, 加, 得 … is a deduction or a bonus, not a level.
    """
    runs: list[list[re.Match[str]]] = []
    for item in _LIST_ITEM.finditer(text):
        if set(item["label"]) & set("扣加奖减得每"):
            continue
        if runs and _LIST_GAP.fullmatch(text, runs[-1][-1].end(), item.start()):
            runs[-1].append(item)
        else:
            runs.append([item])
    hits = []
    for run in runs:
        if len(run) < 2:
            continue
        written = [source.source(*item.span("label")) for item in run]
        labels = [_level_word(item["label"]) or label for item, label in zip(run, written, strict=True)]
        if len(set(labels)) != len(labels):
            # 在全校突出 / 学院突出: the words before the level tell the levels apart.
            labels = written
        if len(set(labels)) != len(labels) or not any(_level_word(label) for label in labels):
            continue
        levels = tuple(
            (label, Decimal(item["n"] or item["n2"])) for label, item in zip(labels, run, strict=True)
        )
        hits.append(_Hit("graded", run[0].start(), run[-1].end(), levels=levels))
    return hits


def _level_word(label: str) -> str:
    """The level word a label ends in (教学工作好 → 好), or "" when it names no level."""
    return next((word for word in _LEVEL_WORDS if label.endswith(word)), "")


def _take_bare_requirements(masked: list[str], hits: list[_Hit]) -> None:
    """`不少于4次` as a requirement over the whole range, unless a 每 before it makes it per item."""
    text = "".join(masked)
    for match in _PATTERNS["requirement_bare"].finditer(text):
        clause_start = max(text.rfind(stop, 0, match.start()) for stop in ",;。:")
        if "每" in text[clause_start + 1 : match.start()]:
            continue
        hits.append(_Hit("requirement_bare", match.start(), match.end(), match))
        masked[match.start() : match.end()] = "\x00" * (match.end() - match.start())


def _residue(masked: str, points: Decimal) -> str:
    """Leftover wording that still scores; `N分` equal to the item's own points is only its note."""
    for match in _RESIDUE.finditer(masked):
        if match["n"] is not None and Decimal(match["n"]) == points:
            continue
        return match.group()
    return ""


def _first_number(hits: list[_Hit], kind: str) -> Decimal | None:
    for hit in hits:
        if hit.kind == kind and hit.match is not None:
            value = next(group for group in hit.match.groups() if group is not None)
            return Decimal(value)
    return None


def _group(source: _Text, match: re.Match[str] | None, name: str) -> str:
    if match is None or match[name] is None:
        return ""
    return source.source(*match.span(name))


def _clean(fragment: str) -> str:
    """A fragment without the punctuation, numbering and 的 at its edges."""
    fragment = fragment.strip(" \t\r\n\u3000,，;；。:：、")
    fragment = re.sub(r"^(?:\d+[、.．]|[(（]\d+[)）]|[①-⑳]|第[一二三四五六七八九十百\d]+条)\s*", "", fragment)
    fragment = re.sub(r"(?:的|,|，)+$", "", fragment)
    fragment = fragment.strip(" ,，;；。:：、")
    if fragment[:1] in "(（" and not re.search(r"[)）]", fragment):
        fragment = fragment[1:]
    if fragment[-1:] in ")）" and not re.search(r"[(（]", fragment):
        fragment = fragment[:-1]
    return fragment


def _normalize(text: str) -> _Text:
    """NFKC, ½, dashes, traditional forms and Chinese numerals, whitespace dropped, origins kept."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for index, char in enumerate(text):
        if char.isspace():
            continue
        char = char.translate(_TRADITIONAL)
        replacement = _FRACTIONS.get(char) or unicodedata.normalize("NFKC", char)
        for piece in replacement.translate(_DASHES):
            if piece.isspace():
                continue
            chars.append(piece)
            starts.append(index)
            ends.append(index + 1)
    source = _Text("".join(chars), starts, ends, text)
    source = _substitute(source, _PERCENT_WORDS, lambda match: f"{_number_word(match[1])}%")
    return _substitute(source, _CN_NUMBER, _numeral)


def _numeral(match: re.Match[str]) -> str | None:
    word = match.group()
    if word == "百":
        return None
    following = match.string[match.end() : match.end() + 1]
    preceding = match.string[match.start() - 1 : match.start()]
    if following == "分" and preceding not in _SCORE_VERBS:
        return None
    return str(_chinese_number(word))


def _number_word(word: str) -> str:
    return word if word[0].isdigit() else str(_chinese_number(word))


def _chinese_number(word: str) -> int:
    total = current = 0
    for char in word:
        if char in _CN_DIGITS:
            current = _CN_DIGITS[char]
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        elif char == "百":
            total += (current or 1) * 100
            current = 0
    return total + current


def _substitute(
    source: _Text, pattern: re.Pattern[str], replace: Callable[[re.Match[str]], str | None]
) -> _Text:
    """Replace matches in the normalised text, each new character keeping its match's origin."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    position = 0
    for match in pattern.finditer(source.norm):
        replacement = replace(match)
        if replacement is None:
            continue
        chars.extend(source.norm[position : match.start()])
        starts.extend(source.starts[position : match.start()])
        ends.extend(source.ends[position : match.start()])
        chars.extend(replacement)
        starts.extend([source.starts[match.start()]] * len(replacement))
        ends.extend([source.ends[match.end() - 1]] * len(replacement))
        position = match.end()
    chars.extend(source.norm[position:])
    starts.extend(source.starts[position:])
    ends.extend(source.ends[position:])
    return _Text("".join(chars), starts, ends, source.original)

"""A county 考核细则 as an Excel file: reading the usual layout into a `ParsedFramework`, and writing
a framework back in the same layout.

The usual layout, as 组织部 tables are written (real examples: tests/assessments/files/):

* a title row, or several, above the header (the first becomes the suggested name);
* the columns 一级指标, 二级指标 (optional), 考核内容, 分值, 评分标准, 考核方式, 一票否决 (是/否), under
  their usual other names (考核项目, 类别, 考核要点, 具体要求, 标准分, 评分细则, 计(扣)分办法,
  检查方式, 考核方法 …); headings are compared with spaces, line breaks, full-width brackets and a
  bracketed note (`标准分(100分)`) left out. Where the header names no 一级指标, the level columns
  left of 考核内容 are read as the levels in order (a 考核项目 merged over two columns is 一级 and
  二级; 考核项目 · 考核内容 · 具体要求 is 一级 · 二级 · 考核内容). A table without a 评分标准 column
  writes the rule into 考核内容 (`…。未召开不得分`), so that cell is read as both;
* merged cells as Excel writes them: a merged 一级指标 spans its rows; a level cell left blank
  belongs to the row above, as does a row holding only 评分标准 or 考核方式 (a continuation);
* a level written with its points (`村服务站建设(20分)`, `落实工作责任机制11分`) is checked against
  its items; a 合计 / 总分 row (and `标准分(100分)` in the header) against the table's total; a 小计
  row against its 一级指标. Such rows are checked, not imported;
* 加分 rows (a 一级指标 named 加分…, or a rule `加N分`) are bonus items, their 分值 the item's cap; a
  bonus 一级指标's own points (`加分项(最多加5分)`) are the framework-wide cap.

Reading is all or nothing: `read_framework` raises `FileRefused` for a file it cannot read at all
and `ImportRefused` listing every bad row with its number; nothing in between.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font

from spreadsheets import FileRefused, ImportRefused, RowError, cell_text, safe_cell

from .models import CheckMethod, Framework, Metric
from .rule_text import ParsedRule, parse_rule_text
from .rules import Bonus, PerUnitDeduction, Threshold, Veto, fmt

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2_000
HEADER_SEARCH_ROWS = 15
MAX_POINTS = Decimal("9999.99")

DIMENSION, GROUP, TEXT, POINTS, CRITERIA, METHODS, VETO = (
    "dimension",
    "group",
    "text",
    "points",
    "criteria",
    "methods",
    "veto",
)
HEADINGS = {
    DIMENSION: "一级指标",
    GROUP: "二级指标",
    TEXT: "考核内容",
    POINTS: "分值",
    CRITERIA: "评分标准",
    METHODS: "考核方式",
    VETO: "一票否决",
}
# The names a column goes by in real tables, normalised (see `_heading`).
_COLUMN_NAMES = {
    DIMENSION: {
        "一级指标",
        "类别",
        "考核类别",
        "项目类别",
        "指标类别",
        "考核分类",
        "指标名称",
        "考核大项",
        "大项",
    },
    GROUP: {"二级指标", "考核项目", "考评项目", "项目", "二级项目", "小项"},
    TEXT: {
        *("考核内容", "考核要点", "具体要求", "工作要求", "考评内容", "测评内容", "考核要点及分值分解"),
        *("评分项", "三级指标", "考核指标", "考核细则", "内容", "要求", "项目要求", "考评标准及要求"),
    },
    POINTS: {"分值", "标准分", "分数", "满分", "基本分", "考核分值", "标准分值", "基础分", "应得分"},
    CRITERIA: {
        *("评分标准", "评分细则", "评分办法", "计分办法", "扣分标准", "评分说明", "评分方法", "扣分办法"),
        *("考评办法与评分标准", "评分依据", "计分标准", "扣分细则", "考核评分标准"),
    },
    METHODS: {
        *("考核方式", "检查方式", "考核方法", "考核办法", "考评方式", "考评方法", "测评方法", "检查方法"),
        *("考核形式", "核查方式", "考评办法"),
    },
    VETO: {"一票否决", "是否一票否决", "否决项", "一票否决项"},
}
_LEVEL_ROLES = (DIMENSION, GROUP, TEXT)

# 考核方式 by the words tables use; SITE_VISIT first, so 实地查看 is not also read as 查看 (records).
_METHOD_WORDS = (
    ("SITE_VISIT", r"实地查看|实地察看|实地考察|实地检查|现场查看|现场察看|现场检查|实地"),
    ("RECORDS", r"查看记录|查阅资料|查阅台账|查阅|查看|查资料|审核材料|审阅|台账|资料|记录|档案"),
    ("INTERVIEW", r"走访|个别访谈|访谈|访问|谈话|调查"),
    ("QUESTIONNAIRE", r"问卷|测评"),
    ("SYMPOSIUM", r"座谈"),
    ("TEST", r"测试|考试|测验|答题"),
)
_METHOD_ORDER = [value for value, _ in _METHOD_WORDS]
_METHOD_LABELS = {
    "RECORDS": "查阅资料",
    "SITE_VISIT": "实地查看",
    "INTERVIEW": "走访",
    "QUESTIONNAIRE": "问卷",
    "SYMPOSIUM": "座谈",
    "TEST": "测试",
}
_METHOD_SEPARATORS = re.compile(r"[、，,；;/\s]+")

_TOTAL_WORDS = {"合计", "总计", "总分", "合计分", "总分值", "满分"}
_SUBTOTAL_WORDS = {"小计"}
_YES = {"是", "√", "✓", "Y", "YES", "TRUE", "1", "一票否决"}
_NO = {"", "否", "×", "N", "NO", "FALSE", "0"}
_LEVEL_WITH_POINTS = re.compile(
    r"^(?P<name>.*?)[(]?(?:共|计|满分|最多加|最高加|最多|最高|加分上限)?(?P<n>\d+(?:\.\d+)?)分[)]?$"
)
_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十\d]+[)）]|\d+[、.．])")
_POINTS = re.compile(r"^(?P<n>\d+(?:\.\d+)?)分?$")


# Which records a rule counts, by the words of its 评分标准. Only a count against a requirement per
# period, or a rate against a threshold, and only when one kind of record is named: `三会一课`
# names four, and a wrong automatic score is worse than a hand-scored item.
_COUNTED = (
    (r"支委会|支委会议", Metric.MEETINGS, ["COMMITTEE_MEETING"]),
    (r"党员大会", Metric.MEETINGS, ["GENERAL_MEETING"]),
    (r"党小组会", Metric.MEETINGS, ["GROUP_MEETING"]),
    (r"党课", Metric.MEETINGS, ["PARTY_LECTURE"]),
    (r"组织生活会", Metric.MEETINGS, ["ORG_LIFE_MEETING"]),
    (r"主题党日|党日活动", Metric.ACTIVITIES, ["THEME_DAY"]),
    (r"积极分子", Metric.NEW_ACTIVISTS, []),
    (r"发展.{0,4}党员|新党员", Metric.NEW_MEMBERS, []),
)
_RATES = (
    (r"到会率|参会率|出勤率", Metric.ATTENDANCE_RATE),
    (r"党费", Metric.DUES_ON_TIME_RATE),
    (r"满意率|满意度", Metric.SATISFACTION_RATE),
    (r"志愿者", Metric.STAR_VOLUNTEERS_SHARE),
)


@dataclass(frozen=True)
class MetricGuess:
    """The records a rule is computed from: a `Metric`, its period and the meeting kinds counted."""

    metric: str = ""
    period: str = ""
    meeting_kinds: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        if not self.metric:
            return ""
        every = f"，每{_PERIOD_WORDS[self.period]}" if self.period else ""
        return f"{Metric(self.metric).label}{every}"


_PERIOD_WORDS = {
    "week": "周",
    "month": "月",
    "quarter": "季度",
    "half_year": "半年",
    "year": "年",
    "two_years": "两年",
}


def guess_metric(rule, criteria: str) -> MetricGuess:
    """The metric that computes `rule` from the branch's records, or an empty guess."""
    text = re.sub(r"\s+", "", criteria)
    if isinstance(rule, PerUnitDeduction) and rule.required is not None:
        found = [(metric, kinds) for pattern, metric, kinds in _COUNTED if re.search(pattern, text)]
        if len(found) == 1:
            metric, kinds = found[0]
            period = rule.period.value if rule.period is not None else ""
            return MetricGuess(metric.value, period, tuple(kinds))
    if isinstance(rule, Threshold) and rule.unit == "%":
        found = [metric for pattern, metric in _RATES if re.search(pattern, text)]
        if len(found) == 1:
            return MetricGuess(found[0].value)
    return MetricGuess()


@dataclass
class ParsedIndicator:
    """One 考核内容 row as read, with its rule; `row` is the spreadsheet's own row number."""

    row: int
    dimension: str
    group: str
    text: str
    points: Decimal
    criteria: str
    check_methods: list[str]
    method_text: str
    is_veto: bool
    is_bonus: bool
    parsed: ParsedRule

    @property
    def rule(self):
        return self.parsed.rule

    @property
    def metric(self) -> MetricGuess:
        return guess_metric(self.rule, self.criteria)

    @property
    def computable(self) -> bool:
        return self.parsed.computable

    @property
    def method_labels(self) -> str:
        return "、".join(_METHOD_LABELS[value] for value in self.check_methods)


@dataclass
class ParsedGroup:
    name: str
    indicators: list[ParsedIndicator] = field(default_factory=list)


@dataclass
class ParsedDimension:
    name: str
    row: int
    stated_points: Decimal | None = None
    groups: list[ParsedGroup] = field(default_factory=list)

    @property
    def indicators(self) -> list[ParsedIndicator]:
        return [indicator for group in self.groups for indicator in group.indicators]

    @property
    def points(self) -> Decimal:
        return sum((i.points for i in self.indicators if not i.is_bonus), Decimal(0))

    @property
    def is_bonus(self) -> bool:
        return "加分" in self.name


@dataclass
class ParsedFramework:
    """The whole table: its title, its 一级指标 in order, the framework-wide bonus cap."""

    title: str
    dimensions: list[ParsedDimension]
    bonus_cap: Decimal | None = None

    @property
    def indicators(self) -> list[ParsedIndicator]:
        return [indicator for dimension in self.dimensions for indicator in dimension.indicators]

    @property
    def total_points(self) -> Decimal:
        return sum((d.points for d in self.dimensions), Decimal(0))

    @property
    def computable_count(self) -> int:
        return sum(1 for indicator in self.indicators if indicator.computable)

    @property
    def has_groups(self) -> bool:
        return any(group.name for dimension in self.dimensions for group in dimension.groups)


# Reading ---------------------------------------------------------------------------------------


def read_framework(data: bytes, name: str = "framework.xlsx") -> ParsedFramework:
    """The first sheet of an .xlsx read as a 考核细则 (see the module docstring for the layout).

    Raises `FileRefused` (not an .xlsx, over 5 MB or 2,000 rows, no header) or `ImportRefused`
    with every bad row.
    """
    if not name.lower().endswith(".xlsx"):
        raise FileRefused("只能导入 Excel（.xlsx）文件。")
    if len(data) > MAX_BYTES:
        raise FileRefused("文件超过 5 MB，考核细则表通常不会这么大，请检查是否选错了文件。")
    try:
        workbook = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as error:  # openpyxl raises several unrelated types for a bad file
        raise FileRefused("无法读取该文件，请上传 Excel（.xlsx）文件。") from error
    sheet = workbook.worksheets[0]
    if sheet.max_row > MAX_ROWS:
        raise FileRefused(f"文件超过 {MAX_ROWS} 行，考核细则表通常不会这么长，请检查是否选错了文件。")
    grid = _Grid(sheet)
    return _Reader(grid).read()


class _Grid:
    """The sheet's cell texts with merged ranges filled from their top-left cell.

    `origin(r, c)` is False for a cell that only repeats a merged range's value, so a value is
    taken once (a merged 考核内容 is one item, not one per row).
    """

    def __init__(self, sheet) -> None:
        self.rows = sheet.max_row
        self.columns = sheet.max_column
        self.values: dict[tuple[int, int], str] = {}
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    self.values[(cell.row, cell.column)] = cell_text(cell.value)
        self.fills: dict[tuple[int, int], tuple[int, int]] = {}
        for merged in sheet.merged_cells.ranges:
            top = (merged.min_row, merged.min_col)
            for r in range(merged.min_row, merged.max_row + 1):
                for c in range(merged.min_col, merged.max_col + 1):
                    if (r, c) != top:
                        self.fills[(r, c)] = top
                        self.values[(r, c)] = self.values.get(top, "")

    def get(self, r: int, c: int | None) -> str:
        return "" if c is None else self.values.get((r, c), "")

    def origin(self, r: int, c: int | None) -> bool:
        return c is not None and (r, c) not in self.fills

    def merge_of(self, r: int, c: int | None) -> tuple[int, int] | None:
        return None if c is None else self.fills.get((r, c), (r, c))

    def row(self, r: int) -> list[str]:
        return [self.get(r, c) for c in range(1, self.columns + 1)]


def _heading(text: str) -> str:
    """A heading as compared: NFKC, no whitespace, no bracketed note, no required-mark."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\s+", "", text)
    text = re.sub(r"\([^)]*\)", "", text)
    return text.strip("*※")


def _squash(text: str) -> str:
    """A level cell's name: no whitespace (vertical text in merged cells breaks every character)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _role(text: str) -> str | None:
    heading = _heading(text)
    return next((role for role, names in _COLUMN_NAMES.items() if heading in names), None)


@dataclass
class _Columns:
    dimension: int
    group: int | None
    text: int
    points: int
    criteria: int | None
    methods: int | None
    veto: int | None
    header_row: int
    stated_total: Decimal | None
    headings: dict[int, str]


def _find_columns(grid: _Grid) -> _Columns:
    for r in range(1, min(grid.rows, HEADER_SEARCH_ROWS) + 1):
        roles = {c: _role(grid.get(r, c)) for c in range(1, grid.columns + 1)}
        texts = [c for c, role in roles.items() if role == TEXT]
        points = [c for c, role in roles.items() if role == POINTS]
        if not texts or not points:
            continue
        text = texts[-1]
        levels = [c for c, role in roles.items() if role in _LEVEL_ROLES and c < text]
        explicit_dimension = [c for c in levels if roles[c] == DIMENSION]
        explicit_group = [c for c in levels if roles[c] == GROUP and _heading(grid.get(r, c)) == "二级指标"]
        if explicit_dimension and explicit_group:
            levels = [explicit_dimension[0], explicit_group[0]]
        if not levels:
            raise FileRefused(f"第 {r} 行是表头，但缺少“一级指标”列（或“考核项目”“类别”）。")
        if len(levels) > 2:
            names = "、".join(_heading(grid.get(r, c)) for c in levels)
            raise FileRefused(f"第 {r} 行的表头在考核内容前有 {len(levels)} 个层级列（{names}），最多两级。")

        def first(role: str, roles=roles) -> int | None:
            return next((c for c, found in roles.items() if found == role), None)

        stated = re.search(r"(\d+(?:\.\d+)?)分?\)", unicodedata.normalize("NFKC", grid.get(r, points[0])))
        return _Columns(
            dimension=levels[0],
            group=levels[1] if len(levels) > 1 else None,
            text=text,
            points=points[0],
            criteria=first(CRITERIA),
            methods=first(METHODS),
            veto=first(VETO),
            header_row=r,
            stated_total=Decimal(stated[1]) if stated else None,
            headings={c: _heading(grid.get(r, c)) for c in range(1, grid.columns + 1)},
        )
    raise FileRefused(
        f"在前 {HEADER_SEARCH_ROWS} 行中找不到表头：表头应有“考核内容”（或“考核要点”）"
        "和“分值”（或“标准分”）两列，以及“一级指标”“评分标准”“考核方式”等列。"
    )


def split_level(text: str) -> tuple[str, Decimal | None]:
    """`村服务站建设(20分)` → ("村服务站建设", 20); `一、组织建设` → ("组织建设", None)."""
    squashed = _squash(text)
    match = _LEVEL_WITH_POINTS.match(squashed)
    name, points = (match["name"], Decimal(match["n"])) if match and match["name"] else (squashed, None)
    name = _NUMBERING.sub("", name).strip("(:： ")
    return name, points


def read_methods(text: str) -> tuple[list[str], str]:
    """The CheckMethod values named in a 考核方式 cell, in reading order, and the text to keep
    beside them ("" when the cell says no more than the methods' own names)."""
    norm = unicodedata.normalize("NFKC", text)
    masked = norm
    found: list[tuple[int, str]] = []
    for value, pattern in _METHOD_WORDS:
        for match in re.finditer(pattern, masked):
            found.append((match.start(), value))
            masked = masked[: match.start()] + "\x00" * (match.end() - match.start()) + masked[match.end() :]
    methods: list[str] = []
    for _, value in sorted(found):
        if value not in methods:
            methods.append(value)
    words = [word for word in _METHOD_SEPARATORS.split(norm) if word]
    canonical = set(_METHOD_LABELS.values()) | {"查看记录"}
    plain = all(word in canonical for word in words)
    return methods, ("" if plain else text.strip())


def _parse_rule(criteria: str, points: Decimal) -> ParsedRule:
    """The rule of a 评分标准 cell; a line break ends a clause (a continuation row, or Alt+Enter)."""
    return parse_rule_text(re.sub(r"(?<![，,；;。])\s*\n\s*", "，", criteria.strip()), points=points)


def parse_points(text: str) -> Decimal | None:
    """`10分`, `10`, `10.0`, `１０分` → Decimal; None when the cell is not a number of points."""
    match = _POINTS.match(_squash(text))
    if not match:
        return None
    try:
        return Decimal(match["n"]).normalize() + 0
    except InvalidOperation:
        return None


class _Reader:
    def __init__(self, grid: _Grid) -> None:
        self.grid = grid
        self.cols = _find_columns(grid)
        self.errors: list[RowError] = []
        self.dimensions: dict[str, ParsedDimension] = {}
        self.current: ParsedDimension | None = None
        self.group: ParsedGroup | None = None
        self.last: ParsedIndicator | None = None
        self.stated_total: tuple[int, Decimal] | None = None
        self.subtotals: list[tuple[int, ParsedDimension, Decimal]] = []
        self.group_points: list[tuple[int, ParsedGroup, Decimal]] = []

    def read(self) -> ParsedFramework:
        cols = self.cols
        header = [self.grid.get(cols.header_row, c) for c in range(1, self.grid.columns + 1)]
        for r in range(cols.header_row + 1, self.grid.rows + 1):
            cells = self.grid.row(r)
            if not any(cells) or cells == header or self._repeated_header(r):
                continue
            self._row(r)
        framework = ParsedFramework(title=self._title(), dimensions=list(self.dimensions.values()))
        self._check(framework)
        if self.errors:
            raise ImportRefused(self.errors)
        if not framework.indicators:
            raise FileRefused("表头下面没有考核内容。")
        return framework

    def _repeated_header(self, r: int) -> bool:
        """The header again, as a table split over pages repeats it (`标准分(100)` for `(100分)`)."""
        return (
            _role(self.grid.get(r, self.cols.text)) == TEXT
            and _role(self.grid.get(r, self.cols.points)) == POINTS
        )

    def _title(self) -> str:
        for r in range(1, self.cols.header_row):
            for text in self.grid.row(r):
                if text.strip():
                    return re.sub(r"\s+", " ", text).strip()[:200]
        return ""

    def _row(self, r: int) -> None:
        grid, cols = self.grid, self.cols
        level_texts = [grid.get(r, cols.dimension), grid.get(r, cols.group), grid.get(r, cols.text)]
        words = {_squash(text) for text in level_texts if text}
        if words & _TOTAL_WORDS:
            self._total(r, subtotal=False)
            return
        if words & _SUBTOTAL_WORDS:
            self._total(r, subtotal=True)
            return
        if self._section(r):
            return
        self._levels(r)
        text = grid.get(r, cols.text)
        new_text = bool(text) and (grid.origin(r, cols.text) or self._merge_changed(r, cols.text))
        points_text = grid.get(r, cols.points) if grid.origin(r, cols.points) else ""
        if not new_text:
            self._continuation(r, points_text)
            return
        self._indicator(r, text, points_text)

    def _merge_changed(self, r: int, c: int) -> bool:
        """A filled cell whose merge began after the last item (a merged 考核内容 seen first here)."""
        return self.last is None or self.grid.merge_of(r, c) != self.grid.merge_of(self.last.row, c)

    def _section(self, r: int) -> bool:
        """A row holding one value merged across the table (`一、组织建设（30分）`): a new 一级指标."""
        grid, cols = self.grid, self.cols
        top = grid.merge_of(r, cols.text)
        if top is None or top[0] != r or grid.merge_of(r, cols.points) != top:
            return False
        self._start_dimension(r, grid.get(r, cols.text))
        return True

    def _start_dimension(self, r: int, text: str) -> None:
        name, stated = split_level(text)
        if len(name) > 100:
            self.errors.append(RowError(r, f"一级指标“{name[:20]}…”超过 100 字。"))
        dimension = self.dimensions.get(name)
        if dimension is None:
            dimension = self.dimensions[name] = ParsedDimension(name=name, row=r, stated_points=stated)
        if dimension is not self.current:
            self.current, self.group = dimension, None

    def _levels(self, r: int) -> None:
        grid, cols = self.grid, self.cols
        dimension_text = grid.get(r, cols.dimension)
        if dimension_text and (self.current is None or self._is_new(r, cols.dimension, dimension_text)):
            self._start_dimension(r, dimension_text)
        group_text = grid.get(r, cols.group)
        if self.current is None:
            return
        if group_text and (self.group is None or self._is_new(r, cols.group, group_text)):
            name, stated = split_level(group_text)
            if len(name) > 200:
                self.errors.append(RowError(r, f"二级指标“{name[:20]}…”超过 200 字。"))
            group = next((g for g in self.current.groups if g.name == name), None)
            if group is None:
                group = ParsedGroup(name=name)
                self.current.groups.append(group)
                if stated is not None:
                    self.group_points.append((r, group, stated))
            self.group = group

    def _is_new(self, r: int, c: int, text: str) -> bool:
        """A level cell starts a new level when it is written here (not a merge's repeat)."""
        return self.grid.origin(r, c) and bool(text)

    def _continuation(self, r: int, points_text: str) -> None:
        grid, cols = self.grid, self.cols
        criteria = grid.get(r, cols.criteria) if grid.origin(r, cols.criteria) else ""
        methods = grid.get(r, cols.methods) if grid.origin(r, cols.methods) else ""
        if not (criteria or methods or points_text):
            return
        if points_text:
            self.errors.append(RowError(r, f"有分值“{points_text}”但没有考核内容。"))
            return
        if self.last is None:
            self.errors.append(RowError(r, "没有考核内容，上面也没有可以续写的考核内容。"))
            return
        last = self.last
        if criteria:
            last.criteria = f"{last.criteria}\n{criteria}" if last.criteria else criteria
            last.parsed = _parse_rule(last.criteria, last.points)
            self._apply_rule(last)
        if methods:
            extra, kept = read_methods(methods)
            last.check_methods += [value for value in extra if value not in last.check_methods]
            last.method_text = "\n".join(part for part in (last.method_text, kept) if part)

    def _indicator(self, r: int, text: str, points_text: str) -> None:
        grid, cols = self.grid, self.cols
        if self.current is None:
            self.errors.append(RowError(r, "没有一级指标：请在“一级指标”列填写这一行属于哪个一级指标。"))
            return
        if self.group is None:
            self.group = ParsedGroup(name="")
            self.current.groups.append(self.group)
        if cols.points is not None and not grid.origin(r, cols.points) and grid.get(r, cols.points):
            self.errors.append(RowError(r, "分值单元格与上一行合并了，请为每条考核内容分别填写分值。"))
            return
        criteria = grid.get(r, cols.criteria) if cols.criteria is not None else text
        veto_text = _squash(grid.get(r, cols.veto)).upper()
        if veto_text not in _YES | _NO:
            self.errors.append(RowError(r, f"一票否决应填“是”或“否”，不能是“{grid.get(r, cols.veto)}”。"))
            return
        is_veto = veto_text in _YES or "一票否决" in self.current.name
        points = parse_points(points_text) if points_text else None
        if points_text and points is None:
            self.errors.append(RowError(r, f"分值“{points_text}”不是数字（可写 10、10分 或 10.5）。"))
            return
        if points is not None and points > MAX_POINTS:
            self.errors.append(RowError(r, f"分值 {fmt(points)} 太大，最多 {fmt(MAX_POINTS)} 分。"))
            return
        parsed = _parse_rule(criteria, points or Decimal(0))
        is_bonus = self.current.is_bonus or isinstance(parsed.rule, Bonus)
        if points is None:
            if is_bonus and isinstance(parsed.rule, Bonus) and parsed.rule.cap is not None:
                points = parsed.rule.cap
            elif is_veto:
                points = Decimal(0)
            else:
                message = "加分项须写明最多加几分（分值列或“最多加N分”）。" if is_bonus else "分值不能为空。"
                self.errors.append(RowError(r, message))
                return
            parsed = _parse_rule(criteria, points)
        methods, method_text = read_methods(grid.get(r, cols.methods))
        if len(method_text) > 300:
            self.errors.append(RowError(r, "考核方式超过 300 字，请精简。"))
            return
        indicator = ParsedIndicator(
            row=r,
            dimension=self.current.name,
            group=self.group.name,
            text=text.strip(),
            points=points,
            criteria=criteria.strip(),
            check_methods=methods,
            method_text=method_text,
            is_veto=is_veto,
            is_bonus=is_bonus,
            parsed=parsed,
        )
        self._apply_rule(indicator)
        self.group.indicators.append(indicator)
        self.last = indicator

    def _apply_rule(self, indicator: ParsedIndicator) -> None:
        if isinstance(indicator.rule, Veto):
            indicator.is_veto = True
        if isinstance(indicator.rule, Bonus):
            indicator.is_bonus = True

    def _total(self, r: int, *, subtotal: bool) -> None:
        grid, cols = self.grid, self.cols
        text = grid.get(r, cols.points) or next(
            (value for value in reversed(grid.row(r)) if parse_points(value) is not None), ""
        )
        value = parse_points(text) if text else None
        if value is None:
            return
        if subtotal and self.current is not None:
            self.subtotals.append((r, self.current, value))
        elif not subtotal:
            self.stated_total = (r, value)

    def _check(self, framework: ParsedFramework) -> None:
        """Points written beside a level, in a 小计 / 合计 row or in the header, against the items."""
        for dimension in framework.dimensions:
            if dimension.stated_points is None:
                continue
            if dimension.is_bonus:
                framework.bonus_cap = dimension.stated_points
            elif dimension.stated_points != dimension.points:
                self.errors.append(
                    RowError(
                        dimension.row,
                        f"一级指标“{dimension.name}”标明 {fmt(dimension.stated_points)} 分，"
                        f"其下各项分值之和为 {fmt(dimension.points)} 分。",
                    )
                )
        for r, group, stated in self.group_points:
            points = sum((i.points for i in group.indicators if not i.is_bonus), Decimal(0))
            if stated != points and not all(i.is_bonus for i in group.indicators):
                self.errors.append(
                    RowError(
                        r,
                        f"二级指标“{group.name}”标明 {fmt(stated)} 分，其下各项分值之和为 {fmt(points)} 分。",
                    )
                )
        for r, dimension, stated in self.subtotals:
            if stated != dimension.points:
                self.errors.append(
                    RowError(
                        r,
                        f"小计 {fmt(stated)} 分，"
                        f"与“{dimension.name}”各项分值之和 {fmt(dimension.points)} 分不符。",
                    )
                )
        stated_totals = [(self.cols.header_row, self.cols.stated_total)] if self.cols.stated_total else []
        if self.stated_total:
            stated_totals.append(self.stated_total)
        for r, stated in stated_totals:
            if stated != framework.total_points:
                self.errors.append(
                    RowError(
                        r, f"合计 {fmt(stated)} 分，与各项分值之和 {fmt(framework.total_points)} 分不符。"
                    )
                )


# Writing ---------------------------------------------------------------------------------------

EXPORT_HEADINGS = [HEADINGS[role] for role in (DIMENSION, GROUP, TEXT, POINTS, CRITERIA, METHODS, VETO)]


def framework_rows(framework: Framework) -> Iterable[tuple[str, str, str, Decimal, str, str, str]]:
    """The framework's rows in the usual layout, one per indicator, in order (three queries)."""
    dimensions = framework.dimensions.prefetch_related("item_groups", "indicators")
    for dimension in dimensions:
        groups = {group.pk: group.name for group in dimension.item_groups.all()}
        name = dimension.name
        if framework.bonus_cap is not None and any(i.is_bonus for i in dimension.indicators.all()):
            name = f"{name}（最多加{fmt(framework.bonus_cap)}分）"
        for indicator in dimension.indicators.all():
            methods = indicator.evidence_hint or "、".join(
                _METHOD_LABELS.get(value, CheckMethod(value).label) for value in indicator.check_methods
            )
            yield (
                name,
                groups.get(indicator.item_group_id, ""),
                indicator.text,
                indicator.max_score,
                indicator.criteria,
                methods,
                "是" if indicator.is_veto else "否",
            )


def framework_xlsx(framework: Framework) -> bytes:
    """The framework as the county writes it: a title row, the header, the 一级指标 and 二级指标
    merged over their rows, a 合计 row; every text cell escaped against formulas."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "考核细则"
    width = len(EXPORT_HEADINGS)
    sheet.append([safe_cell(framework.name)])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.cell(1, 1).font = Font(bold=True, size=14)
    sheet.cell(1, 1).alignment = Alignment(horizontal="center")
    sheet.append(EXPORT_HEADINGS)
    for c in range(1, width + 1):
        sheet.cell(2, c).font = Font(bold=True)
    rows = list(framework_rows(framework))
    start = 3
    for offset, row in enumerate(rows):
        sheet.append([safe_cell(value) if isinstance(value, str) else value for value in row])
        for c in (3, 5, 6):
            sheet.cell(start + offset, c).alignment = Alignment(wrap_text=True, vertical="top")
    for column in (1, 2):
        _merge_runs(sheet, column, [row[0] if column == 1 else (row[0], row[1]) for row in rows], start)
    sheet.append(["合计", "", "", framework.total_points(), "", "", ""])
    for letter, column_width in zip("ABCDEFG", (16, 16, 40, 8, 40, 16, 10), strict=True):
        sheet.column_dimensions[letter].width = column_width
    sheet.freeze_panes = "A3"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _merge_runs(sheet, column: int, keys: list, start: int) -> None:
    """Merge each run of equal, non-blank values in `column` (Excel's merged 一级指标)."""
    run_start = 0
    for index in range(1, len(keys) + 1):
        if index == len(keys) or keys[index] != keys[run_start]:
            value = sheet.cell(start + run_start, column).value
            if index - run_start > 1 and value:
                sheet.merge_cells(
                    start_row=start + run_start,
                    start_column=column,
                    end_row=start + index - 1,
                    end_column=column,
                )
                sheet.cell(start + run_start, column).alignment = Alignment(vertical="center", wrap_text=True)
            run_start = index


__all__ = [
    "EXPORT_HEADINGS",
    "MAX_BYTES",
    "MAX_ROWS",
    "ParsedDimension",
    "ParsedFramework",
    "ParsedGroup",
    "ParsedIndicator",
    "framework_rows",
    "framework_xlsx",
    "parse_points",
    "read_framework",
    "read_methods",
    "split_level",
]

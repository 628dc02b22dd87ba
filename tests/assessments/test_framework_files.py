"""Reading a county 考核细则 (.xlsx) into levels, points, criteria, check methods and rules.

Real tables (tests/assessments/files/tables.py, each with its page) and small tables built here for
one form at a time. Pure reading: no database.
"""

from decimal import Decimal

import pytest

from assessments.framework_files import (
    MAX_ROWS,
    parse_points,
    read_framework,
    read_methods,
    split_level,
)
from assessments.periods import Period
from assessments.rules import Bonus, FixedDeduction, GradedLevels, Manual, PerUnitDeduction, Threshold, Veto
from spreadsheets import FileRefused, ImportRefused
from tests.assessments.files import tables
from tests.assessments.files.tables import build, vertical

D = Decimal
HEADER = ["一级指标", "二级指标", "考核内容", "分值", "评分标准", "考核方式", "一票否决"]


def table(rows, *, title="某县基层党建示范点考核评分细则", merges=(), header=HEADER) -> bytes:
    """A table in the usual layout: a title row merged across, the header on row 2."""
    return build(
        [[title]] if title else [], header, rows, [(1, 1, 1, len(header)), *merges] if title else merges
    )


def refused_rows(data: bytes) -> list[tuple[int | None, str]]:
    with pytest.raises(ImportRefused) as refused:
        read_framework(data)
    return [(row.row, row.message) for row in refused.value.rows]


# Real tables -----------------------------------------------------------------------------------


def test_fuding_three_levels_merged_total_80():
    parsed = read_framework(tables.fuding_table())

    assert parsed.title == tables.FUDING_TITLE
    assert [d.name for d in parsed.dimensions] == ["“书记抓、抓书记”情况"]
    (dimension,) = parsed.dimensions
    assert [g.name for g in dimension.groups] == ["党委书记履行第一责任人职责"]
    assert len(parsed.indicators) == 8
    assert parsed.total_points == D(80)
    first = parsed.indicators[0]
    assert first.row == 3
    assert first.text.startswith("1、把基层党建工作列入党委重要工作日程")
    assert first.criteria == "每季度研究基层组织建设工作少于1次的，扣5分。"
    assert first.check_methods == ["RECORDS"]
    # 少一次的扣5分 against 每季度至少听取一次汇报: counted per quarter.
    fourth = parsed.indicators[3]
    assert isinstance(fourth.rule, PerUnitDeduction)
    assert fourth.rule.period == Period.QUARTER
    assert fourth.rule.per_unit == D(5)
    # Several clauses in one cell: a person scores it, and the preview says why.
    assert parsed.indicators[1].rule is None
    assert "多条评分规则" in parsed.indicators[1].parsed.note
    assert parsed.indicators[6].check_methods == ["RECORDS", "SYMPOSIUM", "INTERVIEW"]
    assert parsed.indicators[4].check_methods == []
    assert parsed.indicators[4].method_text == "平时掌握"


def test_donghu_levels_with_points_vertical_text_and_two_title_rows():
    parsed = read_framework(tables.donghu_table())

    assert parsed.title == tables.DONGHU_TITLE
    assert [(d.name, d.stated_points, d.points) for d in parsed.dimensions] == [
        ("班子和党风廉建设", D(20), D(20)),
        ("计划生育", D(30), D(30)),
    ]
    assert [i.row for i in parsed.indicators] == list(range(4, 16))
    # No 评分标准 column: the 考核内容 cell holds the rule and is read as both.
    second = parsed.indicators[1]
    assert second.criteria == second.text
    assert not parsed.has_groups


def test_rural_two_column_level_header_groups_with_points():
    parsed = read_framework(tables.rural_table())

    (dimension,) = parsed.dimensions
    assert dimension.name == "村服务站建设"
    assert [g.name for g in dimension.groups] == [
        "场所设置",
        "设备配置",
        "村民议事厅",
        "党务、村务公开栏",
        "党活动室",
        "配套建设",
    ]
    assert parsed.total_points == D(20)
    assert parsed.indicators[0].check_methods == ["SITE_VISIT"]
    assert parsed.indicators[3].check_methods == ["SITE_VISIT", "RECORDS"]


def test_header_total_disagreeing_with_the_items_is_refused_at_the_header_row():
    assert refused_rows(tables.rural_table(whole_header=True)) == [
        (2, "合计 100 分，与各项分值之和 20 分不符。")
    ]


# The usual layout, one form at a time ---------------------------------------------------------


def test_three_levels_merged_dimension_and_group_spans_rows():
    rows = [
        [
            "组织建设",
            "三会一课",
            "按时召开支委会",
            "5分",
            "每月召开支委会1次，每少开1次扣0.5分，扣完为止",
            "查阅资料",
            "否",
        ],
        [None, None, "按时召开党员大会", "5", "每季度召开一次党员大会，每少开1次扣1分", "查阅台账", "否"],
        [None, "发展党员", "发展党员", "10.0", "未按规定发展党员的扣15分", "查看记录、走访", "否"],
        ["作风建设", None, "群众评议", "10", "好10分、较好8分、一般5分、差0分", "问卷", "否"],
    ]
    parsed = read_framework(table(rows, merges=[(3, 1, 5, 1), (3, 2, 4, 2)]))

    assert [(d.name, [g.name for g in d.groups]) for d in parsed.dimensions] == [
        ("组织建设", ["三会一课", "发展党员"]),
        ("作风建设", [""]),
    ]
    assert [i.points for i in parsed.indicators] == [D(5), D(5), D(10), D(10)]
    assert parsed.total_points == D(30)
    meetings = parsed.indicators[0].rule
    assert isinstance(meetings, PerUnitDeduction)
    assert (meetings.required, meetings.period, meetings.per_unit) == (D(1), Period.MONTH, D("0.5"))
    assert isinstance(parsed.indicators[2].rule, FixedDeduction)
    assert isinstance(parsed.indicators[3].rule, GradedLevels)
    assert parsed.indicators[2].check_methods == ["RECORDS", "INTERVIEW"]
    assert parsed.computable_count == 4


def test_each_rule_form_and_the_rows_scored_by_hand():
    rows = [
        ["基本要求", None, "支委会", 6, "每月召开支委会1次，每少开1次扣0.5分", "查阅资料", "否"],
        ["基本要求", None, "到会率", 5, "党员到会率在90%以上", "查阅资料", "否"],
        ["基本要求", None, "发展党员", 10, "未按规定发展党员的扣15分", "查阅资料", "否"],
        ["基本要求", None, "评议", 4, "好4分、较好3分、一般2分、差0分", "座谈", "否"],
        ["基本要求", None, "阵地", 5, "酌情扣分", "实地查看", "否"],
        ["基本要求", None, "其他", 5, "未召开不得分,未落实扣1分", "查阅资料", "否"],
        ["基本要求", None, "纪律", 0, "发生违纪违法案件的一票否决", "查阅资料", ""],
        ["加分项", None, "创新", 4, "有创新做法的加2分，最多加4分", "查阅资料", "否"],
    ]
    parsed = read_framework(table(rows))
    kinds = [type(i.rule).__name__ if i.rule else None for i in parsed.indicators]

    assert kinds == [
        "PerUnitDeduction",
        "Threshold",
        "FixedDeduction",
        "GradedLevels",
        "Manual",
        None,
        "Veto",
        "Bonus",
    ]
    assert [i.computable for i in parsed.indicators] == [True, True, True, True, False, False, True, True]
    assert isinstance(parsed.indicators[1].rule, Threshold)
    assert isinstance(parsed.indicators[4].rule, Manual)
    veto = parsed.indicators[6]
    assert isinstance(veto.rule, Veto) and veto.is_veto
    bonus = parsed.indicators[7]
    assert isinstance(bonus.rule, Bonus) and bonus.is_bonus
    assert bonus.rule.cap == D(4)
    # The bonus is kept apart from the table's total.
    assert parsed.total_points == D(35)


def test_bonus_row_without_points_takes_its_cap_from_the_rule_and_the_bonus_dimension_its_cap():
    rows = [
        ["党建工作", None, "支委会", 100, "酌情扣分", "查阅资料", "否"],
        ["加分项（最多加5分）", None, "创新", None, "有创新做法的加2分，最多加4分", "查阅资料", "否"],
        ["加分项（最多加5分）", None, "表彰", 3, "受到县级以上表彰的加1分", "查阅资料", "否"],
    ]
    parsed = read_framework(table(rows))

    assert [(i.points, i.is_bonus) for i in parsed.indicators] == [
        (D(100), False),
        (D(4), True),
        (D(3), True),
    ]
    assert parsed.bonus_cap == D(5)
    assert parsed.total_points == D(100)


def test_totals_of_80_and_150_with_their_total_rows_checked_not_imported():
    def rows_for(points: list[int], total) -> list[list]:
        body = [
            [f"指标{n // 2 + 1}", None, f"内容{n}", p, "酌情扣分", "查阅资料", "否"]
            for n, p in enumerate(points)
        ]
        return [*body, ["合计", None, None, total, None, None, None]]

    eighty = read_framework(table(rows_for([10, 20, 30, 20], "80分")))
    hundred_fifty = read_framework(table(rows_for([50, 25, 25, 30, 20], 150)))

    assert eighty.total_points == D(80)
    assert len(eighty.indicators) == 4
    assert hundred_fifty.total_points == D(150)
    assert all(i.text.startswith("内容") for i in hundred_fifty.indicators)


def test_total_row_that_disagrees_is_refused_with_its_row_number():
    rows = [
        ["指标1", None, "内容", 60, "酌情扣分", "查阅资料", "否"],
        ["指标2", None, "内容", 30, "酌情扣分", "查阅资料", "否"],
        ["总 分", None, None, 100, None, None, None],
    ]
    assert refused_rows(table(rows)) == [(5, "合计 100 分，与各项分值之和 90 分不符。")]


def test_continuation_rows_join_the_item_above():
    rows = [
        ["组织建设", None, "组织生活", 5, "每月召开支委会1次，", "查阅资料", "否"],
        [None, None, None, None, "每少开1次扣0.5分", "走访", None],
        ["组织建设", None, "阵地", 5, "酌情扣分", "实地查看", "否"],
    ]
    parsed = read_framework(table(rows))

    first, second = parsed.indicators
    assert first.criteria == "每月召开支委会1次，\n每少开1次扣0.5分"
    assert isinstance(first.rule, PerUnitDeduction)
    assert first.check_methods == ["RECORDS", "INTERVIEW"]
    assert second.text == "阵地"


def test_merged_content_over_two_rows_is_one_item_with_both_criteria():
    rows = [
        ["组织建设", None, "组织生活", 5, "每月召开支委会1次，每少开1次扣0.5分", "查阅资料", "否"],
        [None, None, None, None, "扣完为止", None, None],
    ]
    parsed = read_framework(table(rows, merges=[(3, 3, 4, 3), (3, 4, 4, 4), (3, 1, 4, 1)]))

    (item,) = parsed.indicators
    assert item.criteria.endswith("扣完为止")
    assert isinstance(item.rule, PerUnitDeduction)


def test_usual_heading_variants_and_section_rows():
    header = ["序号", "考核类别", "考核 要点", "标准分\n（100分）", "评分细则", "检查方式", "备注"]
    rows = [
        ["一、组织建设（60分）", None, None, None, None, None, None],
        [1, None, "支委会", "60分", "每月召开支委会1次，每少开1次扣0.5分", "查阅台账、现场查看", None],
        ["二、作风建设（40分）", None, None, None, None, None, None],
        [2, None, "群众评议", "40", "好40分、较好30分、一般20分、差0分", "测评", None],
    ]
    merges = [(1, 1, 1, 7), (3, 1, 3, 7), (5, 1, 5, 7)]
    parsed = read_framework(build([["示范点考核评分细则"]], header, rows, merges))

    assert [(d.name, d.stated_points) for d in parsed.dimensions] == [
        ("组织建设", D(60)),
        ("作风建设", D(40)),
    ]
    assert parsed.indicators[0].check_methods == ["RECORDS", "SITE_VISIT"]
    assert parsed.indicators[1].check_methods == ["QUESTIONNAIRE"]
    assert isinstance(parsed.indicators[1].rule, GradedLevels)
    assert parsed.total_points == D(100)


def test_a_bad_file_is_refused_whole_with_every_row_and_reason():
    rows = [
        ["组织建设", None, "支委会", "五分", "酌情扣分", "查阅资料", "否"],
        ["组织建设", None, "党员大会", None, "酌情扣分", "查阅资料", "否"],
        ["组织建设", None, "党课", 5, "酌情扣分", "查阅资料", "也许"],
        [None, None, None, "3", None, None, None],
        ["加分项", None, "创新", None, "酌情加分", "查阅资料", "否"],
        ["组织建设", None, "主题党日", 5, "酌情扣分", "查阅资料", "否"],
    ]
    assert refused_rows(table(rows)) == [
        (3, "分值“五分”不是数字（可写 10、10分 或 10.5）。"),
        (4, "分值不能为空。"),
        (5, "一票否决应填“是”或“否”，不能是“也许”。"),
        (6, "有分值“3”但没有考核内容。"),
        (7, "加分项须写明最多加几分（分值列或“最多加N分”）。"),
    ]


def test_dimension_points_that_disagree_are_refused():
    rows = [
        [vertical("组织建设(20分)"), None, "支委会", 5, "酌情扣分", "查阅资料", "否"],
        [None, None, "党员大会", 10, "酌情扣分", "查阅资料", "否"],
    ]
    assert refused_rows(table(rows, merges=[(3, 1, 4, 1)])) == [
        (3, "一级指标“组织建设”标明 20 分，其下各项分值之和为 15 分。")
    ]


def test_a_file_without_a_header_or_too_long_is_refused():
    with pytest.raises(FileRefused, match="找不到表头"):
        read_framework(build([["名单"]], ["姓名", "电话"], [["张三", "1"]]))
    with pytest.raises(FileRefused, match="只能导入"):
        read_framework(b"x", "table.csv")
    with pytest.raises(FileRefused, match="无法读取"):
        read_framework(b"not a workbook", "table.xlsx")
    rows = [["指标", None, f"内容{n}", 1, "", "", ""] for n in range(MAX_ROWS)]
    with pytest.raises(FileRefused, match="2000 行"):
        read_framework(table(rows))


def test_formula_escaped_cells_come_back_as_written():
    rows = [["组织建设", None, '\'=HYPERLINK("x")', 5, "酌情扣分", "查阅资料", "否"]]
    (item,) = read_framework(table(rows)).indicators
    assert item.text == '=HYPERLINK("x")'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("查阅资料、实地查看", (["RECORDS", "SITE_VISIT"], "")),
        ("查看记录；走访；问卷", (["RECORDS", "INTERVIEW", "QUESTIONNAIRE"], "")),
        ("座谈/测试", (["SYMPOSIUM", "TEST"], "")),
        ("现场查看，个别访谈", (["SITE_VISIT", "INTERVIEW"], "现场查看，个别访谈")),
        ("查阅台账,民主测评", (["RECORDS", "QUESTIONNAIRE"], "查阅台账,民主测评")),
        ("", ([], "")),
    ],
)
def test_check_methods(text, expected):
    assert read_methods(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("10分", D(10)), ("10", D(10)), ("10.0", D(10)), ("１０分", D(10)), ("0.5分", D("0.5")), ("十分", None)],
)
def test_points(text, expected):
    assert parse_points(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("村服务站建设(20分)", ("村服务站建设", D(20))),
        ("落\n实    工作     责任     机制11分", ("落实工作责任机制", D(11))),
        ("一、组织建设（30分）", ("组织建设", D(30))),
        ("加分项（最多加5分）", ("加分项", D(5))),
        ("组织建设", ("组织建设", None)),
    ],
)
def test_levels(text, expected):
    assert split_level(text) == expected


@pytest.mark.parametrize(
    ("criteria", "points", "expected"),
    [
        ("每月召开支委会1次，每少开1次扣0.5分", 6, ("meetings", "month", ("COMMITTEE_MEETING",))),
        ("每季度召开一次党员大会，每少开1次扣1分", 4, ("meetings", "quarter", ("GENERAL_MEETING",))),
        ("党日活动每周1次，每少1次扣0.5分", 10, ("activities", "week", ("THEME_DAY",))),
        ("党员到会率在90%以上", 5, ("attendance_rate", "", ())),
        ("党费按时缴纳率达到100%", 5, ("dues_on_time_rate", "", ())),
        # Several kinds of record named, or no count against a requirement: a person scores it.
        ("“三会一课”每月1次，每少1次扣0.5分", 6, ("", "", ())),
        ("未按规定发展党员的扣15分", 10, ("", "", ())),
        ("酌情扣分", 5, ("", "", ())),
    ],
)
def test_metric_guessed_only_where_one_kind_of_record_is_named(criteria, points, expected):
    rows = [["组织建设", None, "内容", points, criteria, "查阅资料", "否"]]
    (item,) = read_framework(table(rows)).indicators
    assert (item.metric.metric, item.metric.period, item.metric.meeting_kinds) == expected

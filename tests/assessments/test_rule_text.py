"""The 评分标准 parser against real county and unit scoring tables, and against the forms of issue 8.

The REAL cases are rule cells copied as they stand from public 考核细则 / 评分标准 tables (the page
address is in the comment above each group; spelling, punctuation, numbering and the odd
traditional character are theirs). Each expects the rule `describe` states, or None where a person
must score the item.
"""

from decimal import Decimal

import pytest

from assessments.periods import Period
from assessments.rule_text import parse_rule_text
from assessments.rules import (
    Bonus,
    FixedDeduction,
    GradedLevels,
    Manual,
    PerUnitDeduction,
    Threshold,
    Veto,
    describe,
    score,
)

D = Decimal
SEVERAL = "一项中有多条评分规则，由评分人逐条扣分。"

REAL = [
    # https://m.bluu.cn/wenku/rdagd/jmwKOAKPmx — 基层党建工作考核评分表（县、乡党委）
    ("每少开1次专题会扣0.5分", 2, "专题会每少开 1 次扣 0.5 分，扣完为止"),
    ("调研指导每少1次扣0.5分。", 1, "调研指导每少 1 次扣 0.5 分，扣完为止"),
    ("党建工作机构未健全扣1分", 1, "党建工作机构未健全不得分"),
    ("全额配备到位扣0.5分,未专职专用的扣0.5分。", 1, None),
    ("作任务落实完成情况,酌情扣分。", 11, "酌情评分（0 至 11 分）"),
    # http://www.duowen123.com/cyfw/004901/49036097.html — 基层党支部考核细则
    ("1、每月少一次扣1分;", 5, "每月 1 次，每少 1 次扣 1 分，扣完为止"),
    ("1、没开民主生活会扣5分;", 5, "没开民主生活会不得分"),
    ("2、党政班子成员无个人小结每人次扣1分;", 5, "党政班子成员无个人小结每 1 人次扣 1 分，扣完为止"),
    ("3、没有按“三步曲”要求,每缺一项扣2分;", 5, "每缺 1 项扣 2 分，扣完为止"),
    ("1、对党委和部门布置的工作落实不力,工作拖拉,每一次扣1分;", 5, "每 1 次扣 1 分，扣完为止"),
    ("1、未按时完成支部换届改选扣5分;", 5, "未按时完成支部换届改选不得分"),
    ("2、每月出勤率少于80%每\n次扣1分;", 5, "每月出勤率少于80%每 1 次扣 1 分，扣完为止"),
    # https://m.07608.cn/qihuawenan/116765.html — 创建标准化党支部（百分制）考核细则
    ("①党员人数7人以上未设立支委会的扣1分,未设书记的扣1分,委员超过规定人数的扣0.5分。", 2, None),
    ("②支部书记、副书记缺额未及时充实的扣1分。", 2, "支部书记、副书记缺额未及时充实扣 1 分"),
    ("①贯彻落实一般的扣0.5分,落实不好的不得分。", 2, None),
    ("④班子成员中有违规违纪的不得分。", 2, "班子成员中有违规违纪不得分"),
    # https://shenzhounet.com/html/ztzl_42324lxyzxxjy201706t20170629_1439823.html — 考核评分细则
    ("1.迟到、早退一次各扣0.5分,以此类推,四次(含)以上不得分。", 10, None),
    ("2.无故缺席一次扣3分,两次扣5分,三次(含)以上不得分。", 10, None),
    ("3.不遵守会场纪律扣1分。", 10, "不遵守会场纪律扣 1 分"),
    # https://yfs8.com/news/382411.html — 农村党建工作评分标准
    ("实地查看,没标牌不给分。", 1, "没标牌不得分"),
    ("实地查看标牌、书籍、设备。酌情打分。", 5, "酌情评分（0 至 5 分）"),
    ("(2分,每少一项扣1分)", 2, "每少 1 项扣 1 分，扣完为止"),
    # https://woaiyanjiang.com/73_89.html — 党支部工作规范化活动检查考评细则（试行）
    ("没有按规定设立的扣5分。", 10, "没有按规定设立扣 5 分"),
    (
        "未经上级党组织批准,延期或提前进行换届选举的扣3分。",
        10,
        "未经上级党组织批准,延期或提前进行换届选举扣 3 分",
    ),
    ("没有特殊原因,三个月内未补选的扣2分。", 10, "没有特殊原因,三个月内未补选扣 2 分"),
    (
        "查资料。总体计划包括主要内容、时间安排、目的要求、活动方式,缺一项扣0.5分;"
        "实施计划过程中,每项活动没有作出具体安排的扣0.5分。",
        6,
        None,
    ),
    ("查记录。“三会一课”缺1次扣0.2分。", 12, "“三会一课”每缺 1 次扣 0.2 分，扣完为止"),
    ("查资料。未及时向上级党组织足额交纳党费的扣1分。", 4, "未及时向上级党组织足额交纳党费扣 1 分"),
    # http://app.ptmcm.com/zzb/info/1003/4369.htm — 党总支部（直属党支部）工作考核量化评分表
    ("有反映不團結,缺乏凝聚力的酌情扣2分", 4, "酌情评分（0 至 4 分）"),
    ("無計劃或總結各扣1.5分", 4, "無計劃或總結每 1 项扣 1.5 分，扣完为止"),
    ("缺一項扣1分", 2, "每缺 1 项扣 1 分，扣完为止"),
    ("不少于4次,缺1次會議記錄扣1分", 4, "會議記錄 4 次，每少 1 次扣 1 分，扣完为止"),
    ("每項至少要三次,缺一次扣1分", 5, "每缺 1 次扣 1 分，扣完为止"),
    ("不及時上報每次扣2分", 4, "不及時上報每 1 次扣 2 分，扣完为止"),
    ("不按時繳納扣1分", 4, "不按時繳納扣 1 分"),
    # https://m.taodocs.com/p-2122556.html — 村级党建目标考核评分细则
    ("无计划不得分,未落实扣1分。", 2, None),
    (
        "村委会向村党组织、村民代表会议汇报工作:前者半年1次,后者一年1次,少一次扣1分。",
        3,
        "每少 1 次扣 1 分，扣完为止",
    ),
    ("未开展不得分,未签订承诺书扣1分,未建立制度扣1分,无成效扣1分。", 3, None),
    ("班子不健全扣1分,班子不团结,关系不协调,工作无成效酌情扣分。", 3, "酌情评分（0 至 3 分）"),
    # http://www.xzfbw.com/sw.asp?id=4681 — 村（社区）党建软件考评细则
    ("缺一项扣1分,扣完为止。", 6, "每缺 1 项扣 1 分，扣完为止"),
    # https://m.tyust.net/zhichangzhishi/2020/0602/107868.html — 村（社区）党组织创先争优活动评定标准
    ("未设立纪检机构或未指定专人负责纪检工作的不得分。", 2, "未设立纪检机构或未指定专人负责纪检工作不得分"),
    ("组织设置不规范不得分;未进行摸底排查扣 1分;未进行兜底管理等相应措施扣 1分。", 2, None),
    (
        "组织体系完整、规章制度健全、活动开展经常、服务居民有效可 4 分,"
        "存在作用发挥不经常、不突出情况酌情扣分。",
        4,
        "酌情评分（0 至 4 分）",
    ),
    # https://www.dy1993.cn/Zzgx.html — “四强”党支部考核表（减分标准）
    ("5.制度不落实-3分。", 5, "制度不落实扣 3 分"),
    ("3.板报未及时更新,有过时内容-2分,无板报-5分。", 5, None),
    # http://jey722.cn/wen/127/252380.html — 院系党支部标准化建设年度考评细则
    ("20分(好20分,較好15分,一般10分,差0分)", 20, "好 20 分、较好 15 分、一般 10 分、差 0 分"),
    ("20分(每缺一名支委扣5分,職責不清扣10分)", 20, None),
    (
        "在全校突出20分,學院突出15分,在系突出10分,一般5分,無0分",
        20,
        "在全校突出 20 分、學院突出 15 分、在系突出 10 分、一般 5 分、無 0 分",
    ),
    ("教學工作好10分,較好7分,一般4分,差0分", 10, "好 10 分、较好 7 分、一般 4 分、差 0 分"),
    ("學生黨員學習成績優良的20分,凡單科不足70分每出現1人扣2分", 20, None),
    # https://haowendang.cn/c0eb0q9eq7c2xzhu2kzn0175lm26kup00a0z_1.html — 党支部工作考核测评表
    (
        "按期换届,及时增补,支委班子:健全(2分);比较健全(1分);不健全(0分)",
        2,
        "健全 2 分、比较健全 1 分、不健全 0 分",
    ),
    ("支委会每月召开1次(2分);每季度召开1次(1分);偶尔召开(0.5分);不召开(0分)", 2, None),
    (
        "组织生活记录,规范(3分);比较规范(2分);不太规范(1分);无记录(0分)",
        3,
        "规范 3 分、比较规范 2 分、不太规范 1 分、无记录 0 分",
    ),
    # https://www.mingyanjiaju.org/fanwen/guizhangzhidu/10122100023954573_2.htm — 局党支部目标管理考核实施细则
    ("每項未做到扣1分。", 2, "每未做到 1 项扣 1 分，扣完为止"),
    ("未完成任務扣3-4分,組織不力或完成不好扣2分。", 4, None),
    ("支部班子配備不全、配備不合理扣2分;換屆、補選不及時扣2分。(基本分扣完為止,下同)", 2, None),
    # https://gwyoo.com/article/xzgaoshou/gongzhuo/200810/146965.html — 村党组织党建百分考核方案
    ("(每少一人扣1分,达到的得5分)", 5, "每少 1 人扣 1 分，扣完为止"),
    # http://www.boteman.cn/p-19337409.html — 市直机关党建标准化项目建设考核细则
    ("每一項未落實扣1分。", 3, "每未落實 1 项扣 1 分，扣完为止"),
    ("有屆內調整黨組織班子成員未征求意見的扣2分。", 2, "有屆內調整黨組織班子成員未征求意見不得分"),
    # https://m.777doc.com/doc-7043482.html — 公司党支部工作考核细则
    (
        "1、每季度召开一次党支部会议,每缺一次扣2分。",
        10,
        "每季度召开党支部会议 1 次，每少召开 1 次扣 2 分，扣完为止",
    ),
    ("2、支部工作、组织制度不健全,扣5分。", 10, "支部工作、组织制度不健全扣 5 分"),
    (
        "上报的材料受公司及以上管理部门表扬或获奖加2分",
        0,
        "上报的材料受公司及以上管理部门表扬或获奖每项加 2 分",
    ),
    ("主动上缴临时党费或特殊党费加5分。", 0, "主动上缴临时党费或特殊党费每项加 5 分"),
    ("1、生产安全设施有隐患,一项扣1分。", 10, "每 1 项扣 1 分，扣完为止"),
    # http://www.fanwy.cn/1w/206/411152.htm — 村星级党员量化考核表
    ("1、按要求参加理论中心组学习、无故不参加每次扣2分", 20, "无故不参加每 1 次扣 2 分，扣完为止"),
    ("3、遵守党纪国法和组织决定,违_纪政纪的扣6-10分", 20, None),
    # https://001doc.com/doc/41572.html — 支部党员大会标准及考评细则
    ("未进行沟通研究的,每次扣1分。", 3, "未进行沟通研究每 1 次扣 1 分，扣完为止"),
    ("将不属业务工作和队伍建设中的重大问题列入议题,每认定一项扣1分。", 4, "每认定 1 项扣 1 分，扣完为止"),
    ("发现临时动议的不得分。", 3, "发现临时动议不得分"),
    ("会议材料未在规定时间内送达的,每人次扣1分。", 2, "会议材料未在规定时间内送达每 1 人次扣 1 分，扣完为止"),
    # http://e.wenmi.ren/Article/ShowArticle.asp?ArticleID=224515 — 机关党支部党员积分制管理考核办法
    ("第五条有以下行为之一的,实行一票否决,直接认定为不合格党员。", 0, "有以下行为之一，一票否决"),
    # http://gkmao.com/xuexi/gzzd/295495-4.html — 局党支部目标管理考核办法 (the copy lost its numbers)
    ("党员测评基本满意率达不到%的扣分。", 3, None),
    # https://blackfreeandsingle.com/wyx/info/1035/2334.html — 党支部考评标准
    ("积极报道(学院网页或部门主页)支部活动(一篇0.5分),经媒体报道并有较大社会反响(最高10分)", 10, None),
    # /work/shared/seeds — the 乐亭 school plan's own requirement and its 到会率 clause
    ("每两年至少发展1名新党员,每年培养1名以上的入党积极分子;党员活动每月1次,党员到会率在90%以上。", 10, None),
    ("党员到会率在90%以上", 5, "党员到会率90%以上得满分，否则不得分"),
]


@pytest.mark.parametrize(("text", "points", "expected"), REAL, ids=[f"real{i:02d}" for i in range(len(REAL))])
def test_real_rule_text(text, points, expected):
    parsed = parse_rule_text(text, points=points)

    if expected is None:
        assert parsed.rule is None, describe(parsed.rule)
        assert parsed.note
    else:
        assert parsed.rule is not None, parsed.note
        assert describe(parsed.rule) == expected


def test_the_real_cases_cover_every_outcome():
    outcomes = [parse_rule_text(text, points=points) for text, points, _ in REAL]
    kinds = {type(parsed.rule).__name__ for parsed in outcomes if parsed.rule is not None}

    assert len(REAL) >= 25
    assert kinds >= {
        "PerUnitDeduction",
        "FixedDeduction",
        "GradedLevels",
        "Bonus",
        "Veto",
        "Manual",
        "Threshold",
    }
    assert sum(parsed.computable for parsed in outcomes) == 51
    assert sum(isinstance(parsed.rule, Manual) for parsed in outcomes) == 5
    assert sum(parsed.rule is None for parsed in outcomes) == 19


# The forms named in issue 8


def test_monthly_committee_meeting_with_a_deduction_per_missing_meeting():
    parsed = parse_rule_text("每月召开支委会1次，每少开1次扣0.5分", points=5)

    assert parsed.rule == PerUnitDeduction(
        points=5, per_unit=D("0.5"), required=1, period=Period.MONTH, subject="支委会", action="开"
    )
    assert parsed.understood == ("每月召开支委会1次", "每少开1次扣0.5分")
    assert parsed.computable


def test_parsed_rule_scores_and_explains_like_the_inspector():
    rule = parse_rule_text("每月召开支委会1次，每少开1次扣0.5分", points=5).rule

    result = score(rule, 10, periods=12)

    assert result.points == D("4.00")
    assert result.explanation == "支委会 10 次，应开 12 次，少 2 次，扣 1 分"


def test_weekly_theme_day_counts_weeks():
    rule = parse_rule_text("党日活动每周1次，每少1次扣0.1分，扣完为止", points=5).rule

    assert isinstance(rule, PerUnitDeduction)
    assert (rule.required, rule.period, rule.subject, rule.per_unit) == (1, Period.WEEK, "党日活动", D("0.1"))


def test_two_year_requirement_is_a_two_year_period():
    rule = parse_rule_text("每两年至少发展1名新党员，每少1名扣3分", points=3).rule

    assert isinstance(rule, PerUnitDeduction)
    assert (rule.required, rule.period, rule.unit, rule.action) == (1, Period.TWO_YEARS, "名", "发展")


def test_fixed_deduction_larger_than_the_item_is_kept_as_written():
    rule = parse_rule_text("未按规定发展党员的扣15分", points=10).rule

    assert rule == FixedDeduction(points=10, amount=15, event="未按规定发展党员")


def test_fixed_deduction_may_go_beyond_the_item_when_the_table_says_so():
    rule = parse_rule_text("未按规定发展党员的扣15分，超出部分从所在一级指标中扣除", points=10).rule

    assert isinstance(rule, FixedDeduction) and rule.may_exceed
    assert score(rule, True).excess == D("5.00")


def test_graded_levels():
    rule = parse_rule_text("好4分、较好3分、一般2分、差0分", points=4).rule

    assert isinstance(rule, GradedLevels)
    assert [(level.label, level.points) for level in rule.levels] == [
        ("好", 4),
        ("较好", 3),
        ("一般", 2),
        ("差", 0),
    ]


def test_graded_levels_whose_top_is_not_the_item_points_are_left_to_a_person():
    parsed = parse_rule_text("好4分、较好3分、一般2分、差0分", points=5)

    assert parsed.rule is None
    assert parsed.note == "等次最高 4 分，与本项分值 5 分不符，由评分人打分。"


def test_bonus_with_an_item_cap():
    rule = parse_rule_text("有创新做法的加2分，最多加4分", points=4).rule

    assert rule == Bonus(per_unit=2, cap=4, condition="有创新做法")


def test_bonus_with_the_cap_in_brackets():
    assert parse_rule_text("加2分（最多4分）", points=0).rule == Bonus(per_unit=2, cap=4)


def test_bonus_without_a_cap_is_capped_at_the_item_points():
    assert parse_rule_text("受到县级表彰的加1分", points=3).rule == Bonus(
        per_unit=1, cap=3, condition="受到县级表彰"
    )


def test_veto():
    assert parse_rule_text("一票否决", points=0).rule == Veto()


def test_discretion_is_a_manual_rule():
    parsed = parse_rule_text("酌情扣分", points=3)

    assert parsed.rule == Manual(3)
    assert not parsed.computable


def test_percentage_threshold_with_full_marks():
    rule = parse_rule_text("党员到会率达到90%以上的得满分", points=5).rule

    assert rule == Threshold(points=5, threshold=90, subject="党员到会率", unit="%")


def test_percentage_below_which_a_set_deduction_applies():
    rule = parse_rule_text("党员到会率低于90%的扣2分", points=5).rule

    assert rule == Threshold(points=5, threshold=90, deduction=2, subject="党员到会率", unit="%")


def test_percentage_at_most():
    rule = parse_rule_text("党费收缴差错率不超过5%", points=2).rule

    assert isinstance(rule, Threshold) and not rule.at_least


def test_deduction_cap_and_floor():
    rule = parse_rule_text("每少1次扣0.5分，最多扣3分，扣完为止", points=5).rule

    assert isinstance(rule, PerUnitDeduction)
    assert (rule.per_unit, rule.cap, rule.required) == (D("0.5"), 3, None)


# Writing: full-width, ½, Chinese numerals, traditional forms


def test_full_width_digits_and_half():
    parsed = parse_rule_text("每少１次扣½分，最多扣３分", points=5)

    assert parsed.rule == PerUnitDeduction(points=5, per_unit=D("0.5"), cap=3, action="少")
    assert parsed.understood == ("每少１次扣½分", "最多扣３分")


def test_full_width_decimal_point():
    assert parse_rule_text("每少开１次扣０．５分", points=5).rule.per_unit == D("0.5")


@pytest.mark.parametrize(
    ("text", "amount"),
    [("每少一次扣二分", "2"), ("每少两次扣一分", None), ("未开展的扣十分", "10"), ("未开展的扣十五分", "15")],
)
def test_chinese_numerals(text, amount):
    parsed = parse_rule_text(text, points=20)

    if amount is None:
        assert parsed.rule is None  # 每少两次扣一分 counts in pairs: left to a person
    else:
        rule = parsed.rule
        assert (rule.per_unit if isinstance(rule, PerUnitDeduction) else rule.amount) == D(amount)


def test_hundredths_written_in_words():
    assert parse_rule_text("百分之九十以上党员参加的得满分", points=3).rule.threshold == 90


def test_a_plain_ten_is_not_a_score():
    assert parse_rule_text("工作十分突出", points=3).rule is None


# What stays with a person, and why


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("", "没有评分标准，由评分人打分。"),
        ("查阅资料、实地查看", "未识别出评分规则，由评分人打分。"),
        ("扣3-4分", "扣分或加分为区间，由评分人在区间内确定。"),
        ("未开展扣2分，发生违纪一票否决", SEVERAL),
        ("有创新做法的加2分，发生违纪的一票否决", SEVERAL),
        ("党员活动每月1次，党员到会率在90%以上", "有次数要求，但评分方式不是按次扣分，由评分人打分。"),
        ("每少2次扣1分", "按多次合计扣分，由评分人打分。"),
        ("每少1次扣1分，另加2分", SEVERAL),
    ],
)
def test_left_to_a_person_with_a_reason(text, note):
    parsed = parse_rule_text(text, points=5)

    assert parsed.rule is None
    assert parsed.note == note


def test_leftover_scoring_words_leave_it_to_a_person():
    parsed = parse_rule_text("每少1次扣1分，表现突出的酌减", points=5)

    assert parsed.rule is not None  # 酌减 is no scoring word the parser knows; it does not block
    parsed = parse_rule_text("每少1次扣1分，得分不低于2分", points=5)

    assert parsed.rule is None
    assert "得分" in parsed.note


def test_the_item_points_written_in_the_cell_are_only_a_note():
    assert parse_rule_text("(2分,每少一项扣1分)", points=2).rule is not None
    assert parse_rule_text("(3分,每少一项扣1分)", points=2).rule is None


def test_understood_fragments_come_from_the_original_text():
    parsed = parse_rule_text("無計劃或總結各扣1.5分", points=4)

    assert parsed.understood == ("無計劃或總結各扣1.5分",)
    assert parsed.rule.subject == "無計劃或總結"

"""Real county 考核细则 tables rebuilt as .xlsx, laid out as their Word/Excel originals are: title
rows, the header as written, level cells merged over their rows (vertical text with a line break
after every character), points written beside the levels. The cell texts are the tables' own
(punctuation and numbering included); each builder cites its page.

`build(title_rows, header, rows, merges)` writes any such table; `merges` are (first row, column,
last row, last column) in spreadsheet numbers.
"""

from __future__ import annotations

import io

from openpyxl import Workbook


def build(
    title_rows: list[list[str]],
    header: list[str],
    rows: list[list],
    merges: list[tuple[int, int, int, int]] = (),
) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in [*title_rows, header, *rows]:
        sheet.append(row)
    for first_row, first_column, last_row, last_column in merges:
        sheet.merge_cells(
            start_row=first_row, start_column=first_column, end_row=last_row, end_column=last_column
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def vertical(text: str) -> str:
    """A merged level cell as such tables type it: one character a line."""
    return "\n".join(text)


# 福鼎市 2012, three levels (考核项目 → 考核内容 → 具体要求), from
# https://777doc.com/doc-3036313.html ("2012年福鼎市农村基层组织建设目标管理责任书量化考评标准").
# The page shows the first eight 具体要求 of "党委书记履行第一责任人职责(90分)" and cuts off in the
# eighth's 计(扣)分办法 ("没有部署此项工作"); the levels' own points (190分, 90分) are left out
# here, so the eight items make a table of 80 points.
FUDING_TITLE = "2012年福鼎市农村基层组织建设目标管理责任书量化考评标准（征求意见稿）"
FUDING_ROWS = [
    (
        "1、把基层党建工作列入党委重要工作日程，定期主持召开党（工）委会，专题研究基层党建工作。",
        10,
        "查看会议记录",
        "每季度研究基层组织建设工作少于1次的，扣5分。",
    ),
    (
        "2、主持制定2012年党的基层组织建设工作计划和目标任务。",
        10,
        "查阅资料",
        "没有2012年度工作计划、目标任务，扣10分；没有以党委的文件正式下发的，扣5分。",
    ),
    (
        "3、认真落实基层党建工作责任制，与村级党支部签订党建工作目标责任书，形成齐抓共管合力。",
        10,
        "查看文件",
        "没有村级党支部签订党建工作目标责任书，不得分。",
    ),
    (
        "4、定期听取基层党组织书记抓基层党建工作情况汇报，督促落实。",
        10,
        "查看会议记录",
        "每季度至少听取一次汇报，少一次的扣5分。",
    ),
    (
        "5、党委书记每半年要向市委组织部汇报党建工作情况并接受评议。",
        10,
        "平时掌握",
        "每半年没有汇报党建工作情况的，不得分。",
    ),
    (
        "6、建立挂钩联系点制度，指导党（工）委班子成员履行抓党的基层组织建设工作职责。",
        10,
        "查阅资料查述职报告",
        "没有建立党的基层组织建设工作联系点，扣5分；班子成员没有明确党的基层组织建设工作分工，扣5分。",
    ),
    (
        "7、党委书记要带头到联系点调研指导工作，给党员上党课，并为联系点办1-2件实事。",
        10,
        "查阅资料座谈走访",
        "每月深入联系点调研指导少于1次，扣2分；没给党员上党课的，扣5分；没有为联系点办实事的，扣5分。",
    ),
    (
        "8、学习推广“文建明”工作法，加强乡镇党委领导班子建设。",
        10,
        "查阅资料",
        "没有部署此项工作",
    ),
]


def fuding_table() -> bytes:
    header = ["考核项目", "考核内容", "具体要求", "分值", "考评方式", "计（扣）分办法", "实得分", "备注"]
    rows = [
        [
            vertical("“书记抓、抓书记”情况"),
            "党委书记履行第一责任人职责",
            text,
            points,
            method,
            rule,
            None,
            None,
        ]
        for text, points, method, rule in FUDING_ROWS
    ]
    first, last = 3, 2 + len(rows)
    return build(
        [[FUDING_TITLE]],
        header,
        rows,
        merges=[(1, 1, 1, 8), (first, 1, last, 1), (first, 2, last, 2)],
    )


# 东湖镇 2013, two levels; the 考核内容 cell holds the rule (there is no 评分标准 column), from
# https://www.hengshan.gov.cn/xzxxgk/dhz/fdzdgknr/zcwjjtz/20200601/i2042015.html
# ("东湖镇2013年度村级综合目标管理考核计分表"): its first two 考核项目, 20 + 30 points.
DONGHU_TITLE = "东湖镇2013年度村级综合目标管理考核计分表"
DONGHU_SECTIONS = [
    (
        "班子和党风廉建设(20分)",
        [
            (
                "1、全面贯彻落实党的“十八大”精神，切实加强基层组织建设。创先争优各项活动按规定标准落实到位，"
                "班子成员勤政廉政计6分。村级班子成员有不廉洁现象扣2分。换届选举工作和创先争优活动不能按要求"
                "落实到位各扣2分。",
                "6分",
            ),
            (
                "2、村支两委班子团结、战斗力强、无内耗计4分。班子不团结、不协调、战斗力不强、工作效率不高"
                "各扣1分。",
                "4分",
            ),
            (
                "3、建立规范的党员活动室、党支部组织生活记录本记录齐全，各项规章制度执行好计4分。",
                "4分",
            ),
            (
                "4、能积极做好党员发展工作，年内发展1名以上新党员计2分。按时按标准收缴党费计2分"
                "（本项共计4分）。",
                "4分",
            ),
            ("5、年内能为民办实事和兴办公益事业2件以上计2分。", "2分"),
        ],
    ),
    (
        "计划生育(30分)",
        [
            ("1、符合政策生育率达87%以上计7分，每低3个百分点扣0.5分。", "7分"),
            (
                "2、100%完成全年四项手术任务计7分，每少完成10个百分点扣2分，每超额完成一例引产手术奖一分。",
                "7分",
            ),
            ("3、“三查”到位率95%以上计2分，每少10个百分点扣1分。", "2分"),
            ("4、村民自治村计2分，合格村计1分。", "2分"),
            (
                "5、征收社会抚养费计8分。本年度无违法生育或违法生育全部结案计满分。达标结案1例加1分，"
                "征收社会抚养费到位率每低10个百分点扣0.5分。",
                "8分",
            ),
            ("6、村、支两委主干积极落实计划生育各项工作计2分，工作不力扣2分。", "2分"),
            ("7、村专干按时参加例会上报数据计2分，每缺席一次扣0.5分，每错漏报数据一例扣0.5分。", "2分"),
        ],
    ),
]


def donghu_table() -> bytes:
    header = ["考核项目", "考核内容", "标准分", "自评分", "考核分"]
    rows, merges = [], [(1, 1, 1, 5), (2, 1, 2, 5)]
    row = 4
    for section, items in DONGHU_SECTIONS:
        for index, (text, points) in enumerate(items):
            rows.append([vertical(section) if index == 0 else None, text, points, None, None])
        merges.append((row, 1, row + len(items) - 1, 1))
        row += len(items)
    return build([[DONGHU_TITLE], ["村名：          考核日期：2013年  月  日"]], header, rows, merges)


# 农村党建工作评分标准, three levels with 考核项目 merged over two columns and points beside each
# level, from https://yfs8.com/news/382411.html: its first 考核项目 "村服务站建设(20分)" as it
# stands. The header's "标准分(100分)" is the whole table's; with one 考核项目 of it rebuilt, the
# total disagrees, which `rural_table(whole_header=True)` uses to show the check. The page has
# spam pasted into the 配套建设 cell ("母亲节唯美短句有众求助登记表"); it reads 有群众求助登记表 here.
RURAL_ROWS = [
    ("场所设置(1分)", "有贴挂“ΧΧ村党员服务站”标识牌的办公室。(1分)", "实地查看，没标牌不给分。", "1分"),
    ("设备配置(2分)", "有一套桌椅板凳，一部(2分，每少一项扣1分)", "实地查看", "2分"),
    (
        "村民议事厅(3分)",
        "挂有“村民议事厅”标识牌，配备桌椅板凳，贴挂 “五步决策法”运行程序图(3分)",
        "实地查看",
        "3分",
    ),
    (
        "党务、村务公开栏\n(2分)",
        "设立在服务站附近，按照相关规定规范公开内容，存有底稿。(2分)",
        "实地查看并查阅底稿",
        "2分",
    ),
    (
        "党活动室(5分)",
        "设在服务站内，配有种植养殖、政策法规、党报党刊等有关书籍200册以上；一套电教设备；"
        "必要的文化娱乐设施。(5分)",
        "实地查看标牌、书籍、设备。酌情打分。",
        "5分",
    ),
    (
        "配套建设\n(7分)",
        "印制便民服务卡(1分)；制订结对帮扶、全程代理、事项办结等制度(2分)；有群众求助登记表，"
        "跟踪回访登记表(2分)；挂设办结销号栏(2分)。",
        "实地查看相关记录；查看销号栏是否及时更新。",
        "7分",
    ),
]


def rural_table(*, whole_header: bool = False) -> bytes:
    points_heading = "标准分(100分)" if whole_header else "标准分"
    header = ["考核项目", "考核项目", "考    核    内    容", "考核办法", points_heading, "考核\n得分"]
    rows = [
        ["村服务站建设(20分)" if index == 0 else None, group, text, method, points, None]
        for index, (group, text, method, points) in enumerate(RURAL_ROWS)
    ]
    return build(
        [["农村党建工作评分标准"]],
        header,
        rows,
        merges=[(1, 1, 1, 6), (2, 1, 2, 2), (3, 1, 2 + len(rows), 1)],
    )

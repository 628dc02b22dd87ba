"""A believable county for demonstrations; `manage.py seed_demo` calls `build_demo()`.

示范区工委 with four 党委, seventeen 党支部 in villages, communities, schools, enterprises and
fire-rescue stations, about 185 members with a year of meetings, dues and star service, and the
2026 campaign on the 五好五型 framework with sites in every state of their lifecycle. Sites move
only through `campaigns.services`, so each site's history tab shows real audit events.

The data comes out the same on every run: one seeded random generator, and every date counted
back from `AS_OF`, a fixed day late in the campaign's 总结验收 phase. A second run finds the 工委
by its code and changes nothing.
"""

from __future__ import annotations

import calendar
import datetime
import io
import random
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from assessments import queries as self_assessment_queries
from assessments.acceptance_sheet import acceptance_sheet, framework_indicators
from assessments.models import (
    Acceptance,
    Ballot,
    BallotToken,
    CheckMethod,
    Framework,
    Indicator,
    IndicatorScore,
    SelfAssessment,
    Survey,
    TeamMember,
)
from assessments.report import render_report
from assessments.services import acceptance as acceptance_services
from assessments.services import confirm_framework_points, copy_framework
from assessments.services import publicity as publicity_services
from assessments.services import self_assessment as self_assessment_services
from assessments.services import summary as summary_services
from campaigns import services as lifecycle
from campaigns.models import (
    Campaign,
    Funding,
    LeadingGroupMember,
    Phase,
    Rectification,
    Site,
    SiteTransition,
    SupervisionVisit,
    TypicalCase,
    WorkItem,
)
from members.models import (
    Applicant,
    Attendance,
    DevelopmentStage,
    DuesPayment,
    Education,
    Gender,
    Household,
    Meeting,
    Member,
    Pairing,
    Plaque,
    ServiceRecord,
    StarRule,
)
from organizations.models import AuditEvent, Kind, Organization, Role, Sector, User
from organizations.permissions import grant_admin_access

AS_OF = datetime.date(2026, 11, 28)


# A tiny PNG (1×1, red) as the demo's evidence photo: real content, so the upload check passes.
def _demo_photo() -> bytes:
    """A small photo-like PNG (a red banner over a wall) for the demo's evidence and meeting
    photos: a real image, since uploads are decoded and re-encoded."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (160, 120), (236, 232, 224))
    ImageDraw.Draw(image).rectangle((10, 14, 150, 44), fill=(178, 24, 24))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


DEMO_PHOTO = _demo_photo()
SEED = 20260301
DEMO_PASSWORD = "demo12345"
WORK_COMMITTEE_CODE = "SFQ-GW"
WORK_COMMITTEE_NAME = "示范区工委"
CAMPAIGN_NAME = "2026年度基层党建示范点创建活动"
CAMPAIGN_YEAR = 2026
FRAMEWORK_NAME = "开发区基层党建示范点“五好”“五型”标准"
FIRST_MONTH = datetime.date(2025, 12, 1)  # twelve months of records, up to AS_OF


# The tree ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BranchSpec:
    code: str
    name: str
    sector: str
    size: int
    # The first people of the branch, in order: secretary, 组织委员, 宣传委员, … (name, gender).
    named: tuple[tuple[str, str], ...]
    groups: tuple[str, ...] = ()
    present_rate: float = 0.93
    weekly_theme_day: bool = False  # the fire brigade plan: 党日活动每周1次
    mobile: int = 0
    lost_contact: int = 0
    probationary_on: tuple[datetime.date, ...] = ()  # 接收预备党员 dates in the past year
    made_full_on: tuple[datetime.date, ...] = ()  # 预备党员转正 dates in the past year


@dataclass(frozen=True)
class GeneralBranchSpec:
    code: str
    name: str
    sector: str
    branches: tuple[BranchSpec, ...]


@dataclass(frozen=True)
class CommitteeSpec:
    code: str
    name: str
    sector: str
    units: tuple[BranchSpec | GeneralBranchSpec, ...]


D = datetime.date
M, F = Gender.MALE, Gender.FEMALE

TREE: tuple[CommitteeSpec, ...] = (
    CommitteeSpec(
        "SFQ-CG",
        "城关镇党委",
        Sector.OTHER,
        (
            BranchSpec(
                "SFQ-CG-LY",
                "力源村党支部",
                Sector.VILLAGE,
                25,
                (("李德明", M), ("王秀兰", F), ("曾天保", M), ("赵长顺", M), ("孙桂芝", F)),
                groups=("第一党小组", "第二党小组", "第三党小组", "第四党小组", "第五党小组"),
                present_rate=0.96,
                mobile=2,
                probationary_on=(D(2026, 6, 28),),
            ),
            BranchSpec(
                "SFQ-CG-HX",
                "河西村党支部",
                Sector.VILLAGE,
                12,
                (("马国栋", M), ("刘玉芬", F), ("杨福生", M)),
                present_rate=0.86,
                mobile=2,
                lost_contact=1,
            ),
            BranchSpec(
                "SFQ-CG-DG", "东岗村党支部", Sector.VILLAGE, 10, (("周树林", M), ("吴春梅", F)), mobile=1
            ),
            GeneralBranchSpec(
                "SFQ-CG-SQ",
                "城关镇社区党总支",
                Sector.COMMUNITY,
                (
                    BranchSpec(
                        "SFQ-CG-XFL",
                        "幸福里社区党支部",
                        Sector.COMMUNITY,
                        14,
                        (("陈丽华", F), ("郭建平", M), ("黄淑珍", F)),
                        groups=("东区党小组", "西区党小组"),
                        present_rate=0.95,
                        mobile=1,
                    ),
                    BranchSpec(
                        "SFQ-CG-BH", "滨河社区党支部", Sector.COMMUNITY, 9, (("韩志刚", M), ("林晓红", F))
                    ),
                ),
            ),
            BranchSpec("SFQ-CG-JG", "城关镇机关党支部", Sector.GOVERNMENT, 8, (("冯立新", M), ("朱海燕", F))),
        ),
    ),
    CommitteeSpec(
        "SFQ-KF",
        "经济开发区党委",
        Sector.GOVERNMENT,
        (
            BranchSpec("SFQ-KF-GW", "管委会机关党支部", Sector.GOVERNMENT, 10, (("高振宇", M), ("何静", F))),
            BranchSpec(
                "SFQ-KF-XG",
                "新港社区党支部",
                Sector.COMMUNITY,
                12,
                (("罗美玲", F), ("谢文斌", M), ("唐晓梅", F)),
                groups=("第一党小组", "第二党小组"),
            ),
            GeneralBranchSpec(
                "SFQ-KF-FG",
                "非公企业党总支",
                Sector.ENTERPRISE,
                (
                    BranchSpec(
                        "SFQ-KF-HY",
                        "华源电子有限公司党支部",
                        Sector.ENTERPRISE,
                        9,
                        (("宋立军", M), ("许丹", F)),
                        probationary_on=(D(2026, 7, 1),),
                    ),
                    BranchSpec(
                        "SFQ-KF-JS", "金穗农业科技有限公司党支部", Sector.ENTERPRISE, 7, (("邓海涛", M),)
                    ),
                ),
            ),
        ),
    ),
    CommitteeSpec(
        "SFQ-JY",
        "县教育局党委",
        Sector.SCHOOL,
        (
            GeneralBranchSpec(
                "SFQ-JY-YZ",
                "县第一中学党总支",
                Sector.SCHOOL,
                (
                    BranchSpec(
                        "SFQ-JY-YZ1",
                        "县第一中学第一党支部",
                        Sector.SCHOOL,
                        11,
                        (("彭志远", M), ("蒋慧敏", F), ("蔡明", M)),
                    ),
                    BranchSpec("SFQ-JY-YZ2", "县第一中学第二党支部", Sector.SCHOOL, 10, (("董晓光", M),)),
                ),
            ),
            BranchSpec(
                "SFQ-JY-SX",
                "县实验小学党支部",
                Sector.SCHOOL,
                12,
                (("吴泽忠", M), ("佘跃柱", M), ("袁丽娟", F)),
                groups=("低年级党小组", "高年级党小组"),
                present_rate=0.91,
                made_full_on=(D(2026, 7, 1),),
            ),
            BranchSpec("SFQ-JY-CG", "城关镇中心学校党支部", Sector.SCHOOL, 8, (("潘雪芳", F),)),
        ),
    ),
    CommitteeSpec(
        "SFQ-XF",
        "县消防救援大队党委",
        Sector.FIRE_POLICE,
        (
            BranchSpec(
                "SFQ-XF-CQ",
                "城区消防救援站党支部",
                Sector.FIRE_POLICE,
                12,
                (("杜永刚", M), ("姜鹏", M), ("范磊", M)),
                groups=("一班党小组", "二班党小组"),
                weekly_theme_day=True,
                probationary_on=(D(2026, 5, 20), D(2026, 6, 24)),
            ),
            BranchSpec(
                "SFQ-XF-KF",
                "开发区消防救援站党支部",
                Sector.FIRE_POLICE,
                9,
                (("田宏伟", M), ("石浩", M)),
                weekly_theme_day=True,
                probationary_on=(D(2026, 7, 15),),
            ),
            BranchSpec("SFQ-XF-JG", "大队机关党支部", Sector.FIRE_POLICE, 7, (("姚建华", M), ("廖芳", F))),
        ),
    ),
)

# Demo accounts: (username, name, role, organization code). All use DEMO_PASSWORD.
ACCOUNTS: tuple[tuple[str, str, str | None, str | None], ...] = (
    ("admin", "系统管理员", None, None),
    ("zzb", "王晓燕", Role.Kind.ORG_DEPARTMENT, WORK_COMMITTEE_CODE),
    ("dangwei1", "张建国", Role.Kind.COMMITTEE, "SFQ-CG"),
    ("dangwei2", "胡文涛", Role.Kind.COMMITTEE, "SFQ-KF"),
    ("dangwei3", "孟凡荣", Role.Kind.COMMITTEE, "SFQ-JY"),
    ("dangwei4", "秦卫东", Role.Kind.COMMITTEE, "SFQ-XF"),
    ("zhibu1", "李德明", Role.Kind.BRANCH_SECRETARY, "SFQ-CG-LY"),
    ("zhibu2", "赵春华", Role.Kind.BRANCH_SECRETARY, "SFQ-JY-YZ1"),
    ("zhibu3", "田宏伟", Role.Kind.BRANCH_SECRETARY, "SFQ-XF-KF"),
    ("yanshou1", "刘振华", Role.Kind.INSPECTOR, WORK_COMMITTEE_CODE),
    ("yanshou2", "陈淑芬", Role.Kind.INSPECTOR, WORK_COMMITTEE_CODE),
)
COMMITTEE_ACCOUNT = {"SFQ-CG": "dangwei1", "SFQ-KF": "dangwei2", "SFQ-JY": "dangwei3", "SFQ-XF": "dangwei4"}
# A branch with a secretary's account scores its self-assessment through the services, with
# evidence: 力源村 has it approved by the 党委 (which marks the site 自评通过), 县第一中学第一
# 党支部 has it returned and resubmitted, 开发区消防救援站 is still filling it in (填报中).
SECRETARY_ACCOUNTS = {"SFQ-CG-LY": "zhibu1", "SFQ-JY-YZ1": "zhibu2", "SFQ-XF-KF": "zhibu3"}


# Sites and their path through the lifecycle ----------------------------------------------------


@dataclass(frozen=True)
class SiteSpec:
    branch: str
    nominated_on: datetime.date
    highlights: str
    rejection: str = ""  # set: the 组织部 rejects the nomination
    approved: bool = True
    self_assessed_on: datetime.date | None = None
    acceptance: tuple[tuple[datetime.date, str, str], ...] = ()  # (visited_on, verdict, note) rounds
    requested_on: datetime.date | None = None
    quality: float = 0.9  # share of each indicator's points in the self-assessment
    self_assessment_draft: bool = False  # set: the secretary has scored only part of it (填报中)
    satisfaction: float = 0.95
    supervision: tuple[tuple[datetime.date, str, str, str], ...] = ()  # (on, method, findings, rectification)


SITES: tuple[SiteSpec, ...] = (
    SiteSpec(
        "SFQ-CG-LY",
        D(2026, 3, 10),
        "“星级服务激活力，党建领跑新农村”：建档、定制、分户、设区、办卡、设栏、评星挂牌七步法，"
        "5 个党小组“进区入会”，党员人手一册星级服务卡。",
        self_assessed_on=D(2026, 11, 5),
        requested_on=D(2026, 11, 17),
        acceptance=((D(2026, 11, 20), "PASSED", "星级服务台账完整，群众满意率高，同意通过验收。"),),
        quality=0.95,
        satisfaction=0.97,
        supervision=(
            (
                D(2026, 6, 18),
                SupervisionVisit.Method.RANDOM_SURVEY,
                "星级服务卡填写规范，反馈卡回收及时；社区服务区公示内容偏少，建议补充产业技术指导项目和联系电话。",
                "",
            ),
        ),
    ),
    SiteSpec(
        "SFQ-CG-HX",
        D(2026, 3, 12),
        "以“支部+合作社”带动葡萄种植。",
        rejection="2025年度“三会一课”记录不全，党员到会率不足80%，党员队伍年龄老化，暂不具备创建条件；"
        "建议先补齐基础工作，明年再行申报。",
    ),
    SiteSpec(
        "SFQ-CG-XFL",
        D(2026, 4, 8),
        "“红色网格”：党员按楼栋认领责任区，网格员、楼栋长、党员志愿者三员联动。",
        self_assessed_on=D(2026, 11, 12),
        requested_on=D(2026, 11, 25),
        quality=0.92,
        satisfaction=0.93,
        supervision=(
            (
                D(2026, 7, 16),
                SupervisionVisit.Method.RANDOM_SURVEY,
                "党员活动室党内主要制度未全部上墙；6月主题党日记录缺少签到表。",
                "补齐党员活动室上墙制度，补充6月主题党日签到记录。",
            ),
        ),
    ),
    SiteSpec(
        "SFQ-JY-SX",
        D(2026, 3, 15),
        "“一帮一，献爱心”扶助贫困学生，青年党校与建党积极分子培训班常态化。",
        self_assessed_on=D(2026, 11, 10),
        requested_on=D(2026, 11, 18),
        acceptance=(
            (
                D(2026, 11, 24),
                "RECTIFYING",
                "党员发展工作三年规划尚未制定，群众测评满意率未达90%，限期整改后重新申请验收。",
            ),
        ),
        quality=0.86,
        satisfaction=0.86,
        supervision=(
            (
                D(2026, 9, 22),
                SupervisionVisit.Method.UNANNOUNCED,
                "入党积极分子培养考察记录不完整；党员活动室建设进度滞后于方案安排。",
                "补全入党积极分子培养考察记录，10月底前建成党员活动室。",
            ),
        ),
    ),
    SiteSpec(
        "SFQ-JY-YZ1",
        D(2026, 3, 18),
        "“党员示范课”与师德师风建设结合，党员教师结对帮带青年教师。",
        quality=0.88,
    ),
    SiteSpec(
        "SFQ-XF-CQ",
        D(2026, 3, 20),
        "党日活动每周一次，“火焰蓝”党员先锋岗进社区开展消防宣传。",
        self_assessed_on=D(2026, 11, 6),
        requested_on=D(2026, 11, 17),
        acceptance=(
            (D(2026, 11, 19), "RECTIFYING", "党建档案归档不全，限期10日内整改。"),
            (D(2026, 11, 27), "PASSED", "整改到位，同意通过验收。"),
        ),
        quality=0.93,
        satisfaction=0.95,
    ),
    SiteSpec(
        "SFQ-XF-KF",
        D(2026, 4, 3),
        "“火焰蓝”党员突击队包保开发区重点企业，每季度一次消防安全“开放日”。",
        quality=0.87,
        self_assessment_draft=True,
    ),
    SiteSpec(
        "SFQ-KF-XG",
        D(2026, 3, 25),
        "“邻里党群服务站”：党员认领群众微心愿，每月一次便民服务日。",
        self_assessed_on=D(2026, 11, 14),
        quality=0.9,
        supervision=(
            (
                D(2026, 10, 15),
                SupervisionVisit.Method.PRIORITY,
                "群众测评准备不足；党员服务责任区公示牌未及时更新。",
                "更新党员服务责任区公示牌，做好群众测评准备。",
            ),
        ),
    ),
    SiteSpec(
        "SFQ-KF-HY",
        D(2026, 11, 10),
        "“党员技术攻关岗”带动生产线良品率提升。",
        approved=False,
    ),
)


# Word lists ---------------------------------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶"
    "阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺"
)
# Given names, space-separated; split where a name is drawn.
MALE_GIVEN = (
    "建国 志强 伟 军 磊 勇 杰 涛 明 超 华 平 刚 斌 德才 海 峰 林 鹏 宏伟 文 波 辉 庆丰 春生 东 永 福来 "
    "成 国庆 俊 振华 家兴 忠 立新 长海 树林 玉山 金宝 洪亮 学军 卫国 保华 占武 世杰 铁柱 新民"
)
FEMALE_GIVEN = (
    "秀英 桂兰 玉兰 丽 艳 敏 静 娟 霞 燕 芳 红 梅 琳 婷 雪 慧 颖 洁 丹 萍 晓燕 凤英 兰 云 佳 "
    "秀芝 淑华 春燕 海霞 丽萍 玉梅 翠花 美华 金凤 晓丽"
)
ETHNICITIES = ("满族", "回族", "蒙古族", "朝鲜族")

SECTOR_PROFILE = {
    Sector.VILLAGE: {
        "occupation": Member.Occupation.FARMER,
        "education": (
            Education.PRIMARY,
            Education.JUNIOR,
            Education.JUNIOR,
            Education.SENIOR,
            Education.COLLEGE,
        ),
        "jobs": ("种植户", "养殖户", "村民", "村医", "村会计", "农机手", "个体经营户"),
        "skills": (
            "种养技术",
            "果树嫁接",
            "大棚蔬菜种植",
            "畜牧防疫",
            "农机维修",
            "电工维修",
            "电商销售",
            "调解纠纷",
            "水产养殖",
        ),
        "born": (1950, 1998),
        "dues": (Decimal("0.50"), Decimal("1.00"), Decimal("2.00")),
    },
    Sector.COMMUNITY: {
        "occupation": Member.Occupation.RETIRED,
        "education": (Education.JUNIOR, Education.SENIOR, Education.COLLEGE, Education.BACHELOR),
        "jobs": ("社区网格员", "退休职工", "个体经营户", "社区医生", "楼栋长"),
        "skills": (
            "法律咨询",
            "心理疏导",
            "家电维修",
            "电工维修",
            "书法",
            "文艺演出",
            "健康讲座",
            "调解纠纷",
        ),
        "born": (1945, 1995),
        "dues": (Decimal("2.00"), Decimal("5.00"), Decimal("12.00")),
    },
    Sector.SCHOOL: {
        "occupation": Member.Occupation.INSTITUTION_PROFESSIONAL,
        "education": (Education.BACHELOR, Education.BACHELOR, Education.POSTGRADUATE, Education.COLLEGE),
        "jobs": ("语文教师", "数学教师", "英语教师", "教务主任", "德育主任", "体育教师", "班主任"),
        "skills": ("课件制作", "书法", "心理辅导", "合唱指挥", "家庭教育指导", "摄影", "篮球"),
        "born": (1968, 1998),
        "dues": (Decimal("35.00"), Decimal("48.00"), Decimal("62.00")),
    },
    Sector.FIRE_POLICE: {
        "occupation": Member.Occupation.OTHER,
        "education": (Education.SENIOR, Education.COLLEGE, Education.BACHELOR),
        "jobs": ("消防员", "班长", "驾驶员", "通信员", "战斗员", "指导员"),
        "skills": ("应急救护", "消防宣传", "水域救援", "破拆技术", "电工维修", "驾驶"),
        "born": (1982, 2003),
        "dues": (Decimal("28.00"), Decimal("36.00"), Decimal("45.00")),
    },
    Sector.ENTERPRISE: {
        "occupation": Member.Occupation.PRIVATE_ENTERPRISE_MANAGER,
        "education": (Education.SENIOR, Education.COLLEGE, Education.BACHELOR),
        "jobs": ("技术员", "车间主任", "质检员", "销售经理", "工程师", "农技员"),
        "skills": ("电子技术", "质量管理", "电工维修", "电商销售", "财务会计", "农技推广"),
        "born": (1975, 2001),
        "dues": (Decimal("15.00"), Decimal("30.00"), Decimal("50.00")),
    },
    Sector.GOVERNMENT: {
        "occupation": Member.Occupation.STAFF,
        "education": (Education.BACHELOR, Education.BACHELOR, Education.POSTGRADUATE, Education.COLLEGE),
        "jobs": ("科员", "办公室主任", "财务", "副主任科员", "综合科科长"),
        "skills": ("法律咨询", "公文写作", "财务会计", "信息化", "摄影"),
        "born": (1970, 1999),
        "dues": (Decimal("40.00"), Decimal("55.00"), Decimal("70.00")),
    },
}
OFFICER_JOBS = ("党支部书记", "组织委员", "宣传委员", "纪检委员", "青年委员")
CHINESE_NUMBERS = "一二三四五六七八九十"
MOBILE_DESTINATIONS = (
    "广东省深圳市宝安区",
    "浙江省宁波市北仑区",
    "北京市朝阳区",
    "天津市滨海新区",
    "江苏省苏州市",
)

THEME_DAY_TOPICS = {
    12: "学习贯彻党的二十届四中全会精神",
    1: "冬训集中学习：党章和党内法规",
    2: "春节走访慰问困难党员和群众",
    3: "学雷锋志愿服务",
    4: "清明祭扫烈士墓，缅怀革命先烈",
    5: "学习《中国共产党纪律处分条例》",
    6: "重温入党誓词",
    7: "庆祝建党105周年",
    8: "党员先锋岗：防汛值守",
    9: "“一帮一，献爱心”助学活动",
    10: "学习习近平新时代中国特色社会主义思想专题",
    11: "示范点创建工作“回头看”",
}
WEEKLY_TOPICS = (
    "党日活动：学习消防救援队伍纪律条令",
    "党日活动：灭火救援战例复盘",
    "党日活动：进社区开展消防宣传",
    "党日活动：学习党的创新理论",
    "党日活动：“火焰蓝”党员先锋岗志愿服务",
    "党日活动：观看警示教育片",
)
LECTURE_TOPICS = {
    1: "书记讲党课：做“四个合格”党员",
    4: "党课：坚持党要管党、从严治党",
    7: "党课：在示范点创建中发挥先锋模范作用",
    10: "党课：学习型党组织建设",
}
GENERAL_MEETING_TOPICS = {
    12: "通报支部全年工作，部署民主评议党员",
    3: "传达工委示范点创建工作会议精神",
    6: "讨论支部创建工作进展",
    9: "通报示范点创建中期督导情况",
}

HOUSEHOLD_NEEDS = {
    Household.Category.HARDSHIP: ("房屋修缮、冬季取暖", "子女上学资助", "申请临时救助"),
    Household.Category.DISABLED: ("日常生活照料", "代购生活用品、陪同就医", "家庭线路维修"),
    Household.Category.LOW_INCOME: ("低保年审材料代办", "医保缴费代办", "就业信息"),
    Household.Category.FARMING: ("玉米病虫害防治", "农产品销路", "生猪防疫", "大棚蔬菜管理"),
}
SERVICE_CONTENT = {
    Household.Category.HARDSHIP: (
        "帮助困难户打扫庭院、整理房屋",
        "为困难户送米面油",
        "帮助困难户申请临时救助",
    ),
    Household.Category.DISABLED: ("为残疾人代购生活用品", "陪同残疾人到县医院复查", "维修残疾人家庭电路"),
    Household.Category.LOW_INCOME: ("为低保户代办低保年审材料", "帮助低保户缴纳医保", "为低保户检修取暖炉"),
    Household.Category.FARMING: (
        "指导种养户防治玉米螟",
        "帮助种养户联系农产品销路",
        "为养殖户讲解生猪防疫",
        "指导大棚蔬菜田间管理",
    ),
    None: ("村道路清扫志愿服务", "宣讲惠农政策", "调解邻里纠纷", "秸秆禁烧巡查", "参加防汛值守"),
}
SERVICE_FEEDBACK = ("服务及时，群众满意", "问题已解决，户主表示感谢", "群众反映良好", "需后续跟进")

# The 望城 school plan's month-by-month schedule, fitted to this campaign's months:
# (month, title, who) where who is an index into the branch's officers, or None for "党支部".
SCHEDULE = (
    (3, "传达学习工委创建工作会议、文件精神", 0),
    (3, "制定党支部创建工作实施方案", 0),
    (4, "召开创建工作动员会", 0),
    (4, "制定党建创建工作各项规章制度和创建目标", 1),
    (5, "召开党员会议，传达学习有关文件、会议精神", None),
    (5, "召开入党积极分子座谈会", 1),
    (6, "结合庆祝建党105周年活动，开展创建活动系列宣传", 2),
    (6, "走访慰问困难党员、群众", None),
    (7, "召开党员、班子成员民主生活会", 0),
    (8, "抓好班子成员、党员暑期理论学习", None),
    (8, "选派入党积极分子参加县委党校培训班", 1),
    (9, "开展“一帮一，献爱心”活动", None),
    (9, "迎接创建工作第一次督查", 0),
    (10, "建好高标准的党员活动室", None),
    (10, "邀请党委领导现场指导创建工作", 0),
    (11, "对照考核标准开展自查自评，报送自评材料", 1),
    (11, "深化设岗定责，参加述职评议会议", 0),
    (12, "规范管理创建资料，归档立卷，迎接上级验收", 1),
    (12, "召开创建工作总结会，落实整改措施", 0),
)
# The village plan's seven steps replace the generic middle of the schedule for 力源村.
VILLAGE_SCHEDULE = (
    (3, "传达学习工委创建工作会议、文件精神", 0),
    (3, "建“档”：绘制“支部—党小组”管理网络图，建立党员技能档案和困难户、残疾人、低保户档案", 1),
    (4, "定“制”：与每位党员签订责任书、服务承诺书，制定星级服务评定标准", 0),
    (5, "分“户”：党员亮身份，每位党员结对帮扶1—2户", 1),
    (6, "设“区”：设立社区服务区，按党小组划分党员服务责任区", 2),
    (7, "办“卡”：办理党员星级服务卡、服务登记卡、服务反馈卡", 2),
    (8, "设“栏”：设立党建专栏和党员服务宣传栏", 2),
    (9, "迎接创建工作第一次督查", 0),
    (10, "半年星级服务情况在宣传栏公示", 2),
    (11, "对照考核标准开展自查自评，报送自评材料", 1),
    (12, "评“星”挂“牌”：年终评星定级，评出5名“五星级党员示范户”并挂牌", 0),
    (12, "召开创建工作总结会，落实整改措施", 0),
)
CAMPAIGN_SCHEDULE = (
    (D(2026, 3, 5), "制定基层党建示范点创建工作方案，下发创建通知"),
    (D(2026, 3, 12), "召开创建工作部署会议"),
    (D(2026, 4, 15), "各党委报送示范点创建计划，组织部审批"),
    (D(2026, 7, 31), "第一轮常态化督导（随机调研）"),
    (D(2026, 10, 31), "第二轮督导（明察暗访、重点督办）"),
    (D(2026, 12, 20), "组织现场验收，公示验收结果"),
    (D(2026, 12, 31), "评选典型案例，总结推广创建经验"),
)

NARRATIVES = (
    "已按要求落实，台账齐全。",
    "制度健全，执行到位，有会议记录和照片佐证。",
    "基本落实，个别记录待补充。",
    "群众评价较好，相关材料已归档。",
)

PLAN_BY_SECTOR = {
    Sector.VILLAGE: (
        "以村党支部为核心、全体党员为主体、村内其他组织共同参与，在全村党员中开展“星级服务激活力，"
        "党建领跑新农村”主题活动：建“档”、定“制”、分“户”、设“区”、办“卡”、设“栏”、评“星”挂“牌”。"
    ),
    Sector.COMMUNITY: (
        "以社区党支部为核心，整合辖区资源，建立健全共驻共建机制；实行事务公开，建立社情民意收集反馈机制，"
        "党员按网格认领服务责任区，面向居民和弱势群体开展志愿服务。"
    ),
    Sector.SCHOOL: (
        "按照“五个好”基层党组织标准，把党建工作放到教育教学这一中心工作的大局来认识和把握；"
        "每两年至少发展1名新党员，每年培养1名以上入党积极分子；党员活动每月1次，到会率在90%以上。"
    ),
    Sector.FIRE_POLICE: (
        "按照《公安消防部队党的基层组织工作若干规定（试行）》，围绕防灭火中心工作抓党建；"
        "每年至少发展2名新党员，培养2名以上入党积极分子；党日活动每周1次，到会率在90%以上。"
    ),
    Sector.ENTERPRISE: (
        "围绕生产经营抓党建、抓好党建促发展，设立党员先锋岗和技术攻关岗，党员承诺践诺，"
        "把党建优势转化为企业发展优势。"
    ),
}


# Results ----------------------------------------------------------------------------------------


@dataclass
class DemoResult:
    created: bool
    lines: list[str] = field(default_factory=list)


def demo_exists() -> bool:
    return Organization.objects.filter(code=WORK_COMMITTEE_CODE).exists()


def build_demo() -> DemoResult:
    """Build the demo county unless it is there already; either way, describe what is there."""
    if demo_exists():
        return DemoResult(created=False, lines=summarize())
    with transaction.atomic():
        _Builder().build()
    return DemoResult(created=True, lines=summarize())


def summarize() -> list[str]:
    """A short Chinese summary of the demo data as it is in the database."""
    root = Organization.objects.get(code=WORK_COMMITTEE_CODE)
    orgs = Counter(Organization.objects.filter(path__startswith=root.path).values_list("kind", flat=True))
    members = Member.objects.filter(branch__path__startswith=root.path)
    campaign = Campaign.objects.filter(organizer=root, year=CAMPAIGN_YEAR, name=CAMPAIGN_NAME).first()
    sites = Counter(campaign.sites.values_list("status", flat=True)) if campaign else Counter()
    org_parts = "、".join(f"{Kind(k).label} {orgs[k]}" for k in Kind.values if orgs[k])
    site_parts = "、".join(f"{Site.Status(s).label} {sites[s]}" for s in Site.Status.values if sites[s])
    probationary = members.filter(status=Member.Status.PROBATIONARY).count()
    mobile, lost = members.filter(is_mobile=True).count(), members.filter(is_lost_contact=True).count()
    lines = [
        f"党组织 {sum(orgs.values())} 个：{org_parts}",
        f"党员 {members.count()} 名（预备党员 {probationary}、流动党员 {mobile}、失联党员 {lost}）",
        f"三会一课 {Meeting.objects.filter(organization__path__startswith=root.path).count()} 次，"
        f"出勤记录 {Attendance.objects.filter(member__in=members).count()} 条，"
        f"党费记录 {DuesPayment.objects.filter(member__in=members).count()} 条，"
        f"星级服务记录 {ServiceRecord.objects.filter(member__in=members).count()} 条",
    ]
    if campaign:
        lines.append(f"{campaign.name}：示范点 {sum(sites.values())} 个（{site_parts}）")
    lines.append(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
    roles = Role.objects.filter(user__username__in=[a[0] for a in ACCOUNTS]).select_related(
        "user", "organization"
    )
    held = {r.user.username: f"{r.get_kind_display()} · {r.organization.name}" for r in roles}
    names = dict(User.objects.filter(username__in=held.keys() | {"admin"}).values_list("username", "name"))
    for username, _, kind, _ in ACCOUNTS:
        if username in names:
            where = "超级管理员" if kind is None else held.get(username, "")
            # Ideographic spaces keep the Chinese names in a column on a terminal.
            lines.append(f"  {username:<9} {names[username]:\u3000<5} {where}")
    return lines


# The builder ------------------------------------------------------------------------------------


def _aware(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _months() -> list[datetime.date]:
    """First days of the twelve months of records, FIRST_MONTH up to AS_OF's month."""
    months, day = [], FIRST_MONTH
    while day <= AS_OF:
        months.append(day)
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return months


@contextmanager
def on_story_day(day: datetime.date, hour: int = 10):
    """Date what the services record inside the block on the story's `day`, not today.

    The demo tells a year of a campaign in one run; without this every audit event, nomination
    and status change would carry the minute the command ran, and the dashboard's progress
    chart and each site's history would show the whole year in one moment. Only demo data is
    redated, once, right after it is written, inside the command's transaction.
    """
    last_event = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    started = timezone.now()
    yield
    moment = _aware(day, hour)
    AuditEvent.objects.filter(pk__gt=last_event).update(created_at=moment)
    Site.objects.filter(nominated_at__gte=started).update(nominated_at=moment)
    Site.objects.filter(status_changed_at__gte=started).update(status_changed_at=moment)
    SiteTransition.objects.filter(at__gte=started).update(at=moment)


class _Builder:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.used_names: set[str] = set()
        self.used_phones: set[str] = set()
        self.used_ids: set[str] = set()
        self.orgs: dict[str, Organization] = {}
        self.specs: dict[str, BranchSpec] = {}
        self.groups: dict[str, list[Organization]] = {}
        self.members: dict[str, list[Member]] = {}
        self.users: dict[str, User] = {}

    def build(self) -> None:
        self.build_tree()
        self.build_members()
        self.build_accounts()
        self.build_development()
        self.build_meetings()
        self.build_dues()
        self.build_star_service()
        self.build_campaign()
        self.build_publicity()

    # Tree ------------------------------------------------------------------------------------

    def _org(self, parent: Organization | None, code: str, name: str, kind: str, sector: str) -> Organization:
        org = Organization.objects.filter(code=code).first()
        if org is None:
            instance = Organization(code=code, name=name, kind=kind, sector=sector)
            if parent is None:
                org = Organization.objects.add_root(instance=instance)
            else:
                org = Organization.objects.add_child(parent, instance=instance)
        self.orgs[code] = org
        return org

    def _branch(self, parent: Organization, spec: BranchSpec) -> None:
        branch = self._org(parent, spec.code, spec.name, Kind.BRANCH, spec.sector)
        self.specs[spec.code] = spec
        self.groups[spec.code] = [
            self._org(branch, f"{spec.code}-G{i}", name, Kind.GROUP, spec.sector)
            for i, name in enumerate(spec.groups, start=1)
        ]

    def build_tree(self) -> None:
        root = self._org(
            None, WORK_COMMITTEE_CODE, WORK_COMMITTEE_NAME, Kind.WORK_COMMITTEE, Sector.GOVERNMENT
        )
        for committee_spec in TREE:
            committee = self._org(
                root, committee_spec.code, committee_spec.name, Kind.PARTY_COMMITTEE, committee_spec.sector
            )
            for unit in committee_spec.units:
                if isinstance(unit, GeneralBranchSpec):
                    general = self._org(committee, unit.code, unit.name, Kind.GENERAL_BRANCH, unit.sector)
                    for spec in unit.branches:
                        self._branch(general, spec)
                else:
                    self._branch(committee, unit)
        StarRule.objects.get_or_create(organization=root)

    # People ----------------------------------------------------------------------------------

    def _name(self, gender: str) -> str:
        given = (MALE_GIVEN if gender == M else FEMALE_GIVEN).split()
        while True:
            name = self.rng.choice(SURNAMES) + self.rng.choice(given)
            if name not in self.used_names:
                self.used_names.add(name)
                return name

    def _phone(self) -> str:
        while True:
            phone = f"1{self.rng.choice(('35', '36', '37', '38', '39', '50', '51', '52', '58', '87', '88'))}"
            phone += f"{self.rng.randrange(10**8):08d}"
            if phone not in self.used_phones:
                self.used_phones.add(phone)
                return phone

    def _id_number(self, birth: datetime.date, gender: str) -> str:
        """A well-formed 18-digit 公民身份证号 (GB 11643 check digit) for a made-up person."""
        weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
        while True:
            sequence = self.rng.randrange(500) * 2 + (1 if gender == M else 0)
            body = f"130299{birth:%Y%m%d}{sequence:03d}"
            check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
            number = body + check
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def _birth(self, first_year: int, last_year: int) -> datetime.date:
        start = datetime.date(first_year, 1, 1)
        return start + datetime.timedelta(days=self.rng.randrange((last_year - first_year) * 365))

    def _address(self, spec: BranchSpec) -> str:
        short = spec.name.removesuffix("党支部")
        r = self.rng
        if spec.sector == Sector.VILLAGE:
            return f"城关镇{short}{CHINESE_NUMBERS[r.randrange(5)]}组{r.randint(1, 60)}号"
        if spec.sector == Sector.COMMUNITY:
            return f"{short}{r.randint(1, 24)}号楼{r.randint(1, 4)}单元{r.randint(1, 6)}0{r.randint(1, 4)}室"
        street = r.choice(("建设路", "人民路", "新华街", "文化路", "滨河路", "朝阳街"))
        return f"城关镇{street}{r.randint(1, 300)}号"

    def _member(
        self,
        spec: BranchSpec,
        index: int,
        name: str,
        gender: str,
        *,
        joined: datetime.date | None = None,
        probationary: bool = False,
    ) -> Member:
        """One member; `joined` fixes the 入党 date (else some time before mid-2025)."""
        r = self.rng
        profile = SECTOR_PROFILE[spec.sector]
        born_from, born_to = (1996, 2004) if joined else profile["born"]
        birth = self._birth(born_from, born_to)
        if joined is None:
            earliest = birth + datetime.timedelta(days=365 * 20 + 5)
            latest = datetime.date(2025, 5, 31)
            joined = earliest + datetime.timedelta(days=r.randrange(max((latest - earliest).days, 30)))
            joined = min(joined, latest)
        return Member(
            name=name,
            gender=gender,
            ethnicity="汉族" if r.random() < 0.9 else r.choice(ETHNICITIES),
            id_number=self._id_number(birth, gender),
            birth_date=birth,
            education=r.choice(profile["education"]),
            occupation=profile["occupation"],
            branch=self.orgs[spec.code],
            joined_on=joined,
            full_member_on=None if probationary else joined + datetime.timedelta(days=365),
            status=Member.Status.PROBATIONARY if probationary else Member.Status.FULL,
            job=OFFICER_JOBS[index] if index < len(spec.named) else r.choice(profile["jobs"]),
            phone=self._phone(),
            address=self._address(spec),
            skills="、".join(r.sample(profile["skills"], r.choice((1, 1, 2)))),
        )

    def build_members(self) -> None:
        for code, spec in self.specs.items():
            self.used_names.update(name for name, _ in spec.named)
            people = [self._member(spec, i, name, gender) for i, (name, gender) in enumerate(spec.named)]
            # Members made full in the past year come right after the officers.
            for full_on in spec.made_full_on:
                gender = M if self.rng.random() < 0.5 else F
                joined = full_on - datetime.timedelta(days=365)
                people.append(self._member(spec, len(people), self._name(gender), gender, joined=joined))
            ordinary_count = spec.size - len(people) - len(spec.probationary_on)
            for _ in range(ordinary_count):
                gender = M if self.rng.random() < 0.62 else F
                people.append(self._member(spec, len(people), self._name(gender), gender))
            # Mobile and lost-contact members come from the ordinary members, not the officers.
            ordinary = people[len(people) - ordinary_count :]
            for member in ordinary[: spec.mobile]:
                member.is_mobile = True
                member.mobile_destination = self.rng.choice(MOBILE_DESTINATIONS)
            for member in ordinary[spec.mobile : spec.mobile + spec.lost_contact]:
                member.is_lost_contact = True
                member.lost_contact_since = datetime.date(2024, 8, 1)
            # The newest members, received as 预备党员 in the past year, end the roster.
            for joined in spec.probationary_on:
                gender = M if spec.sector == Sector.FIRE_POLICE or self.rng.random() < 0.5 else F
                people.append(
                    self._member(
                        spec, len(people), self._name(gender), gender, joined=joined, probationary=True
                    )
                )
            groups = self.groups[code]
            for i, member in enumerate(people):
                if groups:
                    member.group = groups[i % len(groups)]
            self.members[code] = Member.objects.bulk_create(people)

    def build_accounts(self) -> None:
        password = make_password(DEMO_PASSWORD)
        for username, name, kind, org_code in ACCOUNTS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create(
                    username=username,
                    name=name,
                    password=password,
                    email=f"{username}@example.com",
                    is_staff=kind is None,
                    is_superuser=kind is None,
                )
            self.users[username] = user
            if kind is not None:
                Role.objects.get_or_create(user=user, organization=self.orgs[org_code], kind=kind)
                grant_admin_access(user)
        for code, username in SECRETARY_ACCOUNTS.items():
            secretary = self.members[code][0]
            secretary.user = self.users[username]
            secretary.save(update_fields=["user"])

    # Development pipeline ---------------------------------------------------------------------

    def _stages(self, applicant: Applicant, reached: str, on: datetime.date) -> list[DevelopmentStage]:
        """The stages up to `reached` (at most 预备党员), dated back from `on` at the usual intervals."""
        gaps = {  # days after the previous stage
            DevelopmentStage.Stage.ACTIVIST: 150,
            DevelopmentStage.Stage.CANDIDATE: 400,
            DevelopmentStage.Stage.PROBATIONARY: 120,
        }
        order = DevelopmentStage.ORDER[: DevelopmentStage.ORDER.index(reached) + 1]
        stages, day = [], on
        for stage in reversed(order):
            stages.append(DevelopmentStage(applicant=applicant, stage=stage, reached_on=day))
            day -= datetime.timedelta(days=gaps.get(stage, 0) + self.rng.randrange(30))
        return stages

    def build_development(self) -> None:
        stages: list[DevelopmentStage] = []
        for code, spec in self.specs.items():
            developed = [
                m
                for m in self.members[code]
                if m.status == Member.Status.PROBATIONARY or m.full_member_on in spec.made_full_on
            ]
            for member in developed:
                applicant = Applicant.objects.create(
                    name=member.name,
                    gender=member.gender,
                    birth_date=member.birth_date,
                    phone=member.phone,
                    branch=member.branch,
                    member=member,
                )
                stages += self._stages(applicant, DevelopmentStage.Stage.PROBATIONARY, member.joined_on)
                if member.full_member_on:
                    stages.append(
                        DevelopmentStage(
                            applicant=applicant,
                            stage=DevelopmentStage.Stage.FULL,
                            reached_on=member.full_member_on,
                        )
                    )
        pipeline = (
            ("SFQ-CG-LY", DevelopmentStage.Stage.ACTIVIST, D(2026, 4, 12), "返乡创业青年"),
            ("SFQ-CG-LY", DevelopmentStage.Stage.APPLICANT, D(2026, 9, 3), ""),
            ("SFQ-CG-XFL", DevelopmentStage.Stage.CANDIDATE, D(2026, 8, 20), "社区网格员"),
            ("SFQ-KF-XG", DevelopmentStage.Stage.APPLICANT, D(2026, 9, 18), ""),
            ("SFQ-KF-HY", DevelopmentStage.Stage.ACTIVIST, D(2026, 5, 8), "生产线技术骨干"),
            ("SFQ-JY-SX", DevelopmentStage.Stage.ACTIVIST, D(2026, 3, 26), "青年教师"),
            ("SFQ-JY-YZ1", DevelopmentStage.Stage.ACTIVIST, D(2026, 4, 20), "青年教师"),
            ("SFQ-XF-CQ", DevelopmentStage.Stage.ACTIVIST, D(2026, 4, 2), ""),
            ("SFQ-XF-CQ", DevelopmentStage.Stage.ACTIVIST, D(2026, 4, 2), ""),
            ("SFQ-XF-KF", DevelopmentStage.Stage.CANDIDATE, D(2026, 9, 10), ""),
        )
        for code, reached, on, note in pipeline:
            gender = M if code.startswith("SFQ-XF") or self.rng.random() < 0.5 else F
            applicant = Applicant.objects.create(
                name=self._name(gender),
                gender=gender,
                birth_date=self._birth(1994, 2004),
                phone=self._phone(),
                branch=self.orgs[code],
                note=note,
            )
            stages += self._stages(applicant, reached, on)
        DevelopmentStage.objects.bulk_create(stages)

    # Meetings, attendance, dues -----------------------------------------------------------------

    def _attendance_status(self, member: Member, present_rate: float) -> str:
        if member.is_lost_contact:
            return Attendance.Status.ABSENT
        roll = self.rng.random()
        if member.is_mobile:  # joins by video about half the time, otherwise asks leave
            return Attendance.Status.PRESENT if roll < 0.5 else Attendance.Status.EXCUSED
        if roll < present_rate:
            return Attendance.Status.PRESENT
        return (
            Attendance.Status.EXCUSED
            if roll < present_rate + (1 - present_rate) * 0.6
            else Attendance.Status.ABSENT
        )

    def _branch_meetings(self, code: str) -> list[tuple[Meeting, list[Member]]]:
        spec, branch, members = self.specs[code], self.orgs[code], self.members[code]
        officers = members[: max(len(spec.named), 3)]
        r, K = self.rng, Meeting.Kind
        place = {
            Sector.VILLAGE: "村党员活动室",
            Sector.COMMUNITY: "社区党群服务中心",
            Sector.SCHOOL: "学校党员活动室",
            Sector.FIRE_POLICE: "消防站学习室",
        }.get(spec.sector, "党员活动室")
        meetings: list[tuple[Meeting, list[Member]]] = []

        def add(kind: str, day: datetime.date, topic: str, expected: list[Member], org=branch) -> None:
            if day <= AS_OF:
                meeting = Meeting(organization=org, kind=kind, held_on=day, topic=topic, location=place)
                meetings.append((meeting, [m for m in expected if m.joined_on <= day]))

        theme_day = r.randint(5, 15)
        for month in _months():
            add(
                K.COMMITTEE_MEETING,
                month.replace(day=theme_day - 3),
                "研究本月党建工作和示范点创建事项",
                officers,
            )
            if not spec.weekly_theme_day:
                add(K.THEME_DAY, month.replace(day=theme_day), THEME_DAY_TOPICS[month.month], members)
            if month.month in GENERAL_MEETING_TOPICS:
                add(
                    K.GENERAL_MEETING,
                    month.replace(day=theme_day + 10),
                    GENERAL_MEETING_TOPICS[month.month],
                    members,
                )
            if month.month in LECTURE_TOPICS:
                add(K.PARTY_LECTURE, month.replace(day=theme_day + 5), LECTURE_TOPICS[month.month], members)
            for group in self.groups[code]:
                in_group = [m for m in members if m.group_id == group.pk]
                add(
                    K.GROUP_MEETING,
                    month.replace(day=theme_day + 7),
                    "党小组学习，交流星级服务情况",
                    in_group,
                    group,
                )
        if spec.weekly_theme_day:
            day, week = FIRST_MONTH + datetime.timedelta(days=1), 0
            while day <= AS_OF:
                add(K.THEME_DAY, day, WEEKLY_TOPICS[week % len(WEEKLY_TOPICS)], members)
                day, week = day + datetime.timedelta(days=7), week + 1
        add(K.ORG_LIFE_MEETING, D(2026, 1, 20), "2025年度组织生活会", members)
        add(K.MEMBER_APPRAISAL, D(2026, 1, 22), "2025年度民主评议党员", members)
        for member in members:
            if member.status == Member.Status.PROBATIONARY:
                add(K.GENERAL_MEETING, member.joined_on, f"讨论接收{member.name}为预备党员", members)
            elif member.full_member_on in spec.made_full_on:
                add(K.GENERAL_MEETING, member.full_member_on, f"讨论{member.name}预备党员转正", members)
        return meetings

    def build_meetings(self) -> None:
        planned = [(code, pair) for code in self.specs for pair in self._branch_meetings(code)]
        Meeting.objects.bulk_create([meeting for _, (meeting, _) in planned])
        Attendance.objects.bulk_create(
            Attendance(
                meeting=meeting,
                member=member,
                status=self._attendance_status(member, self.specs[code].present_rate),
            )
            for code, (meeting, expected) in planned
            for member in expected
        )

    def build_dues(self) -> None:
        payments = []
        for code, spec in self.specs.items():
            rates = SECTOR_PROFILE[spec.sector]["dues"]
            for member in self.members[code]:
                amount = self.rng.choice(rates)
                for month in _months():
                    if member.joined_on > _month_end(month):
                        continue
                    roll = self.rng.random()
                    late_next = _month_end(month) + datetime.timedelta(days=self.rng.randint(3, 15))
                    if member.is_lost_contact:
                        paid_on = None
                    elif roll < (0.8 if member.is_mobile else 0.95):
                        paid_on = min(month.replace(day=self.rng.randint(3, 25)), AS_OF)
                    elif roll < 0.985 and late_next <= AS_OF:
                        paid_on = late_next
                    else:
                        paid_on = None
                    payments.append(DuesPayment(member=member, month=month, amount=amount, paid_on=paid_on))
        DuesPayment.objects.bulk_create(payments)

    # Star service (the village plan) ----------------------------------------------------------------

    def build_star_service(self) -> None:
        code = "SFQ-CG-LY"
        branch, members, r = self.orgs[code], self.members[code], self.rng
        verifier = self.users[SECRETARY_ACCOUNTS[code]]
        categories = [Household.Category.HARDSHIP] * 5 + [Household.Category.DISABLED] * 4
        categories += [Household.Category.LOW_INCOME] * 4 + [Household.Category.FARMING] * 7
        households = Household.objects.bulk_create(
            Household(
                branch=branch,
                name=self._name(M if r.random() < 0.7 else F),
                category=category,
                needs=r.choice(HOUSEHOLD_NEEDS[category]),
                address=f"城关镇力源村{CHINESE_NUMBERS[i % 5]}组{r.randint(1, 60)}号",
                phone=self._phone() if r.random() < 0.8 else "",
            )
            for i, category in enumerate(categories)
        )
        active = [m for m in members if not (m.is_mobile or m.is_lost_contact)]
        pairings, paired = [], {}
        for i, member in enumerate(active):
            first = households[i % len(households)]
            chosen = [first] if r.random() < 0.5 else [first, households[(i * 7 + 3) % len(households)]]
            paired[member.pk] = list(dict.fromkeys(chosen))
            pairings += [
                Pairing(member=member, household=h, started_on=D(2026, 5, 12)) for h in paired[member.pk]
            ]
        Pairing.objects.bulk_create(pairings)

        # Yearly service counts spread over every star level; the secretary leads by example.
        counts = (28, 26, 23, 21, 18, 16, 14, 12, 11, 9, 8, 6, 5, 4, 3, 2)
        records = []
        for i, member in enumerate(members):
            if member.is_lost_contact:
                continue
            count = r.randint(1, 3) if member.is_mobile else counts[i % len(counts)] + r.randint(0, 2)
            start = max(member.joined_on, D(2026, 1, 1))
            span = (AS_OF - start).days
            for _ in range(count):
                served = start + datetime.timedelta(days=r.randrange(span))
                household = r.choice(paired[member.pk]) if member.pk in paired and r.random() < 0.75 else None
                category = household.category if household else None
                verified = served <= AS_OF - datetime.timedelta(days=10)
                records.append(
                    ServiceRecord(
                        member=member,
                        served_on=served,
                        place=household.address
                        if household
                        else r.choice(("村委会", "村文化广场", "村卫生室")),
                        content=r.choice(SERVICE_CONTENT[category]),
                        household=household,
                        hours=Decimal(r.choice(("1", "1.5", "2", "3", "4"))),
                        feedback=r.choice(SERVICE_FEEDBACK),
                        verified_by=verifier if verified else None,
                        verified_at=_aware(served + datetime.timedelta(days=r.randint(1, 7)))
                        if verified
                        else None,
                    )
                )
        ServiceRecord.objects.bulk_create(records)

        # Last year's plaques, chosen by 社区群众推荐、党员自荐、支部评选.
        methods = list(Plaque.Method)
        plaques = [
            Plaque(
                member=member,
                title=Plaque.Title.FIVE_STAR_HOUSEHOLD,
                method=methods[i % 3],
                year=2025,
                awarded_on=D(2025, 12, 28),
            )
            for i, member in enumerate(active[:5])
        ]
        plaques += [
            Plaque(
                member=member,
                title=title,
                method=Plaque.Method.BRANCH_SELECTION,
                year=2025,
                awarded_on=D(2025, 12, 28),
            )
            for member, title in zip(
                active[5:9],
                (
                    Plaque.Title.DOUBLE_LEAD,
                    Plaque.Title.DOUBLE_LEAD,
                    Plaque.Title.NEW_COUNTRYSIDE,
                    Plaque.Title.NEW_COUNTRYSIDE,
                ),
                strict=True,
            )
        ]
        Plaque.objects.bulk_create(plaques)

    # The campaign ----------------------------------------------------------------------------------

    def build_campaign(self) -> None:
        root, zzb = self.orgs[WORK_COMMITTEE_CODE], self.users["zzb"]
        with on_story_day(D(2026, 2, 20)):
            campaign = self._create_campaign(root, zzb)
        return self._build_sites(campaign)

    def _create_campaign(self, root: Organization, zzb: User) -> Campaign:
        campaign = lifecycle.create_campaign(
            by=zzb,
            name=CAMPAIGN_NAME,
            year=CAMPAIGN_YEAR,
            organizer=root,
            quota_per_committee=2,
            description=(
                "坚持“成熟一个、打造一个”的原则，以党委为单位，以“五好”党组织、“五型”党组织为载体，"
                "每个党委选择条件较为成熟的基层支部列为示范点；按照基层自评、群众测评、组织考评的步骤进行考核。"
            ),
            phases=[
                lifecycle.PhaseSpec(Phase.Kind.MOBILIZATION, D(2026, 3, 1), D(2026, 4, 15)),
                lifecycle.PhaseSpec(Phase.Kind.IMPLEMENTATION, D(2026, 4, 16), D(2026, 11, 15)),
                lifecycle.PhaseSpec(Phase.Kind.ACCEPTANCE, D(2026, 11, 16), D(2026, 12, 31)),
            ],
        )
        template = Framework.objects.templates().get(is_builtin=True, name=FRAMEWORK_NAME)
        copy_framework(template=template, campaign=campaign)
        # The plan gives no points (分值由组织部确定): the 组织部 confirms the proposed ones.
        confirm_framework_points(campaign=campaign, by=zzb, points={})
        lifecycle.activate_campaign(campaign=campaign, by=zzb)
        return Campaign.objects.prefetch_related("phases").get(pk=campaign.pk)

    def build_publicity(self) -> None:
        """公示: a resident questions the fire station's result on the first day of its period
        (still unanswered: the 组织部 sees it waiting); results whose period has ended with every
        objection answered become final."""
        acceptance = (
            Acceptance.objects.filter(site__organization__code="SFQ-XF-CQ", verdict=Acceptance.Verdict.PASSED)
            .order_by("-signed_at")
            .first()
        )
        if acceptance is not None:
            with on_story_day(acceptance.publicity_starts_on, 9):
                publicity_services.lodge_objection(
                    acceptance=acceptance,
                    lodged_by="",
                    contact="开发区居民（电话 0539-8123456）",
                    text="消防站“开放日”今年只办了两次，与公示材料所说每季度一次不符，请核实。",
                    today=acceptance.publicity_starts_on,
                )
        publicity_services.finalize_results()

    def _build_sites(self, campaign: Campaign) -> None:
        zzb = self.users["zzb"]
        WorkItem.objects.bulk_create(
            self._work_item(campaign, None, due, title, "工委组织部", zzb) for due, title in CAMPAIGN_SCHEDULE
        )
        for spec in SITES:
            site = self._run_lifecycle(campaign, spec)
            if spec.approved and not spec.rejection:
                self._site_records(campaign, site, spec)

    def _run_lifecycle(self, campaign: Campaign, spec: SiteSpec) -> Site:
        """Take the site to its state through the services, on the days the story says."""
        branch = self.orgs[spec.branch]
        committee = branch.nearest(Kind.PARTY_COMMITTEE)
        liaison, zzb = self.users[COMMITTEE_ACCOUNT[committee.code]], self.users["zzb"]
        decided_on = spec.nominated_on + datetime.timedelta(days=10)
        with on_story_day(spec.nominated_on):
            site = lifecycle.nominate_site(
                campaign=campaign,
                branch=branch,
                by=liaison,
                plan=self._plan_text(branch, spec),
                highlights=spec.highlights,
                today=spec.nominated_on,
            )
        if spec.rejection:
            with on_story_day(decided_on):
                return lifecycle.reject_site(site=site, by=zzb, reason=spec.rejection)
        if not spec.approved:
            return site
        with on_story_day(decided_on):
            site = lifecycle.approve_site(site=site, by=zzb, note="同意列为2026年度基层党建示范点创建单位。")
        if spec.self_assessed_on is None:
            return site
        if spec.branch in SECRETARY_ACCOUNTS:
            # The 党委's approval of the self-assessment marks the site 自评通过.
            site = self._self_assessment_approved(site, spec)
        else:
            with on_story_day(spec.self_assessed_on):
                site = lifecycle.mark_self_assessed(site=site, by=liaison, today=spec.self_assessed_on)
        if spec.requested_on is None:
            return site
        if spec.branch == "SFQ-CG-LY":
            self._work_summary(site, spec)
        with on_story_day(spec.requested_on):
            site = lifecycle.request_acceptance(site=site, by=liaison, today=spec.requested_on)
        # The visits themselves (survey, scores, signing) come once the branch's records exist
        # (`_accept`): the composite is computed from them.
        return site

    def _plan_text(self, branch: Organization, spec: SiteSpec) -> str:
        members = self.members[spec.branch]
        return "\n".join(
            (
                f"{branch.name}基层党建示范点创建方案",
                "一、指导思想：坚持习近平新时代中国特色社会主义思想为指导，以“五好”党组织和“五型”党组织为载体，"
                "坚持高起点、高标准、严要求，把支部建成具有较强示范辐射作用的基层党建工作典型。",
                f"二、目标任务：{PLAN_BY_SECTOR.get(branch.sector, PLAN_BY_SECTOR[Sector.COMMUNITY])}",
                f"三、创建特色：{spec.highlights}",
                "四、方法步骤：动员部署阶段摸清情况、制定方案、召开动员会；组织实施阶段对照标准强化措施、"
                "抓好落实，定期召开创建工作会议；总结验收阶段对照考核标准开展自查，规范管理创建资料，迎接验收。",
                f"五、组织领导：成立以党支部书记{members[0].name}为组长的创建工作领导小组，"
                "领导小组下设办公室，负责日常具体事务；书记为第一责任人，责任分解到人。",
                "六、经费保障：申请财政专项经费，提留党费给予适当支持，不足部分自筹，勤俭简约、花少钱办大事。",
            )
        )

    def _work_item(
        self,
        campaign: Campaign,
        site: Site | None,
        due: datetime.date,
        title: str,
        responsible: str,
        user: User | None = None,
    ) -> WorkItem:
        """A schedule entry, done, running or planned as its due date stands against AS_OF."""
        if due < AS_OF:
            status, done_on = WorkItem.Status.DONE, due - datetime.timedelta(days=self.rng.randint(0, 6))
        elif (due.year, due.month) == (AS_OF.year, AS_OF.month):
            status, done_on = WorkItem.Status.IN_PROGRESS, None
        else:
            status, done_on = WorkItem.Status.PLANNED, None
        return WorkItem(
            campaign=campaign,
            site=site,
            phase=campaign.phase_on(due),
            title=title,
            due_on=due,
            responsible=responsible,
            responsible_user=user,
            status=status,
            done_on=done_on,
        )

    def _site_records(self, campaign: Campaign, site: Site, spec: SiteSpec) -> None:
        """Leading group, schedule, funding, supervision and assessment records of an approved site."""
        r, zzb = self.rng, self.users["zzb"]
        members = self.members[spec.branch]
        officers = members[:3]
        user_of = {m.pk: m.user for m in members if m.user_id}
        office = next((m for m in members if m.name == "曾天保"), officers[2])
        ordinary = [m for m in members[3:] if m != office and not (m.is_mobile or m.is_lost_contact)]
        LeadingGroupMember.objects.bulk_create(
            [
                LeadingGroupMember(
                    site=site,
                    name=officers[0].name,
                    position=LeadingGroupMember.Position.LEADER,
                    title="党支部书记",
                    duty="全面负责创建工作，第一责任人",
                    order=1,
                ),
                LeadingGroupMember(
                    site=site,
                    name=officers[1].name,
                    position=LeadingGroupMember.Position.DEPUTY,
                    title=officers[1].job,
                    duty="协助组长抓好创建方案的制定、实施和总结",
                    order=2,
                ),
                *(
                    LeadingGroupMember(
                        site=site,
                        name=m.name,
                        position=LeadingGroupMember.Position.MEMBER,
                        title=m.job,
                        duty=duty,
                        order=3 + i,
                    )
                    for i, (m, duty) in enumerate(
                        zip(
                            ordinary[:2],
                            ("负责党员教育管理和发展党员工作", "负责宣传报道和党务公开"),
                            strict=False,
                        )
                    )
                ),
                LeadingGroupMember(
                    site=site,
                    name=office.name,
                    position=LeadingGroupMember.Position.OFFICE_DIRECTOR,
                    title=office.job,
                    duty="负责日常具体事务，与党委及其他组织的衔接，及时汇报创建工作进展",
                    order=9,
                ),
            ]
        )

        schedule = VILLAGE_SCHEDULE if spec.branch == "SFQ-CG-LY" else SCHEDULE
        items = []
        for month, title, who in schedule:
            due = _month_end(D(CAMPAIGN_YEAR, month, 1))
            if who is None:
                items.append(self._work_item(campaign, site, due, title, "党支部"))
            else:
                person = officers[who]
                items.append(self._work_item(campaign, site, due, title, person.name, user_of.get(person.pk)))
        # Items the site's own progress has already settled, whatever their due date.
        settled = {"自查自评": spec.self_assessed_on, "迎接上级验收": spec.requested_on}
        for item in items:
            for words, day in settled.items():
                if day and words in item.title:
                    item.status, item.done_on = WorkItem.Status.DONE, day - datetime.timedelta(days=3)
        if spec.branch == "SFQ-JY-SX":
            # The 望城 plan's own example: the 党员活动室, due in October, is running late.
            late = next(i for i in items if i.title == "建好高标准的党员活动室")
            late.status, late.done_on = WorkItem.Status.IN_PROGRESS, None
        WorkItem.objects.bulk_create(items)

        fiscal = Decimal(r.choice((20000, 30000, 50000)))
        Funding.objects.bulk_create(
            [
                Funding(
                    site=site,
                    source=Funding.Source.FISCAL,
                    amount=fiscal,
                    spent=(fiscal * Decimal("0.7")).quantize(Decimal("1")),
                    note="党员活动室改造、党建专栏制作",
                ),
                Funding(
                    site=site,
                    source=Funding.Source.RETAINED_DUES,
                    amount=Decimal("5000"),
                    spent=Decimal("3200"),
                    note="党员教育培训、走访慰问",
                ),
                Funding(
                    site=site,
                    source=Funding.Source.SELF_RAISED,
                    amount=Decimal(r.choice((3000, 5000, 8000))),
                    spent=Decimal("2000"),
                    note="志愿服务物资",
                ),
            ]
        )

        for visited_on, method, findings, fix in spec.supervision:
            visit = SupervisionVisit.objects.create(
                site=site, visited_on=visited_on, method=method, findings=findings, recorded_by=zzb
            )
            if fix:
                due = visited_on + datetime.timedelta(days=30)
                closed = due < AS_OF - datetime.timedelta(days=30)
                Rectification.objects.create(
                    site=site,
                    source=Rectification.Source.SUPERVISION,
                    supervision_visit=visit,
                    description=fix,
                    owner=officers[0].name,
                    due_on=due,
                    status=Rectification.Status.CLOSED if closed else Rectification.Status.OPEN,
                    response="已按要求整改到位，相关材料已补充归档。" if closed else "",
                    closed_on=due - datetime.timedelta(days=5) if closed else None,
                )

        if spec.self_assessed_on:
            if spec.branch not in SECRETARY_ACCOUNTS:
                self._self_assessment(campaign, site, spec)
        elif site.status == Site.Status.APPROVED and spec.branch in SECRETARY_ACCOUNTS:
            if spec.self_assessment_draft:
                self._self_assessment_draft(site, spec)
            else:
                self._self_assessment_in_review(site, spec)
        if spec.requested_on:
            self._survey(site, spec)
        for i, (visited_on, verdict, note) in enumerate(spec.acceptance):
            site = self._accept(site, spec, visited_on, verdict, note, again=i > 0)
        if spec.requested_on and not spec.acceptance:
            self._visit_ahead(site)
        if site.status == Site.Status.PASSED and spec.branch == "SFQ-CG-LY":
            TypicalCase.objects.create(
                site=site,
                title="星级服务激活力，党建领跑新农村——力源村党支部党员星级服务七步法",
                summary=(
                    "力源村党支部按照“进区入会”要求分设5个党小组，建立党员技能档案和困难户、残疾人、低保户档案，"
                    "党员结对帮扶1—2户，人手一册星级服务卡，年终评星定级并评出5名“五星级党员示范户”挂牌公示。"
                ),
                year=CAMPAIGN_YEAR,
                selected_by=zzb,
            )

    def _self_assessment(self, campaign: Campaign, site: Site, spec: SiteSpec) -> None:
        """The branch's self-assessment: approved by the committee, or submitted and awaiting it."""
        liaison = self.users[COMMITTEE_ACCOUNT[site.nominated_by.code]]
        approved = spec.self_assessed_on is not None
        submitted_on = (spec.self_assessed_on or AS_OF) - datetime.timedelta(days=4)
        assessment = SelfAssessment.objects.create(
            site=site,
            status=SelfAssessment.Status.APPROVED if approved else SelfAssessment.Status.SUBMITTED,
            summary=f"{site.organization.name}对照“五好”“五型”标准逐项自查，创建工作总体达到示范点要求。",
            submitted_at=_aware(submitted_on),
            reviewed_by=liaison if approved else None,
            review_note="自评材料齐全，同意上报。" if approved else "",
            reviewed_at=_aware(spec.self_assessed_on, 16) if approved else None,
        )
        indicators = Indicator.objects.filter(dimension__framework__campaign=campaign).order_by("pk")
        half = Decimal("0.5")
        IndicatorScore.objects.bulk_create(
            IndicatorScore(
                self_assessment=assessment,
                indicator=indicator,
                score=min(
                    indicator.max_score,
                    (
                        indicator.max_score
                        * Decimal(str(spec.quality + self.rng.uniform(-0.05, 0.05)))
                        / half
                    ).quantize(Decimal("1"))
                    * half,
                ),
                narrative=self.rng.choice(NARRATIVES),
            )
            for indicator in indicators
        )

    def _assessing(self, site: Site) -> tuple[User, User, Site, list[Indicator]]:
        """The secretary and the 党委's liaison, the site as the services want it, its indicators."""
        secretary = self.users[SECRETARY_ACCOUNTS[site.organization.code]]
        liaison = self.users[COMMITTEE_ACCOUNT[site.nominated_by.code]]
        site = Site.objects.with_related().prefetch_related("campaign__phases").get(pk=site.pk)
        indicators = list(
            Indicator.objects.filter(dimension__framework__campaign=site.campaign)
            .select_related("dimension__framework")
            .order_by("dimension__order", "order", "pk")
        )
        return secretary, liaison, site, indicators

    def _score(self, site: Site, secretary: User, indicators: list[Indicator], spec: SiteSpec) -> None:
        """The secretary answers the items and attaches a photo where an item asks for evidence."""
        span = self_assessment_queries.campaign_span(site.campaign)
        for indicator in indicators:
            entry = self_assessment_queries.entry_for(indicator, span)
            self_assessment_services.save_indicator_score(
                site=site, indicator=indicator, by=secretary, raw=self._answers(entry, spec)
            )
            if indicator.evidence_hint:
                self_assessment_services.upload_evidence(
                    site=site,
                    indicator=indicator,
                    file=SimpleUploadedFile(f"{indicator.code}-佐证照片.png", DEMO_PHOTO, "image/png"),
                    by=secretary,
                )

    def _work_summary(self, site: Site, spec: SiteSpec) -> None:
        """创建工作总结 through its services: the secretary writes it per dimension of the
        framework, with the figures, problems and next steps, and submits; the 党委 approves."""
        secretary = self.users[SECRETARY_ACCOUNTS[spec.branch]]
        liaison = self.users[COMMITTEE_ACCOUNT[site.nominated_by.code]]
        written_on = spec.requested_on - datetime.timedelta(days=3)
        dimensions = summary_services.campaign_dimensions(site)
        with on_story_day(written_on):
            summary_services.save_work_summary(
                site=site,
                by=secretary,
                dimension_texts={
                    d.pk: f"对照“{d.name}”要求，支部逐项抓落实：制度上墙、台账齐全，"
                    "按月召开支委会、按季度召开党员大会，党员按党小组“进区入会”，星级服务卡人手一册。"
                    for d in dimensions
                },
                highlights=spec.highlights,
                figures="全年召开支委会 12 次、党员大会 4 次、党课 4 次；"
                "党员结对帮扶困难户、残疾人、低保户 20 户；评出五星级党员示范户 5 户并挂牌公示。",
                problems="部分年龄较大的党员参加集中学习不够经常；服务记录的反馈卡回收有时不及时。",
                next_steps="开设送学上门小课堂；每月 5 日前收回上月反馈卡并在公示栏更新星级。",
            )
            summary_services.submit_work_summary(site=site, by=secretary)
        with on_story_day(written_on + datetime.timedelta(days=1), 16):
            summary_services.approve_work_summary(site=site, by=liaison, note="总结全面，同意。")

    def _self_assessment_approved(self, site: Site, spec: SiteSpec) -> Site:
        """Through the self-assessment services: the secretary answers every item with its
        evidence and submits; on `self_assessed_on` the 党委 approves, which marks the site
        自评通过. Returns the site as it now stands."""
        secretary, liaison, site, indicators = self._assessing(site)
        submitted_on = spec.self_assessed_on - datetime.timedelta(days=4)
        with on_story_day(submitted_on):
            self._score(site, secretary, indicators, spec)
            self_assessment_services.submit_self_assessment(
                site=site,
                by=secretary,
                summary=f"{site.organization.name}对照“五好”“五型”标准逐项自查，创建工作总体达到示范点要求。",
            )
        with on_story_day(spec.self_assessed_on, 16):
            self_assessment_services.approve_self_assessment(
                site=site, by=liaison, note="自评材料齐全，同意上报。", today=spec.self_assessed_on
            )
        SelfAssessment.objects.filter(site=site).update(
            submitted_at=_aware(submitted_on), reviewed_at=_aware(spec.self_assessed_on, 16)
        )
        return Site.objects.get(pk=site.pk)

    def _self_assessment_draft(self, site: Site, spec: SiteSpec) -> None:
        """Through the self-assessment services: the secretary has scored the first items and
        attached one photo; the rest waits (填报中)."""
        secretary, _liaison, site, indicators = self._assessing(site)
        span = self_assessment_queries.campaign_span(site.campaign)
        with on_story_day(D(2026, 11, 25)):
            scored = indicators[: max(1, len(indicators) // 3)]
            for indicator in scored:
                entry = self_assessment_queries.entry_for(indicator, span)
                self_assessment_services.save_indicator_score(
                    site=site, indicator=indicator, by=secretary, raw=self._answers(entry, spec)
                )
            photo_for = next((i for i in scored if i.evidence_hint), scored[0])
            self_assessment_services.upload_evidence(
                site=site,
                indicator=photo_for,
                file=SimpleUploadedFile(f"{photo_for.code}-佐证照片.png", DEMO_PHOTO, "image/png"),
                by=secretary,
            )

    def _self_assessment_in_review(self, site: Site, spec: SiteSpec) -> None:
        """Through the self-assessment services: the secretary answers every item and attaches a
        photo where the item asks for evidence, submits; the 党委 returns it with a reason; the
        secretary corrects and submits again, and it waits for the 党委."""
        secretary, liaison, site, indicators = self._assessing(site)
        with on_story_day(D(2026, 11, 18)):
            self._score(site, secretary, indicators, spec)
            self_assessment_services.submit_self_assessment(
                site=site,
                by=secretary,
                summary=f"{site.organization.name}对照创建标准逐项自查，基本达到示范点要求。",
            )
        with on_story_day(D(2026, 11, 21)):
            self_assessment_services.return_self_assessment(
                site=site, by=liaison, reason="“党员示范课”开课记录请补充到完成情况中，扣分项写明原因后再报。"
            )
        with on_story_day(D(2026, 11, 24)):
            first = indicators[0]
            self_assessment_services.save_indicator_score(
                site=site,
                indicator=first,
                by=secretary,
                raw={"narrative": "本学期开设党员示范课 12 节，听课记录已归档。"},
            )
            self_assessment_services.submit_self_assessment(site=site, by=secretary)
        # The story's days on the record itself, as `on_story_day` puts them on the audit trail.
        SelfAssessment.objects.filter(site=site).update(
            submitted_at=_aware(D(2026, 11, 24)), reviewed_at=_aware(D(2026, 11, 21), 16)
        )

    def _answers(self, entry, spec: SiteSpec) -> dict[str, str]:
        """What a careful secretary answers for one item, at the spec's quality."""
        rule = entry.rule
        answers = {"narrative": self.rng.choice(NARRATIVES)}
        if entry.kind == "score":
            score = min(
                entry.max_score,
                (entry.max_score * Decimal(str(spec.quality)) / Decimal("0.5")).quantize(Decimal("1"))
                * Decimal("0.5"),
            )
            answers["score"] = str(score)
            if score < entry.max_score:
                answers["reason"] = "部分台账资料不够完整，酌情扣分。"
        elif entry.kind == "level":
            answers["level"] = entry.level_labels[0 if spec.quality >= 0.9 else 1]
        elif entry.kind == "count":
            required = getattr(rule, "required", None)
            answers["count"] = str(int(required * entry.periods)) if required is not None else "1"
        if entry.asks_veto or entry.kind == "occurred":
            answers["occurred"] = "no"
        return answers

    def _survey(self, site: Site, spec: SiteSpec) -> None:
        """群众测评 held in the week before acceptance was requested, all tokens printed, most used;
        for a site still waiting for its visit, running from the request for ten days, 30 of its
        50 ballots cast so far."""
        closes_on = spec.requested_on - datetime.timedelta(days=1)
        cast = 46
        if not spec.acceptance:
            closes_on, cast = spec.requested_on + datetime.timedelta(days=10), 30
        survey = Survey.objects.create(
            site=site,
            opens_on=closes_on - datetime.timedelta(days=7),
            closes_on=closes_on,
            ballot_count=50,
            created_by=self.users["zzb"],
        )
        tokens = BallotToken.objects.bulk_create(BallotToken(survey=survey, serial=n) for n in range(1, 51))
        ballots = []
        for token in tokens[:cast]:
            roll = self.rng.random()
            if roll < spec.satisfaction * 0.8:
                choice = Ballot.Choice.SATISFIED
            elif roll < spec.satisfaction:
                choice = Ballot.Choice.FAIRLY_SATISFIED
            else:
                choice = Ballot.Choice.DISSATISFIED
            ballots.append(Ballot(token=token, survey=survey, choice=choice))
        Ballot.objects.bulk_create(ballots)

    def _visit_ahead(self, site: Site) -> None:
        """The 组织部 has scheduled the visit of a site that asked for it: both inspectors have it
        on their home page, to score on the day."""
        lead, second = self.users["yanshou1"], self.users["yanshou2"]
        with on_story_day(AS_OF):
            acceptance = acceptance_services.schedule_acceptance(
                site=site,
                by=self.users["zzb"],
                visited_on=AS_OF + datetime.timedelta(days=5),
                team=[lead, second],
                lead=lead,
                today=AS_OF,
            )
        Acceptance.objects.filter(pk=acceptance.pk).update(created_at=_aware(AS_OF, 9))

    def _accept(
        self, site: Site, spec: SiteSpec, visited_on: datetime.date, verdict: str, note: str, *, again: bool
    ) -> Site:
        """One on-site acceptance through the services: the 组织部 schedules it three days ahead;
        on the day both inspectors score every item on their own (the second a little differently,
        one item beyond the margin, which the lead agrees), submit; the lead writes the findings,
        raises the rectification item a 限期整改 needs, and signs; the report is rendered.

        A second round (`again`) follows a 限期整改: the item is put right and closed, and the
        党委 asks again."""
        zzb, lead, second = self.users["zzb"], self.users["yanshou1"], self.users["yanshou2"]
        liaison = self.users[COMMITTEE_ACCOUNT[site.nominated_by.code]]
        if again:
            Rectification.objects.filter(site=site, source=Rectification.Source.ACCEPTANCE).update(
                status=Rectification.Status.CLOSED,
                response="已补齐党建档案并分类归档。",
                closed_on=visited_on - datetime.timedelta(days=2),
            )
            with on_story_day(visited_on - datetime.timedelta(days=1)):
                site = lifecycle.request_acceptance(site=site, by=liaison, today=visited_on)
        scheduled_on = visited_on - datetime.timedelta(days=3)
        with on_story_day(scheduled_on):
            acceptance = acceptance_services.schedule_acceptance(
                site=site, by=zzb, visited_on=visited_on, team=[lead, second], lead=lead, today=scheduled_on
            )
        # Inspectors find what the verdict says: a site sent back to rectify scores well below
        # its own self-assessment.
        quality = spec.quality if verdict == Acceptance.Verdict.PASSED else 0.6
        indicators = framework_indicators(site.campaign_id)
        span = self_assessment_queries.campaign_span(site.campaign)
        with on_story_day(visited_on, 15):
            for inspector, share in ((lead, quality), (second, max(quality - 0.04, 0))):
                own = replace(spec, quality=share)
                for n, indicator in enumerate(indicators):
                    entry = self_assessment_queries.entry_for(indicator, span)
                    raw = self._answers(entry, own)
                    if inspector == second and n == 0 and entry.kind == "score":
                        raw["score"] = str(max(Decimal(raw["score"]) - 2, Decimal("0")))
                    methods = indicator.check_methods or [CheckMethod.RECORDS]
                    raw["check_method"] = methods[n % len(methods)]
                    raw["note"] = "现场查阅台账并走访群众核实。" if n % 3 == 0 else ""
                    acceptance_services.save_inspector_score(
                        acceptance=acceptance, indicator=indicator, by=inspector, raw=raw
                    )
                acceptance_services.submit_inspection(acceptance=acceptance, by=inspector)
            for row in acceptance_sheet(acceptance, today=visited_on).divergent_rows:
                points = [s.score for s in row.scores.values() if s.score is not None]
                agreed = max(points) if verdict == Acceptance.Verdict.PASSED else min(points)
                acceptance_services.agree_score(
                    acceptance=acceptance,
                    indicator=row.indicator,
                    by=lead,
                    score=str(agreed),
                    reason="两名组员现场复核会议记录原件后议定。",
                    occurred=False if row.indicator.is_veto else None,
                )
            acceptance_services.record_findings(acceptance=acceptance, by=lead, findings=note)
            if verdict == Acceptance.Verdict.RECTIFYING:
                acceptance_services.raise_acceptance_rectification(
                    acceptance=acceptance,
                    by=lead,
                    description=note,
                    owner=self.members[spec.branch][0].name,
                    due_on=visited_on + datetime.timedelta(days=10),
                    today=visited_on,
                )
        with on_story_day(visited_on, 17):
            acceptance = acceptance_services.sign_acceptance(
                acceptance=acceptance, by=lead, verdict=verdict, today=visited_on
            )
        moment = _aware(visited_on, 17)
        Acceptance.objects.filter(pk=acceptance.pk).update(
            signed_at=moment, created_at=_aware(scheduled_on, 9)
        )
        TeamMember.objects.filter(acceptance=acceptance).update(submitted_at=_aware(visited_on, 16))
        TeamMember.objects.filter(acceptance=acceptance, is_lead=True).update(signed_at=moment)
        acceptance.refresh_from_db()
        render_report(acceptance)
        site.refresh_from_db()
        return site

"""Criteria frameworks, the branch's self-assessment, the public survey and on-site acceptance."""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Sum

from campaigns.models import SITE_LABEL, Campaign, Rectification, Site
from organizations.models import scoped_manager

from . import rules
from .periods import Period


class Metric(models.TextChoices):
    """Figures the system computes from the branch's own records (members app), period-free.

    The period a plan counts them by (每周, 每月, 每两年 …) is the indicator's `metric_period`; which
    meeting kinds count is its `meeting_kinds`.
    """

    ATTENDANCE_RATE = "attendance_rate", "党员到会率(%)"
    ACTIVITIES = "activities", "党员活动次数"
    MEETINGS = "meetings", "会议次数"
    NEW_MEMBERS = "new_members", "发展党员数"
    NEW_ACTIVISTS = "new_activists", "培养入党积极分子数"
    DUES_ON_TIME_RATE = "dues_on_time_rate", "党费按时缴纳率(%)"
    STAR_VOLUNTEERS_SHARE = "star_volunteers_share", "星级党员志愿者占比(%)"
    SATISFACTION_RATE = "satisfaction_rate", "群众满意率(%)"

    @property
    def is_rate(self) -> bool:
        return self.value.endswith(("_rate", "_share"))


class CheckMethod(models.TextChoices):
    RECORDS = "RECORDS", "查阅资料"
    SITE_VISIT = "SITE_VISIT", "实地查看"
    INTERVIEW = "INTERVIEW", "走访"
    QUESTIONNAIRE = "QUESTIONNAIRE", "问卷"
    SYMPOSIUM = "SYMPOSIUM", "座谈"
    TEST = "TEST", "测试"


# How a table may name a check method besides its label (查看记录 is the older wording of 查阅资料).
CHECK_METHOD_SYNONYMS = {"查看记录": CheckMethod.RECORDS, "查看资料": CheckMethod.RECORDS}

PERIOD_CHOICES = [(period.value, f"每{period.label}") for period in Period]


class FrameworkQuerySet(models.QuerySet):
    def templates(self) -> FrameworkQuerySet:
        """Frameworks a campaign may be created from (not a campaign's own frozen copy)."""
        return self.filter(campaign__isnull=True)

    def visible_to(self, user) -> FrameworkQuerySet:
        """Templates are shared reading for every signed-in user; a copy goes with its campaign."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(Q(campaign__isnull=True) | Q(campaign__in=Campaign.objects.visible_to(user)))


class Framework(models.Model):
    """A criteria framework (标准体系). A campaign works on its own frozen copy."""

    name = models.CharField("名称", max_length=200)
    source = models.CharField("依据", max_length=300, blank=True, help_text="出处，如某实施方案。")
    description = models.TextField("说明", blank=True)
    version = models.PositiveSmallIntegerField("版本", default=1)
    is_builtin = models.BooleanField("内置", default=False)
    based_on = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="copies",
        verbose_name="来源标准",
    )
    campaign = models.OneToOneField(
        Campaign,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="framework",
        verbose_name="所属活动",
        help_text="活动使用的冻结副本；模板标准此项为空。",
    )
    bonus_cap = models.DecimalField(
        "加分上限",
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="全表加分最多不超过的分数；留空为不设上限。",
    )
    points_from_plan = models.BooleanField(
        "分值出自方案",
        default=True,
        help_text="否：方案未给分值，分值由组织部确定，活动设置时须确认。",
    )
    points_confirmed_at = models.DateTimeField(
        "分值确认时间", null=True, blank=True, help_text="活动副本的分值经组织部确认的时间。"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = FrameworkQuerySet.as_manager()

    class Meta:
        verbose_name = "考核标准"
        verbose_name_plural = "考核标准"
        ordering = ["name", "-version"]

    def __str__(self) -> str:
        return f"{self.name}（第{self.version}版）" if self.version > 1 else self.name

    @property
    def is_frozen(self) -> bool:
        """A copy in use by a campaign that has started may no longer change."""
        return self.campaign_id is not None and self.campaign.status != Campaign.Status.DRAFT

    @property
    def needs_points_confirmed(self) -> bool:
        """A campaign's copy whose points the plan did not give and the 组织部 has not confirmed."""
        return not self.points_from_plan and self.points_confirmed_at is None

    def total_points(self) -> Decimal:
        """The table's total: the sum of its non-bonus items' points (80, 100, 150 …)."""
        total = Indicator.objects.filter(dimension__framework=self, is_bonus=False).aggregate(
            total=Sum("max_score")
        )["total"]
        return total or Decimal("0")


class DimensionQuerySet(models.QuerySet):
    def visible_to(self, user) -> DimensionQuerySet:
        return self.filter(framework__in=Framework.objects.visible_to(user))


class Dimension(models.Model):
    class Group(models.TextChoices):
        FIVE_GOODS = "FIVE_GOODS", "五好"
        FIVE_TYPES = "FIVE_TYPES", "五型"
        OTHER = "OTHER", "其他"

    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="dimensions", verbose_name="考核标准"
    )
    group = models.CharField("类别", max_length=20, choices=Group.choices, default=Group.OTHER)
    name = models.CharField("一级指标", max_length=100)
    description = models.TextField("说明", blank=True)
    order = models.PositiveSmallIntegerField("排序", default=0)

    objects = DimensionQuerySet.as_manager()

    class Meta:
        verbose_name = "一级指标"
        verbose_name_plural = "一级指标"
        ordering = ["framework", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "name"], name="dimension_name_unique_in_framework"),
        ]

    def __str__(self) -> str:
        return self.name


class ItemGroup(models.Model):
    """二级指标 / 考核项目: the optional middle level between a dimension and its items."""

    dimension = models.ForeignKey(
        Dimension, on_delete=models.CASCADE, related_name="item_groups", verbose_name="一级指标"
    )
    name = models.CharField("二级指标", max_length=200)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "二级指标"
        verbose_name_plural = "二级指标"
        ordering = ["dimension", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dimension", "name"], name="item_group_name_unique_in_dimension"),
        ]

    def __str__(self) -> str:
        return self.name


class IndicatorQuerySet(models.QuerySet):
    def visible_to(self, user) -> IndicatorQuerySet:
        return self.filter(dimension__framework__in=Framework.objects.visible_to(user))


class Indicator(models.Model):
    """A 考核内容: its points, 评分标准 as written, check methods, and the structured rule if any.

    `rule` is `assessments.rules.to_data(rule)` ({} when the item is scored by hand from its
    criteria text); with a `metric` as well, the item is scored from the branch's records
    (`assessments.scoring`), counted by `metric_period` over the meeting kinds `meeting_kinds`.
    """

    dimension = models.ForeignKey(
        Dimension, on_delete=models.CASCADE, related_name="indicators", verbose_name="一级指标"
    )
    item_group = models.ForeignKey(
        ItemGroup,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="indicators",
        verbose_name="二级指标",
    )
    code = models.CharField("编号", max_length=20)
    text = models.TextField("考核内容")
    max_score = models.DecimalField(
        "分值",
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="加分项为其最多加分。",
    )
    criteria = models.TextField("评分标准", blank=True, help_text="表中原文，如“每少开1次扣0.5分”。")
    check_methods = models.JSONField("考核方式", default=list, blank=True)
    evidence_hint = models.CharField("佐证材料", max_length=300, blank=True)
    is_veto = models.BooleanField("一票否决", default=False)
    is_bonus = models.BooleanField("加分项", default=False)
    rule = models.JSONField("评分规则", default=dict, blank=True)
    metric = models.CharField("系统计算指标", max_length=40, choices=Metric.choices, blank=True)
    metric_period = models.CharField("统计周期", max_length=20, choices=PERIOD_CHOICES, blank=True)
    meeting_kinds = models.JSONField("计入的会议类型", default=list, blank=True)
    order = models.PositiveSmallIntegerField("排序", default=0)

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        verbose_name = "考核内容"
        verbose_name_plural = "考核内容"
        ordering = ["dimension", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dimension", "code"], name="indicator_code_unique_in_dimension"),
            models.CheckConstraint(
                condition=Q(metric="") | ~Q(rule={}),
                name="indicator_metric_has_rule",
                violation_error_message="系统计算指标须有评分规则。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:30]}"

    @property
    def structured_rule(self) -> rules.Rule | None:
        return rules.from_data(self.rule) if self.rule else None

    @property
    def is_computed(self) -> bool:
        return bool(self.metric and self.rule)

    def get_check_methods_display(self) -> str:
        labels = dict(CheckMethod.choices)
        return "、".join(str(labels.get(method, method)) for method in self.check_methods)

    def clean(self) -> None:
        errors = {}
        unknown = [m for m in self.check_methods or [] if m not in CheckMethod.values]
        if unknown:
            errors["check_methods"] = f"不认识的考核方式：{'、'.join(map(str, unknown))}"
        if self.rule:
            try:
                rules.from_data(self.rule)
            except (ValueError, TypeError) as error:
                errors["rule"] = str(error)
        if self.item_group_id and self.dimension_id and self.item_group.dimension_id != self.dimension_id:
            errors["item_group"] = "二级指标须属于同一一级指标。"
        if errors:
            raise ValidationError(errors)


class SelfAssessment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "DRAFT", "填报中"
        SUBMITTED = "SUBMITTED", "已提交"
        RETURNED = "RETURNED", "已退回"
        APPROVED = "APPROVED", "审核通过"

    site = models.OneToOneField(
        Site, on_delete=models.CASCADE, related_name="self_assessment", verbose_name="示范点"
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    summary = models.TextField("自评总结", blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name="审核人"
    )
    review_note = models.TextField("审核意见", blank=True)
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)

    objects = scoped_manager("site__organization", label_related=SITE_LABEL)

    class Meta:
        verbose_name = "基层自评"
        verbose_name_plural = "基层自评"

    def __str__(self) -> str:
        return f"{self.site} 自评"


class IndicatorScore(models.Model):
    self_assessment = models.ForeignKey(
        SelfAssessment, on_delete=models.CASCADE, related_name="scores", verbose_name="自评"
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="+", verbose_name="考核要点"
    )
    score = models.DecimalField(
        "自评分", max_digits=6, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    level = models.CharField("评定等次", max_length=50, blank=True)
    count = models.DecimalField(
        "次数", max_digits=8, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    occurred = models.BooleanField("发生扣分情形", null=True, blank=True)
    reason = models.TextField("扣分理由", blank=True)
    narrative = models.TextField("完成情况", blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = scoped_manager("self_assessment__site__organization")

    class Meta:
        verbose_name = "自评得分"
        verbose_name_plural = "自评得分"
        constraints = [
            models.UniqueConstraint(fields=["self_assessment", "indicator"], name="indicator_score_once"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code}: {self.score}"

    def clean(self) -> None:
        if (
            self.indicator_id
            and self.score is not None
            and not self.indicator.is_bonus
            and self.score > self.indicator.max_score
        ):
            raise ValidationError({"score": f"自评分不能超过该项分值 {self.indicator.max_score}。"})


class Evidence(models.Model):
    """An uploaded file backing a self-assessment; type- and size-checked, sha256 kept."""

    self_assessment = models.ForeignKey(
        SelfAssessment, on_delete=models.CASCADE, related_name="evidence", verbose_name="自评"
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="考核要点"
    )
    file = models.FileField("文件", upload_to="evidence/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=255)
    content_type = models.CharField("文件类型", max_length=100)
    size = models.PositiveBigIntegerField("大小(字节)")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name="上传人"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    objects = scoped_manager("self_assessment__site__organization")

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


# How many ballots one survey may issue: a village's households, a school's staff and parents.
MAX_BALLOTS = 2000


class Survey(models.Model):
    """群众测评: satisfaction rate = (满意 + 基本满意) / valid ballots.

    The 组织部 opens it for a period with N ballots (N one-time `BallotToken`s, printed as QR codes);
    it takes ballots from `opens_on` to `closes_on` unless closed early (`closed_at`).
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="surveys", verbose_name="示范点")
    title = models.CharField("测评名称", max_length=200, default="群众满意度测评")
    opens_on = models.DateField("开始日期")
    closes_on = models.DateField("截止日期")
    ballot_count = models.PositiveIntegerField(
        "发放票数",
        default=0,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_BALLOTS)],
        help_text=f"生成的一次性二维码数量，最多 {MAX_BALLOTS} 张。",
    )
    closed_at = models.DateTimeField("提前结束时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="结束人",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name="发起人"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True, null=True)

    objects = scoped_manager("site__organization", label_related=SITE_LABEL)

    class Meta:
        verbose_name = "群众测评"
        verbose_name_plural = "群众测评"
        ordering = ["-opens_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_on__lte=models.F("closes_on")),
                name="survey_opens_before_close",
                violation_error_message="开始日期不能晚于截止日期。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site} {self.title}"

    def is_open(self, today: datetime.date) -> bool:
        """Takes ballots today: not closed early, and today within [opens_on, closes_on]."""
        return self.closed_at is None and self.opens_on <= today <= self.closes_on

    def has_ended(self, today: datetime.date) -> bool:
        """Closed early or past its last day: its result no longer changes."""
        return self.closed_at is not None or today > self.closes_on


def new_token() -> str:
    return secrets.token_urlsafe(16)


# The hand-typed code: no 0/O, 1/I/L, so a resident reading it off paper cannot mistake a letter.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class BallotToken(models.Model):
    """A one-time link (printed as a QR code, with a short code to type by hand) that casts one ballot."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="tokens", verbose_name="测评")
    token = models.CharField("令牌", max_length=40, unique=True, default=new_token)
    code = models.CharField("手输码", max_length=12, unique=True, default=new_code)
    serial = models.PositiveIntegerField("序号", default=0, help_text="印在二维码旁的编号。")
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    objects = scoped_manager("survey__site__organization")

    class Meta:
        verbose_name = "测评二维码"
        verbose_name_plural = "测评二维码"
        ordering = ["survey", "serial"]

    def __str__(self) -> str:
        return f"{self.token[:6]}…"


class Ballot(models.Model):
    class Choice(models.TextChoices):
        SATISFIED = "SATISFIED", "满意"
        FAIRLY_SATISFIED = "FAIRLY_SATISFIED", "基本满意"
        DISSATISFIED = "DISSATISFIED", "不满意"

    # One ballot per token is a fact of the data: the OneToOne makes it a unique index.
    token = models.OneToOneField(
        BallotToken, on_delete=models.PROTECT, related_name="ballot", verbose_name="令牌"
    )
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="ballots", verbose_name="测评")
    choice = models.CharField("评价", max_length=20, choices=Choice.choices)
    comment = models.TextField("意见建议", blank=True)
    cast_at = models.DateTimeField("投票时间", auto_now_add=True)

    objects = scoped_manager("survey__site__organization")

    class Meta:
        verbose_name = "测评票"
        verbose_name_plural = "测评票"

    def __str__(self) -> str:
        return self.get_choice_display()


class Acceptance(models.Model):
    class Verdict(models.TextChoices):
        PASSED = "PASSED", "通过"
        RECTIFYING = "RECTIFYING", "限期整改"
        FAILED = "FAILED", "不通过"

    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="acceptances", verbose_name="示范点"
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="TeamMember", related_name="acceptances", verbose_name="验收小组"
    )
    visited_on = models.DateField("验收日期", null=True, blank=True)
    findings = models.TextField("验收意见", blank=True)
    disagreement_margin = models.DecimalField(
        "评分分歧阈值",
        max_digits=4,
        decimal_places=2,
        default=Decimal("1"),
        help_text="两名组员评分相差超过此值即需组长定分。",
    )
    rectifications = models.ManyToManyField(
        Rectification, blank=True, related_name="acceptances", verbose_name="整改事项"
    )
    verdict = models.CharField("验收结论", max_length=12, choices=Verdict.choices, blank=True)
    # The composite's parts as signed (`assessments.composite`), each on a 100-point scale.
    self_part = models.DecimalField("基层自评得分", max_digits=6, decimal_places=2, null=True, blank=True)
    public_part = models.DecimalField("群众测评得分", max_digits=6, decimal_places=2, null=True, blank=True)
    inspection_part = models.DecimalField(
        "组织考评得分", max_digits=6, decimal_places=2, null=True, blank=True
    )
    bonus_part = models.DecimalField("加分", max_digits=6, decimal_places=2, null=True, blank=True)
    vetoed = models.BooleanField("一票否决", default=False)
    composite_score = models.DecimalField("综合得分", max_digits=6, decimal_places=2, null=True, blank=True)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="安排人",
    )
    created_at = models.DateTimeField("安排时间", auto_now_add=True, null=True)
    signed_at = models.DateTimeField("签署时间", null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="签署人",
    )
    publicity_starts_on = models.DateField("公示开始日期", null=True, blank=True)
    publicity_ends_on = models.DateField("公示截止日期", null=True, blank=True)
    final_at = models.DateTimeField(
        "结果确定时间", null=True, blank=True, help_text="公示期满且异议均已答复后，结果确定。"
    )
    report = models.FileField("验收报告", upload_to="reports/%Y/", blank=True)
    # The file's own hash (`sha256sum 报告.pdf`), and the hash of its content printed in every
    # page's footer and its QR code (a PDF cannot hold its own file hash): /verify/ knows both.
    report_sha256 = models.CharField("报告文件 SHA-256", max_length=64, blank=True, db_index=True)
    report_content_sha256 = models.CharField("报告内容 SHA-256", max_length=64, blank=True, db_index=True)
    report_rendered_at = models.DateTimeField("报告生成时间", null=True, blank=True)

    objects = scoped_manager("site__organization", label_related=SITE_LABEL)

    class Meta:
        verbose_name = "现场验收"
        verbose_name_plural = "现场验收"
        ordering = ["-visited_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True) | ~Q(verdict=""),
                name="acceptance_signed_has_verdict",
                violation_error_message="签署前须给出验收结论。",
            ),
            models.UniqueConstraint(
                fields=["site"],
                condition=Q(signed_at__isnull=True),
                name="acceptance_one_unsigned_per_site",
                violation_error_message="该示范点已有一次尚未签署的现场验收。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site} 现场验收"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class TeamMember(models.Model):
    acceptance = models.ForeignKey(
        Acceptance, on_delete=models.CASCADE, related_name="team_members", verbose_name="验收"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name="组员")
    is_lead = models.BooleanField("组长", default=False)
    submitted_at = models.DateTimeField(
        "提交评分时间", null=True, blank=True, help_text="提交本人评分后方可看到其他组员的评分。"
    )
    signed_at = models.DateTimeField("签名时间", null=True, blank=True)

    objects = scoped_manager("acceptance__site__organization")

    class Meta:
        verbose_name = "验收组成员"
        verbose_name_plural = "验收组成员"
        constraints = [
            models.UniqueConstraint(fields=["acceptance", "user"], name="team_member_once"),
            models.UniqueConstraint(
                fields=["acceptance"], condition=Q(is_lead=True), name="team_one_lead_per_acceptance"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}{'（组长）' if self.is_lead else ''}"


class InspectorScore(models.Model):
    """One inspector's own score for one indicator, answered as the self-assessment is (a score,
    a level, a count, whether a deduction or veto event occurred): `score` is the points."""

    acceptance = models.ForeignKey(
        Acceptance, on_delete=models.CASCADE, related_name="inspector_scores", verbose_name="验收"
    )
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name="评分人")
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="+", verbose_name="考核要点"
    )
    score = models.DecimalField(
        "得分", max_digits=6, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    level = models.CharField("评定等次", max_length=50, blank=True)
    count = models.DecimalField(
        "次数", max_digits=8, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    occurred = models.BooleanField("发生扣分情形", null=True, blank=True)
    check_method = models.CharField("考核方式", max_length=20, choices=CheckMethod.choices, blank=True)
    note = models.TextField("说明", blank=True)
    photo = models.ImageField("现场照片", upload_to="acceptance/%Y/%m/", blank=True)
    # When the inspector typed it, by the phone's clock: a write queued offline and sent late
    # never overwrites one typed after it.
    entered_at = models.DateTimeField("录入时间", null=True, blank=True)
    updated_at = models.DateTimeField("保存时间", auto_now=True, null=True)

    objects = scoped_manager("acceptance__site__organization")

    class Meta:
        verbose_name = "组员评分"
        verbose_name_plural = "组员评分"
        constraints = [
            models.UniqueConstraint(
                fields=["acceptance", "inspector", "indicator"], name="inspector_score_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.inspector} {self.indicator.code}: {self.score}"


class AgreedScore(models.Model):
    """The lead's agreed score where inspectors differed by more than the margin."""

    acceptance = models.ForeignKey(
        Acceptance, on_delete=models.CASCADE, related_name="agreed_scores", verbose_name="验收"
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="+", verbose_name="考核要点"
    )
    score = models.DecimalField("议定得分", max_digits=6, decimal_places=2, validators=[MinValueValidator(0)])
    occurred = models.BooleanField(
        "议定发生否决情形", null=True, blank=True, help_text="一票否决项：组长议定是否发生否决情形。"
    )
    reason = models.TextField("理由")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name="组长")
    decided_at = models.DateTimeField("议定时间", auto_now=True, null=True)

    objects = scoped_manager("acceptance__site__organization")

    class Meta:
        verbose_name = "议定得分"
        verbose_name_plural = "议定得分"
        constraints = [
            models.UniqueConstraint(fields=["acceptance", "indicator"], name="agreed_score_once"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code}: {self.score}"


class Objection(models.Model):
    """An objection lodged during the 公示 period; it must be answered."""

    acceptance = models.ForeignKey(
        Acceptance, on_delete=models.CASCADE, related_name="objections", verbose_name="验收"
    )
    lodged_by = models.CharField("反映人", max_length=50, blank=True, help_text="可匿名。")
    contact = models.CharField("联系方式", max_length=50, blank=True)
    text = models.TextField("异议内容")
    lodged_at = models.DateTimeField("提出时间", auto_now_add=True)
    answer = models.TextField("答复", blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name="答复人"
    )
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)

    objects = scoped_manager("acceptance__site__organization")

    class Meta:
        verbose_name = "公示异议"
        verbose_name_plural = "公示异议"
        ordering = ["-lodged_at"]

    def __str__(self) -> str:
        return self.text[:40]


class WorkSummary(models.Model):
    """创建工作总结: the branch's year-end account of its site, written in the system and reviewed
    by the nominating 党委 as the self-assessment is (submit, return with a reason, approve).

    `dimension_texts` holds what was done under each 一级指标 of the campaign's framework, keyed by
    the dimension's id as a string (the framework of a running campaign is frozen); the other
    parts are the site's 特色, the figures, the problems and the next steps.
    """

    class Status(models.TextChoices):
        DRAFT = "DRAFT", "填写中"
        SUBMITTED = "SUBMITTED", "已提交"
        RETURNED = "RETURNED", "已退回"
        APPROVED = "APPROVED", "审核通过"

    site = models.OneToOneField(
        Site, on_delete=models.CASCADE, related_name="work_summary", verbose_name="示范点"
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    dimension_texts = models.JSONField("各项工作完成情况", default=dict, blank=True)
    highlights = models.TextField("创建特色", blank=True)
    figures = models.TextField("主要数据", blank=True)
    problems = models.TextField("存在问题", blank=True)
    next_steps = models.TextField("下步打算", blank=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="修改人",
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="审核人",
    )
    review_note = models.TextField("审核意见", blank=True)
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)

    objects = scoped_manager("site__organization", label_related=SITE_LABEL)

    class Meta:
        verbose_name = "创建工作总结"
        verbose_name_plural = "创建工作总结"

    def __str__(self) -> str:
        return f"{self.site} 创建工作总结"


class Dossier(models.Model):
    """创建档案: the site's records of the year bound into one PDF with a ZIP of its evidence
    beside it, rendered by a Celery job (`assessments.dossier`). One row per site and masking
    variant: the 完整版 for those who see whole ID numbers, the 脱敏版 (ID numbers and phones
    masked) for everyone else. `fingerprint` is the content it was rendered from; a request with
    the same content renders nothing."""

    class Variant(models.TextChoices):
        FULL = "FULL", "完整版"
        MASKED = "MASKED", "脱敏版"

    class Status(models.TextChoices):
        PENDING = "PENDING", "排队中"
        RENDERING = "RENDERING", "生成中"
        DONE = "DONE", "已生成"
        FAILED = "FAILED", "生成失败"

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="dossiers", verbose_name="示范点")
    variant = models.CharField("版本", max_length=10, choices=Variant.choices)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    stage = models.CharField("进度说明", max_length=100, blank=True)
    progress = models.PositiveSmallIntegerField("进度(%)", default=0, validators=[MaxValueValidator(100)])
    error = models.TextField("错误", blank=True)
    fingerprint = models.CharField("内容指纹", max_length=64, blank=True)
    pdf = models.FileField("档案 PDF", upload_to="dossiers/%Y/", blank=True)
    pdf_sha256 = models.CharField("PDF SHA-256", max_length=64, blank=True)
    bundle = models.FileField("档案包 ZIP", upload_to="dossiers/%Y/", blank=True)
    bundle_sha256 = models.CharField("ZIP SHA-256", max_length=64, blank=True)
    pages = models.PositiveIntegerField("页数", default=0)
    attachments = models.PositiveIntegerField("附件数", default=0)
    render_ms = models.PositiveIntegerField("生成用时(毫秒)", default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="申请人",
    )
    requested_at = models.DateTimeField("申请时间", null=True, blank=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    rendered_at = models.DateTimeField("生成时间", null=True, blank=True)

    objects = scoped_manager("site__organization", label_related=SITE_LABEL)

    class Meta:
        verbose_name = "创建档案"
        verbose_name_plural = "创建档案"
        constraints = [
            models.UniqueConstraint(fields=["site", "variant"], name="dossier_one_per_site_variant"),
        ]

    def __str__(self) -> str:
        return f"{self.site} 创建档案（{self.get_variant_display()}）"

    @property
    def is_ready(self) -> bool:
        return self.rendered_at is not None and bool(self.pdf) and bool(self.bundle)

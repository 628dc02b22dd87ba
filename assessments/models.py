"""Criteria frameworks, the branch's self-assessment, the public survey and on-site acceptance."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q, Sum

from campaigns.models import SITE_LABEL, Campaign, Rectification, Site
from organizations.models import scoped_manager


class Metric(models.TextChoices):
    """Figures the system computes from the branch's own records (members app)."""

    MEETING_ATTENDANCE_RATE = "meeting_attendance_rate", "党员到会率(%)"
    SATISFACTION_RATE = "satisfaction_rate", "群众满意率(%)"
    NEW_MEMBERS_PER_YEAR = "new_members_per_year", "每年发展党员数"
    ACTIVISTS_PER_YEAR = "activists_per_year", "每年培养入党积极分子数"
    ACTIVITIES_PER_MONTH = "activities_per_month", "每月党员活动次数"
    DUES_ON_TIME_RATE = "dues_on_time_rate", "党费按月缴纳率(%)"
    STAR_VOLUNTEERS_SHARE = "star_volunteers_share", "星级党员志愿者占比(%)"


class CheckMethod(models.TextChoices):
    RECORDS = "RECORDS", "查看记录"
    SITE_VISIT = "SITE_VISIT", "实地查看"
    INTERVIEW = "INTERVIEW", "走访"
    QUESTIONNAIRE = "QUESTIONNAIRE", "问卷"


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

    def total_weight(self) -> Decimal:
        return self.dimensions.aggregate(total=Sum("weight"))["total"] or Decimal("0")


def validate_weights(weights: list[Decimal]) -> None:
    """Dimension weights of a framework add up to 100."""
    total = sum(weights, Decimal("0"))
    if weights and total != Decimal("100"):
        raise ValidationError(f"各一级指标权重之和须为 100，现为 {total.normalize():f}。")


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
    weight = models.DecimalField(
        "权重(分)", max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
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


class IndicatorQuerySet(models.QuerySet):
    def visible_to(self, user) -> IndicatorQuerySet:
        return self.filter(dimension__framework__in=Framework.objects.visible_to(user))


class Indicator(models.Model):
    """A 考核要点 with its score, evidence hint, check method and optional computed threshold."""

    dimension = models.ForeignKey(
        Dimension, on_delete=models.CASCADE, related_name="indicators", verbose_name="一级指标"
    )
    code = models.CharField("编号", max_length=20)
    text = models.TextField("考核要点")
    max_score = models.DecimalField(
        "分值", max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    evidence_hint = models.CharField("佐证材料", max_length=300, blank=True)
    check_method = models.CharField(
        "考核方式", max_length=20, choices=CheckMethod.choices, default=CheckMethod.RECORDS
    )
    is_veto = models.BooleanField("一票否决", default=False)
    metric = models.CharField("系统计算指标", max_length=40, choices=Metric.choices, blank=True)
    threshold = models.DecimalField("达标值", max_digits=8, decimal_places=2, null=True, blank=True)
    deduction_rule = models.CharField(
        "评分标准", max_length=300, blank=True, help_text="如“每少开1次扣0.5分”。"
    )
    order = models.PositiveSmallIntegerField("排序", default=0)

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        verbose_name = "考核要点"
        verbose_name_plural = "考核要点"
        ordering = ["dimension", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dimension", "code"], name="indicator_code_unique_in_dimension"),
            models.CheckConstraint(
                condition=Q(metric="", threshold__isnull=True) | (~Q(metric="") & Q(threshold__isnull=False)),
                name="indicator_metric_has_threshold",
                violation_error_message="系统计算指标和达标值须同时填写或同时留空。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:30]}"


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
    score = models.DecimalField("自评分", max_digits=5, decimal_places=2, validators=[MinValueValidator(0)])
    narrative = models.TextField("完成情况", blank=True)

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
        if self.indicator_id and self.score is not None and self.score > self.indicator.max_score:
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


class Survey(models.Model):
    """群众测评: satisfaction rate = (满意 + 基本满意) / valid ballots."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="surveys", verbose_name="示范点")
    title = models.CharField("测评名称", max_length=200, default="群众满意度测评")
    opens_on = models.DateField("开始日期")
    closes_on = models.DateField("截止日期")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name="发起人"
    )

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


def new_token() -> str:
    return secrets.token_urlsafe(16)


class BallotToken(models.Model):
    """A one-time link (printed as a QR code) that casts one ballot."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="tokens", verbose_name="测评")
    token = models.CharField("令牌", max_length=40, unique=True, default=new_token)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    objects = scoped_manager("survey__site__organization")

    class Meta:
        verbose_name = "测评二维码"
        verbose_name_plural = "测评二维码"

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
    composite_score = models.DecimalField("综合得分", max_digits=5, decimal_places=2, null=True, blank=True)
    signed_at = models.DateTimeField("签署时间", null=True, blank=True)
    publicity_ends_on = models.DateField("公示截止日期", null=True, blank=True)
    report = models.FileField("验收报告", upload_to="reports/%Y/", blank=True)
    report_sha256 = models.CharField("报告 SHA-256", max_length=64, blank=True)

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
        ]

    def __str__(self) -> str:
        return f"{self.site} 现场验收"


class TeamMember(models.Model):
    acceptance = models.ForeignKey(
        Acceptance, on_delete=models.CASCADE, related_name="team_members", verbose_name="验收"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name="组员")
    is_lead = models.BooleanField("组长", default=False)
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
    """One inspector's own score for one indicator."""

    acceptance = models.ForeignKey(
        Acceptance, on_delete=models.CASCADE, related_name="inspector_scores", verbose_name="验收"
    )
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name="评分人")
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="+", verbose_name="考核要点"
    )
    score = models.DecimalField("得分", max_digits=5, decimal_places=2, validators=[MinValueValidator(0)])
    check_method = models.CharField("考核方式", max_length=20, choices=CheckMethod.choices)
    note = models.TextField("说明", blank=True)
    photo = models.ImageField("现场照片", upload_to="acceptance/%Y/%m/", blank=True)

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
    score = models.DecimalField("议定得分", max_digits=5, decimal_places=2, validators=[MinValueValidator(0)])
    reason = models.TextField("理由")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name="组长")

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

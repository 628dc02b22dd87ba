"""Campaigns, their phases, the sites (示范点) and everything a site does during a campaign.

State changes go through `campaigns.services`; models hold data rules only.
"""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q

from organizations.models import Organization, RecipientQuerySet, Role, ScopedQuerySet, scoped_manager

PERCENT = [MinValueValidator(0), MaxValueValidator(100)]

# How far ahead "due soon" looks, in days, today included: for the dashboard, the schedules,
# the supervision pages and the reminders alike.
DUE_SOON_DAYS = 7


class DeadlineQuerySet(ScopedQuerySet):
    """Rows with a due date (`due_on`) that stay open until their status is the model's
    `DONE_STATUS`. One rule for "overdue" (open and due before today) and "due soon" (open and
    due from today to DUE_SOON_DAYS later); a done row is never either."""

    def open(self):
        return self.exclude(status=self.model.DONE_STATUS)

    def overdue(self, today: datetime.date):
        return self.filter(self.overdue_q(today))

    def due_soon(self, today: datetime.date):
        return self.filter(self.due_soon_q(today))

    def overdue_q(self, today: datetime.date) -> Q:
        """The condition of `overdue`, for a filtered `Count` beside other figures in one aggregate."""
        return ~Q(status=self.model.DONE_STATUS) & Q(due_on__lt=today)

    def due_soon_q(self, today: datetime.date) -> Q:
        """The condition of `due_soon`, for a filtered `Count`."""
        horizon = today + datetime.timedelta(days=DUE_SOON_DAYS)
        return ~Q(status=self.model.DONE_STATUS) & Q(due_on__gte=today, due_on__lte=horizon)


class Deadline:
    """The same rule for one row in hand (a page's item, a reminder's object)."""

    DONE_STATUS: str

    def days_overdue(self, today: datetime.date) -> int:
        """Days past the due date while open; 0 when done or not yet due."""
        if self.status == self.DONE_STATUS or self.due_on >= today:
            return 0
        return (today - self.due_on).days

    def is_due_soon(self, today: datetime.date) -> bool:
        return self.status != self.DONE_STATUS and 0 <= (self.due_on - today).days <= DUE_SOON_DAYS


class CampaignQuerySet(models.QuerySet):
    def visible_to(self, user) -> CampaignQuerySet:
        """Campaigns organized within the user's subtree, or above an organization they serve.

        A committee or branch sees the campaign its superior runs, so it can take part.
        """
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_superuser:
            return self
        role_below_organizer = Role.objects.filter(
            user_id=user.pk, organization__path__startswith=OuterRef("organizer__path")
        )
        return self.filter(
            Q(organizer__in=Organization.objects.visible_to(user)) | Exists(role_below_organizer)
        )

    def managed_by(self, user) -> CampaignQuerySet:
        """Campaigns whose organizer's 组织部 `user` is (a role there or above): the side that
        changes the campaign itself, its phases, framework and campaign-wide schedule. The
        queryset form of `policies.cannot_manage_campaign`, for lists."""
        organizers = Organization.objects.visible_to(user, role_kind=Role.Kind.ORG_DEPARTMENT)
        return self.filter(organizer__in=organizers)


class Campaign(models.Model):
    class Status(models.TextChoices):
        DRAFT = "DRAFT", "草稿"
        ACTIVE = "ACTIVE", "进行中"
        CLOSED = "CLOSED", "已结束"

    name = models.CharField("活动名称", max_length=200)
    year = models.PositiveSmallIntegerField("年度")
    organizer = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="campaigns", verbose_name="组织单位"
    )
    description = models.TextField("活动说明", blank=True)
    quota_per_committee = models.PositiveSmallIntegerField(
        "每个党委申报名额", default=1, help_text="“成熟一个、打造一个”：每个党委每年申报的示范点数。"
    )
    weight_self = models.PositiveSmallIntegerField("基层自评权重(%)", default=20, validators=PERCENT)
    weight_public = models.PositiveSmallIntegerField("群众测评权重(%)", default=30, validators=PERCENT)
    weight_inspection = models.PositiveSmallIntegerField("组织考评权重(%)", default=50, validators=PERCENT)
    pass_score = models.DecimalField(
        "通过分数线", max_digits=5, decimal_places=2, default=Decimal("80"), validators=PERCENT
    )
    publicity_days = models.PositiveSmallIntegerField("公示天数", default=5)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = "示范点创建活动"
        verbose_name_plural = "示范点创建活动"
        ordering = ["-year", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight_self=100 - F("weight_public") - F("weight_inspection")),
                name="campaign_weights_sum_100",
                violation_error_message="基层自评、群众测评、组织考评三项权重之和必须等于 100。",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def phase_on(self, day: datetime.date) -> Phase | None:
        """The phase running on `day`; on a shared boundary day the later phase counts."""
        running = [p for p in self.phases.all() if p.starts_on <= day <= p.ends_on]
        return running[-1] if running else None

    def phase_of_kind(self, kind: str) -> Phase | None:
        return next((p for p in self.phases.all() if p.kind == kind), None)


def validate_phases(phases: list[Phase]) -> None:
    """The three stages come in order and do not overlap.

    A stage may start on the day the previous one ends: the 望城 school plan runs
    宣传发动 5月18日至6月10日 and 创建培育 6月10日至11月30日.
    """
    errors = []
    ordered = sorted(phases, key=lambda p: Phase.ORDER.index(p.kind))
    kinds = [p.kind for p in ordered]
    if len(set(kinds)) != len(kinds):
        errors.append("每个阶段只能设置一次。")
    for phase in ordered:
        if phase.starts_on and phase.ends_on and phase.starts_on > phase.ends_on:
            errors.append(f"「{phase.display_name}」的开始日期晚于结束日期。")
    for earlier, later in itertools.pairwise(ordered):
        if earlier.ends_on and later.starts_on and later.starts_on < earlier.ends_on:
            errors.append(
                f"「{later.display_name}」应在「{earlier.display_name}」结束（{earlier.ends_on:%Y-%m-%d}）之后开始。"
            )
    if errors:
        raise ValidationError(errors)


class PhaseQuerySet(models.QuerySet):
    def visible_to(self, user) -> PhaseQuerySet:
        return self.filter(campaign__in=Campaign.objects.visible_to(user))


class Phase(models.Model):
    class Kind(models.TextChoices):
        MOBILIZATION = "MOBILIZATION", "动员部署"
        IMPLEMENTATION = "IMPLEMENTATION", "组织实施"
        ACCEPTANCE = "ACCEPTANCE", "总结验收"

    ORDER = [Kind.MOBILIZATION, Kind.IMPLEMENTATION, Kind.ACCEPTANCE]

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="phases", verbose_name="活动"
    )
    kind = models.CharField("阶段", max_length=20, choices=Kind.choices)
    name = models.CharField("阶段名称", max_length=50, blank=True, help_text="本活动的叫法，如“宣传发动”。")
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")

    objects = PhaseQuerySet.as_manager()

    class Meta:
        verbose_name = "阶段"
        verbose_name_plural = "阶段"
        ordering = ["campaign", "starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "kind"], name="phase_one_per_kind"),
            models.CheckConstraint(
                condition=Q(starts_on__lte=F("ends_on")),
                name="phase_starts_before_end",
                violation_error_message="开始日期不能晚于结束日期。",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or self.get_kind_display()

    def clean(self) -> None:
        if not (self.campaign_id and self.starts_on and self.ends_on):
            return
        siblings = list(self.campaign.phases.exclude(pk=self.pk))
        validate_phases([*siblings, self])


# A site is named by its branch and its campaign's year.
SITE_LABEL = ("site__organization", "site__campaign")


class SiteQuerySet(ScopedQuerySet):
    label_related = ("organization", "campaign")

    def with_related(self) -> SiteQuerySet:
        return self.select_related("campaign", "organization", "nominated_by")

    def with_detail(self) -> SiteQuerySet:
        """With related rows, the campaign's phases, the leading group (组长 first), the funding
        rows (each with its `balance`) and the typical cases preloaded: one query each. The
        organizer comes too: whether the user runs the campaign is asked on the site's page."""
        return (
            self.with_related()
            .select_related("campaign__organizer")
            .prefetch_related(
                "campaign__phases",
                models.Prefetch("leading_group", queryset=LeadingGroupMember.objects.in_rank_order()),
                models.Prefetch("fundings", queryset=Funding.objects.with_balance()),
                "typical_cases",
            )
        )


class Site(models.Model):
    class Status(models.TextChoices):
        NOMINATED = "NOMINATED", "已申报"
        WITHDRAWN = "WITHDRAWN", "已撤回"
        REJECTED = "REJECTED", "不予批准"
        APPROVED = "APPROVED", "批准创建"
        SELF_ASSESSED = "SELF_ASSESSED", "自评通过"
        ACCEPTANCE_REQUESTED = "ACCEPTANCE_REQUESTED", "申请验收"
        RECTIFYING = "RECTIFYING", "限期整改"
        PASSED = "PASSED", "验收通过"
        FAILED = "FAILED", "验收不通过"

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="sites", verbose_name="活动"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="sites", verbose_name="创建党支部"
    )
    nominated_by = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="nominated_sites", verbose_name="申报党委"
    )
    status = models.CharField("状态", max_length=24, choices=Status.choices, default=Status.NOMINATED)
    plan = models.TextField("创建方案", blank=True)
    plan_file = models.FileField("创建方案附件", upload_to="plans/%Y/", blank=True)
    highlights = models.TextField("创建特色", blank=True)
    decision_note = models.TextField("审批意见", blank=True)
    nominated_at = models.DateTimeField("申报时间", null=True, blank=True)
    status_changed_at = models.DateTimeField("状态变更时间", null=True, blank=True)

    objects = SiteQuerySet.as_manager()

    class Meta:
        verbose_name = "示范点"
        verbose_name_plural = "示范点"
        ordering = ["campaign", "organization__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "organization"], name="site_one_per_branch_per_campaign"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization.name}（{self.campaign.year}）"


# Sites that hold a committee's quota place and a branch's one place per campaign.
Site.HOLDING_STATUSES = [s for s in Site.Status if s not in (Site.Status.WITHDRAWN, Site.Status.REJECTED)]


class SiteTransition(models.Model):
    """One change of a site's status, written by the service that made it, in its transaction.

    The data behind the progress chart and any other question of "when did which site reach
    which step"; the audit event written beside it is the record for people to read.
    """

    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="transitions", verbose_name="示范点"
    )
    from_status = models.CharField(
        "原状态", max_length=24, choices=Site.Status.choices, blank=True, help_text="首次申报时为空。"
    )
    to_status = models.CharField("新状态", max_length=24, choices=Site.Status.choices)
    at = models.DateTimeField("时间", db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )

    objects = scoped_manager("site__organization", label_related=SITE_LABEL)

    class Meta:
        verbose_name = "示范点状态变更"
        verbose_name_plural = "示范点状态变更"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        before = self.get_from_status_display() or "—"
        return f"{self.site} {before} → {self.get_to_status_display()}"


class LeadingGroupMemberQuerySet(ScopedQuerySet):
    scope_path = "site__organization"

    def in_rank_order(self) -> LeadingGroupMemberQuerySet:
        """组长, 副组长, 成员, 办公室主任 — as the plans list them — then by `order` and entry."""
        rank = models.Case(
            *(
                models.When(position=position, then=models.Value(n))
                for n, position in enumerate(LeadingGroupMember.Position)
            ),
            default=models.Value(len(LeadingGroupMember.Position)),
            output_field=models.IntegerField(),
        )
        return self.alias(rank=rank).order_by("site_id", "rank", "order", "id")


class LeadingGroupMember(models.Model):
    class Position(models.TextChoices):
        LEADER = "LEADER", "组长"
        DEPUTY = "DEPUTY", "副组长"
        MEMBER = "MEMBER", "成员"
        OFFICE_DIRECTOR = "OFFICE_DIRECTOR", "办公室主任"

    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="leading_group", verbose_name="示范点"
    )
    name = models.CharField("姓名", max_length=50)
    position = models.CharField("职务", max_length=20, choices=Position.choices)
    title = models.CharField("本职", max_length=100, blank=True, help_text="如“村党支部书记”。")
    duty = models.CharField("分工", max_length=200, blank=True)
    order = models.PositiveSmallIntegerField("排序", default=0)

    objects = LeadingGroupMemberQuerySet.as_manager()

    class Meta:
        verbose_name = "领导小组成员"
        verbose_name_plural = "领导小组"
        ordering = ["site", "order", "id"]

    def __str__(self) -> str:
        return f"{self.get_position_display()} {self.name}"


class WorkItemQuerySet(DeadlineQuerySet):
    def visible_to(self, user) -> WorkItemQuerySet:
        """Site items in the user's scope, and campaign-wide items of campaigns they see."""
        return self.filter(
            Q(site__organization__in=Organization.objects.visible_to(user))
            | Q(site__isnull=True, campaign__in=Campaign.objects.visible_to(user))
        )


class WorkItem(Deadline, models.Model):
    class Status(models.TextChoices):
        PLANNED = "PLANNED", "未开始"
        IN_PROGRESS = "IN_PROGRESS", "进行中"
        DONE = "DONE", "已完成"

    DONE_STATUS = Status.DONE

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="work_items", verbose_name="活动"
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.CASCADE,
        related_name="work_items",
        null=True,
        blank=True,
        verbose_name="示范点",
        help_text="留空表示全活动的工作安排。",
    )
    phase = models.ForeignKey(
        Phase,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="work_items",
        verbose_name="阶段",
    )
    title = models.CharField("工作内容", max_length=300)
    due_on = models.DateField("完成时限")
    responsible = models.CharField("责任人", max_length=100, blank=True)
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="责任人账号",
    )
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PLANNED)
    done_on = models.DateField("完成日期", null=True, blank=True)

    objects = WorkItemQuerySet.as_manager()

    class Meta:
        verbose_name = "工作安排"
        verbose_name_plural = "工作安排"
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="DONE", done_on__isnull=False) | ~Q(status="DONE"),
                name="workitem_done_has_date",
                violation_error_message="标记为已完成时须填写完成日期。",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.site_id and self.campaign_id and self.site.campaign_id != self.campaign_id:
            raise ValidationError({"site": "示范点不属于该活动。"})
        if self.phase_id and self.campaign_id and self.phase.campaign_id != self.campaign_id:
            raise ValidationError({"phase": "阶段不属于该活动。"})


class SupervisionVisit(models.Model):
    class Method(models.TextChoices):
        RANDOM_SURVEY = "RANDOM_SURVEY", "随机调研"
        UNANNOUNCED = "UNANNOUNCED", "明察暗访"
        PRIORITY = "PRIORITY", "重点督办"

    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="supervision_visits", verbose_name="示范点"
    )
    visited_on = models.DateField("督导日期")
    method = models.CharField("督导方式", max_length=20, choices=Method.choices)
    findings = models.TextField("发现问题")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name="记录人"
    )

    objects = scoped_manager("site__organization", label_related=SITE_LABEL)

    class Meta:
        verbose_name = "督导记录"
        verbose_name_plural = "督导记录"
        ordering = ["-visited_on"]

    def __str__(self) -> str:
        return f"{self.site} {self.visited_on:%Y-%m-%d} {self.get_method_display()}"


class RectificationQuerySet(DeadlineQuerySet):
    scope_path = "site__organization"


class Rectification(Deadline, models.Model):
    class Source(models.TextChoices):
        SUPERVISION = "SUPERVISION", "督导检查"
        ACCEPTANCE = "ACCEPTANCE", "现场验收"

    class Status(models.TextChoices):
        OPEN = "OPEN", "待整改"
        ANSWERED = "ANSWERED", "已反馈"
        CLOSED = "CLOSED", "已销号"

    DONE_STATUS = Status.CLOSED

    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="rectifications", verbose_name="示范点"
    )
    source = models.CharField("来源", max_length=12, choices=Source.choices)
    supervision_visit = models.ForeignKey(
        SupervisionVisit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rectifications",
        verbose_name="督导记录",
    )
    description = models.TextField("整改事项")
    owner = models.CharField("整改责任人", max_length=100, blank=True)
    due_on = models.DateField("整改时限")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    response = models.TextField("整改情况", blank=True)
    evidence = models.FileField("整改佐证", upload_to="rectifications/%Y/", blank=True)
    answered_at = models.DateTimeField("反馈时间", null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="反馈人",
    )
    returned_at = models.DateTimeField("退回时间", null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="退回人",
    )
    return_reason = models.TextField("退回理由", blank=True, help_text="最近一次退回整改反馈的理由。")
    closed_on = models.DateField("销号日期", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="销号人",
    )
    created_at = models.DateTimeField("提出时间", auto_now_add=True)

    objects = RectificationQuerySet.as_manager()

    class Meta:
        verbose_name = "整改事项"
        verbose_name_plural = "整改事项"
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="CLOSED", closed_on__isnull=False) | ~Q(status="CLOSED"),
                name="rectification_closed_has_date",
                violation_error_message="销号时须填写销号日期。",
            ),
        ]

    def __str__(self) -> str:
        return self.description[:40]

    def clean(self) -> None:
        if self.supervision_visit_id and self.site_id and self.supervision_visit.site_id != self.site_id:
            raise ValidationError({"supervision_visit": "督导记录不属于该示范点。"})


class FundingQuerySet(ScopedQuerySet):
    scope_path = "site__organization"

    def with_balance(self) -> FundingQuerySet:
        """Each row with `balance` (amount − spent), in the order entered."""
        return self.annotate(
            balance=models.ExpressionWrapper(
                F("amount") - F("spent"), output_field=models.DecimalField(max_digits=12, decimal_places=2)
            )
        ).order_by("site_id", "id")


class Funding(models.Model):
    class Source(models.TextChoices):
        FISCAL = "FISCAL", "财政专项"
        RETAINED_DUES = "RETAINED_DUES", "提留党费"
        SELF_RAISED = "SELF_RAISED", "自筹"

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="fundings", verbose_name="示范点")
    source = models.CharField("经费来源", max_length=20, choices=Source.choices)
    amount = models.DecimalField(
        "金额(元)", max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    spent = models.DecimalField(
        "已使用(元)", max_digits=12, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    note = models.CharField("说明", max_length=200, blank=True)

    objects = FundingQuerySet.as_manager()

    class Meta:
        verbose_name = "经费"
        verbose_name_plural = "经费"
        constraints = [
            models.CheckConstraint(
                condition=Q(spent__lte=F("amount")),
                name="funding_spent_within_amount",
                violation_error_message="已使用金额不能超过经费金额。",
            ),
        ]

    def __str__(self) -> str:
        amount = f"{self.amount:.2f}" if self.amount is not None else "—"
        return f"{self.get_source_display()} {amount} 元"


class TypicalCase(models.Model):
    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="typical_cases", verbose_name="示范点"
    )
    title = models.CharField("案例标题", max_length=200)
    summary = models.TextField("案例摘要")
    year = models.PositiveSmallIntegerField("年度")
    selected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name="评选人"
    )

    objects = scoped_manager("site__organization")

    class Meta:
        verbose_name = "典型案例"
        verbose_name_plural = "典型案例"
        ordering = ["-year", "title"]

    def __str__(self) -> str:
        return self.title


class Reminder(models.Model):
    """One reminder sent: (object, kind, due date, recipient) is sent at most once."""

    class Kind(models.TextChoices):
        DUE_IN_7 = "DUE_IN_7", "7 天后到期"
        DUE_IN_3 = "DUE_IN_3", "3 天后到期"
        DUE_IN_1 = "DUE_IN_1", "明天到期"
        OVERDUE = "OVERDUE", "已逾期"
        SELF_ASSESSMENT_MISSING = "SELF_ASSESSMENT_MISSING", "自评未提交"
        ACCEPTANCE_TOMORROW = "ACCEPTANCE_TOMORROW", "明天现场验收"
        SURVEY_CLOSING = "SURVEY_CLOSING", "测评即将截止"
        OBJECTIONS_UNANSWERED = "OBJECTIONS_UNANSWERED", "公示异议未答复"

    target_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+", verbose_name="对象类型"
    )
    target_id = models.PositiveBigIntegerField("对象编号")
    kind = models.CharField("提醒类型", max_length=30, choices=Kind.choices)
    due_on = models.DateField("到期日")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, verbose_name="接收人")
    sent_at = models.DateTimeField("发送时间", auto_now_add=True)

    objects = RecipientQuerySet.as_manager()

    class Meta:
        verbose_name = "到期提醒"
        verbose_name_plural = "到期提醒"
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["target_type", "target_id", "kind", "due_on", "recipient"], name="reminder_sent_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_on:%Y-%m-%d} → {self.recipient}"

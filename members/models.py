"""Party members and the branch's own records: development, dues, meetings, star service.

Field names follow the national 党员信息采集表 so a roster kept in that form imports as it is.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q

from organizations.models import Organization, scoped_manager

from . import development_rules, rules
from .stars import DEFAULT_STAR_THRESHOLDS, star_level
from .validation import RULE_FIELDS, check_member


class Gender(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class Education(models.TextChoices):
    """学历 by the GB/T 4658 学历代码 the 党员信息采集表 uses, at the level the form asks (研究生,
    大学本科, 大学专科, 中等专科, 高中, 初中, 小学); the finer codes of the standard (21 大学本科毕业,
    14 硕士研究生毕业 …) are read as their level (`members.codes`)."""

    POSTGRADUATE = "10", "研究生"
    BACHELOR = "20", "大学本科"
    COLLEGE = "30", "大学专科"
    VOCATIONAL = "40", "中等专科"
    SENIOR = "60", "高中"
    JUNIOR = "70", "初中"
    PRIMARY = "80", "小学"
    OTHER = "90", "其他"


class Member(models.Model):
    class Status(models.TextChoices):
        PROBATIONARY = "PROBATIONARY", "预备党员"
        FULL = "FULL", "正式党员"

    class Standing(models.TextChoices):
        NORMAL = "NORMAL", "正常"
        SUSPENDED = "SUSPENDED", "停止党籍"

    class Occupation(models.TextChoices):
        """工作岗位 as the 党员信息采集表's code table lists them, stored as the code."""

        STAFF = "01", "党政机关工作人员"
        INSTITUTION_MANAGER = "02", "事业单位管理人员"
        INSTITUTION_PROFESSIONAL = "03", "事业单位专业技术人员"
        PUBLIC_ENTERPRISE_MANAGER = "04", "公有经济控制企业管理人员"
        PUBLIC_ENTERPRISE_PROFESSIONAL = "05", "公有经济控制企业专业技术人员"
        PRIVATE_ENTERPRISE_MANAGER = "06", "非公有经济控制企业管理人员"
        PRIVATE_ENTERPRISE_PROFESSIONAL = "07", "非公有经济控制企业专业技术人员"
        WORKER = "08", "工勤技能人员"
        FARMER = "09", "农牧渔民"
        STUDENT = "10", "学生"
        ARMED_FORCES = "11", "解放军、武警"
        RETIRED = "12", "离退休人员"
        OTHER = "13", "其他职业人员"

    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    ethnicity = models.CharField("民族", max_length=20, default="汉族")
    id_number = models.CharField("公民身份证号", max_length=18, blank=True)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    education = models.CharField("学历", max_length=20, choices=Education.choices, blank=True)
    status = models.CharField("人员类别", max_length=20, choices=Status.choices, default=Status.FULL)
    branch = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="members", verbose_name="所在党支部"
    )
    group = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="group_members",
        verbose_name="党小组",
    )
    joined_on = models.DateField("加入党组织日期", null=True, blank=True)
    full_member_on = models.DateField("转为正式党员日期", null=True, blank=True)
    occupation = models.CharField(
        "工作岗位", max_length=20, choices=Occupation.choices, default=Occupation.OTHER
    )
    job = models.CharField("工作单位及职务", max_length=100, blank=True)
    phone = models.CharField("手机号码", max_length=20, blank=True)
    landline = models.CharField("固定电话", max_length=20, blank=True, help_text="含区号，如 0731-84123456。")
    address = models.CharField("家庭住址", max_length=200, blank=True)
    party_standing = models.CharField(
        "党籍状态", max_length=10, choices=Standing.choices, default=Standing.NORMAL
    )
    is_lost_contact = models.BooleanField("失联党员", default=False)
    lost_contact_since = models.DateField("失联日期", null=True, blank=True)
    is_mobile = models.BooleanField("流动党员", default=False)
    mobile_destination = models.CharField("外出流向", max_length=100, blank=True)
    skills = models.CharField("特长", max_length=200, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="member",
        verbose_name="登录账号",
    )

    objects = scoped_manager("branch")

    # The 公民身份证号 as it is on file ("" before the first save): check_member does not hold a
    # number already on file against a save that leaves it alone.
    stored_id_number = ""

    class Meta:
        verbose_name = "党员"
        verbose_name_plural = "党员"
        ordering = ["branch", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"], condition=~Q(id_number=""), name="member_id_number_unique_when_given"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "id_number" in update_fields:
            self.stored_id_number = self.id_number

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        member = super().from_db(db, field_names, values, **kwargs)
        member.stored_id_number = member.__dict__.get("id_number", "")
        return member

    def clean(self) -> None:
        """The member rules (`members.validation.check_member`), for every form and import that
        validates a Member; fills 出生日期 from the 公民身份证号 when it is empty."""
        data = check_member(
            {name: getattr(self, name) for name in RULE_FIELDS},
            branch=self.branch if self.branch_id else None,
            member=self,
            others=Member.objects.exclude(pk=self.pk),
        )
        self.id_number, self.birth_date = data["id_number"], data["birth_date"]

    @property
    def masked_id_number(self) -> str:
        if len(self.id_number) < 8:
            return "*" * len(self.id_number)
        return f"{self.id_number[:4]}{'*' * (len(self.id_number) - 8)}{self.id_number[-4:]}"


class Applicant(models.Model):
    """A person on the development pipeline (发展党员), from 入党申请人 to 正式党员."""

    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    branch = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="applicants", verbose_name="所在党支部"
    )
    member = models.OneToOneField(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applicant",
        verbose_name="党员档案",
    )
    note = models.CharField("备注", max_length=200, blank=True)

    objects = scoped_manager("branch")

    class Meta:
        verbose_name = "发展对象"
        verbose_name_plural = "发展党员"
        ordering = ["branch", "name"]

    def __str__(self) -> str:
        return self.name


class DevelopmentStage(models.Model):
    # The stages and their order are pure rules (development_rules), shared with the date checks.
    Stage = development_rules.Stage
    ORDER = list(development_rules.ORDER)

    applicant = models.ForeignKey(
        Applicant, on_delete=models.CASCADE, related_name="stages", verbose_name="发展对象"
    )
    stage = models.CharField("阶段", max_length=20, choices=Stage.choices)
    reached_on = models.DateField("日期")
    note = models.CharField("备注", max_length=200, blank=True)

    objects = scoped_manager("applicant__branch")

    class Meta:
        verbose_name = "发展阶段"
        verbose_name_plural = "发展阶段"
        ordering = ["applicant", "reached_on"]
        constraints = [
            models.UniqueConstraint(fields=["applicant", "stage"], name="development_stage_once"),
        ]

    def __str__(self) -> str:
        return f"{self.applicant} {self.get_stage_display()} {self.reached_on:%Y-%m-%d}"


class DuesPayment(models.Model):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="dues", verbose_name="党员")
    month = models.DateField("所属月份", help_text="该月 1 日。")
    amount = models.DecimalField(
        "金额(元)", max_digits=8, decimal_places=2, validators=[MinValueValidator(0)]
    )
    paid_on = models.DateField("缴纳日期", null=True, blank=True)

    objects = scoped_manager("member__branch")

    class Meta:
        verbose_name = "党费缴纳"
        verbose_name_plural = "党费缴纳"
        ordering = ["-month", "member"]
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="dues_one_per_member_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="dues_month_is_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.month:%Y-%m}"

    @property
    def on_time(self) -> bool:
        """Paid within the month it is for."""
        return bool(self.paid_on) and rules.paid_within(self.month, self.paid_on)


class Meeting(models.Model):
    class Kind(models.TextChoices):
        GENERAL_MEETING = "GENERAL_MEETING", "支部党员大会"
        COMMITTEE_MEETING = "COMMITTEE_MEETING", "支委会"
        GROUP_MEETING = "GROUP_MEETING", "党小组会"
        PARTY_LECTURE = "PARTY_LECTURE", "党课"
        THEME_DAY = "THEME_DAY", "主题党日"
        ORG_LIFE_MEETING = "ORG_LIFE_MEETING", "组织生活会"
        MEMBER_APPRAISAL = "MEMBER_APPRAISAL", "民主评议党员"

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="meetings", verbose_name="党支部/党小组"
    )
    kind = models.CharField("会议类型", max_length=20, choices=Kind.choices)
    held_on = models.DateField("召开日期")
    topic = models.CharField("主题", max_length=200)
    location = models.CharField("地点", max_length=100, blank=True)
    # What a paper 会议记录 page records besides the attendance (`Attendance`, with 缺席原因).
    host = models.CharField("主持人", max_length=50, blank=True)
    recorder = models.CharField("记录人", max_length=50, blank=True)
    observers = models.CharField(
        "列席人员",
        max_length=300,
        blank=True,
        help_text="非本支部党员的列席人员，如“村委会主任张三、驻村干部李四”。",
    )
    expected_count = models.PositiveSmallIntegerField(
        "应到人数", null=True, blank=True, help_text="未逐人登记出勤时填写；逐人登记后按出勤记录计算。"
    )
    present_count = models.PositiveSmallIntegerField(
        "实到人数", null=True, blank=True, help_text="未逐人登记出勤时填写；逐人登记后按出勤记录计算。"
    )
    agenda = models.TextField("议程", blank=True)
    resolutions = models.TextField("决议", blank=True)
    minutes = models.TextField("会议记录", blank=True)

    objects = scoped_manager("organization")

    class Meta:
        verbose_name = "会议活动"
        verbose_name_plural = "三会一课"
        ordering = ["-held_on", "id"]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.get_kind_display()} {self.topic}"


class MeetingPhoto(models.Model):
    """A photo of a meeting (会议照片), kept as evidence of the activity."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="photos", verbose_name="会议")
    image = models.ImageField("照片", upload_to="meetings/%Y/%m/")
    caption = models.CharField("说明", max_length=100, blank=True)
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    objects = scoped_manager("meeting__organization")

    class Meta:
        verbose_name = "会议照片"
        verbose_name_plural = "会议照片"
        ordering = ["meeting", "id"]

    def __str__(self) -> str:
        return self.caption or f"{self.meeting} 照片"


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "PRESENT", "出席"
        ABSENT = "ABSENT", "缺席"
        EXCUSED = "EXCUSED", "请假"

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="attendances", verbose_name="会议"
    )
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="attendances", verbose_name="党员"
    )
    status = models.CharField("出勤", max_length=10, choices=Status.choices, default=Status.PRESENT)
    reason = models.CharField("缺席原因", max_length=100, blank=True, help_text="请假或缺席的原因。")

    objects = scoped_manager("meeting__organization")

    class Meta:
        verbose_name = "出勤记录"
        verbose_name_plural = "出勤记录"
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="attendance_once_per_meeting"),
        ]
        indexes = [
            # A meeting's marks counted by status from the index alone (migration 0008).
            models.Index(fields=["meeting", "status"], name="attendance_meeting_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.get_status_display()}"

    def clean(self) -> None:
        if self.meeting_id and self.member_id:
            held_by = self.meeting.organization
            if not held_by.path.startswith(self.member.branch.path):
                raise ValidationError({"member": f"{self.member.name}不是“{held_by.name}”所在支部的党员。"})


class Household(models.Model):
    class Category(models.TextChoices):
        HARDSHIP = "HARDSHIP", "困难户"
        DISABLED = "DISABLED", "残疾人"
        LOW_INCOME = "LOW_INCOME", "低保户"
        FARMING = "FARMING", "种养户"

    branch = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="households", verbose_name="所在党支部"
    )
    name = models.CharField("户主姓名", max_length=50)
    category = models.CharField("类别", max_length=20, choices=Category.choices)
    needs = models.CharField("帮扶需求", max_length=200, blank=True)
    address = models.CharField("住址", max_length=200, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)

    objects = scoped_manager("branch")

    class Meta:
        verbose_name = "帮扶对象"
        verbose_name_plural = "帮扶对象"
        ordering = ["branch", "name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_category_display()}）"


class ServiceRecord(models.Model):
    """One entry on a member's 星级服务卡; counts toward stars once verified."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="services", verbose_name="党员")
    served_on = models.DateField("服务日期")
    place = models.CharField("服务地点", max_length=100)
    content = models.CharField("服务内容", max_length=300)
    household = models.ForeignKey(
        Household,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="services",
        verbose_name="服务对象",
    )
    hours = models.DecimalField(
        "时长(小时)", max_digits=5, decimal_places=1, default=Decimal("1"), validators=[MinValueValidator(0)]
    )
    feedback = models.TextField("服务反馈", blank=True)
    responsible = models.CharField(
        "责任人", max_length=50, blank=True, help_text="负责安排或核实这次服务的人，如党小组长。"
    )
    points = models.DecimalField(
        "积分",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="实行积分制管理的支部填写。",
    )
    published_on = models.DateField(
        "公示日期", null=True, blank=True, help_text="在公示栏公示的日期；未公示留空。"
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="核实人",
    )
    verified_at = models.DateTimeField("核实时间", null=True, blank=True)

    objects = scoped_manager("member__branch")

    class Meta:
        verbose_name = "星级服务记录"
        verbose_name_plural = "星级服务卡"
        ordering = ["-served_on", "id"]
        indexes = [
            # A member's records by day, with what the star board and the duplicate check read
            # besides, so both are index-only range scans (migration 0008).
            models.Index(
                fields=["member", "served_on", "verified_at", "content"], name="service_member_day_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.served_on:%Y-%m-%d} {self.content[:20]}"


class StarRule(models.Model):
    """Verified services a year for 1–5 stars; the nearest rule up the tree applies."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="star_rule", verbose_name="适用组织"
    )
    one_star = models.PositiveSmallIntegerField("一星", default=DEFAULT_STAR_THRESHOLDS[0])
    two_stars = models.PositiveSmallIntegerField("二星", default=DEFAULT_STAR_THRESHOLDS[1])
    three_stars = models.PositiveSmallIntegerField("三星", default=DEFAULT_STAR_THRESHOLDS[2])
    four_stars = models.PositiveSmallIntegerField("四星", default=DEFAULT_STAR_THRESHOLDS[3])
    five_stars = models.PositiveSmallIntegerField("五星", default=DEFAULT_STAR_THRESHOLDS[4])
    uses_points = models.BooleanField(
        "实行积分制", default=False, help_text="服务记录另记积分（星级仍按核实的服务次数评定）。"
    )

    objects = scoped_manager("organization")

    class Meta:
        verbose_name = "星级评定标准"
        verbose_name_plural = "星级评定标准"
        constraints = [
            models.CheckConstraint(
                condition=Q(one_star__gt=0)
                & Q(two_stars__gt=F("one_star"))
                & Q(three_stars__gt=F("two_stars"))
                & Q(four_stars__gt=F("three_stars"))
                & Q(five_stars__gt=F("four_stars")),
                name="star_rule_increasing",
                violation_error_message="各星级所需服务次数必须大于 0 且逐级递增。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization}：" + "/".join(str(t) for t in self.thresholds)

    @property
    def thresholds(self) -> tuple[int, int, int, int, int]:
        return (self.one_star, self.two_stars, self.three_stars, self.four_stars, self.five_stars)

    def level(self, count: int) -> int:
        return star_level(count, self.thresholds)


class Pairing(models.Model):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="pairings", verbose_name="党员")
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="pairings", verbose_name="帮扶对象"
    )
    started_on = models.DateField("结对日期", null=True, blank=True)

    objects = scoped_manager("member__branch")

    class Meta:
        verbose_name = "结对帮扶"
        verbose_name_plural = "结对帮扶"
        constraints = [
            models.UniqueConstraint(fields=["member", "household"], name="pairing_once"),
        ]

    def __str__(self) -> str:
        return f"{self.member} ↔ {self.household}"


class Plaque(models.Model):
    class Title(models.TextChoices):
        FIVE_STAR_HOUSEHOLD = "FIVE_STAR_HOUSEHOLD", "五星级党员示范户"
        DOUBLE_LEAD = "DOUBLE_LEAD", "双带致富户"
        NEW_COUNTRYSIDE = "NEW_COUNTRYSIDE", "新农村示范户"

    class Method(models.TextChoices):
        PUBLIC_RECOMMENDATION = "PUBLIC_RECOMMENDATION", "群众推荐"
        SELF_NOMINATION = "SELF_NOMINATION", "党员自荐"
        BRANCH_SELECTION = "BRANCH_SELECTION", "支部评选"

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="plaques", verbose_name="党员")
    title = models.CharField("挂牌称号", max_length=30, choices=Title.choices)
    method = models.CharField("产生方式", max_length=30, choices=Method.choices)
    year = models.PositiveSmallIntegerField("年度")
    awarded_on = models.DateField("挂牌日期", null=True, blank=True)

    objects = scoped_manager("member__branch")

    class Meta:
        verbose_name = "挂牌"
        verbose_name_plural = "挂牌"
        ordering = ["-year", "title"]
        constraints = [
            models.UniqueConstraint(fields=["member", "title", "year"], name="plaque_once_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_title_display()} {self.member}"


class ImportJob(models.Model):
    """One spreadsheet import into a branch's records, run in a Celery job when it is large.

    All or nothing: `errors` lists every bad row (row number and reason) and then nothing is
    saved; `processed_rows` of `total_rows` is the progress the page shows.
    """

    class Kind(models.TextChoices):
        MEMBERS = "MEMBERS", "党员名册"
        HOUSEHOLDS = "HOUSEHOLDS", "帮扶对象"
        SERVICES = "SERVICES", "星级服务记录"
        ATTENDANCE = "ATTENDANCE", "会议出勤"
        MEETINGS = "MEETINGS", "三会一课"

    class Status(models.TextChoices):
        PENDING = "PENDING", "排队中"
        RUNNING = "RUNNING", "导入中"
        DONE = "DONE", "已完成"
        FAILED = "FAILED", "未导入"

    kind = models.CharField("导入内容", max_length=20, choices=Kind.choices)
    branch = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="import_jobs", verbose_name="党支部"
    )
    file = models.FileField("文件", upload_to="imports/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=255)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField("总行数", default=0)
    processed_rows = models.PositiveIntegerField("已处理行数", default=0)
    created_rows = models.PositiveIntegerField("新增", default=0)
    updated_rows = models.PositiveIntegerField("更新", default=0)
    errors = models.JSONField("错误", default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name="导入人"
    )
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    objects = scoped_manager("branch")

    class Meta:
        verbose_name = "导入任务"
        verbose_name_plural = "导入任务"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.original_name}"

    @property
    def percent(self) -> int:
        return int(self.processed_rows * 100 / self.total_rows) if self.total_rows else 0


class ExportJob(models.Model):
    """One export too large to write in the request: a Celery job writes the file, the page
    shows its progress, and then a download that only `created_by` may fetch.

    The rows are those `created_by` sees (masked 公民身份证号 and all) when the job runs; the
    file is kept `members.exports.KEEP_DAYS` days, then deleted (`delete_expired_exports`).
    """

    class Kind(models.TextChoices):
        MEMBERS = "MEMBERS", "党员名册"
        NATIONAL = "NATIONAL", "党员基本信息汇总表"
        HOUSEHOLDS = "HOUSEHOLDS", "帮扶对象"
        SERVICES = "SERVICES", "星级服务记录"
        ATTENDANCE = "ATTENDANCE", "会议出勤"
        MEETINGS = "MEETINGS", "三会一课"

    class Format(models.TextChoices):
        XLSX = "xlsx", "Excel"
        CSV = "csv", "CSV"

    class Status(models.TextChoices):
        PENDING = "PENDING", "排队中"
        RUNNING = "RUNNING", "导出中"
        DONE = "DONE", "已完成"
        FAILED = "FAILED", "导出失败"

    kind = models.CharField("导出内容", max_length=20, choices=Kind.choices)
    format = models.CharField("文件格式", max_length=4, choices=Format.choices, default=Format.XLSX)
    branch = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="export_jobs", verbose_name="党支部"
    )
    params = models.JSONField("筛选条件", default=dict, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField("总行数", default=0)
    processed_rows = models.PositiveIntegerField("已写行数", default=0)
    file = models.FileField("文件", upload_to="exports/%Y/%m/", blank=True)
    filename = models.CharField("下载文件名", max_length=255)
    error = models.CharField("失败原因", max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs", verbose_name="导出人"
    )
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    objects = scoped_manager("branch")

    class Meta:
        verbose_name = "导出任务"
        verbose_name_plural = "导出任务"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.filename

    @property
    def percent(self) -> int:
        return int(self.processed_rows * 100 / self.total_rows) if self.total_rows else 0

"""The organization tree, users and their roles in it, scoping, audit events and notifications.

Scoping rule (DESIGN §4): a user sees the subtree of each organization they hold a role in,
and nothing else. `Organization.objects.visible_to(user)` is the one place that rule is
written; every other model's `visible_to` reaches it through `ScopedQuerySet`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.functional import cached_property
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet


class UserQuerySet(models.QuerySet):
    def visible_to(self, user) -> UserQuerySet:
        """Accounts `user` may pick or look after: their own, and those holding a role in their scope."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_superuser:
            return self
        role_in_scope = Role.objects.filter(
            user_id=OuterRef("pk"), organization__in=Organization.objects.visible_to(user)
        )
        return self.filter(Q(pk=user.pk) | Exists(role_in_scope))

    def changeable_by(self, user) -> UserQuerySet:
        """Accounts `user` may change (password included): visible ones that are not superusers
        and hold no role outside where `user` is 组织部 — changing those would reach beyond it."""
        if getattr(user, "is_superuser", False):
            return self
        role_outside = Role.objects.filter(user_id=OuterRef("pk")).exclude(
            organization__in=Organization.objects.visible_to(user, role_kind=Role.Kind.ORG_DEPARTMENT)
        )
        return self.visible_to(user).filter(is_superuser=False).exclude(Exists(role_outside))


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    reminder_email = models.BooleanField(
        "接收提醒邮件", default=True, help_text="关闭后，到期提醒只在站内通知中显示，不再发送邮件。"
    )

    objects = UserManager()

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.name or self.username

    @cached_property
    def opens_data_admin(self) -> bool:
        """数据管理 (the Django admin) is for the 组织部 and superusers: an active staff account
        that is a superuser or holds a 组织部 role. The admin site lets in exactly these, and
        the top bar links to it for exactly these; branch secretaries, 党委 and inspectors
        work in the pages."""
        return (
            self.is_active
            and self.is_staff
            and (self.is_superuser or any(r.kind == Role.Kind.ORG_DEPARTMENT for r in held_roles(self)))
        )


class Kind(models.TextChoices):
    WORK_COMMITTEE = "WORK_COMMITTEE", "工委"
    PARTY_COMMITTEE = "PARTY_COMMITTEE", "党委"
    GENERAL_BRANCH = "GENERAL_BRANCH", "党总支"
    BRANCH = "BRANCH", "党支部"
    GROUP = "GROUP", "党小组"


class Sector(models.TextChoices):
    VILLAGE = "VILLAGE", "村"
    COMMUNITY = "COMMUNITY", "社区"
    SCHOOL = "SCHOOL", "学校"
    GOVERNMENT = "GOVERNMENT", "机关"
    ENTERPRISE = "ENTERPRISE", "企业"
    FIRE_POLICE = "FIRE_POLICE", "公安消防"
    SOCIAL = "SOCIAL", "社会组织"
    OTHER = "OTHER", "其他"


# Which kinds may sit directly under which: the tree's kind rules.
ALLOWED_PARENTS: dict[str, tuple[str | None, ...]] = {
    Kind.WORK_COMMITTEE: (None,),
    Kind.PARTY_COMMITTEE: (Kind.WORK_COMMITTEE, Kind.PARTY_COMMITTEE),
    Kind.GENERAL_BRANCH: (Kind.PARTY_COMMITTEE,),
    Kind.BRANCH: (Kind.PARTY_COMMITTEE, Kind.GENERAL_BRANCH),
    Kind.GROUP: (Kind.BRANCH,),
}


def validate_placement(*, kind: str, parent: Organization | None) -> None:
    """Raise ValidationError unless an organization of `kind` may sit under `parent`."""
    parent_kind = parent.kind if parent is not None else None
    allowed = ALLOWED_PARENTS.get(kind, ())
    if parent_kind in allowed:
        return
    label = Kind(kind).label
    if parent is None:
        raise ValidationError({"kind": f"{label}必须设在上级组织之下。"})
    names = "、".join(Kind(k).label for k in allowed if k) or "无上级组织"
    raise ValidationError(
        {"kind": f"{label}只能设在{names}之下，不能设在{parent.kind_label}「{parent.name}」之下。"}
    )


class OrganizationQuerySet(MP_NodeQuerySet):
    def visible_to(self, user, *, role_kind: str | None = None) -> OrganizationQuerySet:
        """Organizations in the subtree of any organization where `user` holds a role.

        An OR of path prefixes, one per role (`scope_q`): each an indexed range scan on `path`
        (on PostgreSQL, the varchar_pattern_ops index Django makes beside the unique one), however
        large the tree. With `role_kind`, only roles of that kind count (e.g. where the user acts
        as 组织部). Superusers see everything; anonymous users nothing.
        """
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(scope_q("path", user, role_kind=role_kind))

    def branches(self) -> OrganizationQuerySet:
        return self.filter(kind=Kind.BRANCH)

    def within(self, organization: Organization) -> OrganizationQuerySet:
        """`organization` and everything below it (one indexed path prefix)."""
        return self.filter(path__startswith=organization.path)

    def groups_of(self, branch: Organization) -> OrganizationQuerySet:
        """The 党小组 directly under `branch`, in tree order."""
        return self.within(branch).filter(kind=Kind.GROUP, depth=branch.depth + 1)


class OrganizationManager(MP_NodeManager.from_queryset(OrganizationQuerySet)):
    """Treebeard's manager with our queryset, and the kind rules on every insert or move."""

    def get_queryset(self):
        return OrganizationQuerySet(self.model, using=self._db).order_by("path")

    def add_root(self, create_kwargs=None, *, instance=None):
        kind = instance.kind if instance is not None else (create_kwargs or {}).get("kind")
        validate_placement(kind=kind, parent=None)
        return super().add_root(create_kwargs, instance=instance)

    def add_child(self, target, create_kwargs=None, *, instance=None):
        kind = instance.kind if instance is not None else (create_kwargs or {}).get("kind")
        validate_placement(kind=kind, parent=target)
        return super().add_child(target, create_kwargs, instance=instance)

    def add_sibling(self, target, pos=None, create_kwargs=None, *, instance=None):
        kind = instance.kind if instance is not None else (create_kwargs or {}).get("kind")
        validate_placement(kind=kind, parent=self.get_parent(target))
        return super().add_sibling(target, pos, create_kwargs, instance=instance)

    def move(self, node, target, pos=None):
        new_parent = (
            target if pos in ("first-child", "last-child", "sorted-child") else self.get_parent(target)
        )
        validate_placement(kind=node.kind, parent=new_parent)
        return super().move(node, target, pos)


class Organization(MP_Node):
    Kind = Kind
    Sector = Sector

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("组织类型", max_length=20, choices=Kind.choices)
    sector = models.CharField("所属领域", max_length=20, choices=Sector.choices, default=Sector.OTHER)
    code = models.CharField("组织编码", max_length=30, unique=True)
    is_active = models.BooleanField("有效", default=True)

    objects = OrganizationManager()

    class Meta:
        verbose_name = "党组织"
        verbose_name_plural = "党组织"

    def __str__(self) -> str:
        return self.name

    @property
    def kind_label(self) -> str:
        return Kind(self.kind).label

    def clean(self) -> None:
        if self.pk and self.path:
            validate_placement(kind=self.kind, parent=Organization.objects.get_parent(self))

    def ancestor_paths(self) -> list[str]:
        """Paths of this node and its ancestors, computed without a query."""
        return [self.path[:end] for end in range(self.steplen, len(self.path) + 1, self.steplen)]

    def nearest(self, *kinds: str) -> Organization | None:
        """The nearest ancestor (or self) of one of `kinds`, in one query."""
        return (
            Organization.objects.filter(path__in=self.ancestor_paths(), kind__in=kinds)
            .order_by("-depth")
            .first()
        )


def held_roles(user) -> list[Role]:
    """The user's roles with their organizations, loaded once per user object.

    A request has its own user object, so a page asking many policies and scopes reads the roles
    once; `grant_role`/`revoke_role` (and anything else changing a user's roles in the same
    process) call `forget_roles`.
    """
    if not getattr(user, "is_authenticated", False):
        return []
    # An attribute, not __dict__: request.user is a lazy wrapper that passes attributes through
    # to the user it wraps, so the page's and the policies' user share the one list.
    cached = getattr(user, "_held_roles", None)
    if cached is None:
        cached = list(
            Role.objects.filter(user_id=user.pk)
            .select_related("organization")
            .order_by("kind", "organization__path", "pk")
        )
        user._held_roles = cached
    return cached


def forget_roles(user) -> None:
    """Drop the roles `held_roles` keeps on this user object (after they changed)."""
    if user is not None and getattr(user, "_held_roles", None) is not None:
        del user._held_roles


def scope_paths(user, *, role_kind: str | None = None) -> list[str]:
    """The paths whose subtrees `user` sees (through roles of `role_kind`, or any): the fewest
    prefixes, a path below another one left out."""
    held = held_roles(user)
    paths = sorted({r.organization.path for r in held if role_kind is None or r.kind == role_kind})
    kept: list[str] = []
    for path in paths:
        if not any(path.startswith(prefix) for prefix in kept):
            kept.append(path)
    return kept


def scope_q(field: str, user, *, role_kind: str | None = None) -> Q:
    """`field` (a path, e.g. "organization__path") under one of the user's scope paths; a
    condition that matches nothing when the user has no role."""
    paths = scope_paths(user, role_kind=role_kind)
    if not paths:
        return Q(pk__in=[])
    condition = Q()
    for path in paths:
        condition |= Q(**{f"{field}__startswith": path})
    return condition


class ScopedQuerySet(models.QuerySet):
    """A queryset whose rows belong to an organization reached through `scope_path`."""

    scope_path = "organization"
    # The relations a row's name (__str__) reads; see for_choices().
    label_related: tuple[str, ...] = ()

    def visible_to(self, user):
        """Rows whose organization lies in the user's scope: a join on the organization and the
        same path prefixes as `Organization.objects.visible_to`, no `IN (subquery)`."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(scope_q(f"{self.scope_path}__path", user))

    def within(self, organization: Organization):
        """Rows whose organization is `organization` or lies below it (for one branch's pages,
        after the branch itself was found through `visible_to`)."""
        return self.filter(**{f"{self.scope_path}__path__startswith": organization.path})

    def for_choices(self):
        """The rows joined with what their names read, so a choice list costs one query."""
        return self.select_related(*self.label_related) if self.label_related else self


def scoped_manager(scope_path: str, *, label_related: tuple[str, ...] = ()) -> models.Manager:
    """A manager whose `visible_to(user)` keeps rows whose `scope_path` organization is visible."""
    queryset_class = type(
        f"ScopedBy_{scope_path}",
        (ScopedQuerySet,),
        {"scope_path": scope_path, "label_related": label_related},
    )
    return queryset_class.as_manager()


class RoleQuerySet(ScopedQuerySet):
    def covering(self, organization: Organization) -> RoleQuerySet:
        """Roles held at `organization` or at one of its ancestors."""
        return self.filter(organization__path__in=organization.ancestor_paths())


class Role(models.Model):
    class Kind(models.TextChoices):
        ORG_DEPARTMENT = "ORG_DEPARTMENT", "组织部"
        COMMITTEE = "COMMITTEE", "党委"
        BRANCH_SECRETARY = "BRANCH_SECRETARY", "支部书记"
        INSPECTOR = "INSPECTOR", "验收组成员"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles", verbose_name="用户"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="roles", verbose_name="所在组织"
    )
    kind = models.CharField("角色", max_length=20, choices=Kind.choices)

    objects = RoleQuerySet.as_manager()

    class Meta:
        verbose_name = "角色"
        verbose_name_plural = "角色"
        constraints = [
            models.UniqueConstraint(fields=["user", "organization", "kind"], name="role_unique_per_org"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organization} · {self.get_kind_display()}"


def has_role(user, kind: str, organization: Organization) -> bool:
    """Whether `user` holds role `kind` at `organization` or above it. Superusers always do."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return any(r.kind == kind and organization.path.startswith(r.organization.path) for r in held_roles(user))


def role_refusal(user, kind: str, organization: Organization, action: str) -> str | None:
    """None when `user` holds role `kind` at or above `organization`; otherwise why they may
    not do `action` (e.g. "申报“一村党支部”"), for a policy to return."""
    if has_role(user, kind, organization):
        return None
    return f"您没有“{organization.name}”的{Role.Kind(kind).label}权限，不能{action}。"


class Verb(models.TextChoices):
    """What an audit event records: one value per action, whatever its summary says."""

    # Campaigns and the site lifecycle
    CREATE_CAMPAIGN = "CREATE_CAMPAIGN", "创建活动"
    ACTIVATE_CAMPAIGN = "ACTIVATE_CAMPAIGN", "启动活动"
    UPDATE_CAMPAIGN = "UPDATE_CAMPAIGN", "修改活动设置"
    CHANGE_FRAMEWORK = "CHANGE_FRAMEWORK", "更换考核标准"
    IMPORT_FRAMEWORK = "IMPORT_FRAMEWORK", "导入考核标准"
    CONFIRM_POINTS = "CONFIRM_POINTS", "确认考核标准分值"
    NOMINATE = "NOMINATE", "申报"
    RENOMINATE = "RENOMINATE", "重新申报"
    WITHDRAW = "WITHDRAW", "撤回申报"
    APPROVE = "APPROVE", "批准创建"
    REJECT = "REJECT", "不予批准"
    APPROVE_SELF_ASSESSMENT = "APPROVE_SELF_ASSESSMENT", "自评审核通过"
    SUBMIT_SELF_ASSESSMENT = "SUBMIT_SELF_ASSESSMENT", "提交自评"
    RETURN_SELF_ASSESSMENT = "RETURN_SELF_ASSESSMENT", "退回自评"
    UPLOAD_EVIDENCE = "UPLOAD_EVIDENCE", "上传佐证材料"
    REMOVE_EVIDENCE = "REMOVE_EVIDENCE", "删除佐证材料"
    REQUEST_ACCEPTANCE = "REQUEST_ACCEPTANCE", "申请验收"
    REQUEST_ACCEPTANCE_AGAIN = "REQUEST_ACCEPTANCE_AGAIN", "整改后申请验收"
    RECORD_VERDICT = "RECORD_VERDICT", "验收结论"
    # The acceptance half: survey, on-site acceptance, 公示
    OPEN_SURVEY = "OPEN_SURVEY", "发起群众测评"
    CLOSE_SURVEY = "CLOSE_SURVEY", "结束群众测评"
    SCHEDULE_ACCEPTANCE = "SCHEDULE_ACCEPTANCE", "安排现场验收"
    CHANGE_ACCEPTANCE = "CHANGE_ACCEPTANCE", "修改验收安排"
    SUBMIT_INSPECTION = "SUBMIT_INSPECTION", "提交验收评分"
    AGREE_SCORE = "AGREE_SCORE", "议定得分"
    RECORD_FINDINGS = "RECORD_FINDINGS", "填写验收意见"
    SIGN_ACCEPTANCE = "SIGN_ACCEPTANCE", "签署验收结论"
    ISSUE_REPORT = "ISSUE_REPORT", "生成验收报告"
    LODGE_OBJECTION = "LODGE_OBJECTION", "提出公示异议"
    ANSWER_OBJECTION = "ANSWER_OBJECTION", "答复公示异议"
    FINALIZE_RESULT = "FINALIZE_RESULT", "验收结果确定"
    SUBMIT_WORK_SUMMARY = "SUBMIT_WORK_SUMMARY", "提交创建工作总结"
    RETURN_WORK_SUMMARY = "RETURN_WORK_SUMMARY", "退回创建工作总结"
    APPROVE_WORK_SUMMARY = "APPROVE_WORK_SUMMARY", "创建工作总结审核通过"
    # A site's records
    UPDATE_PLAN = "UPDATE_PLAN", "修改创建方案"
    ADD_LEADER = "ADD_LEADER", "增加领导小组成员"
    CHANGE_LEADER = "CHANGE_LEADER", "修改领导小组"
    REMOVE_LEADER = "REMOVE_LEADER", "移出领导小组"
    ADD_WORK_ITEM = "ADD_WORK_ITEM", "增加工作安排"
    CHANGE_WORK_ITEM = "CHANGE_WORK_ITEM", "修改工作安排"
    REMOVE_WORK_ITEM = "REMOVE_WORK_ITEM", "删除工作安排"
    IMPORT_WORK_ITEMS = "IMPORT_WORK_ITEMS", "导入工作安排"
    ADD_FUNDING = "ADD_FUNDING", "登记经费"
    CHANGE_FUNDING = "CHANGE_FUNDING", "修改经费"
    REMOVE_FUNDING = "REMOVE_FUNDING", "删除经费"
    RECORD_SUPERVISION = "RECORD_SUPERVISION", "督导"
    RAISE_RECTIFICATION = "RAISE_RECTIFICATION", "提出整改"
    ANSWER_RECTIFICATION = "ANSWER_RECTIFICATION", "反馈整改"
    CLOSE_RECTIFICATION = "CLOSE_RECTIFICATION", "整改销号"
    RETURN_RECTIFICATION = "RETURN_RECTIFICATION", "退回整改"
    SELECT_TYPICAL_CASE = "SELECT_TYPICAL_CASE", "评选典型案例"
    # A branch's records
    REGISTER_MEMBER = "REGISTER_MEMBER", "登记党员"
    CHANGE_MEMBER = "CHANGE_MEMBER", "修改党员信息"
    RECORD_DUES = "RECORD_DUES", "登记党费"
    CORRECT_DUES = "CORRECT_DUES", "更正党费"
    REMOVE_DUES = "REMOVE_DUES", "删除党费记录"
    ADD_MEETING = "ADD_MEETING", "登记会议"
    CHANGE_MEETING = "CHANGE_MEETING", "修改会议"
    REMOVE_MEETING = "REMOVE_MEETING", "删除会议"
    REMOVE_MEETING_PHOTO = "REMOVE_MEETING_PHOTO", "删除会议照片"
    RECORD_ATTENDANCE = "RECORD_ATTENDANCE", "登记出勤"
    RECORD_SERVICE = "RECORD_SERVICE", "记录星级服务"
    CHANGE_SERVICE = "CHANGE_SERVICE", "修改星级服务"
    VERIFY_SERVICE = "VERIFY_SERVICE", "核实星级服务"
    PUBLISH_SERVICE = "PUBLISH_SERVICE", "公示星级服务"
    REMOVE_SERVICE = "REMOVE_SERVICE", "删除星级服务"
    ADD_HOUSEHOLD = "ADD_HOUSEHOLD", "登记帮扶对象"
    CHANGE_HOUSEHOLD = "CHANGE_HOUSEHOLD", "修改帮扶对象"
    PAIR = "PAIR", "结对帮扶"
    UNPAIR = "UNPAIR", "解除结对"
    AWARD_PLAQUE = "AWARD_PLAQUE", "挂牌"
    REVOKE_PLAQUE = "REVOKE_PLAQUE", "撤销挂牌"
    REGISTER_APPLICANT = "REGISTER_APPLICANT", "登记入党申请人"
    ADVANCE_DEVELOPMENT = "ADVANCE_DEVELOPMENT", "发展党员"
    ADMIT_PROBATIONARY = "ADMIT_PROBATIONARY", "接收预备党员"
    CONFIRM_FULL_MEMBER = "CONFIRM_FULL_MEMBER", "预备党员转正"
    IMPORT_RECORDS = "IMPORT_RECORDS", "导入"
    # The tree, accounts and roles
    CREATE_ORGANIZATION = "CREATE_ORGANIZATION", "新建党组织"
    CHANGE_ORGANIZATION = "CHANGE_ORGANIZATION", "修改党组织"
    MOVE_ORGANIZATION = "MOVE_ORGANIZATION", "调整隶属关系"
    GRANT_ROLE = "GRANT_ROLE", "授予角色"
    REVOKE_ROLE = "REVOKE_ROLE", "撤销角色"
    OPEN_ACCOUNT = "OPEN_ACCOUNT", "开设账号"
    CHANGE_ACCOUNT = "CHANGE_ACCOUNT", "修改账号"


class AuditEventQuerySet(ScopedQuerySet):
    def about(self, obj: models.Model) -> AuditEventQuerySet:
        """Events in `obj`'s history (events on it and on things recorded as belonging to it)."""
        return self.filter(subject_type=ContentType.objects.get_for_model(obj), subject_id=obj.pk)


class AuditEvent(models.Model):
    """Who did what, when. Written by services in the same transaction; never edited.

    A record for people to read, not a data source: a feature that needs a transition or a
    reason reads a real field (e.g. `SiteTransition`, `Rectification.return_reason`).
    """

    Verb = Verb

    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name="操作人"
    )
    verb = models.CharField("操作", max_length=50, choices=Verb.choices)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, verbose_name="所属组织"
    )
    target_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name="对象类型"
    )
    target_id = models.PositiveBigIntegerField("对象编号")
    target = GenericForeignKey("target_type", "target_id")
    target_repr = models.CharField("对象", max_length=200)
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name="所属对象类型"
    )
    subject_id = models.PositiveBigIntegerField("所属对象编号")
    summary = models.CharField("变化", max_length=500, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "created_at"], name="audit_subject_idx")
        ]

    def __str__(self) -> str:
        actor = self.actor or "系统"
        return f"{self.created_at:%Y-%m-%d %H:%M} {actor} {self.get_verb_display()} {self.target_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("审计记录不可修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("审计记录不可删除。")


def record_event(
    *,
    actor,
    verb: Verb,
    target: models.Model,
    organization: Organization | None,
    summary: str = "",
    subject: models.Model | None = None,
) -> AuditEvent:
    """Write one audit event. `subject` is whose history it belongs to (default: the target)."""
    subject = subject if subject is not None else target
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        verb=verb,
        organization=organization,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        target_repr=str(target)[:200],
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        summary=summary[:500],
    )


def _shown(field: models.Field, value) -> str:
    if value in (None, ""):
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value) if value not in (None, "") else "—"


def describe_changes(
    instance: models.Model, fields: dict, *, secret: frozenset[str] = frozenset()
) -> list[str]:
    """For an audit summary: "名称：旧 → 新" for each of `fields` whose value differs from
    `instance`'s (choices by their label, yes/no as 是/否, empty as —). Long text, files and the
    `secret` fields (an ID number) say only that they changed. Changes nothing.

    The one way services describe an edit; the summary is for people to read, never parsed.
    """
    lines = []
    for name, value in fields.items():
        before = getattr(instance, name)
        if before == value:
            continue
        field = instance._meta.get_field(name)
        if isinstance(field, models.FileField):
            lines.append(f"{field.verbose_name}：已更新")
        elif name in secret or isinstance(field, models.TextField):
            lines.append(f"{field.verbose_name}：已修改")
        else:
            lines.append(f"{field.verbose_name}：{_shown(field, before)} → {_shown(field, value)}")
    return lines


class RecipientQuerySet(models.QuerySet):
    """Rows addressed to one user (notifications, reminders): each user sees their own."""

    def visible_to(self, user) -> RecipientQuerySet:
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(recipient_id=user.pk)


class Notification(models.Model):
    """An in-app message to one user (reminders, decisions); also sent by email."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name="接收人",
    )
    created_at = models.DateTimeField("时间", auto_now_add=True)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    objects = RecipientQuerySet.as_manager()

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

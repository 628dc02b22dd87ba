"""Deadline reminders: what is due on a day, for whom, and sending each reminder once.

`due_reminders(today)` is the scan. It reads every kind of deadline in one query each (phases,
work items, rectifications, self-assessments, acceptance visits, surveys, 公示 periods) and the
roles once, and matches them in memory, so it costs the same dozen queries for ten open items
or a hundred thousand. Recipients come from roles and scope, never from a name typed on a row:

- 支部书记 (a 支部书记 role at the site's branch or above) and 党委 (a 党委 role above the
  site): the site's work items, rectifications, phases, self-assessment and surveys;
- 组织部 (a 组织部 role at the campaign's organizer or above): the phases, the campaign-wide
  work items, every overdue item of the campaign and the 公示 periods with unanswered objections;
- the acceptance team: the visit the day before; a work item's responsible account and a
  survey's creator also hear about their own row — each only while their roles let them see it.

`send_deadline_reminders(today)` records each (object, kind, due date, recipient) once, in one
`INSERT … ON CONFLICT DO NOTHING RETURNING` (SQLite and PostgreSQL): the unique constraint
decides, so a second run, or a second process at the same moment, gets nothing back and sends
nothing. What this run inserted becomes in-app notifications (one more statement) in the same
transaction, and after the commit one digest email per user who has not turned email off.

Each tier is a window, not a single day (7 → 4 to 7 days left, 3 → 2 to 3, 1 → today or
tomorrow), so a day the job did not run is caught up the next day without sending a tier twice.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import connection, models, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from assessments.models import Acceptance, Objection, SelfAssessment, Survey, TeamMember
from organizations.models import Notification, Organization, Role, User
from organizations.templatetags.chinese_dates import chinese_date, due_text

from .models import Campaign, Phase, Rectification, Reminder, Site, WorkItem

logger = logging.getLogger(__name__)

K = Reminder.Kind
R = Role.Kind
# Sites taking part in a campaign: approved and not failed. A passed site keeps its schedule
# (and the dashboard counts its overdue items), so its deadlines are reminded too.
TAKING_PART = [
    Site.Status.APPROVED,
    Site.Status.SELF_ASSESSED,
    Site.Status.ACCEPTANCE_REQUESTED,
    Site.Status.RECTIFYING,
    Site.Status.PASSED,
]
# The reminder tiers before a due date: (last day of the window, kind).
TIERS = ((1, K.DUE_IN_1), (3, K.DUE_IN_3), (7, K.DUE_IN_7))
PHASE_WINDOW = 7
SELF_ASSESSMENT_WINDOW = 7
ACCEPTANCE_WINDOW = 1
SURVEY_WINDOW = 2
PUBLICITY_WINDOW = 2


def tier(due_on: datetime.date, today: datetime.date) -> str | None:
    """The reminder kind for a deadline on `today`: OVERDUE, a DUE_IN_* tier or None (too far)."""
    days = (due_on - today).days
    if days < 0:
        return K.OVERDUE
    return next((kind for last, kind in TIERS if days <= last), None)


def when(due_on: datetime.date, today: datetime.date) -> str:
    """今天, 明天 or N 天后."""
    days = (due_on - today).days
    return "今天" if days <= 0 else "明天" if days == 1 else f"{days} 天后"


@dataclass(frozen=True)
class Due:
    """One reminder to send: the object, its kind and due date, the recipient and the words."""

    target_type_id: int
    target_id: int
    kind: str
    due_on: datetime.date
    recipient_id: int
    title: str
    body: str
    url: str

    @property
    def key(self) -> tuple:
        return (self.target_type_id, self.target_id, self.kind, self.due_on, self.recipient_id)


class Scope:
    """Every active account's roles, loaded once: who holds which role above a path, and
    whether a user's roles let them see a row at a path (the rule of `visible_to`)."""

    def __init__(self, rows: Iterable[tuple[int, str, str]]) -> None:
        self.holders: dict[tuple[str, str], set[int]] = defaultdict(set)
        self.paths: dict[int, list[str]] = defaultdict(list)
        self.held: dict[tuple[str, str], frozenset[int]] = {}
        for user_id, kind, path in rows:
            self.holders[(kind, path)].add(user_id)
            self.paths[user_id].append(path)

    @classmethod
    def load(cls) -> Scope:
        return cls(
            Role.objects.filter(user__is_active=True).values_list("user_id", "kind", "organization__path")
        )

    def holding(self, kind: str, path: str) -> frozenset[int]:
        """Users holding `kind` at the organization at `path` or at one of its ancestors."""
        key = (kind, path)
        if key not in self.held:
            step = Organization.steplen
            self.held[key] = frozenset().union(
                *(self.holders.get((kind, path[:end]), ()) for end in range(step, len(path) + 1, step))
            )
        return self.held[key]

    def sees(self, user_id: int | None, path: str) -> bool:
        return user_id is not None and any(path.startswith(p) for p in self.paths.get(user_id, ()))

    def sees_campaign(self, user_id: int | None, organizer_path: str) -> bool:
        """As `Campaign.objects.visible_to`: a role at or above the organizer, or below it."""
        return user_id is not None and any(
            organizer_path.startswith(p) or p.startswith(organizer_path) for p in self.paths.get(user_id, ())
        )


@dataclass
class _Collector:
    today: datetime.date
    scope: Scope
    dues: dict[tuple, Due] = field(default_factory=dict)
    types: dict[type, int] = field(default_factory=dict)
    urls: dict[tuple, str] = field(default_factory=dict)

    def url(self, name: str, pk: int) -> str:
        """`reverse(name, args=[pk])`, once per page in a run."""
        if (name, pk) not in self.urls:
            self.urls[(name, pk)] = reverse(name, args=[pk])
        return self.urls[(name, pk)]

    def add(self, obj: models.Model, kind: str, due_on, recipients, title: str, body: str, url: str):
        self.add_row(type(obj), obj.pk, kind, due_on, recipients, title, body, url)

    def add_row(self, model: type, pk: int, kind: str, due_on, recipients, title: str, body: str, url: str):
        target_type = self.types[model]
        for user_id in recipients:
            if user_id is None:
                continue
            due = Due(target_type, pk, kind, due_on, user_id, title[:200], body, url[:300])
            self.dues.setdefault(due.key, due)


def due_reminders(today: datetime.date) -> list[Due]:
    """Every reminder due on `today` (sent before or not), in a fixed number of queries."""
    types = ContentType.objects.get_for_models(Phase, WorkItem, Rectification, Site, Acceptance, Survey)
    found = _Collector(today=today, scope=Scope.load(), types={m: ct.pk for m, ct in types.items()})
    _phases(found)
    _work_items(found)
    _rectifications(found)
    _self_assessments(found)
    _acceptances(found)
    _surveys(found)
    _publicity(found)
    return sorted(found.dues.values(), key=lambda d: (d.recipient_id, d.due_on, d.title))


def _phases(found: _Collector) -> None:
    today, scope = found.today, found.scope
    phases = list(
        Phase.objects.filter(
            campaign__status=Campaign.Status.ACTIVE,
            ends_on__gte=today,
            ends_on__lte=today + datetime.timedelta(days=PHASE_WINDOW),
        ).select_related("campaign__organizer")
    )
    if not phases:
        return
    site_paths = defaultdict(list)
    for campaign_id, path in Site.objects.filter(
        campaign__in={p.campaign_id for p in phases}, status__in=TAKING_PART
    ).values_list("campaign_id", "organization__path"):
        site_paths[campaign_id].append(path)
    for phase in phases:
        campaign = phase.campaign
        recipients = set(scope.holding(R.ORG_DEPARTMENT, campaign.organizer.path))
        for path in site_paths[campaign.pk]:
            recipients |= scope.holding(R.COMMITTEE, path) | scope.holding(R.BRANCH_SECRETARY, path)
        found.add(
            phase,
            tier(phase.ends_on, today),
            phase.ends_on,
            recipients,
            f"「{phase.display_name}」阶段{when(phase.ends_on, today)}结束",
            f"{campaign.name}的「{phase.display_name}」阶段将于{chinese_date(phase.ends_on)}结束，"
            "请抓紧完成本阶段的工作。",
            found.url("campaigns:campaign_dashboard", campaign.pk),
        )


# The two kinds that can run to many thousands of rows are read as plain values, not models.
WORK_ITEM_FIELDS = (
    "pk",
    "title",
    "due_on",
    "responsible",
    "responsible_user_id",
    "campaign_id",
    "campaign__name",
    "campaign__organizer__path",
    "site_id",
    "site__organization__name",
    "site__organization__path",
)


def _work_items(found: _Collector) -> None:
    today, scope = found.today, found.scope
    rows = WorkItem.objects.filter(
        WorkItem.objects.overdue_q(today) | WorkItem.objects.due_soon_q(today),
        Q(site__isnull=True) | Q(site__status__in=TAKING_PART),
        campaign__status=Campaign.Status.ACTIVE,
    ).values_list(*WORK_ITEM_FIELDS)
    for (
        pk,
        title,
        due_on,
        responsible,
        responsible_user,
        campaign_id,
        campaign,
        organizer,
        site_id,
        branch,
        path,
    ) in rows:
        kind = tier(due_on, today)
        if kind is None:
            continue
        if site_id is None:
            recipients = set(scope.holding(R.ORG_DEPARTMENT, organizer))
            mine = scope.sees_campaign(responsible_user, organizer)
            where, url, prefix = campaign, found.url("campaigns:campaign_schedule", campaign_id), ""
        else:
            recipients = set(scope.holding(R.BRANCH_SECRETARY, path) | scope.holding(R.COMMITTEE, path))
            if kind == K.OVERDUE:
                recipients |= scope.holding(R.ORG_DEPARTMENT, organizer)
            mine = scope.sees(responsible_user, path)
            where, url, prefix = branch, found.url("campaigns:site_schedule", site_id), f"{branch}："
        if mine:
            recipients.add(responsible_user)
        found.add_row(
            WorkItem,
            pk,
            kind,
            due_on,
            recipients,
            f"{prefix}工作安排「{title}」{due_text(due_on, today)}",
            f"{where}：工作安排「{title}」的完成时限是{chinese_date(due_on)}"
            + (f"，责任人{responsible}。" if responsible else "。"),
            f"{url}#item-{pk}",
        )


def _rectifications(found: _Collector) -> None:
    today, scope = found.today, found.scope
    rows = Rectification.objects.filter(
        Rectification.objects.overdue_q(today) | Rectification.objects.due_soon_q(today),
        site__status__in=TAKING_PART,
        site__campaign__status=Campaign.Status.ACTIVE,
    ).values_list(
        "pk",
        "description",
        "due_on",
        "site_id",
        "site__organization__name",
        "site__organization__path",
        "site__campaign__organizer__path",
    )
    for pk, description, due_on, site_id, branch, path, organizer in rows:
        kind = tier(due_on, today)
        if kind is None:
            continue
        recipients = set(scope.holding(R.BRANCH_SECRETARY, path) | scope.holding(R.COMMITTEE, path))
        if kind == K.OVERDUE:
            recipients |= scope.holding(R.ORG_DEPARTMENT, organizer)
        found.add_row(
            Rectification,
            pk,
            kind,
            due_on,
            recipients,
            f"{branch}：整改事项「{description[:40]}」{due_text(due_on, today)}",
            f"{branch}：整改事项「{description}」的整改时限是{chinese_date(due_on)}。",
            found.url("campaigns:site_supervision", site_id) + f"#rect-{pk}",
        )


def _self_assessments(found: _Collector) -> None:
    today, scope = found.today, found.scope
    submitted = SelfAssessment.objects.filter(
        site=OuterRef("pk"),
        status__in=[SelfAssessment.Status.SUBMITTED, SelfAssessment.Status.APPROVED],
    )
    sites = (
        Site.objects.filter(
            status=Site.Status.APPROVED,
            campaign__status=Campaign.Status.ACTIVE,
            campaign__phases__kind=Phase.Kind.IMPLEMENTATION,
            campaign__phases__ends_on__gte=today,
            campaign__phases__ends_on__lte=today + datetime.timedelta(days=SELF_ASSESSMENT_WINDOW),
        )
        .exclude(Exists(submitted))
        .annotate(phase_ends_on=F("campaign__phases__ends_on"))
        .select_related("organization", "campaign")
    )
    for site in sites:
        path = site.organization.path
        found.add(
            site,
            K.SELF_ASSESSMENT_MISSING,
            site.phase_ends_on,
            scope.holding(R.BRANCH_SECRETARY, path) | scope.holding(R.COMMITTEE, path),
            f"{site}：自评尚未提交",
            f"组织实施阶段将于{chinese_date(site.phase_ends_on)}结束，{site}的基层自评还没有提交，"
            "请对照考核标准完成自评并提交审核。",
            found.url("campaigns:site_detail", site.pk),
        )


def _acceptances(found: _Collector) -> None:
    today, scope = found.today, found.scope
    visits = (
        Acceptance.objects.filter(
            visited_on__gte=today,
            visited_on__lte=today + datetime.timedelta(days=ACCEPTANCE_WINDOW),
            signed_at__isnull=True,
            site__campaign__status=Campaign.Status.ACTIVE,
        )
        .select_related("site__organization", "site__campaign")
        .prefetch_related(
            models.Prefetch("team_members", queryset=TeamMember.objects.only("acceptance", "user"))
        )
    )
    for visit in visits:
        path = visit.site.organization.path
        found.add(
            visit,
            K.ACCEPTANCE_TOMORROW,
            visit.visited_on,
            {m.user_id for m in visit.team_members.all() if scope.sees(m.user_id, path)},
            f"{visit.site}：{when(visit.visited_on, today)}现场验收",
            f"您是{visit.site}现场验收小组的成员，验收定于{chinese_date(visit.visited_on)}进行。"
            "评分页可在手机上打开，无信号时录入的分数会在联网后自动上传。",
            found.url("assessments:inspection_scoring", visit.pk),
        )


def _surveys(found: _Collector) -> None:
    today, scope = found.today, found.scope
    surveys = Survey.objects.filter(
        closes_on__gte=today,
        closes_on__lte=today + datetime.timedelta(days=SURVEY_WINDOW),
        site__status__in=TAKING_PART,
        site__campaign__status=Campaign.Status.ACTIVE,
    ).select_related("site__organization", "site__campaign")
    for survey in surveys:
        path = survey.site.organization.path
        recipients = set(scope.holding(R.BRANCH_SECRETARY, path) | scope.holding(R.COMMITTEE, path))
        if scope.sees(survey.created_by_id, path):
            recipients.add(survey.created_by_id)
        found.add(
            survey,
            K.SURVEY_CLOSING,
            survey.closes_on,
            recipients,
            f"{survey.site}：{survey.title}{when(survey.closes_on, today)}截止",
            f"{survey.site}的{survey.title}将于{chinese_date(survey.closes_on)}截止，请组织群众及时参加测评。",
            found.url("campaigns:site_detail", survey.site_id),
        )


def _publicity(found: _Collector) -> None:
    today, scope = found.today, found.scope
    unanswered = Q(objections__answered_at__isnull=True)
    periods = (
        Acceptance.objects.filter(
            publicity_ends_on__gte=today,
            publicity_ends_on__lte=today + datetime.timedelta(days=PUBLICITY_WINDOW),
            site__campaign__status=Campaign.Status.ACTIVE,
        )
        .filter(Exists(Objection.objects.filter(acceptance=OuterRef("pk"), answered_at__isnull=True)))
        .annotate(unanswered=Count("objections", filter=unanswered))
        .select_related("site__organization", "site__campaign__organizer")
    )
    for acceptance in periods:
        found.add(
            acceptance,
            K.OBJECTIONS_UNANSWERED,
            acceptance.publicity_ends_on,
            scope.holding(R.ORG_DEPARTMENT, acceptance.site.campaign.organizer.path),
            f"{acceptance.site}：公示期{when(acceptance.publicity_ends_on, today)}结束，"
            f"{acceptance.unanswered} 条异议未答复",
            f"{acceptance.site}的验收结果公示将于{chinese_date(acceptance.publicity_ends_on)}结束，"
            f"尚有 {acceptance.unanswered} 条异议没有答复，请在公示期内答复。",
            found.url("assessments:publicity_overview", acceptance.site.campaign_id),
        )


# Sending -----------------------------------------------------------------------------------------


@dataclass
class Run:
    """What one run found and what it sent (only the reminders it was the first to record)."""

    today: datetime.date
    found: list[Due]
    sent: list[Due]
    emails: int = 0


# Many rows in one statement on both backends: the rows travel as one JSON array parameter.
_FROM_JSON = {
    "sqlite": "SELECT {picks}, %s FROM json_each(%s) WHERE true",
    "postgresql": "SELECT {picks}, %s FROM jsonb_to_recordset(%s::jsonb) AS x({types})",
}
_PICK = {"sqlite": "json_extract(value, '$.{key}')", "postgresql": "x.{key}"}


def _insert_from_json(table: str, columns: dict[str, str], last: str, rows: list[dict], tail: str = ""):
    """INSERT INTO `table` (`columns`…, `last`) one row per dict in `rows` (keyed by the column
    names; `columns` maps each to its PostgreSQL type) with the same value (the first parameter)
    for `last`. `tail` is appended (ON CONFLICT …, RETURNING …). Returns the cursor's rows."""
    vendor = connection.vendor
    quote = connection.ops.quote_name
    select = _FROM_JSON[vendor].format(
        picks=", ".join(_PICK[vendor].format(key=name) for name in columns),
        types=", ".join(f"{name} {kind}" for name, kind in columns.items()),
    )
    names = ", ".join(quote(name) for name in [*columns, last])
    sql = f"INSERT INTO {quote(table)} ({names}) {select} {tail}"
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, json.dumps(rows, ensure_ascii=False)])
        return cursor.fetchall() if tail and "RETURNING" in tail else []


REMINDER_COLUMNS = {
    "target_type_id": "integer",
    "target_id": "bigint",
    "kind": "text",
    "due_on": "date",
    "recipient_id": "bigint",
}
NOTIFICATION_COLUMNS = {"recipient_id": "bigint", "title": "text", "body": "text", "url": "text"}


def record_new(dues: list[Due]) -> list[Due]:
    """Insert a Reminder row for each of `dues` unless one exists; the ones this call inserted.

    One statement whatever the number of rows (they travel as one JSON parameter). The unique
    constraint `reminder_sent_once` decides: a concurrent run that inserted a row first makes
    this one skip it (on PostgreSQL it waits for that run's commit), so each reminder is
    returned to exactly one caller.
    """
    if not dues:
        return []
    inserted = _insert_from_json(
        Reminder._meta.db_table,
        REMINDER_COLUMNS,
        "sent_at",
        [
            {
                "target_type_id": d.target_type_id,
                "target_id": d.target_id,
                "kind": d.kind,
                "due_on": d.due_on.isoformat(),
                "recipient_id": d.recipient_id,
            }
            for d in dues
        ],
        tail="ON CONFLICT DO NOTHING RETURNING target_type_id, target_id, kind, due_on, recipient_id",
    )
    by_key = {d.key: d for d in dues}
    return [
        by_key[(t, i, k, d if isinstance(d, datetime.date) else datetime.date.fromisoformat(d), r)]
        for t, i, k, d, r in inserted
    ]


def send_deadline_reminders(today: datetime.date) -> Run:
    """Send what is due on `today` and was not sent before: notifications and digest emails."""
    found = due_reminders(today)
    with transaction.atomic():
        sent = record_new(found)
        if sent:
            # As one statement too: read_at stays NULL (unread).
            _insert_from_json(
                Notification._meta.db_table,
                NOTIFICATION_COLUMNS,
                "created_at",
                [
                    {"recipient_id": d.recipient_id, "title": d.title, "body": d.body, "url": d.url}
                    for d in sent
                ],
            )
    run = Run(today=today, found=found, sent=sent)
    run.emails = email_digests(sent, today)
    logger.info(
        "到期提醒 %s：应提醒 %s 条，本次发送 %s 条通知、%s 封邮件",
        today.isoformat(),
        len(found),
        len(sent),
        run.emails,
    )
    return run


def email_digests(sent: list[Due], today: datetime.date) -> int:
    """One email per recipient listing their reminders, for those with an address who keep
    reminder emails on. A mail failure is logged, not raised: the reminders are recorded and
    shown in the inbox, and a retry would find nothing new to send."""
    by_user = defaultdict(list)
    for due in sent:
        by_user[due.recipient_id].append(due)
    if not by_user:
        return 0
    users = User.objects.filter(pk__in=by_user, reminder_email=True, is_active=True).exclude(email="")
    messages = []
    for user in users.only("pk", "email", "name", "username"):
        context = {
            "user": user,
            "today": today,
            "reminders": by_user[user.pk],
            "site_url": settings.SITE_URL.rstrip("/"),
        }
        message = EmailMultiAlternatives(
            subject=render_to_string("email/reminder_digest_subject.txt", context).strip(),
            body=render_to_string("email/reminder_digest.txt", context),
            to=[user.email],
        )
        message.attach_alternative(render_to_string("email/reminder_digest.html", context), "text/html")
        messages.append(message)
    if not messages:
        return 0
    try:
        return mailers.default.send_messages(messages) or 0
    except Exception:
        logger.exception("到期提醒邮件发送失败（%s 封）", len(messages))
        return 0


def already_sent(dues: list[Due]) -> set[tuple]:
    """The keys among `dues` that have a Reminder row already (one query), for --dry-run."""
    if not dues:
        return set()
    existing = Reminder.objects.filter(
        target_type_id__in={d.target_type_id for d in dues},
        due_on__gte=min(d.due_on for d in dues),
        due_on__lte=max(d.due_on for d in dues),
        recipient_id__in={d.recipient_id for d in dues},
    ).values_list("target_type_id", "target_id", "kind", "due_on", "recipient_id")
    return {d.key for d in dues} & set(existing)


def describe(dues: list[Due]) -> list[str]:
    """One line per reminder, for `send_reminders --dry-run`: recipient, kind, due date, title."""
    names = {u.pk: u for u in User.objects.filter(pk__in={d.recipient_id for d in dues})}
    labels = dict(K.choices)
    return [
        f"{names[d.recipient_id].username}\t{labels[d.kind]}\t{d.due_on:%Y-%m-%d}\t{d.title}" for d in dues
    ]

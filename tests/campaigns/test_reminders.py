"""Deadline reminders (campaigns.reminders, the beat task and `send_reminders`): each kind at its
day boundaries, recipients by role and scope, sent once (twice run, two runs at once), digest
emails with the opt-out, a fixed number of queries, and a real worker on Redis."""

import datetime
import threading
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import Acceptance, Objection, SelfAssessment, Survey, TeamMember
from campaigns import reminders, tasks
from campaigns.models import Phase, Rectification, Reminder, WorkItem
from campaigns.reminders import tier
from campaigns.services import approve_site, nominate_site, raise_rectification, save_work_item
from organizations.models import Notification, User
from tests.campaigns.factories import MOBILIZATION_DAY, active_campaign
from tests.organizations.factories import UserFactory, give_role

pytestmark = pytest.mark.django_db

K = Reminder.Kind
TODAY = datetime.date(2026, 6, 15)
# The implementation phase of `standard_phases` ends on 2026-11-15.
PHASE_END = datetime.date(2026, 11, 15)


def on(offset: int, today: datetime.date = TODAY) -> datetime.date:
    return today + datetime.timedelta(days=offset)


@pytest.fixture
def site(tree, cast):
    campaign = active_campaign(organizer=tree.work, by=cast.org_department)
    site = nominate_site(campaign=campaign, branch=tree.branch_a1, by=cast.committee, today=MOBILIZATION_DAY)
    return approve_site(site=site, by=cast.org_department)


def item(site, cast, offset: int, title: str = "召开创建推进会", today=TODAY, **fields) -> WorkItem:
    return save_work_item(
        campaign=site.campaign, site=site, by=cast.secretary, title=title, due_on=on(offset, today), **fields
    )


def sent_to(run, obj) -> dict[str, str]:
    """{username: kind} of the reminders a run sent about `obj`."""
    ct = ContentType.objects.get_for_model(obj).pk
    names = dict(User.objects.values_list("pk", "username"))
    return {
        names[d.recipient_id]: d.kind for d in run.sent if (d.target_type_id, d.target_id) == (ct, obj.pk)
    }


# Tiers ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "kind"),
    [
        (8, None),
        (7, K.DUE_IN_7),
        (4, K.DUE_IN_7),
        (3, K.DUE_IN_3),
        (2, K.DUE_IN_3),
        (1, K.DUE_IN_1),
        (0, K.DUE_IN_1),
        (-1, K.OVERDUE),
        (-30, K.OVERDUE),
    ],
)
def test_tier_windows(days, kind):
    assert tier(on(days), TODAY) == kind


# Work items and rectifications --------------------------------------------------------------------


def test_work_item_due_soon_goes_to_the_secretary_and_the_committee(site, cast):
    due = item(site, cast, 3)
    run = reminders.send_deadline_reminders(TODAY)
    assert sent_to(run, due) == {"t_zhibu": K.DUE_IN_3, "t_dangwei": K.DUE_IN_3}
    assert run.sent[0].title == "一村党支部：工作安排「召开创建推进会」还有 3 天"


def test_work_item_beyond_seven_days_is_not_reminded(site, cast):
    far = item(site, cast, 8)
    assert sent_to(reminders.send_deadline_reminders(TODAY), far) == {}


def test_overdue_work_item_also_goes_to_the_committee_and_the_org_department(site, cast):
    late = item(site, cast, -2)
    run = reminders.send_deadline_reminders(TODAY)
    assert sent_to(run, late) == {"t_zhibu": K.OVERDUE, "t_dangwei": K.OVERDUE, "t_zzb": K.OVERDUE}


def test_done_work_item_is_not_reminded(site, cast):
    done = item(site, cast, -2, status=WorkItem.Status.DONE, done_on=on(-3))
    assert sent_to(reminders.send_deadline_reminders(TODAY), done) == {}


def test_campaign_wide_item_goes_to_the_org_department(site, cast):
    wide = save_work_item(
        campaign=site.campaign, site=None, by=cast.org_department, title="全区推进会", due_on=on(1)
    )
    assert sent_to(reminders.send_deadline_reminders(TODAY), wide) == {"t_zzb": K.DUE_IN_1}


def test_responsible_account_is_told_only_while_it_sees_the_site(site, cast, tree):
    mine = item(site, cast, 2, title="整理台账", responsible_user=cast.outsider)
    assert "t_outsider" not in sent_to(reminders.send_deadline_reminders(TODAY), mine)
    deputy = UserFactory(username="t_deputy")
    give_role(deputy, tree.branch_a1, "BRANCH_SECRETARY")
    ours = item(site, cast, 2, title="整理会议记录", responsible_user=deputy)
    assert sent_to(reminders.send_deadline_reminders(TODAY), ours)["t_deputy"] == K.DUE_IN_3


def test_rectification_due_and_overdue(site, cast):
    soon = raise_rectification(
        site=site, by=cast.org_department, description="补齐三会一课记录", owner="张三", due_on=on(7)
    )
    late = raise_rectification(
        site=site, by=cast.org_department, description="更新党建宣传栏", owner="李四", due_on=on(-1)
    )
    run = reminders.send_deadline_reminders(TODAY)
    assert sent_to(run, soon) == {"t_zhibu": K.DUE_IN_7, "t_dangwei": K.DUE_IN_7}
    assert sent_to(run, late) == {"t_zhibu": K.OVERDUE, "t_dangwei": K.OVERDUE, "t_zzb": K.OVERDUE}


def test_nobody_outside_the_scope_gets_anything(site, cast):
    item(site, cast, -5)
    item(site, cast, 1, title="明天的事")
    raise_rectification(site=site, by=cast.org_department, description="补材料", owner="", due_on=on(-1))
    run = reminders.send_deadline_reminders(TODAY)
    assert cast.outsider.pk not in {d.recipient_id for d in run.found}
    assert cast.inspector.pk not in {d.recipient_id for d in run.found}


# Phases and self-assessments ----------------------------------------------------------------------


def test_phase_ending_in_seven_days_goes_to_everyone_taking_part(site, cast):
    phase = site.campaign.phases.get(kind=Phase.Kind.IMPLEMENTATION)
    assert sent_to(reminders.send_deadline_reminders(on(-8, PHASE_END)), phase) == {}
    run = reminders.send_deadline_reminders(on(-7, PHASE_END))
    assert sent_to(run, phase) == {"t_zzb": K.DUE_IN_7, "t_dangwei": K.DUE_IN_7, "t_zhibu": K.DUE_IN_7}
    assert sent_to(reminders.send_deadline_reminders(on(-1, PHASE_END)), phase)["t_zhibu"] == K.DUE_IN_1


@pytest.mark.parametrize(
    ("status", "reminded"),
    [
        (None, True),
        (SelfAssessment.Status.DRAFT, True),
        (SelfAssessment.Status.RETURNED, True),
        (SelfAssessment.Status.SUBMITTED, False),
        (SelfAssessment.Status.APPROVED, False),
    ],
)
def test_self_assessment_not_submitted_seven_days_before_the_phase_ends(site, cast, status, reminded):
    if status:
        SelfAssessment.objects.create(site=site, status=status)
    assert sent_to(reminders.send_deadline_reminders(on(-8, PHASE_END)), site) == {}
    run = reminders.send_deadline_reminders(on(-7, PHASE_END))
    expected = {"t_zhibu": K.SELF_ASSESSMENT_MISSING, "t_dangwei": K.SELF_ASSESSMENT_MISSING}
    assert sent_to(run, site) == (expected if reminded else {})
    assert all(d.due_on == PHASE_END for d in run.sent if d.kind == K.SELF_ASSESSMENT_MISSING)


# Acceptances, surveys, 公示 (rows made directly: their pages come with issue 9) ------------------------


def test_acceptance_tomorrow_goes_to_its_team_who_can_see_the_site(site, cast):
    # A site has one unsigned acceptance at a time: the visit the day after tomorrow is asked
    # about once the first one is signed.
    visit = Acceptance.objects.create(site=site, visited_on=on(1))
    TeamMember.objects.create(acceptance=visit, user=cast.inspector, is_lead=True)
    TeamMember.objects.create(acceptance=visit, user=cast.outsider)
    run = reminders.send_deadline_reminders(TODAY)
    assert sent_to(run, visit) == {"t_yanshou": K.ACCEPTANCE_TOMORROW}
    Acceptance.objects.filter(pk=visit.pk).update(signed_at=timezone.now(), verdict="RECTIFYING")
    later = Acceptance.objects.create(site=site, visited_on=on(2))
    TeamMember.objects.create(acceptance=later, user=cast.inspector, is_lead=True)
    run = reminders.send_deadline_reminders(TODAY)
    assert sent_to(run, later) == {}


def test_survey_closing_in_two_days(site, cast):
    closing = Survey.objects.create(site=site, opens_on=on(-10), closes_on=on(2), created_by=cast.committee)
    later = Survey.objects.create(site=site, opens_on=on(-10), closes_on=on(3))
    run = reminders.send_deadline_reminders(TODAY)
    assert sent_to(run, closing) == {"t_zhibu": K.SURVEY_CLOSING, "t_dangwei": K.SURVEY_CLOSING}
    assert sent_to(run, later) == {}


def test_publicity_ending_with_an_unanswered_objection(site, cast):
    signed = {"signed_at": timezone.now(), "verdict": "PASSED"}
    open_one = Acceptance.objects.create(site=site, visited_on=on(-10), publicity_ends_on=on(1), **signed)
    Objection.objects.create(acceptance=open_one, text="材料不实")
    answered = Acceptance.objects.create(site=site, visited_on=on(-10), publicity_ends_on=on(1), **signed)
    Objection.objects.create(acceptance=answered, text="有疑问", answer="已核实", answered_at=timezone.now())
    run = reminders.send_deadline_reminders(TODAY)
    assert sent_to(run, open_one) == {"t_zzb": K.OBJECTIONS_UNANSWERED}
    assert "1 条异议" in next(d.title for d in run.sent if d.target_id == open_one.pk)
    assert sent_to(run, answered) == {}


# Asia/Shanghai ------------------------------------------------------------------------------------


def test_the_task_counts_days_in_beijing_time(site, cast, monkeypatch):
    """00:30 in Beijing on the 15th is still the 14th in UTC: the item due on the 16th is
    due tomorrow (DUE_IN_1), not in two days."""
    due = item(site, cast, 1)
    just_after_midnight = datetime.datetime(2026, 6, 14, 16, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: just_after_midnight)
    result = tasks.send_deadline_reminders()
    assert result["date"] == "2026-06-15"
    reminder = Reminder.objects.get(target_id=due.pk, recipient=cast.secretary)
    assert (reminder.kind, reminder.due_on) == (K.DUE_IN_1, on(1))


def test_just_before_midnight_is_still_the_day_before(site, cast, monkeypatch):
    due = item(site, cast, 1)
    monkeypatch.setattr(timezone, "now", lambda: datetime.datetime(2026, 6, 14, 15, 59, tzinfo=datetime.UTC))
    assert tasks.send_deadline_reminders()["date"] == "2026-06-14"
    assert Reminder.objects.get(target_id=due.pk, recipient=cast.secretary).kind == K.DUE_IN_3


# Sent once -------------------------------------------------------------------------------------------


def test_second_run_sends_nothing(site, cast, mailoutbox):
    item(site, cast, 3)
    item(site, cast, -1, title="逾期事项")
    first = reminders.send_deadline_reminders(TODAY)
    notifications, emails = Notification.objects.count(), len(mailoutbox)
    assert len(first.sent) == 5 and notifications == 5 and emails == 0  # the cast has no email addresses
    second = reminders.send_deadline_reminders(TODAY)
    assert len(second.found) == 5 and second.sent == []
    assert Notification.objects.count() == notifications and Reminder.objects.count() == 5


def test_each_tier_is_sent_once_as_the_date_comes_closer(site, cast):
    due = item(site, cast, 7)
    kinds = []
    for day in range(9):
        run = reminders.send_deadline_reminders(on(day))
        kinds += [d.kind for d in run.sent if d.target_id == due.pk and d.recipient_id == cast.secretary.pk]
    assert kinds == [K.DUE_IN_7, K.DUE_IN_3, K.DUE_IN_1, K.OVERDUE]


def test_a_moved_due_date_is_reminded_again(site, cast):
    due = item(site, cast, 3)
    reminders.send_deadline_reminders(TODAY)
    save_work_item(campaign=site.campaign, site=site, item=due, by=cast.secretary, due_on=on(2))
    run = reminders.send_deadline_reminders(TODAY)
    assert sent_to(run, due) == {"t_zhibu": K.DUE_IN_3, "t_dangwei": K.DUE_IN_3}


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_each_reminder_once(tree, cast):
    """On PostgreSQL two threads (two connections) run at the same moment; the second insert
    waits on the unique index and skips. On SQLite writes are serialized: two calls."""
    campaign = active_campaign(organizer=tree.work, by=cast.org_department)
    site = approve_site(
        site=nominate_site(
            campaign=campaign, branch=tree.branch_a1, by=cast.committee, today=MOBILIZATION_DAY
        ),
        by=cast.org_department,
    )
    WorkItem.objects.bulk_create(
        WorkItem(campaign=campaign, site=site, title=f"事项{i}", due_on=on(i % 9 - 1)) for i in range(60)
    )
    expected = len(reminders.due_reminders(TODAY))
    results = []
    if connection.vendor == "postgresql":
        barrier = threading.Barrier(2)

        def run():
            try:
                barrier.wait()
                results.append(reminders.send_deadline_reminders(TODAY))
            finally:
                connection.close()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:
        results = [reminders.send_deadline_reminders(TODAY), reminders.send_deadline_reminders(TODAY)]
    assert len(results) == 2
    sent = [d.key for r in results for d in r.sent]
    assert len(sent) == len(set(sent)) == expected
    assert set(sent) == {d.key for d in results[0].found}
    assert Reminder.objects.count() == expected == Notification.objects.count()


# Email ---------------------------------------------------------------------------------------------


def test_one_digest_email_per_user_and_the_opt_out(site, cast, tree, mailoutbox):
    cast.secretary.email = "zhibu@example.org"
    cast.secretary.save()
    cast.committee.email = "dangwei@example.org"
    cast.committee.reminder_email = False
    cast.committee.save()
    item(site, cast, 3, title="召开组织生活会")
    item(site, cast, -1, title="报送创建方案")
    run = reminders.send_deadline_reminders(TODAY)
    assert run.emails == 1 and len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["zhibu@example.org"]
    assert "到期提醒（2 项）" in mail.subject
    assert "召开组织生活会" in mail.body and "报送创建方案" in mail.body
    assert "http://127.0.0.1:8000/sites/" in mail.body
    assert mail.alternatives[0].mimetype == "text/html"
    # The committee turned email off: its reminder is in the inbox only.
    assert Notification.objects.filter(recipient=cast.committee).count() == 2


def test_a_mail_failure_keeps_the_notifications(site, cast, monkeypatch):
    cast.secretary.email = "zhibu@example.org"
    cast.secretary.save()
    item(site, cast, 3)

    def broken(messages):
        raise OSError("SMTP down")

    monkeypatch.setattr(reminders, "mailers", SimpleNamespace(default=SimpleNamespace(send_messages=broken)))
    run = reminders.send_deadline_reminders(TODAY)
    assert run.emails == 0 and Notification.objects.filter(recipient=cast.secretary).count() == 1


# Queries -------------------------------------------------------------------------------------------


# Five days before the implementation phase ends: every kind of reminder has something to say.
BUSY_DAY = PHASE_END - datetime.timedelta(days=5)


def _open_items(site, cast, count: int) -> None:
    """`count` open work items and rectifications due in 0..7 days or overdue, and one row of
    every other kind, made directly."""
    WorkItem.objects.bulk_create(
        WorkItem(campaign=site.campaign, site=site, title=f"工作{i}", due_on=on(i % 10 - 2, BUSY_DAY))
        for i in range(count)
    )
    Rectification.objects.bulk_create(
        Rectification(
            site=site, source="SUPERVISION", description=f"整改{i}", due_on=on(i % 10 - 2, BUSY_DAY)
        )
        for i in range(count)
    )
    # One visit coming (a site has one unsigned acceptance at a time: an earlier one is signed
    # now) and one signed result in its 公示 period with an objection.
    Acceptance.objects.filter(site=site, signed_at__isnull=True).update(
        signed_at=timezone.now(), verdict="RECTIFYING"
    )
    visit = Acceptance.objects.create(site=site, visited_on=on(1, BUSY_DAY))
    TeamMember.objects.create(acceptance=visit, user=cast.inspector, is_lead=True)
    published = Acceptance.objects.create(
        site=site,
        visited_on=on(-3, BUSY_DAY),
        publicity_ends_on=on(1, BUSY_DAY),
        signed_at=timezone.now(),
        verdict="PASSED",
    )
    Objection.objects.create(acceptance=published, text="有异议")
    Survey.objects.create(site=site, opens_on=on(-9, BUSY_DAY), closes_on=on(1, BUSY_DAY))


# A run's queries: the roles; the phases ending and their campaigns' sites; work items;
# rectifications; self-assessments; acceptance visits and their teams; surveys; 公示 periods;
# the content types (one query, then cached); the savepoint pair around the one
# INSERT … RETURNING and the one bulk insert of notifications; the users to email.
# None of them is per item.
RUN_QUERIES = 16


@pytest.mark.parametrize("count", [10, 1000])
def test_a_run_costs_the_same_queries_for_10_or_1000_items(site, cast, count, django_assert_max_num_queries):
    _open_items(site, cast, count)
    ContentType.objects.clear_cache()
    with django_assert_max_num_queries(RUN_QUERIES):
        run = reminders.send_deadline_reminders(BUSY_DAY)
    assert {d.kind for d in run.sent} == set(K.values)
    assert len(run.sent) >= count * 2


def test_query_count_does_not_grow(site, cast):
    _open_items(site, cast, 10)
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as small:
        reminders.send_deadline_reminders(BUSY_DAY)
    _open_items(site, cast, 1000)
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as large:
        reminders.send_deadline_reminders(on(1, BUSY_DAY))
    assert len(large) == len(small)


# The command, the task and beat ------------------------------------------------------------------------


def test_dry_run_prints_and_sends_nothing(site, cast, capsys):
    item(site, cast, 3, title="召开推进会")
    call_command("send_reminders", "--date", TODAY.isoformat(), "--dry-run")
    out = capsys.readouterr().out
    assert "t_zhibu\t3 天后到期\t2026-06-18\t一村党支部：工作安排「召开推进会」还有 3 天" in out
    assert "应发送 2 条提醒" in out
    assert Reminder.objects.count() == 0 and Notification.objects.count() == 0


def test_command_sends_then_dry_run_counts_it_as_sent(site, cast, capsys):
    item(site, cast, 3)
    call_command("send_reminders", "--date", TODAY.isoformat())
    assert "发送 2 条提醒" in capsys.readouterr().out
    call_command("send_reminders", "--date", TODAY.isoformat(), "--dry-run")
    assert "应发送 0 条提醒（另有 2 条此前已发送）" in capsys.readouterr().out


def test_command_refuses_a_bad_date():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_reminders", "--date", "2026/06/15")


def test_beat_runs_the_task_daily_at_eight_beijing_time():
    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["send-deadline-reminders"]
    assert entry["task"] == "campaigns.tasks.send_deadline_reminders"
    assert entry["schedule"].hour == {8} and entry["schedule"].minute == {0}
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"
    app.loader.import_default_modules()
    assert "campaigns.tasks.send_deadline_reminders" in app.tasks


def _redis_url() -> str | None:
    import redis

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return None
    return url


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_sends_the_reminders(tree, cast):
    from celery.backends.redis import RedisBackend
    from celery.contrib.testing.worker import start_worker
    from celery.result import AsyncResult

    from config.celery import app

    url = _redis_url()
    if url is None:
        pytest.skip("需要本机 Redis（127.0.0.1:6379）")
    campaign = active_campaign(organizer=tree.work, by=cast.org_department)
    site = approve_site(
        site=nominate_site(
            campaign=campaign, branch=tree.branch_a1, by=cast.committee, today=MOBILIZATION_DAY
        ),
        by=cast.org_department,
    )
    item(site, cast, 3)
    saved = {k: app.conf[k] for k in ("broker_url", "result_backend", "task_always_eager")}
    app.conf.update(broker_url=url, result_backend=url, task_always_eager=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            # This thread's app may have made its result backend before the conf changed (the
            # backend is cached per thread); the worker's thread makes its own from the conf.
            backend = RedisBackend(app=app, url=url)
            # Likewise the producer pool: send through a connection to this Redis.
            with app.connection_for_write(url) as connection:
                result = app.send_task(
                    "campaigns.tasks.send_deadline_reminders",
                    kwargs={"day": TODAY.isoformat()},
                    connection=connection,
                )
                first = AsyncResult(result.id, backend=backend).get(timeout=30)
                assert first == {"date": "2026-06-15", "found": 2, "sent": 2, "emails": 0}
                again = app.send_task(
                    "campaigns.tasks.send_deadline_reminders",
                    kwargs={"day": TODAY.isoformat()},
                    connection=connection,
                )
                assert AsyncResult(again.id, backend=backend).get(timeout=30)["sent"] == 0
    finally:
        app.conf.update(saved)
    assert Notification.objects.get(recipient=cast.secretary).url.startswith(f"/sites/{site.pk}/schedule/")

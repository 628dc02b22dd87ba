"""Benchmark (`make bench`): the deadline-reminder scan over 100,000 open items beside one
COUNT(*) over the same rows, then the two runs of the job (the second sends nothing).

Prints figures and asserts nothing about speed — only that the scan finds every item and the
second run sends 0. The scan reads each kind of deadline in one query and matches recipients
in memory; the job then inserts the reminders in one INSERT … ON CONFLICT DO NOTHING RETURNING
and the notifications in bulk.
"""

import datetime
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns import reminders
from campaigns.models import WorkItem
from campaigns.services import approve_site, nominate_site
from tests.campaigns.factories import MOBILIZATION_DAY, active_campaign

pytestmark = pytest.mark.django_db

ITEMS = 100_000
TODAY = datetime.date(2026, 6, 15)


def timed(func):
    started = time.perf_counter()
    result = func()
    return (time.perf_counter() - started) * 1000, result


def test_reminder_scan_over_100000_open_items(tree, cast):
    campaign = active_campaign(organizer=tree.work, by=cast.org_department)
    site = approve_site(
        site=nominate_site(
            campaign=campaign, branch=tree.branch_a1, by=cast.committee, today=MOBILIZATION_DAY
        ),
        by=cast.org_department,
    )
    # Due from 30 days ago to 7 days ahead: every one overdue or in a tier.
    WorkItem.objects.bulk_create(
        (
            WorkItem(
                campaign=campaign,
                site=site,
                title=f"工作安排{i}",
                due_on=TODAY + datetime.timedelta(days=i % 38 - 30),
            )
            for i in range(ITEMS)
        ),
        batch_size=5000,
    )
    horizon = TODAY + datetime.timedelta(days=7)
    count_ms, count = timed(lambda: WorkItem.objects.open().filter(due_on__lte=horizon).count())
    scan_ms, found = timed(lambda: reminders.due_reminders(TODAY))
    with CaptureQueriesContext(connection) as queries:
        first_ms, first = timed(lambda: reminders.send_deadline_reminders(TODAY))
    second_ms, second = timed(lambda: reminders.send_deadline_reminders(TODAY))
    print(
        f"\n到期提醒（{connection.vendor}，{ITEMS:,} 条未完成工作安排，逾期的另发组织部）\n"
        f"  COUNT(*) 同一批行：        {count_ms:8.0f} ms（{count:,} 行）\n"
        f"  扫描（due_reminders）：    {scan_ms:8.0f} ms（{len(found):,} 条提醒）\n"
        f"  第一次运行（含写入）：     {first_ms:8.0f} ms，{len(queries)} 条查询，"
        f"发送 {len(first.sent):,} 条\n"
        f"  第二次运行：               {second_ms:8.0f} ms，发送 {len(second.sent)} 条"
    )
    assert count == ITEMS
    # Overdue items also go to the 组织部: two or three recipients each.
    assert len(found) == len(first.sent) >= 2 * ITEMS
    assert second.sent == []

"""Benchmark (`make bench`): the yearly star board beside the bare GROUP BY over the same rows.

Prints figures and asserts nothing about speed — only that they all count the same. The board
does more than the bare query: it lists members without services too, with their 党小组, and
counts distinct (date, trimmed content) pairs so a duplicate verified twice counts once. It is one
query with a correlated subquery per member; the same board written as LEFT JOIN + GROUP BY over
all the rows is timed beside it, since that is the form it replaced.
"""

import datetime
import statistics
import time

import pytest
from django.db.models import Count, Q
from django.utils import timezone

from members.models import Member, ServiceRecord
from members.queries import counted_service_key, yearly_board
from members.stars import DEFAULT_STAR_THRESHOLDS

pytestmark = pytest.mark.django_db

YEAR = 2026
MEMBERS = 200
SERVICES_EACH = 30
RUNS = 25


def median_ms(func, runs: int = RUNS) -> tuple[float, object]:
    result = func()  # warm-up: statement cache, page cache
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        result = func()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), result


def test_star_board_beside_the_bare_group_by(tree):
    branch = tree.branch_a1
    members = Member.objects.bulk_create(
        Member(branch=branch, group=tree.group_a1 if i % 2 else None, name=f"党员{i:03d}", gender="M")
        for i in range(MEMBERS)
    )
    verified_at = timezone.now()
    start = datetime.date(YEAR, 1, 1)
    ServiceRecord.objects.bulk_create(
        (
            ServiceRecord(
                member=member,
                served_on=start + datetime.timedelta(days=(i * 11 + j * 12) % 330),
                place="村委会",
                content=f"帮扶困难户第{j}次",
                # Every tenth entry still awaits the secretary; both queries leave it out.
                verified_at=None if j % 10 == 9 else verified_at,
            )
            for i, member in enumerate(members)
            for j in range(SERVICES_EACH)
        ),
        batch_size=2000,
    )

    board_ms, rows = median_ms(lambda: yearly_board(branch, YEAR, DEFAULT_STAR_THRESHOLDS))
    bare_ms, groups = median_ms(
        lambda: list(
            ServiceRecord.objects.filter(
                member__branch=branch, verified_at__isnull=False, served_on__year=YEAR
            )
            .values("member")
            .annotate(n=Count("id"))
        )
    )
    counted = Q(services__verified_at__isnull=False, services__served_on__year=YEAR)
    join_ms, joined = median_ms(
        lambda: list(
            Member.objects.filter(branch=branch)
            .annotate(n=Count(counted_service_key("services__"), filter=counted, distinct=True))
            .values_list("pk", "name", "group__name", "n")
        )
    )

    by_member = {g["member"]: g["n"] for g in groups}
    assert {row.member_id: row.services for row in rows} == by_member
    assert {pk: n for pk, _name, _group, n in joined} == by_member
    total = ServiceRecord.objects.filter(member__branch=branch).count()
    print(
        f"\n星级评定：{MEMBERS} 名党员 × {SERVICES_EACH} 条服务记录（共 {total} 条；{RUNS} 次取中位数）\n"
        f"  yearly_board（一次查询，逐人子查询）  {board_ms:8.2f} ms\n"
        f"  裸 GROUP BY 计数                      {bare_ms:8.2f} ms\n"
        f"  比值 yearly_board / GROUP BY          {board_ms / bare_ms:8.2f}\n"
        f"  （对照：LEFT JOIN + GROUP BY 写法      {join_ms:8.2f} ms）"
    )

"""Overdue and due soon: one rule (`DUE_SOON_DAYS`, the querysets' `.overdue(today)` /
`.due_soon(today)` and the models' `days_overdue` / `is_due_soon`), and one way of writing a
date and a duration (`chinese_dates`)."""

import datetime

import pytest
from django.db.models import Count
from django.template import Context, Template
from django.utils import timezone

from campaigns.models import DUE_SOON_DAYS, Rectification, WorkItem
from campaigns.services import (
    answer_rectification,
    approve_site,
    close_rectification,
    complete_work_item,
    nominate_site,
    raise_rectification,
    save_work_item,
)
from organizations.templatetags.chinese_dates import chinese_date, due_text
from tests.campaigns.factories import MOBILIZATION_DAY, active_campaign

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)
# Days from today of each item's due date, named by where it stands.
DUE = {
    "yesterday": -1,
    "today": 0,
    "last_soon": DUE_SOON_DAYS,
    "after_soon": DUE_SOON_DAYS + 1,
}


def on(offset: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=offset)


@pytest.fixture
def site(tree, cast):
    campaign = active_campaign(organizer=tree.work, by=cast.org_department)
    site = nominate_site(campaign=campaign, branch=tree.branch_a1, by=cast.committee, today=MOBILIZATION_DAY)
    return approve_site(site=site, by=cast.org_department)


@pytest.fixture
def work_items(site, cast):
    items = {
        name: save_work_item(
            campaign=site.campaign, site=site, by=cast.secretary, title=name, due_on=on(offset)
        )
        for name, offset in DUE.items()
    }
    done = save_work_item(
        campaign=site.campaign, site=site, by=cast.secretary, title="done_late", due_on=on(-30)
    )
    items["done_late"] = complete_work_item(item=done, by=cast.secretary)
    return items


@pytest.fixture
def rectifications(site, cast):
    items = {
        name: raise_rectification(
            site=site, by=cast.org_department, description=name, owner="", due_on=on(offset)
        )
        for name, offset in DUE.items()
    }
    closed = raise_rectification(
        site=site, by=cast.org_department, description="closed_late", owner="", due_on=on(-30)
    )
    answer_rectification(item=closed, by=cast.secretary, response="已改")
    items["closed_late"] = close_rectification(item=closed, by=cast.org_department)
    answered = raise_rectification(
        site=site, by=cast.org_department, description="answered_late", owner="", due_on=on(-2)
    )
    items["answered_late"] = answer_rectification(item=answered, by=cast.secretary, response="已改")
    return items


def titles(queryset, field: str) -> set[str]:
    return set(queryset.values_list(field, flat=True))


def test_work_items_overdue_and_due_soon_at_their_edges(work_items):
    items = WorkItem.objects.all()

    assert titles(items.overdue(TODAY), "title") == {"yesterday"}
    assert titles(items.due_soon(TODAY), "title") == {"today", "last_soon"}
    assert titles(items.open(), "title") == set(DUE)


def test_rectifications_overdue_and_due_soon_at_their_edges(rectifications):
    items = Rectification.objects.all()

    # An answered item is still open: it is done only once closed (销号).
    assert titles(items.overdue(TODAY), "description") == {"yesterday", "answered_late"}
    assert titles(items.due_soon(TODAY), "description") == {"today", "last_soon"}


def test_the_aggregate_conditions_count_what_the_filters_return(rectifications):
    items = Rectification.objects.all()

    counts = items.aggregate(
        overdue=Count("pk", filter=items.overdue_q(TODAY)),
        soon=Count("pk", filter=items.due_soon_q(TODAY)),
    )

    assert counts == {"overdue": 2, "soon": 2}
    assert counts == {"overdue": items.overdue(TODAY).count(), "soon": items.due_soon(TODAY).count()}


@pytest.mark.parametrize(
    ("name", "days_overdue", "due_soon"),
    [("yesterday", 1, False), ("today", 0, True), ("last_soon", 0, True), ("after_soon", 0, False)],
)
def test_one_item_in_hand_answers_the_same(work_items, rectifications, name, days_overdue, due_soon):
    for item in (work_items[name], rectifications[name]):
        assert item.days_overdue(TODAY) == days_overdue
        assert item.is_due_soon(TODAY) == due_soon


def test_a_done_item_is_never_overdue_nor_due_soon(work_items, rectifications):
    for item in (work_items["done_late"], rectifications["closed_late"]):
        assert item.days_overdue(TODAY) == 0
        assert not item.is_due_soon(on(-30))
    assert rectifications["answered_late"].days_overdue(TODAY) == 2


# Writing dates and durations ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "text"),
    [(-17, "逾期 17 天"), (-1, "逾期 1 天"), (0, "今天到期"), (3, "还有 3 天"), (15, "还有 15 天")],
)
def test_due_text_counts_whole_days(offset, text):
    assert due_text(on(offset), TODAY) == text


def test_due_text_of_no_date_is_empty():
    assert due_text(None, TODAY) == ""


def test_chinese_date_long_and_short():
    assert chinese_date(datetime.date(2026, 6, 5)) == "2026年6月5日"
    assert chinese_date(datetime.date(2026, 6, 5), "short") == "6月5日"
    assert chinese_date(None) == ""


def test_a_moment_is_written_as_its_beijing_date():
    late_evening_utc = datetime.datetime(2026, 5, 31, 17, 0, tzinfo=datetime.UTC)  # 1:00 on 6月1日 in Beijing

    assert chinese_date(late_evening_utc) == "2026年6月1日"
    assert chinese_date(timezone.make_aware(datetime.datetime(2026, 6, 1, 9))) == "2026年6月1日"


def test_the_filters_in_a_template():
    template = Template('{% load chinese_dates %}{{ due|due_text:today }}，{{ due|chinese_date:"short" }}')

    html = template.render(Context({"due": on(-17), "today": TODAY}))

    assert html == "逾期 17 天，5月29日"

"""党费: the month × member grid and recording a payment in it.

Every url answers each role: the branch secretary and its 党委 record and correct payments; the
组织部 and inspectors see the grid but get 403 on a change; the secretary of another branch gets
404; an anonymous visitor is sent to log in. Refused posts change nothing.
"""

import datetime
import re
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import DuesPayment, Member
from members.rules import DuesState
from members.services.records import record_dues_payment
from organizations.models import AuditEvent, Verb
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db

D = datetime.date
HTMX = {"HTTP_HX_REQUEST": "true"}
ROLES = ["org_department", "committee", "secretary", "inspector", "outsider"]
READ = {"org_department": 200, "committee": 200, "secretary": 200, "inspector": 200, "outsider": 404}
EDIT = {"org_department": 403, "committee": 200, "secretary": 200, "inspector": 403, "outsider": 404}
YEAR = 2026


TODAY = D(2026, 6, 15)


@pytest.fixture(autouse=True)
def today(monkeypatch):
    """The pages run on 15 June 2026: January to May have ended, June is this month."""
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: TODAY)
    return TODAY


@pytest.fixture
def member(tree):
    return MemberFactory(branch=tree.branch_a1, group=tree.group_a1, name="王建国", joined_on=D(2010, 7, 1))


def login(client, cast, role):
    if role != "anonymous":
        client.force_login(getattr(cast, role))


def grid_url(tree, **query):
    url = reverse("members:dues_grid", args=[tree.branch_a1.pk])
    return f"{url}?{urlencode(query)}" if query else url


def record_url(tree, member, month="2026-01", **extra):
    query = {"member": member.pk, "month": month, **extra}
    return f"{reverse('members:dues_record', args=[tree.branch_a1.pk])}?{urlencode(query)}"


def snapshot():
    return (
        list(DuesPayment.objects.order_by("pk").values_list("member_id", "month", "amount", "paid_on")),
        AuditEvent.objects.count(),
    )


def pay(member, month, paid_on, by, amount="10"):
    return record_dues_payment(member=member, month=month, amount=Decimal(amount), paid_on=paid_on, by=by)


# Who gets what ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_grid_answers_each_role(client, tree, cast, member, role):
    login(client, cast, role)
    response = client.get(grid_url(tree))
    assert response.status_code == READ[role]
    if READ[role] == 200:
        assert member.name in response.content.decode()
        # Only those who keep the records get the cells as links to the form.
        assert (reverse("members:dues_record", args=[tree.branch_a1.pk]) in response.content.decode()) == (
            EDIT[role] == 200
        )


@pytest.mark.parametrize("role", ROLES)
def test_record_form_answers_each_role(client, tree, cast, member, role):
    login(client, cast, role)
    assert client.get(record_url(tree, member)).status_code == EDIT[role]
    assert client.get(record_url(tree, member), **HTMX).status_code == EDIT[role]


@pytest.mark.parametrize("role", ROLES)
def test_recording_answers_each_role_and_a_refusal_changes_nothing(client, tree, cast, member, role):
    login(client, cast, role)
    before = snapshot()
    response = client.post(
        reverse("members:dues_record", args=[tree.branch_a1.pk]),
        {"member": member.pk, "month": "2026-01", "amount": "10", "paid_on": "2026-01-08"},
    )
    if EDIT[role] == 200:
        assert response.status_code == 302
        assert DuesPayment.objects.get(member=member).paid_on == D(2026, 1, 8)
    else:
        assert response.status_code == EDIT[role]
        assert snapshot() == before


@pytest.mark.parametrize("role", ["org_department", "inspector", "outsider"])
def test_removal_refused_changes_nothing(client, tree, cast, member, role):
    pay(member, D(2026, 1, 1), D(2026, 1, 8), cast.secretary)
    login(client, cast, role)
    before = snapshot()
    response = client.post(
        reverse("members:dues_record", args=[tree.branch_a1.pk]),
        {"member": member.pk, "month": "2026-01", "remove": "1"},
    )
    assert response.status_code == EDIT[role]
    assert snapshot() == before


def test_anonymous_is_sent_to_login(client, tree, member):
    for url in (grid_url(tree), record_url(tree, member)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    response = client.post(reverse("members:dues_record", args=[tree.branch_a1.pk]), {"member": member.pk})
    assert response.status_code == 302
    assert not DuesPayment.objects.exists()


def test_a_member_of_another_branch_or_a_bad_month_is_404(client, tree, cast, member):
    other = MemberFactory(branch=tree.branch_a2)
    login(client, cast, "secretary")
    assert client.get(record_url(tree, other)).status_code == 404
    assert client.get(record_url(tree, member, month="2026-13")).status_code == 404
    assert client.get(record_url(tree, member, month="五月")).status_code == 404
    assert (
        client.get(reverse("members:dues_grid", args=[tree.group_a1.pk])).status_code == 404
    )  # a group is no branch


# Recording and correcting ---------------------------------------------------------------------


def test_secretary_records_a_payment_and_returns_to_the_grid_where_she_was(client, tree, cast, member):
    login(client, cast, "secretary")
    back = urlencode({"year": YEAR, "group": tree.group_a1.pk, "page": 2})
    response = client.post(
        reverse("members:dues_record", args=[tree.branch_a1.pk]),
        {"member": member.pk, "month": "2026-03", "amount": "12.50", "paid_on": "2026-03-10", "back": back},
    )
    payment = DuesPayment.objects.get(member=member)
    assert (payment.month, payment.amount, payment.paid_on) == (
        D(2026, 3, 1),
        Decimal("12.50"),
        D(2026, 3, 10),
    )
    assert response["Location"] == f"{grid_url(tree)}?{back}#member-{member.pk}"
    event = AuditEvent.objects.get(verb=Verb.RECORD_DUES)
    assert event.organization == tree.branch_a1
    assert event.subject_id == member.pk
    assert "王建国 2026年3月：12.50 元，2026-03-10 缴纳" in event.summary


def test_recording_a_month_again_corrects_it(client, tree, cast, member):
    pay(member, D(2026, 3, 1), D(2026, 4, 2), cast.secretary)
    login(client, cast, "committee")
    response = client.get(record_url(tree, member, month="2026-03"))
    assert response.context["form"].initial == {"amount": Decimal("10.00"), "paid_on": D(2026, 4, 2)}
    client.post(
        reverse("members:dues_record", args=[tree.branch_a1.pk]),
        {"member": member.pk, "month": "2026-03", "amount": "10", "paid_on": "2026-03-28"},
    )
    payment = DuesPayment.objects.get(member=member)
    assert payment.paid_on == D(2026, 3, 28)
    assert DuesPayment.objects.count() == 1
    event = AuditEvent.objects.get(verb=Verb.CORRECT_DUES)
    assert event.summary == "王建国 2026年3月：缴纳日期：2026-04-02 → 2026-03-28"


def test_a_payment_recorded_by_mistake_is_removed(client, tree, cast, member):
    pay(member, D(2026, 3, 1), D(2026, 3, 2), cast.secretary)
    login(client, cast, "secretary")
    response = client.post(
        reverse("members:dues_record", args=[tree.branch_a1.pk]),
        {"member": member.pk, "month": "2026-03", "remove": "1"},
    )
    assert response.status_code == 302
    assert not DuesPayment.objects.exists()
    assert AuditEvent.objects.filter(verb=Verb.REMOVE_DUES).count() == 1


def test_a_new_payment_starts_from_the_members_last_amount_and_today(client, tree, cast, member, today):
    pay(member, D(2026, 1, 1), D(2026, 1, 2), cast.secretary, amount="8.40")
    login(client, cast, "secretary")
    response = client.get(record_url(tree, member, month="2026-02"))
    assert response.context["form"].initial == {"amount": Decimal("8.40"), "paid_on": today}


def test_bad_input_is_shown_beside_the_field_and_kept(client, tree, cast, member, today):
    login(client, cast, "secretary")
    tomorrow = today + datetime.timedelta(days=1)
    response = client.post(
        reverse("members:dues_record", args=[tree.branch_a1.pk]),
        {"member": member.pk, "month": "2026-03", "amount": "-3", "paid_on": f"{tomorrow:%Y-%m-%d}"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["paid_on"] == ["缴纳日期不能晚于今天。"]
    assert "amount" in form.errors
    html = response.content.decode()
    assert 'value="-3"' in html
    assert f'value="{tomorrow:%Y-%m-%d}"' in html
    assert not DuesPayment.objects.exists()


def test_a_month_before_joining_is_refused_with_the_reason(client, tree, cast):
    newcomer = MemberFactory(branch=tree.branch_a1, name="李新", joined_on=D(2026, 3, 15))
    login(client, cast, "secretary")
    response = client.post(
        reverse("members:dues_record", args=[tree.branch_a1.pk]),
        {"member": newcomer.pk, "month": "2026-02", "amount": "5", "paid_on": "2026-02-10"},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "李新于2026年3月15日加入党组织，2026年2月无需缴纳党费。"
    ]
    assert not DuesPayment.objects.exists()


# htmx: the cell's form in the panel, the row redrawn in place -------------------------------------


def test_htmx_cell_opens_the_small_form_as_a_fragment(client, tree, cast, member):
    login(client, cast, "secretary")
    response = client.get(record_url(tree, member, month="2026-05"), **HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert 'hx-post="' in html
    assert "王建国 · 2026年5月党费" in html
    assert response["Vary"].count("HX-Request") == 1


def test_htmx_save_redraws_the_row_and_counts_and_closes_the_form(client, tree, cast, member):
    login(client, cast, "secretary")
    response = client.post(
        reverse("members:dues_record", args=[tree.branch_a1.pk]),
        {
            "member": member.pk,
            "month": "2026-05",
            "amount": "10",
            "paid_on": "2026-06-03",
            "back": "year=2026",
        },
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert '<div id="dues-editor" class="dues-editor" hx-swap-oob="true"></div>' in html
    assert re.search(rf'<template>\s*<tr id="member-{member.pk}"[^>]*hx-swap-oob="true"', html)
    assert 'id="dues-summary" class="dues-summary" hx-swap-oob="true"' in html
    assert "已登记王建国 2026年5月党费 10.00 元（逾期补缴）。" in html
    cells = response.context["row"].cells
    assert cells[4].state == DuesState.LATE


def test_htmx_bad_input_keeps_the_form_in_the_panel(client, tree, cast, member):
    login(client, cast, "secretary")
    response = client.post(
        reverse("members:dues_record", args=[tree.branch_a1.pk]),
        {"member": member.pk, "month": "2026-05", "amount": "", "paid_on": "2026-05-03"},
        **HTMX,
    )
    html = response.content.decode()
    assert 'class="dues-sheet"' in html
    assert "field__error" in html
    assert not DuesPayment.objects.exists()


def test_htmx_cancel_empties_the_panel(client, tree, cast, member):
    login(client, cast, "secretary")
    response = client.get(f"{reverse('members:dues_record', args=[tree.branch_a1.pk])}?close=1", **HTMX)
    assert response.status_code == 200
    assert response.content == b""


# What the grid shows ----------------------------------------------------------------------------


def states_of(response, member):
    row = next(r for r in response.context["rows"] if r.member_id == member.pk)
    return [cell.state for cell in row.cells]


def test_grid_shows_on_time_late_unpaid_and_not_yet_due(client, tree, cast):
    member = MemberFactory(branch=tree.branch_a1, name="王建国", joined_on=D(2010, 7, 1))
    newcomer = MemberFactory(branch=tree.branch_a1, name="李新", joined_on=D(2026, 3, 15))
    pay(member, D(2026, 1, 1), D(2026, 1, 9), cast.secretary)  # on time
    pay(member, D(2026, 2, 1), D(2026, 3, 1), cast.secretary)  # late
    pay(member, D(2026, 6, 1), D(2026, 6, 2), cast.secretary)  # this month, on time
    pay(member, D(2026, 9, 1), D(2026, 6, 2), cast.secretary)  # paid ahead
    pay(newcomer, D(2026, 4, 1), D(2026, 4, 30), cast.secretary)
    login(client, cast, "secretary")

    response = client.get(grid_url(tree, year=2026))

    S = DuesState
    assert states_of(response, member)[:6] == [S.ON_TIME, S.LATE, S.UNPAID, S.UNPAID, S.UNPAID, S.ON_TIME]
    assert states_of(response, member)[6:] == [S.OPEN, S.OPEN, S.ON_TIME, S.OPEN, S.OPEN, S.OPEN]
    assert states_of(response, newcomer)[:6] == [S.NOT_DUE, S.NOT_DUE, S.UNPAID, S.ON_TIME, S.UNPAID, S.OPEN]
    html = response.content.decode()
    assert 'title="2月：逾期补缴，10.00 元，2026-03-01 缴纳"' in html
    assert "王建国 3月：欠缴" in html
    assert 'title="12月：待缴"' in html
    assert 'title="1月：无需缴纳"' in html


def test_unpaid_and_late_members_stand_out_with_counts_at_the_top(client, tree, cast):
    paid_up = MemberFactory(branch=tree.branch_a1, name="甲", joined_on=D(2010, 1, 1))
    late = MemberFactory(branch=tree.branch_a1, name="乙", joined_on=D(2010, 1, 1))
    owing = MemberFactory(branch=tree.branch_a1, name="丙", joined_on=D(2010, 1, 1))
    for month in range(1, 13):
        on = D(2025, month, 1)
        pay(paid_up, on, on, cast.secretary)
        pay(late, on, D(2026, 1, 5) if month in (3, 7) else on, cast.secretary)
        if month not in (4, 5):
            pay(owing, on, on, cast.secretary)
    login(client, cast, "secretary")

    response = client.get(grid_url(tree, year=2025))

    summary = response.context["summary"]
    assert (summary.members, summary.fully_paid, summary.owing) == (3, 2, 1)
    assert (summary.late_payments, summary.unpaid_months) == (2, 2)
    assert response.context["on_time_rate"] == Decimal("88.9")  # 32 of 36
    html = response.content.decode()
    assert f'id="member-{owing.pk}" class="dues-row dues-row--unpaid"' in html
    assert f'id="member-{late.pk}" class="dues-row dues-row--late"' in html
    assert f'id="member-{paid_up.pk}" class="dues-row"' in html
    assert "欠缴 2 个月" in html
    assert "补缴 2 次" in html

    only_owing = client.get(grid_url(tree, year=2025, owing=1))
    assert [r.member_id for r in only_owing.context["rows"]] == [owing.pk]


def test_group_filter_and_pages_of_25(client, tree, cast):
    MemberFactory.create_batch(30, branch=tree.branch_a1, group=tree.group_a1)
    MemberFactory.create_batch(3, branch=tree.branch_a1)
    login(client, cast, "secretary")

    page_two = client.get(grid_url(tree, group=tree.group_a1.pk, page=2))
    assert len(page_two.context["rows"]) == 5
    assert page_two.context["summary"].members == 30
    assert f"group={tree.group_a1.pk}" in page_two.context["filter_query"]
    assert len(client.get(grid_url(tree)).context["rows"]) == 25
    assert client.get(grid_url(tree)).context["summary"].members == 33


def test_a_bad_year_falls_back_to_this_year(client, tree, cast, member, today):
    login(client, cast, "inspector")
    assert client.get(grid_url(tree, year="abc")).context["view"].year == today.year
    assert client.get(grid_url(tree, year=1800)).context["view"].year == today.year
    assert client.get(grid_url(tree, year=today.year + 5)).context["view"].year == today.year


def test_after_saving_the_grid_opens_on_the_payments_year(client, tree, cast, member):
    login(client, cast, "secretary")
    response = client.post(
        reverse("members:dues_record", args=[tree.branch_a1.pk]),
        {
            "member": member.pk,
            "month": "2025-12",
            "amount": "10",
            "paid_on": "2025-12-08",
            "back": "year=2026&page=2",
        },
    )
    assert response["Location"] == f"{grid_url(tree)}?year=2025#member-{member.pk}"


# Queries ----------------------------------------------------------------------------------------

# The grid, whatever the number of members: session, user, the branch, its 党小组, the members'
# join dates and 党籍, their payments of the year, the page's members with their 党小组, the
# on-time rate (members, payments), the viewer's role checks (cannot_record_dues: one for the
# secretary, two for anyone else), the top bar's roles.
DUES_GRID_QUERIES = 12


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def add_members(tree, n):
    members = [MemberFactory(branch=tree.branch_a1, joined_on=D(2010, 1, 1)) for _ in range(n)]
    DuesPayment.objects.bulk_create(
        DuesPayment(member=m, month=D(YEAR, month, 1), amount=Decimal("10"), paid_on=D(YEAR, month, 5))
        for m in members
        for month in range(1, 7)
    )


@pytest.mark.parametrize("role", ["secretary", "inspector"])
def test_grid_queries_are_the_same_for_5_and_50_members(
    client, tree, cast, role, django_assert_max_num_queries
):
    login(client, cast, role)
    url = grid_url(tree, year=YEAR)
    add_members(tree, 5)
    few = count_queries(client, url)
    add_members(tree, 45)

    with django_assert_max_num_queries(DUES_GRID_QUERIES):
        response = client.get(url)

    assert len(response.context["rows"]) == 25
    assert Member.objects.filter(branch=tree.branch_a1).count() == 50
    assert count_queries(client, url) == few <= DUES_GRID_QUERIES

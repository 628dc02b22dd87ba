"""The branch pages whose work once grew with the data while what they show did not (issue 12).

Each page makes the same queries with little data and with much, renders a bounded number of rows
and still shows the right figures: the meetings list (paged first, figures for the page only), a
big meeting's attendance sheet (a 党小组 at a time, saved a page at a time, still whole), the
service list (the duplicate flag asked of the page only) and the star board (paged, with every
level counted). Runs on SQLite and PostgreSQL (`DATABASE_URL`).
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members.models import Attendance, Meeting, Member, ServiceRecord
from members.services.records import record_attendance, save_meeting
from members.services.star_service import record_service, verify_services
from members.views.board import BOARD_PAGE
from members.views.records import ABSENTEES_SHOWN, SHEET_PAGE
from organizations.models import AuditEvent, Kind, Verb
from tests.members.factories import MemberFactory, ServiceRecordFactory
from tests.organizations.factories import make_org

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2026, 6, 15)
HTMX = {"HTTP_HX_REQUEST": "true"}
P, A, E = Attendance.Status.PRESENT, Attendance.Status.ABSENT, Attendance.Status.EXCUSED
READ = {"org_department": 200, "committee": 200, "secretary": 200, "inspector": 200, "outsider": 404}
EDIT = {"org_department": 403, "committee": 302, "secretary": 302, "inspector": 403, "outsider": 404}


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: TODAY)
    return TODAY


def queries_of(client, url) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def rows_in(html: str, css_class: str) -> int:
    """How many elements of `html` carry `css_class` (among others)."""
    return len(re.findall(rf'class="(?:[^"]* )?{css_class}(?=[ "])', html))


# The meetings list ------------------------------------------------------------------------------


def add_meetings(tree, members, n, *, first_day=1):
    """`n` 主题党日 of 一村党支部, each with every one of `members` marked present."""
    meetings = Meeting.objects.bulk_create(
        Meeting(
            organization=tree.branch_a1,
            kind=Meeting.Kind.THEME_DAY,
            held_on=D(2026, 1, 1) + datetime.timedelta(days=first_day + i),
            topic=f"主题党日{first_day + i}",
        )
        for i in range(n)
    )
    Attendance.objects.bulk_create(Attendance(meeting=m, member=p) for m in meetings for p in members)
    return meetings


# session, user, the user's roles (read once: scope, role check and top bar), the branch, the
# page's count and its 25 meetings, the page's figures (marks by status and photos, one query for
# the 25), the year's count, the year's 到会率 (two).
MEETING_LIST_QUERIES = 10


@pytest.mark.parametrize("role", ["secretary", "inspector", "committee"])
def test_meeting_list_makes_the_same_queries_for_5_and_60_meetings(
    client, tree, cast, role, django_assert_max_num_queries
):
    members = MemberFactory.create_batch(4, branch=tree.branch_a1)
    add_meetings(tree, members, 5)
    client.force_login(getattr(cast, role))
    url = reverse("members:meeting_list", args=[tree.branch_a1.pk])
    few, _ = queries_of(client, url)
    add_meetings(tree, members, 55, first_day=10)

    with django_assert_max_num_queries(MEETING_LIST_QUERIES):
        response = client.get(url)

    assert queries_of(client, url)[0] == few
    html = response.content.decode()
    assert rows_in(html, "meeting-table__rate") == 25
    assert "共 60 条" in html


def test_meeting_list_figures_are_each_meetings_own(client, tree, cast):
    members = MemberFactory.create_batch(4, branch=tree.branch_a1)
    older = add_meetings(tree, members, 30)  # page 2 after the five below
    marked = save_meeting(
        branch=tree.branch_a1,
        by=cast.secretary,
        kind=Meeting.Kind.GENERAL_MEETING,
        group=None,
        held_on=D(2026, 6, 1),
        topic="支部党员大会",
    )
    record_attendance(
        meeting=marked,
        statuses={members[0].pk: P, members[1].pk: A, members[2].pk: E, members[3].pk: P},
        by=cast.secretary,
    )
    typed = save_meeting(
        branch=tree.branch_a1,
        by=cast.secretary,
        kind=Meeting.Kind.PARTY_LECTURE,
        group=None,
        held_on=D(2026, 6, 2),
        topic="党课",
        expected_count=30,
        present_count=27,
    )
    client.force_login(cast.secretary)
    url = reverse("members:meeting_list", args=[tree.branch_a1.pk])

    first = {m.pk: m for m in client.get(url).context["page_obj"]}
    last = {m.pk: m for m in client.get(url, {"page": 2}).context["page_obj"]}

    shown = first[marked.pk].headcount
    assert (shown.expected, shown.present, shown.excused, shown.from_sheet) == (4, 2, 1, True)
    assert shown.rate == Decimal("66.7")  # 2 present of (4 − 1 excused)
    assert (first[typed.pk].headcount.expected, first[typed.pk].headcount.present) == (30, 27)
    assert not first[typed.pk].headcount.from_sheet
    assert first[marked.pk].photo_count == 0
    assert set(last) == {m.pk for m in older[:7]}
    assert all(m.headcount.rate == Decimal("100.0") for m in last.values())


def test_meeting_list_filters_still_narrow_before_paging(client, tree, cast):
    members = MemberFactory.create_batch(2, branch=tree.branch_a1)
    add_meetings(tree, members, 40)
    lecture = save_meeting(
        branch=tree.branch_a1,
        by=cast.secretary,
        kind=Meeting.Kind.PARTY_LECTURE,
        group=None,
        held_on=D(2026, 3, 20),
        topic="党课",
    )
    client.force_login(cast.inspector)
    url = reverse("members:meeting_list", args=[tree.branch_a1.pk])

    by_kind = client.get(url, {"kind": "PARTY_LECTURE"}).context["page_obj"]
    by_month = client.get(url, {"month": "2026-02"}).context["page_obj"]

    assert [m.pk for m in by_kind] == [lecture.pk]
    assert by_month.paginator.count == 10  # 2 January to 10 February: ten in February
    assert {m.held_on.month for m in by_month} == {2}


# A big meeting's attendance sheet ---------------------------------------------------------------


@pytest.fixture
def groups(tree):
    """一村党支部's 党小组: the shared first one and three more."""
    more = [make_org(tree.branch_a1, Kind.GROUP, f"第{n}党小组", code=f"A1G{n}") for n in (2, 3, 4)]
    return [tree.group_a1, *more]


def big_branch(tree, groups, *, per_group, loose=0):
    """`per_group` members in each 党小组 and `loose` without one."""
    people = [
        MemberFactory(branch=tree.branch_a1, group=group, name=f"{group.name}{i:03d}")
        for group in groups
        for i in range(per_group)
    ]
    return people + [MemberFactory(branch=tree.branch_a1, name=f"无组{i:03d}") for i in range(loose)]


def general_meeting(tree, cast, topic="支部党员大会") -> Meeting:
    return save_meeting(
        branch=tree.branch_a1,
        by=cast.secretary,
        kind=Meeting.Kind.GENERAL_MEETING,
        group=None,
        held_on=D(2026, 6, 1),
        topic=topic,
    )


def detail_url(meeting, **query):
    url = reverse("members:meeting_detail", args=[meeting.pk])
    return f"{url}?{'&'.join(f'{k}={v}' for k, v in query.items())}" if query else url


# session, user, the user's roles (read once), the meeting, the sheet's 党小组 with their counts,
# the open part's lines (at most SHEET_PAGE), its photos, the first absentees. (A 党小组's
# meeting takes one more, to find its branch.)
MEETING_DETAIL_QUERIES = 8


@pytest.mark.parametrize("role", ["secretary", "inspector"])
def test_meeting_detail_makes_the_same_queries_for_10_and_200_members(
    client, tree, cast, groups, role, django_assert_max_num_queries
):
    small = general_meeting(tree, cast)
    people = big_branch(tree, groups[:2], per_group=5)

    def every_fourth_absent():
        return {p.pk: A if i % 4 == 0 else P for i, p in enumerate(people)}

    record_attendance(meeting=small, statuses=every_fourth_absent(), by=cast.secretary)
    people += big_branch(tree, groups[2:], per_group=95)
    big = general_meeting(tree, cast, topic="扩大会议")
    record_attendance(meeting=big, statuses=every_fourth_absent(), by=cast.secretary)
    client.force_login(getattr(cast, role))
    few, _ = queries_of(client, detail_url(small))

    with django_assert_max_num_queries(MEETING_DETAIL_QUERIES):
        response = client.get(detail_url(big))

    assert queries_of(client, detail_url(big))[0] == few
    assert len(people) == 200
    html = response.content.decode()
    assert rows_in(html, "sheet__line") <= SHEET_PAGE
    assert len(response.context["absentees"]) == ABSENTEES_SHOWN
    assert "共 50 人缺席或请假" in html


def test_a_small_sheet_is_one_form_of_everyone(client, tree, cast, groups):
    people = big_branch(tree, groups, per_group=10, loose=5)
    meeting = general_meeting(tree, cast)
    client.force_login(cast.secretary)

    response = client.get(detail_url(meeting))

    assert len(response.context["lines"]) == len(people) == 45
    assert response.context["sheet_part"] is None
    assert response.context["sheet_groups"] == []
    assert "保存出勤" in response.content.decode()


def test_a_big_sheet_opens_a_group_at_a_time_with_every_groups_counts(client, tree, cast, groups):
    people = big_branch(tree, groups, per_group=40, loose=3)
    meeting = general_meeting(tree, cast)
    first = groups[0]
    record_attendance(
        meeting=meeting,
        statuses={p.pk: (A if p.group == first and p.name.endswith(("001", "002")) else P) for p in people},
        by=cast.secretary,
    )
    client.force_login(cast.secretary)

    response = client.get(detail_url(meeting))
    html = response.content.decode()

    listed = [(g.name, g.members, g.absent) for g in response.context["sheet_groups"]]
    assert listed == [
        ("第一党小组", 40, 2),
        ("第2党小组", 40, 0),
        ("第3党小组", 40, 0),
        ("第4党小组", 40, 0),
        ("未编入党小组", 3, 0),
    ]
    assert response.context["sheet_part"].name == "第一党小组"
    assert [line.member.group for line in response.context["lines"]] == [first] * 40
    assert rows_in(html, "sheet__line") == 40
    assert "共 163 人，按党小组分 5 组显示" in html
    assert f'<a href="?group={groups[1].pk}#attendance">下一组：第2党小组 ›</a>' in html
    assert "应到 <strong>163</strong> 人：出席 <strong>161</strong>，缺席 <strong>2</strong>" in html
    assert f'href="?group={groups[2].pk}#attendance"' in html
    assert "保存本组出勤" in html

    loose = client.get(detail_url(meeting, group="none"))
    assert [line.member.name for line in loose.context["lines"]] == ["无组000", "无组001", "无组002"]


def test_a_group_bigger_than_a_page_is_paged(client, tree, cast, groups):
    big_branch(tree, groups[:1], per_group=SHEET_PAGE * 2 + 10)
    meeting = general_meeting(tree, cast)
    client.force_login(cast.inspector)

    third = client.get(detail_url(meeting, group=groups[0].pk, page=3))

    assert [line.member.name for line in third.context["lines"]] == [
        f"第一党小组{i:03d}" for i in range(SHEET_PAGE * 2, SHEET_PAGE * 2 + 10)
    ]
    html = third.content.decode()
    assert third.context["sheet_form"] is None
    assert rows_in(html, "sheet__line") == 10
    assert f"第 3 / 3 页，共 {SHEET_PAGE * 2 + 10} 条" in html
    assert f"group={groups[0].pk}&amp;page=2#attendance" in html


def post_part(client, meeting, lines, *, group, page=1, marks=None, **extra):
    """Post the open part of the sheet as shown, with `marks` ({member: (status, reason)}) changed."""
    data = {"group": group, "page": page}
    for member in lines:
        status, reason = (marks or {}).get(member, (P, ""))
        data[f"m{member.pk}"] = status
        data[f"r{member.pk}"] = reason
    return client.post(reverse("members:meeting_attendance", args=[meeting.pk]), data, **extra)


def test_saving_a_group_saves_the_whole_sheet_and_keeps_the_other_groups(client, tree, cast, groups):
    people = big_branch(tree, groups, per_group=20, loose=1)
    meeting = general_meeting(tree, cast)
    first, second = groups[0], groups[1]
    in_first = [p for p in people if p.group == first]
    in_second = [p for p in people if p.group == second]
    client.force_login(cast.secretary)
    page = client.get(detail_url(meeting, group=first.pk)).content.decode()
    assert "其他尚未登记的 61 人将先按“出席”登记" in page

    changed = {in_first[0]: (A, "生病"), in_first[1]: (E, "外出务工")}
    response = post_part(client, meeting, in_first, group=first.pk, marks=changed)

    assert response.status_code == 302
    assert response["Location"] == detail_url(meeting, group=first.pk) + "#attendance"
    marks = dict(meeting.attendances.values_list("member_id", "status"))
    assert len(marks) == 81  # the whole sheet, the rest as 出席 until changed
    assert (marks[in_first[0].pk], marks[in_first[1].pk], marks[in_second[0].pk]) == (A, E, P)

    post_part(client, meeting, in_second, group=second.pk, marks={in_second[5]: (A, "")})

    saved = {a.member_id: (a.status, a.reason) for a in meeting.attendances.all()}
    assert saved[in_first[0].pk] == (A, "生病")  # the first group's marks were kept
    assert saved[in_first[1].pk] == (E, "外出务工")
    assert saved[in_second[5].pk] == (A, "")
    assert sum(1 for status, _ in saved.values() if status == P) == 78
    assert AuditEvent.objects.filter(verb=Verb.RECORD_ATTENDANCE).count() == 2
    shown = client.get(detail_url(meeting)).context
    assert shown["counts"] == {"expected": 81, "present": 78, "absent": 2, "excused": 1}
    assert shown["rate"] == Decimal("97.5")  # 78 of (81 − 1)


def test_a_secretary_marks_every_member_page_by_page(client, tree, cast, groups):
    people = big_branch(tree, groups[:2], per_group=SHEET_PAGE + 5)
    meeting = general_meeting(tree, cast)
    client.force_login(cast.secretary)

    for group in groups[:2]:
        for page in (1, 2):
            shown = client.get(detail_url(meeting, group=group.pk, page=page)).context
            lines = [line.member for line in shown["lines"]]
            excused = dict.fromkeys(lines, (E, "请假"))
            post_part(client, meeting, lines, group=group.pk, page=page, marks=excused)

    assert meeting.attendances.count() == len(people) == 130
    assert set(meeting.attendances.values_list("status", flat=True)) == {E}


def test_htmx_saves_a_group_in_place(client, tree, cast, groups):
    people = big_branch(tree, groups, per_group=20)
    meeting = general_meeting(tree, cast)
    in_third = [p for p in people if p.group == groups[2]]
    client.force_login(cast.committee)

    response = post_part(client, meeting, in_third, group=groups[2].pk, marks={in_third[0]: (A, "")}, **HTMX)

    html = response.content.decode()
    assert html.lstrip().startswith('<section class="panel attendance" id="attendance"')
    assert "第3党小组（本页 20 人）的出勤已保存。全会应到 80 人，出席 79 人，到会率 98.8%。" in html
    assert response.context["sheet_part"].name == "第3党小组"
    assert rows_in(html, "sheet__line") == 20


def test_a_part_with_a_line_left_out_saves_nothing(client, tree, cast, groups):
    people = big_branch(tree, groups, per_group=20)
    meeting = general_meeting(tree, cast)
    in_first = [p for p in people if p.group == groups[0]]
    client.force_login(cast.secretary)

    response = post_part(client, meeting, in_first[:-1], group=groups[0].pk)

    assert response.status_code == 200
    assert response.context["sheet_form"].errors[f"m{in_first[-1].pk}"]
    assert not meeting.attendances.exists()


def test_marks_posted_for_a_sheet_that_changed_meanwhile_are_kept_not_dropped(client, tree, cast, groups):
    people = big_branch(tree, groups[:1], per_group=SHEET_PAGE - 5)
    meeting = general_meeting(tree, cast)
    client.force_login(cast.secretary)
    shown = [line.member for line in client.get(detail_url(meeting)).context["lines"]]
    assert len(shown) == len(people)  # the whole sheet, one form
    late = big_branch(tree, groups[:1], per_group=10)  # now over a page, which they share

    data = {f"m{m.pk}": A for m in shown} | {f"r{m.pk}": "生病" for m in shown}
    response = client.post(reverse("members:meeting_attendance", args=[meeting.pk]), data)

    assert response.status_code == 200  # shown again, nothing saved half-way
    assert not meeting.attendances.exists()
    lines = {line.member.pk: line for line in response.context["lines"]}
    assert {m.pk for m in shown} <= set(lines)
    assert all(lines[m.pk].field.value() == A for m in shown)  # what was typed is kept
    assert all(lines[m.pk].reason_field.value() == "生病" for m in shown)
    errors = response.context["sheet_form"].errors
    assert errors and all(name[1:] in {str(m.pk) for m in late} for name in errors)


def test_a_member_marked_then_moved_out_of_the_branch_stays_on_the_sheet(client, tree, cast, groups):
    people = big_branch(tree, groups, per_group=20)
    meeting = general_meeting(tree, cast)
    record_attendance(meeting=meeting, statuses={p.pk: P for p in people}, by=cast.secretary)
    moved = people[0]
    Member.objects.filter(pk=moved.pk).update(branch=tree.branch_a2, group=None)
    client.force_login(cast.secretary)

    shown = client.get(detail_url(meeting, group="none")).context
    assert [(line.member.pk, line.expected) for line in shown["lines"]] == [(moved.pk, False)]

    in_first = [p for p in people if p.group == groups[0]][1:]
    response = post_part(client, meeting, in_first, group=groups[0].pk, marks={in_first[0]: (A, "")})
    assert response.status_code == 302
    assert meeting.attendances.get(member=moved).status == P
    assert meeting.attendances.count() == 80


@pytest.mark.parametrize("role", list(READ))
def test_a_big_sheets_part_answers_each_role(client, tree, cast, groups, role):
    people = big_branch(tree, groups, per_group=20)
    meeting = general_meeting(tree, cast)
    in_second = [p for p in people if p.group == groups[1]]
    client.force_login(getattr(cast, role))

    page = client.get(detail_url(meeting, group=groups[1].pk))
    saved = post_part(client, meeting, in_second, group=groups[1].pk, marks={in_second[0]: (A, "")})

    assert page.status_code == READ[role]
    if READ[role] == 200:
        assert (page.context["sheet_form"] is not None) == (EDIT[role] == 302)
        assert rows_in(page.content.decode(), "sheet__line") == 20
    assert saved.status_code == EDIT[role]
    assert meeting.attendances.exists() == (EDIT[role] == 302)


def test_anonymous_is_sent_to_login_from_a_big_sheet(client, tree, cast, groups):
    people = big_branch(tree, groups, per_group=20)
    meeting = general_meeting(tree, cast)

    page = client.get(detail_url(meeting, group=groups[1].pk))
    saved = post_part(client, meeting, people[:20], group=groups[0].pk)

    assert page.status_code == saved.status_code == 302
    assert page["Location"].startswith(reverse("login"))
    assert not meeting.attendances.exists()


# The service list -------------------------------------------------------------------------------


def services(members, n, *, verified=True, first=0):
    """`n` service records spread over `members` and days of 2026, verified unless told."""
    return ServiceRecord.objects.bulk_create(
        ServiceRecordFactory.build(
            member=members[i % len(members)],
            served_on=D(2026, 1, 1) + datetime.timedelta(days=(first + i) % 150),
            content=f"志愿服务{first + i:04d}",
            verified_at=timezone.now() if verified else None,
        )
        for i in range(n)
    )


# session, user, the user's roles (read once), the branch, the filter choices (members,
# households, months), the summary aggregate, the page's count and its rows, which of the page's
# rows have a twin, the star rule (积分), how many of the chosen records wait for 公示.
SERVICE_LIST_QUERIES = 13


@pytest.mark.parametrize("role", ["secretary", "inspector"])
def test_service_list_makes_the_same_queries_for_30_and_300_records(
    client, tree, cast, role, django_assert_max_num_queries
):
    members = MemberFactory.create_batch(5, branch=tree.branch_a1)
    services(members, 30)
    client.force_login(getattr(cast, role))
    url = reverse("members:service_list", args=[tree.branch_a1.pk])
    few, _ = queries_of(client, url)
    services(members, 270, first=30)

    with django_assert_max_num_queries(SERVICE_LIST_QUERIES):
        response = client.get(url)

    assert queries_of(client, url)[0] == few
    html = response.content.decode()
    assert rows_in(html, "service-row") == 25
    assert response.context["summary"]["total"] == 300
    assert "共 300 条" in html


def test_service_list_flags_the_duplicates_on_the_page_it_shows(client, tree, cast):
    members = MemberFactory.create_batch(3, branch=tree.branch_a1)
    services(members, 60)
    newest, oldest = D(2026, 6, 10), D(2025, 1, 5)
    for day in (newest, oldest):
        for content in ("打扫村道", " 打扫村道 "):
            record_service(
                branch=tree.branch_a1,
                by=cast.secretary,
                member=members[0],
                served_on=day,
                place="村委会",
                content=content,
                hours=Decimal("1"),
                confirm_duplicate=True,
            )
    client.force_login(cast.secretary)
    url = reverse("members:service_list", args=[tree.branch_a1.pk])

    first = client.get(url)
    last = client.get(url, {"page": 3})
    only = client.get(url, {"status": "duplicate"})

    assert [r.served_on for r in first.context["records"] if r.is_duplicate] == [newest, newest]
    assert [r.served_on for r in last.context["records"] if r.is_duplicate] == [oldest, oldest]
    assert sum(r.is_duplicate for r in first.context["records"]) == 2
    assert first.context["summary"]["duplicates"] is None
    assert 'class="chip chip--warn"' in first.content.decode()
    assert only.context["summary"]["duplicates"] == 4
    assert {r.served_on for r in only.context["records"]} == {newest, oldest}


# The star board ---------------------------------------------------------------------------------


def served(members, per_member, *, by, year=2025):
    """Each member's `per_member[i]` services on different days of `year`, verified."""
    records = ServiceRecord.objects.bulk_create(
        ServiceRecordFactory.build(
            member=member,
            served_on=D(year, 1, 1) + datetime.timedelta(days=day),
            content="帮扶困难户",
            verified_at=None,
        )
        for member, count in zip(members, per_member, strict=True)
        for day in range(count)
    )
    verify_services(branch=members[0].branch, by=by, records=records)


def board_url(branch, **query):
    url = reverse("members:star_board", args=[branch.pk])
    return f"{url}?{'&'.join(f'{k}={v}' for k, v in query.items())}"


# session, user, the user's roles (read once), the branch, its 党小组, the rule, the board (one
# aggregate), the plaques, the years with service records.
STAR_BOARD_QUERIES = 9


@pytest.mark.parametrize("role", ["secretary", "org_department"])
def test_star_board_makes_the_same_queries_for_10_and_120_members(
    client, tree, cast, role, django_assert_max_num_queries
):
    members = MemberFactory.create_batch(10, branch=tree.branch_a1)
    served(members, [3] * 10, by=cast.secretary)
    client.force_login(getattr(cast, role))
    few, _ = queries_of(client, board_url(tree.branch_a1, year=2025))
    more = MemberFactory.create_batch(110, branch=tree.branch_a1, group=tree.group_a1)
    served(more, [i % 30 for i in range(110)], by=cast.secretary)

    with django_assert_max_num_queries(STAR_BOARD_QUERIES):
        response = client.get(board_url(tree.branch_a1, year=2025))

    assert queries_of(client, board_url(tree.branch_a1, year=2025))[0] == few
    html = response.content.decode()
    assert len(re.findall(r'class="star-table__name"', html)) == BOARD_PAGE
    assert "本支部共 <strong>120</strong> 名党员" in html
    assert sum(level.members for level in response.context["board"].levels) == 120


def test_star_board_pages_keep_the_order_numbers_and_the_counts(client, tree, cast):
    members = [MemberFactory(branch=tree.branch_a1, name=f"党员{i:03d}") for i in range(120)]
    served(members, [(i * 7) % 27 for i in range(120)], by=cast.secretary)
    client.force_login(cast.secretary)

    first = client.get(board_url(tree.branch_a1, year=2025))
    last = client.get(board_url(tree.branch_a1, year=2025, page=3))

    rows = first.context["board"].rows
    assert [row.services for row in rows] == sorted((row.services for row in rows), reverse=True)
    assert list(last.context["page_obj"]) == rows[2 * BOARD_PAGE :]
    html = last.content.decode()
    assert f'<td class="num muted">{2 * BOARD_PAGE + 1}</td>' in html
    assert "本页列出第 101–120 名" in html
    assert "year=2025&amp;page=2#star-table" in html
    levels = {level.stars: level.members for level in first.context["board"].levels}
    expected = dict.fromkeys(range(6), 0)
    for i in range(120):
        count = (i * 7) % 27
        expected[sum(1 for needed in (5, 10, 15, 20, 25) if count >= needed)] += 1
    assert levels == expected


def test_star_board_of_a_group_is_paged_within_it(client, tree, cast):
    inside = MemberFactory.create_batch(60, branch=tree.branch_a1, group=tree.group_a1)
    MemberFactory.create_batch(5, branch=tree.branch_a1)
    served(inside, [5] * 60, by=cast.secretary)
    client.force_login(cast.committee)

    response = client.get(board_url(tree.branch_a1, year=2025, group=tree.group_a1.pk, page=2))

    assert len(response.context["board"].rows) == 60
    assert len(list(response.context["page_obj"])) == 10
    html = response.content.decode()
    assert "第一党小组共 <strong>60</strong> 名党员，其中 60 人获评星级" in html
    assert f"year=2025&amp;group={tree.group_a1.pk}&amp;page=1#star-table" in html

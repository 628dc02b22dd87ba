"""三会一课 as a paper 会议记录 keeps it: 主持人, 记录人, 应到 / 实到 / 列席, 缺席人员及原因, 议程,
the minutes and 决议 — on the form and the page, printed as the 会议记录 PDF, and through the
meetings' import and export (and the attendance's, with 缺席原因).

一村党支部 (A1) keeps the records; its 党委 may keep them too; the 组织部 and the inspector read;
the outsider (another branch's secretary) gets 404; an anonymous visitor is sent to log in.
"""

import datetime
import io
import shutil
import subprocess

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from members.imports import plan_import, write_plan
from members.meeting_record import meeting_record, render_meeting_record
from members.models import Attendance, Meeting
from members.services.records import record_attendance, save_meeting
from spreadsheets import read_table
from tests.members.factories import MemberFactory
from tests.members.test_imports import csv_upload, xlsx_upload

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2026, 6, 15)
P, A, E = Attendance.Status.PRESENT, Attendance.Status.ABSENT, Attendance.Status.EXCUSED
ROLES = ["org_department", "committee", "secretary", "inspector", "outsider", "anonymous"]
READ = {"org_department": 200, "committee": 200, "secretary": 200, "inspector": 200, "outsider": 404}
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None,
    reason="pdftotext / pdfinfo (poppler-utils) 未安装",
)

PAPER = {
    "host": "王书记",
    "recorder": "李委员",
    "observers": "驻村干部赵六",
    "agenda": "一、传达上级会议精神\n二、讨论年度发展党员计划",
    "minutes": "王书记传达了县委组织部会议精神。\n党员围绕发展党员计划发言。",
    "resolutions": "同意将张三列为发展对象。",
}


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: TODAY)
    return TODAY


def login(client, cast, role):
    if role != "anonymous":
        client.force_login(getattr(cast, role))
    return client


@pytest.fixture
def people(tree):
    group = [MemberFactory(branch=tree.branch_a1, group=tree.group_a1, name=f"组员{i}") for i in (1, 2)]
    others = [MemberFactory(branch=tree.branch_a1, name=f"党员{i}") for i in (1, 2)]
    return group + others


def meeting_with_sheet(tree, cast, people, **fields) -> Meeting:
    """A 支部党员大会 with everything a paper record has, and a saved sheet: 组员1 请假 (外出务工),
    党员2 缺席 (生病住院), the others present."""
    values = {
        "kind": Meeting.Kind.GENERAL_MEETING,
        "held_on": D(2026, 5, 10),
        "topic": "讨论发展党员",
        "location": "村党员活动室",
        **PAPER,
        **fields,
    }
    meeting = save_meeting(branch=tree.branch_a1, by=cast.secretary, group=None, **values)
    record_attendance(
        meeting=meeting,
        statuses={people[0].pk: E, people[1].pk: P, people[2].pk: P, people[3].pk: A},
        reasons={people[0].pk: "外出务工", people[1].pk: "不该留下", people[3].pk: "生病住院"},
        by=cast.secretary,
    )
    meeting.refresh_from_db()
    return meeting


def typed_meeting(tree, cast, **fields) -> Meeting:
    """A 党课 copied from a paper register without its sign-in sheet: 应到 30, 实到 27."""
    values = {
        "kind": Meeting.Kind.PARTY_LECTURE,
        "held_on": D(2026, 4, 20),
        "topic": "专题党课",
        "expected_count": 30,
        "present_count": 27,
        **PAPER,
        **fields,
    }
    return save_meeting(branch=tree.branch_a1, by=cast.secretary, group=None, **values)


def form_post(**overrides):
    data = {
        "kind": "GENERAL_MEETING",
        "held_on": "2026-06-01",
        "topic": "支部党员大会",
        "location": "村部",
        **PAPER,
        "expected_count": "12",
        "present_count": "11",
    }
    data.update(overrides)
    return data


# The form and the page ------------------------------------------------------------------------


def test_the_form_asks_in_the_order_of_a_paper_record(client, tree, cast):
    page = login(client, cast, "secretary").get(reverse("members:meeting_add", args=[tree.branch_a1.pk]))
    html = page.content.decode()
    order = [
        "召开日期",
        "地点",
        "主持人",
        "记录人",
        "应到人数",
        "实到人数",
        "列席人员",
        "缺席人员及原因",
        "议程",
        "会议内容（会议记录）",
        "决议",
    ]
    positions = [html.index(f">{label}") for label in order]
    assert positions == sorted(positions)


def test_a_meeting_is_recorded_with_every_field_of_the_paper_record(client, tree, cast):
    response = login(client, cast, "secretary").post(
        reverse("members:meeting_add", args=[tree.branch_a1.pk]), form_post()
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert {name: getattr(meeting, name) for name in PAPER} == PAPER
    assert (meeting.expected_count, meeting.present_count) == (12, 11)
    page = client.get(reverse("members:meeting_detail", args=[meeting.pk])).content.decode()
    for value in ("王书记", "李委员", "驻村干部赵六", "传达上级会议精神", "同意将张三列为发展对象"):
        assert value in page
    assert "应到 <strong>12</strong> 人，实到 <strong>11</strong> 人" in page
    assert "按填写人数" in page


def test_present_more_than_expected_is_refused_beside_the_field_and_what_was_typed_is_kept(
    client, tree, cast
):
    response = login(client, cast, "secretary").post(
        reverse("members:meeting_add", args=[tree.branch_a1.pk]),
        form_post(expected_count="10", present_count="12", topic="不该保存"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "present_count": ["实到人数（12 人）不能多于应到人数（10 人）。"]
    }
    html = response.content.decode()
    assert 'aria-invalid="true" aria-describedby="id_present_count_helptext id_present_count_error"' in html
    assert '<div class="field__errors" id="id_present_count_error">' in html
    for kept in (
        'value="王书记"',
        'value="李委员"',
        'value="驻村干部赵六"',
        "同意将张三列为发展对象",
        'value="12"',
    ):
        assert kept in html
    assert not Meeting.objects.exists()


def test_the_service_refuses_present_more_than_expected_too(tree, cast):
    with pytest.raises(ValidationError) as refused:
        typed_meeting(tree, cast, expected_count=5, present_count=6)
    assert refused.value.message_dict == {"present_count": ["实到人数（6 人）不能多于应到人数（5 人）。"]}
    assert not Meeting.objects.exists()


def test_the_sheet_keeps_a_reason_for_absent_and_excused_members_only(tree, cast, people):
    meeting = typed_meeting(tree, cast)
    record_attendance(
        meeting=meeting,
        statuses={people[0].pk: E, people[1].pk: P, people[2].pk: P, people[3].pk: A},
        reasons={people[0].pk: " 外出务工 ", people[1].pk: "迟到", people[3].pk: "生病住院"},
        by=cast.secretary,
    )
    reasons = dict(meeting.attendances.values_list("member__name", "reason"))
    assert reasons == {"组员1": "外出务工", "组员2": "", "党员1": "", "党员2": "生病住院"}
    meeting.refresh_from_db()
    # Counted from the sheet from now on: the typed numbers are not kept.
    assert (meeting.expected_count, meeting.present_count) == (None, None)


def test_the_attendance_sheet_has_a_reason_box_per_member_and_saves_it(client, tree, cast, people):
    meeting = typed_meeting(tree, cast)
    login(client, cast, "secretary")
    page = client.get(reverse("members:meeting_detail", args=[meeting.pk])).content.decode()
    for member in people:
        assert f'for="id_r{member.pk}"' in page
        assert f'name="r{member.pk}"' in page
    response = client.post(
        reverse("members:meeting_attendance", args=[meeting.pk]),
        {
            **{f"m{m.pk}": P for m in people},
            f"m{people[3].pk}": E,
            f"r{people[3].pk}": "在外地务工",
        },
    )
    assert response.status_code == 302
    assert Attendance.objects.get(member=people[3]).reason == "在外地务工"
    page = client.get(reverse("members:meeting_detail", args=[meeting.pk])).content.decode()
    assert "党员2</span>（请假：在外地务工）" in page
    assert "应到 <strong>4</strong> 人，实到 <strong>3</strong> 人" in page
    assert "按出勤表" in page


def test_a_too_long_reason_is_refused_beside_it_and_nothing_is_saved(client, tree, cast, people):
    meeting = typed_meeting(tree, cast)
    response = login(client, cast, "secretary").post(
        reverse("members:meeting_attendance", args=[meeting.pk]),
        {**{f"m{m.pk}": A for m in people}, f"r{people[0].pk}": "长" * 101},
    )
    assert response.status_code == 200
    assert response.context["sheet_form"].errors[f"r{people[0].pk}"]
    assert "长" * 101 in response.content.decode()
    assert not Attendance.objects.exists()


def test_with_a_saved_sheet_the_form_shows_the_counted_numbers_instead_of_boxes(client, tree, cast, people):
    meeting = meeting_with_sheet(tree, cast, people)
    login(client, cast, "committee")
    page = client.get(reverse("members:meeting_edit", args=[meeting.pk]))
    assert "expected_count" not in page.context["form"].fields
    html = page.content.decode()
    assert "应到 <strong>4</strong> 人，实到 <strong>2</strong> 人" in html
    assert "组员1（请假：外出务工）" in html
    assert "党员2（缺席：生病住院）" in html
    response = client.post(
        reverse("members:meeting_edit", args=[meeting.pk]),
        form_post(held_on="2026-05-10", expected_count="99", present_count="1", host="新主持人"),
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.host == "新主持人"
    assert (meeting.expected_count, meeting.present_count) == (None, None)


def test_the_list_shows_expected_and_present_from_the_sheet_or_as_typed(client, tree, cast, people):
    meeting_with_sheet(tree, cast, people)
    typed_meeting(tree, cast)
    response = login(client, cast, "inspector").get(reverse("members:meeting_list", args=[tree.branch_a1.pk]))
    counts = {
        m.topic: (m.headcount.expected, m.headcount.present, m.headcount.from_sheet)
        for m in response.context["page_obj"]
    }
    assert counts == {"讨论发展党员": (4, 2, True), "专题党课": (30, 27, False)}
    html = response.content.decode()
    assert "30 / 27" in html
    assert "4 / 2" in html


# The 会议记录 PDF ------------------------------------------------------------------------------


def pdf_text(pdf: bytes) -> str:
    """The PDF's text (pdftotext), whitespace removed (letter-spacing comes out as spaces)."""
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return "".join(text.split())


@needs_poppler
def test_the_record_pdf_holds_every_field_and_the_absentees_with_their_reasons(client, tree, cast, people):
    meeting = meeting_with_sheet(tree, cast, people)
    response = login(client, cast, "secretary").get(reverse("members:meeting_record", args=[meeting.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    text = pdf_text(response.content)
    for expected in (
        "一村党支部",
        "会议记录",
        "支部党员大会",
        "2026年5月10日",
        "讨论发展党员",
        "村党员活动室",
        "主持人王书记",
        "记录人李委员",
        "应到人数4人",
        "实到人数2人",
        "列席人员驻村干部赵六",
        "组员2、党员1",
        "组员1（请假：外出务工）；党员2（缺席：生病住院）",
        "议程一、传达上级会议精神二、讨论年度发展党员计划",
        "王书记传达了县委组织部会议精神",
        "决议同意将张三列为发展对象。",
        "主持人（签字）：",
        "记录人（签字）：",
        "第1/1页",
    ):
        assert expected in text, expected
    assert "不该留下" not in text  # a present member's reason is not kept
    info = subprocess.run(["pdfinfo", "-"], input=response.content, capture_output=True, check=True).stdout
    assert b"(A4)" in info


@needs_poppler
def test_a_record_without_a_sheet_prints_the_typed_numbers(tree, cast):
    meeting = typed_meeting(tree, cast)
    text = pdf_text(render_meeting_record(meeting_record(meeting, tree.branch_a1), printed_on=TODAY))
    assert "应到人数30人" in text
    assert "实到人数27人" in text
    assert "未逐人登记出勤" in text


@needs_poppler
def test_a_group_meeting_is_printed_as_held_by_the_group(tree, cast, people):
    meeting = save_meeting(
        branch=tree.branch_a1,
        by=cast.secretary,
        kind=Meeting.Kind.GROUP_MEETING,
        group=tree.group_a1,
        held_on=D(2026, 6, 1),
        topic="党小组学习",
        host="组长",
    )
    text = pdf_text(render_meeting_record(meeting_record(meeting, tree.branch_a1), printed_on=TODAY))
    assert "一村党支部第一党小组" in text
    assert "党小组会" in text


@pytest.mark.parametrize("role", ROLES)
def test_the_record_pdf_answers_each_role_as_the_meeting_page_does(client, tree, cast, people, role):
    meeting = typed_meeting(tree, cast)
    login(client, cast, role)
    url = reverse("members:meeting_record", args=[meeting.pk])
    response = client.get(url)
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        return
    assert response.status_code == READ[role]
    assert client.get(reverse("members:meeting_detail", args=[meeting.pk])).status_code == READ[role]
    if READ[role] == 200:
        assert response.content.startswith(b"%PDF")
        page = client.get(reverse("members:meeting_detail", args=[meeting.pk])).content.decode()
        assert url in page  # every reader is offered the print


def test_the_record_pdf_of_a_missing_meeting_is_404(client, cast):
    assert (
        login(client, cast, "secretary").get(reverse("members:meeting_record", args=[999999])).status_code
        == 404
    )


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_record_pdf_queries_do_not_grow_with_the_members(
    client, tree, cast, django_assert_max_num_queries
):
    members = [MemberFactory(branch=tree.branch_a1) for _ in range(5)]
    meeting = typed_meeting(tree, cast)
    Attendance.objects.bulk_create(
        Attendance(meeting=meeting, member=m, status=A, reason="外出") for m in members
    )
    login(client, cast, "inspector")
    url = reverse("members:meeting_record", args=[meeting.pk])
    few = _queries(client, url)
    more = [MemberFactory(branch=tree.branch_a1, group=tree.group_a1) for _ in range(45)]
    Attendance.objects.bulk_create(Attendance(meeting=meeting, member=m) for m in more)
    # session, user, the user's roles (visible_to), the meeting with its holder, the marks with
    # their members and 党小组.
    with django_assert_max_num_queries(5):
        client.get(url)
    assert _queries(client, url) == few


def test_list_and_page_queries_stay_flat_with_typed_and_counted_meetings(
    client, tree, cast, people, django_assert_max_num_queries
):
    login(client, cast, "secretary")
    list_url = reverse("members:meeting_list", args=[tree.branch_a1.pk])
    meeting = meeting_with_sheet(tree, cast, people)
    few = (_queries(client, list_url), _queries(client, reverse("members:meeting_detail", args=[meeting.pk])))
    for i in range(30):
        typed_meeting(tree, cast, topic=f"党课{i}")
        other = meeting_with_sheet(tree, cast, people, topic=f"大会{i}")
    more = (_queries(client, list_url), _queries(client, reverse("members:meeting_detail", args=[other.pk])))
    assert more == few
    # The list as tests/members/test_meetings.py counts it; the page likewise.
    with django_assert_max_num_queries(10):
        client.get(list_url)


# Import and export ----------------------------------------------------------------------------

MEETING_HEADERS = [
    "会议日期",
    "会议类型",
    "党小组",
    "会议主题",
    "地点",
    "主持人",
    "记录人",
    "应到人数",
    "实到人数",
    "列席人员",
    "议程",
    "会议记录",
    "决议",
]


def table(headers, rows, name="m.csv"):
    return read_table(csv_upload(headers, rows, name=name).read(), name)


def plan(tree, cast, headers, rows, kind="MEETINGS", user=None):
    return plan_import(
        kind=kind, branch=tree.branch_a1, user=user or cast.secretary, table=table(headers, rows)
    )


def test_meetings_import_one_row_each_with_the_registers_own_headings(tree, cast):
    headers = [
        "召开日期",
        "类型",
        "主题",
        "会议地点",
        "会议主持人",
        "会议记录人",
        "应到",
        "实到",
        "列席",
        "会议议程",
        "会议内容",
        "会议决议",
        "党小组",
    ]
    rows = [
        [
            "2026年5月8日",
            "支委会议",
            "研究发展党员",
            "村部",
            "王书记",
            "李委员",
            "5人",
            "5",
            "无",
            "一、研究发展党员",
            "逐一讨论",
            "同意",
            "",
        ],
        [
            "2026/5/20",
            "党小组会",
            "小组学习",
            "组长家",
            "组长",
            "组员",
            "8",
            "7",
            "",
            "学习党章",
            "交流",
            "",
            "第一党小组",
        ],
    ]
    result = plan(tree, cast, headers, rows)
    assert result.errors == []
    assert [own for _, own in result.used_columns] == [
        "会议日期",
        "会议类型",
        "会议主题",
        "地点",
        "主持人",
        "记录人",
        "应到人数",
        "实到人数",
        "列席人员",
        "议程",
        "会议记录",
        "决议",
        "党小组",
    ]
    write_plan(result)
    committee, group = Meeting.objects.order_by("held_on")
    assert (committee.kind, committee.organization, committee.expected_count, committee.present_count) == (
        "COMMITTEE_MEETING",
        tree.branch_a1,
        5,
        5,
    )
    assert (committee.host, committee.recorder, committee.observers, committee.resolutions) == (
        "王书记",
        "李委员",
        "",
        "同意",
    )
    assert (group.kind, group.organization, group.present_count) == ("GROUP_MEETING", tree.group_a1, 7)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            ["2026-05-08", "党课", "", "党课", "", "", "", "10", "12", "", "", "", ""],
            "实到人数（12 人）不能多于应到人数（10 人）。",
        ),
        (
            ["2026-05-08", "党小组会", "", "党课", "", "", "", "", "", "", "", "", ""],
            "党小组会请选择召开会议的党小组。",
        ),
        (["2026-05-08", "党课", "第九党小组", "党课", "", "", "", "", "", "", "", "", ""], "第九党小组"),
        (["2026-06-16", "党课", "", "党课", "", "", "", "", "", "", "", "", ""], "召开日期不能晚于今天"),
        (["2026-05-08", "座谈会", "", "党课", "", "", "", "", "", "", "", "", ""], "“座谈会”不是有效的选项"),
        (["2026-05-08", "党课", "", "党课", "", "", "", "十", "", "", "", "", ""], "“十”不是人数"),
    ],
)
def test_a_bad_meeting_row_is_named_and_nothing_is_imported(tree, cast, row, message):
    good = ["2026-05-01", "主题党日", "", "主题党日", "", "", "", "", "", "", "", "", ""]
    result = plan(tree, cast, MEETING_HEADERS, [row, good])
    assert len(result.errors) == 1
    assert result.errors[0].row == 2
    assert message in str(result.errors[0].as_dict())


def test_a_meeting_with_a_saved_sheet_takes_its_counts_from_the_sheet(tree, cast, people):
    meeting_with_sheet(tree, cast, people)
    row = ["2026-05-10", "支部党员大会", "", "讨论发展党员", "村党员活动室", "王书记", "李委员"]
    agree = plan(tree, cast, MEETING_HEADERS[:9], [[*row, "4", "2"]])
    assert (agree.errors, agree.unchanged) == ([], 1)
    differ = plan(tree, cast, MEETING_HEADERS[:9], [[*row, "5", "2"]])
    assert "应到人数按出勤计算为 4 人，与填写的 5 人不符" in differ.errors[0].message


def test_the_absentees_column_is_listed_as_not_read(tree, cast):
    result = plan(
        tree,
        cast,
        ["会议日期", "会议类型", "会议主题", "缺席人员及原因"],
        [["2026-05-08", "党课", "党课", "张三（病假）"]],
    )
    assert result.errors == []
    assert result.ignored_columns == [
        ("缺席人员及原因", "缺席人员及原因在会议页面的出勤表中逐人登记（或用“会议出勤”导入），这一列不导入")
    ]


def _snapshot():
    return (
        list(Meeting.objects.order_by("pk").values()),
        list(Attendance.objects.order_by("pk").values()),
    )


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_meetings_export_then_import_changes_nothing(client, tree, cast, people, fmt):
    meeting_with_sheet(tree, cast, people)
    typed_meeting(tree, cast, observers="")
    save_meeting(
        branch=tree.branch_a1,
        by=cast.secretary,
        kind=Meeting.Kind.GROUP_MEETING,
        group=tree.group_a1,
        held_on=D(2026, 6, 1),
        topic="党小组学习",
        agenda="=SUM(1,2)",  # escaped on the way out, read back as typed
    )
    before = _snapshot()
    response = login(client, cast, "secretary").get(
        reverse("members:export_meetings", args=[tree.branch_a1.pk]), {"format": fmt}
    )
    assert response.status_code == 200
    name = f"meetings.{fmt}"
    back = read_table(response.content, name)
    assert back.headers[:4] == ["会议日期", "会议类型", "党小组", "会议主题"]
    assert "缺席人员及原因" in back.headers
    result = plan_import(kind="MEETINGS", branch=tree.branch_a1, user=cast.secretary, table=back)
    assert (result.errors, len(result.creates), len(result.updates), result.unchanged) == ([], 0, 0, 3)
    write_plan(result)
    assert _snapshot() == before


def test_the_export_lists_the_absentees_and_the_counted_numbers(client, tree, cast, people):
    meeting_with_sheet(tree, cast, people)
    response = login(client, cast, "inspector").get(
        reverse("members:export_meetings", args=[tree.branch_a1.pk])
    )
    rows = [list(r) for r in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)]
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["应到人数"], row["实到人数"]) == (4, 2)
    assert row["缺席人员及原因"] == "组员1（请假：外出务工）；党员2（缺席：生病住院）"
    assert row["主持人"] == "王书记"


@pytest.mark.parametrize("role", ROLES)
def test_the_meetings_export_answers_each_role(client, tree, cast, role):
    typed_meeting(tree, cast)
    response = login(client, cast, role).get(reverse("members:export_meetings", args=[tree.branch_a1.pk]))
    if role == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == READ[role]


def test_the_meetings_template_lists_the_columns_with_how_to_fill_them(client, tree, cast):
    response = login(client, cast, "secretary").get(
        reverse("members:import_template", args=[tree.branch_a1.pk, "meetings"]), {"format": "csv"}
    )
    headers = response.content.decode("utf-8-sig").splitlines()[0].split(",")
    assert headers == [
        "会议日期",
        "会议类型",
        "党小组",
        "会议主题",
        "地点",
        "主持人",
        "记录人",
        "应到人数",
        "实到人数",
        "列席人员",
        "议程",
        "会议记录",
        "决议",
    ]


# Attendance with 缺席原因 ------------------------------------------------------------------------


def test_attendance_export_then_import_keeps_the_reasons(client, tree, cast, people):
    meeting_with_sheet(tree, cast, people)
    before = _snapshot()
    response = login(client, cast, "secretary").get(
        reverse("members:export_attendance", args=[tree.branch_a1.pk]), {"format": "csv"}
    )
    back = read_table(response.content, "a.csv")
    assert back.headers[-1] == "缺席原因"
    result = plan_import(kind="ATTENDANCE", branch=tree.branch_a1, user=cast.secretary, table=back)
    assert (result.errors, result.unchanged) == ([], 4)
    write_plan(result)
    assert _snapshot() == before


def test_attendance_import_takes_reasons_and_refuses_one_for_a_present_member(tree, cast, people):
    meeting = typed_meeting(tree, cast)
    headers = ["会议日期", "会议主题", "姓名", "出勤", "请假原因"]
    rows = [
        ["2026-04-20", "专题党课", "组员1", "病假", "住院"],
        ["2026-04-20", "专题党课", "组员2", "到", ""],
        ["2026-04-20", "专题党课", "党员1", "出席", "迟到"],
    ]
    result = plan(tree, cast, headers, rows, kind="ATTENDANCE")
    assert [(e.row, e.message) for e in result.errors] == [(4, "缺席原因：出席的党员不填缺席原因。")]
    result = plan(tree, cast, headers, rows[:2], kind="ATTENDANCE")
    write_plan(result)
    assert dict(meeting.attendances.values_list("member__name", "status")) == {"组员1": E, "组员2": P}
    assert Attendance.objects.get(member=people[0]).reason == "住院"


def test_a_meetings_file_is_read_from_xlsx_too(tree, cast):
    upload = xlsx_upload(
        MEETING_HEADERS,
        [["2026-05-08", "党课", "", "党课", "", "王书记", "", 3, 3, "", "", "", ""]],
        name="m.xlsx",
    )
    result = plan_import(
        kind="MEETINGS", branch=tree.branch_a1, user=cast.secretary, table=read_table(upload.read(), "m.xlsx")
    )
    assert result.errors == []
    write_plan(result)
    assert Meeting.objects.get().host == "王书记"

"""三会一课: the meetings list, recording a meeting with photos, its page and attendance sheet.

Every url answers each role: the branch secretary and its 党委 record meetings, photos and
attendance; the 组织部 and inspectors see them but get 403 on a change; the secretary of another
branch gets 404 (photos too); an anonymous visitor is sent to log in. Refused posts change nothing.
"""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from members.models import Attendance, Meeting, MeetingPhoto
from members.rules import MAX_PHOTOS_PER_UPLOAD
from members.services.records import record_attendance, save_meeting
from organizations.models import AuditEvent, Verb
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2026, 6, 15)
HTMX = {"HTTP_HX_REQUEST": "true"}
ROLES = ["org_department", "committee", "secretary", "inspector", "outsider"]
READ = {"org_department": 200, "committee": 200, "secretary": 200, "inspector": 200, "outsider": 404}
EDIT = {"org_department": 403, "committee": 200, "secretary": 200, "inspector": 403, "outsider": 404}
P, A, E = Attendance.Status.PRESENT, Attendance.Status.ABSENT, Attendance.Status.EXCUSED


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: TODAY)
    return TODAY


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def image(name="会场.jpg", *, size=(40, 30)) -> SimpleUploadedFile:
    """A real little picture in the format its name says."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (180, 30, 30)).save(buffer, "PNG" if name.endswith(".png") else "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def login(client, cast, role):
    if role != "anonymous":
        client.force_login(getattr(cast, role))


@pytest.fixture
def people(tree):
    group = [MemberFactory(branch=tree.branch_a1, group=tree.group_a1, name=f"组员{i}") for i in (1, 2)]
    others = [MemberFactory(branch=tree.branch_a1, name=f"党员{i}") for i in (1, 2)]
    return group + others


@pytest.fixture
def data(tree, cast, people):
    """A 主题党日 of 一村党支部 with a photo and a saved sheet (3 present, 1 excused)."""
    meeting = save_meeting(
        branch=tree.branch_a1,
        by=cast.secretary,
        kind=Meeting.Kind.THEME_DAY,
        group=None,
        held_on=D(2026, 5, 10),
        topic="学习党章",
        location="村党员活动室",
        minutes="一、学习党章\n二、交流发言",
        photos=[image()],
    )
    record_attendance(
        meeting=meeting,
        statuses={people[0].pk: P, people[1].pk: P, people[2].pk: P, people[3].pk: E},
        by=cast.secretary,
    )
    return meeting


def urls(tree, meeting):
    photo = meeting.photos.get()
    return {
        "meeting_list": (reverse("members:meeting_list", args=[tree.branch_a1.pk]), READ),
        "meeting_detail": (reverse("members:meeting_detail", args=[meeting.pk]), READ),
        "meeting_photo": (reverse("members:meeting_photo", args=[photo.pk]), READ),
        "meeting_add": (reverse("members:meeting_add", args=[tree.branch_a1.pk]), EDIT),
        "meeting_edit": (reverse("members:meeting_edit", args=[meeting.pk]), EDIT),
        "meeting_delete": (reverse("members:meeting_delete", args=[meeting.pk]), EDIT),
    }


def snapshot():
    return (
        list(
            Meeting.objects.order_by("pk").values_list(
                "organization_id", "kind", "held_on", "topic", "minutes"
            )
        ),
        list(Attendance.objects.order_by("pk").values_list("meeting_id", "member_id", "status")),
        list(MeetingPhoto.objects.order_by("pk").values_list("pk", "image")),
        AuditEvent.objects.count(),
    )


# Who gets what ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_page_answers_each_role(client, tree, cast, data, role):
    login(client, cast, role)
    for name, (url, answers) in urls(tree, data).items():
        assert client.get(url).status_code == answers[role], name


@pytest.mark.parametrize("role", ROLES)
def test_actions_are_offered_only_to_those_who_may_take_them(client, tree, cast, data, role):
    if READ[role] != 200:
        return
    login(client, cast, role)
    add = reverse("members:meeting_add", args=[tree.branch_a1.pk])
    edit = reverse("members:meeting_edit", args=[data.pk])
    assert (
        add in client.get(reverse("members:meeting_list", args=[tree.branch_a1.pk])).content.decode()
    ) == (EDIT[role] == 200)
    detail = client.get(reverse("members:meeting_detail", args=[data.pk]))
    assert (edit in detail.content.decode()) == (EDIT[role] == 200)
    assert (detail.context["sheet_form"] is not None) == (EDIT[role] == 200)


def test_anonymous_is_sent_to_login(client, tree, data):
    for name, (url, _) in urls(tree, data).items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login"))
    before = snapshot()
    client.post(reverse("members:meeting_attendance", args=[data.pk]), {})
    client.post(reverse("members:meeting_delete", args=[data.pk]))
    assert snapshot() == before


@pytest.mark.parametrize("role", ROLES)
def test_posts_answer_each_role_and_a_refusal_changes_nothing(client, tree, cast, data, people, role):
    login(client, cast, role)
    photo = data.photos.get()
    before = snapshot()
    posts = {
        reverse("members:meeting_add", args=[tree.branch_a1.pk]): {
            "kind": "PARTY_LECTURE",
            "held_on": "2026-06-01",
            "topic": "党课",
        },
        reverse("members:meeting_edit", args=[data.pk]): {
            "kind": "THEME_DAY",
            "held_on": "2026-05-10",
            "topic": "改过",
        },
        reverse("members:meeting_attendance", args=[data.pk]): {f"m{m.pk}": A for m in people},
        reverse("members:meeting_photo_delete", args=[photo.pk]): {},
        reverse("members:meeting_delete", args=[data.pk]): {},
    }
    for url, payload in posts.items():
        response = client.post(url, payload)
        if EDIT[role] == 200:
            assert response.status_code == 302, url
        else:
            assert response.status_code == EDIT[role], url
    if EDIT[role] != 200:
        assert snapshot() == before
    else:
        assert not Meeting.objects.filter(pk=data.pk).exists()


def test_attendance_is_post_only(client, cast, data):
    login(client, cast, "secretary")
    assert client.get(reverse("members:meeting_attendance", args=[data.pk])).status_code == 405


def test_a_group_or_another_branch_is_404(client, tree, cast):
    login(client, cast, "secretary")
    assert client.get(reverse("members:meeting_list", args=[tree.group_a1.pk])).status_code == 404
    assert client.get(reverse("members:meeting_list", args=[tree.branch_b1.pk])).status_code == 404
    assert client.get(reverse("members:meeting_add", args=[tree.branch_b1.pk])).status_code == 404
    assert client.get(reverse("members:meeting_detail", args=[999999])).status_code == 404


# Recording a meeting ----------------------------------------------------------------------------


def test_secretary_records_a_meeting_with_photos(client, tree, cast, people):
    login(client, cast, "secretary")
    response = client.post(
        reverse("members:meeting_add", args=[tree.branch_a1.pk]),
        {
            "kind": "GENERAL_MEETING",
            "held_on": "2026-06-12",
            "topic": "讨论发展党员",
            "location": "村部",
            "minutes": "会议由书记主持。",
            "photos": [image("签到.jpg"), image("会场.png")],
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("members:meeting_detail", args=[meeting.pk]) + "#attendance"
    assert (meeting.organization, meeting.kind, meeting.held_on) == (
        tree.branch_a1,
        "GENERAL_MEETING",
        D(2026, 6, 12),
    )
    assert meeting.photos.count() == 2
    event = AuditEvent.objects.get(verb=Verb.ADD_MEETING)
    assert event.organization == tree.branch_a1
    assert event.summary.endswith("上传照片 2 张")


def test_a_group_meeting_is_held_by_the_group_and_expects_its_members(client, tree, cast, people):
    login(client, cast, "secretary")
    client.post(
        reverse("members:meeting_add", args=[tree.branch_a1.pk]),
        {"kind": "GROUP_MEETING", "group": tree.group_a1.pk, "held_on": "2026-06-01", "topic": "党小组学习"},
    )
    meeting = Meeting.objects.get()
    assert meeting.organization == tree.group_a1
    response = client.get(reverse("members:meeting_detail", args=[meeting.pk]))
    assert [line.member.name for line in response.context["lines"]] == ["组员1", "组员2"]
    listed = client.get(reverse("members:meeting_list", args=[tree.branch_a1.pk]))
    assert [m.pk for m in listed.context["page_obj"]] == [meeting.pk]


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"kind": "GROUP_MEETING"}, "group", "党小组会请选择召开会议的党小组。"),
        (
            {"kind": "THEME_DAY", "group": "GROUP"},
            "group",
            "只有党小组会需要选择党小组；其他会议由支部召开，请选“不选”。",
        ),
        (
            {"kind": "THEME_DAY", "held_on": "2026-06-16"},
            "held_on",
            "只能登记已经召开的会议，召开日期不能晚于今天。",
        ),
        ({"kind": "THEME_DAY", "topic": ""}, "topic", "这个字段是必填项。"),
        ({"kind": "会议"}, "kind", None),
    ],
)
def test_bad_input_is_shown_beside_the_field_and_kept(client, tree, cast, payload, field, message):
    login(client, cast, "secretary")
    data = {"held_on": "2026-06-01", "topic": "学习讨论", "location": "村部", **payload}
    if data.get("group") == "GROUP":
        data["group"] = tree.group_a1.pk
    response = client.post(reverse("members:meeting_add", args=[tree.branch_a1.pk]), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    if message:
        assert errors[field] == [message]
    assert 'value="村部"' in response.content.decode()
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("会场.jpg", b"this is no picture"), "会场.jpg：文件内容与扩展名 .jpg 不符。"),
        (
            SimpleUploadedFile("会场.gif", b"GIF89a" + b"\x00" * 20),
            "会场.gif：只能上传以下类型的文件：jpg、jpeg、png。",
        ),
    ],
)
def test_photos_are_checked(client, tree, cast, upload, message):
    login(client, cast, "secretary")
    response = client.post(
        reverse("members:meeting_add", args=[tree.branch_a1.pk]),
        {"kind": "THEME_DAY", "held_on": "2026-06-01", "topic": "主题党日", "photos": [image(), upload]},
    )
    assert response.context["form"].errors["photos"] == [message]
    assert "照片需要重新选择" in response.content.decode()
    assert not Meeting.objects.exists()
    assert not MeetingPhoto.objects.exists()


def test_too_many_photos_at_once_are_refused_and_the_limits_are_stated(client, tree, cast):
    login(client, cast, "secretary")
    page = client.get(reverse("members:meeting_add", args=[tree.branch_a1.pk])).content.decode()
    assert "最多 9 张" in page
    assert "支持 图片（.jpg/.png），单个文件不超过 20 MB" in page
    response = client.post(
        reverse("members:meeting_add", args=[tree.branch_a1.pk]),
        {
            "kind": "THEME_DAY",
            "held_on": "2026-06-01",
            "topic": "主题党日",
            "photos": [image(f"{i}.jpg") for i in range(MAX_PHOTOS_PER_UPLOAD + 1)],
        },
    )
    assert response.context["form"].errors["photos"] == ["一次最多上传 9 张照片。"]
    assert not Meeting.objects.exists()


def test_a_large_photo_is_refused(client, tree, cast, settings):
    settings.MAX_UPLOAD_BYTES = 1024 * 1024
    login(client, cast, "secretary")
    big = SimpleUploadedFile("大图.jpg", b"\xff\xd8\xff" + b"\x00" * (1024 * 1024))
    response = client.post(
        reverse("members:meeting_add", args=[tree.branch_a1.pk]),
        {"kind": "THEME_DAY", "held_on": "2026-06-01", "topic": "主题党日", "photos": [big]},
    )
    assert response.context["form"].errors["photos"] == ["大图.jpg：文件不能超过 1 MB。"]
    assert not Meeting.objects.exists()


def test_editing_adds_photos_and_moving_to_a_group_drops_marks_of_others(client, tree, cast, data, people):
    login(client, cast, "committee")
    response = client.post(
        reverse("members:meeting_edit", args=[data.pk]),
        {
            "kind": "GROUP_MEETING",
            "group": tree.group_a1.pk,
            "held_on": "2026-05-10",
            "topic": "党小组学习党章",
            "photos": [image("二.png")],
        },
    )
    assert response.status_code == 302
    data.refresh_from_db()
    assert data.organization == tree.group_a1
    assert data.photos.count() == 2
    assert set(data.attendances.values_list("member_id", flat=True)) == {people[0].pk, people[1].pk}
    event = AuditEvent.objects.get(verb=Verb.CHANGE_MEETING)
    assert "不再应到的 2 人出勤记录已删除" in event.summary


def test_a_photo_is_removed(client, cast, data):
    login(client, cast, "secretary")
    photo = data.photos.get()
    stored = photo.image.path
    response = client.post(reverse("members:meeting_photo_delete", args=[photo.pk]), **HTMX)
    assert response.status_code == 200
    assert response.content == b""
    assert not MeetingPhoto.objects.exists()
    assert AuditEvent.objects.filter(verb=Verb.REMOVE_MEETING_PHOTO).count() == 1
    assert stored  # the file goes once the transaction commits (not run inside a test transaction)


def test_deleting_asks_first_then_removes_the_meeting_with_its_sheet(client, tree, cast, data):
    login(client, cast, "secretary")
    page = client.get(reverse("members:meeting_delete", args=[data.pk])).content.decode()
    assert "4 条出勤记录" in page
    assert "1 张照片" in page
    response = client.post(reverse("members:meeting_delete", args=[data.pk]))
    assert response["Location"] == reverse("members:meeting_list", args=[tree.branch_a1.pk])
    assert not Meeting.objects.exists()
    assert not Attendance.objects.exists()
    assert AuditEvent.objects.filter(verb=Verb.REMOVE_MEETING).count() == 1


# Photos are served through a scope-checked view -------------------------------------------------


def test_photo_is_served_inline_to_those_who_see_the_meeting(client, cast, data, settings):
    login(client, cast, "inspector")
    photo = data.photos.get()
    response = client.get(reverse("members:meeting_photo", args=[photo.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"
    detail = client.get(reverse("members:meeting_detail", args=[data.pk])).content.decode()
    assert f'src="{reverse("members:meeting_photo", args=[photo.pk])}"' in detail
    assert settings.MEDIA_URL not in detail


def test_outsider_gets_404_for_a_photo(client, cast, data):
    login(client, cast, "outsider")
    photo = data.photos.get()
    assert client.get(reverse("members:meeting_photo", args=[photo.pk])).status_code == 404
    assert client.post(reverse("members:meeting_photo_delete", args=[photo.pk])).status_code == 404
    assert MeetingPhoto.objects.filter(pk=photo.pk).exists()


def test_a_photo_whose_file_is_gone_is_404(client, cast, data):
    login(client, cast, "secretary")
    photo = data.photos.get()
    photo.image.storage.delete(photo.image.name)
    assert client.get(reverse("members:meeting_photo", args=[photo.pk])).status_code == 404


# The attendance sheet -------------------------------------------------------------------------


def test_an_unsaved_sheet_lists_expected_members_present_by_default(client, tree, cast, people):
    MemberFactory(branch=tree.branch_a1, name="后来者", joined_on=D(2026, 6, 1))
    meeting = save_meeting(
        branch=tree.branch_a1,
        by=cast.secretary,
        kind="PARTY_LECTURE",
        group=None,
        held_on=D(2026, 5, 20),
        topic="党课",
    )
    login(client, cast, "secretary")
    response = client.get(reverse("members:meeting_detail", args=[meeting.pk]))
    lines = response.context["lines"]
    assert [line.member.name for line in lines] == ["组员1", "组员2", "党员1", "党员2"]  # not 后来者
    assert all(line.field.value() == P for line in lines)
    assert response.context["rate"] is None
    assert "出勤尚未登记" in response.content.decode()


def test_the_sheet_is_saved_at_once_and_gives_the_rate(client, cast, data, people):
    login(client, cast, "secretary")
    statuses = {f"m{people[0].pk}": P, f"m{people[1].pk}": A, f"m{people[2].pk}": E, f"m{people[3].pk}": P}
    response = client.post(reverse("members:meeting_attendance", args=[data.pk]), statuses)
    assert response["Location"] == reverse("members:meeting_detail", args=[data.pk]) + "#attendance"
    assert dict(data.attendances.values_list("member_id", "status")) == {
        people[0].pk: P,
        people[1].pk: A,
        people[2].pk: E,
        people[3].pk: P,
    }
    page = client.get(reverse("members:meeting_detail", args=[data.pk]))
    assert page.context["rate"] == Decimal("66.7")  # 2 present of (4 − 1 excused)
    assert "到会率 66.7%" in page.content.decode()
    assert (
        "应到 4 人，出席 2，缺席 1，请假 1，到会率 66.7%"
        in AuditEvent.objects.filter(verb=Verb.RECORD_ATTENDANCE).first().summary
    )


def test_htmx_saves_the_sheet_in_place(client, cast, data, people):
    login(client, cast, "secretary")
    response = client.post(
        reverse("members:meeting_attendance", args=[data.pk]), {f"m{m.pk}": A for m in people}, **HTMX
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="panel attendance" id="attendance"')
    assert "出勤已保存：应到 4 人，出席 0 人，到会率 0.0%。" in html
    assert set(data.attendances.values_list("status", flat=True)) == {A}


def test_a_sheet_with_a_member_left_out_or_a_bad_mark_saves_nothing(client, cast, data, people):
    login(client, cast, "secretary")
    before = snapshot()
    partial = {f"m{m.pk}": A for m in people[:3]}
    response = client.post(reverse("members:meeting_attendance", args=[data.pk]), partial)
    assert response.status_code == 200
    assert response.context["sheet_form"].errors[f"m{people[3].pk}"]
    bad = {f"m{m.pk}": "LATE" for m in people}
    response = client.post(reverse("members:meeting_attendance", args=[data.pk]), bad)
    assert response.status_code == 200
    assert snapshot() == before


def test_the_list_shows_each_meetings_rate_and_the_years(client, tree, cast, data, people):
    other = save_meeting(
        branch=tree.branch_a1,
        by=cast.secretary,
        kind="COMMITTEE_MEETING",
        group=None,
        held_on=D(2026, 6, 1),
        topic="支委会",
    )
    record_attendance(
        meeting=other,
        statuses={people[0].pk: P, people[1].pk: A, people[2].pk: P, people[3].pk: P},
        by=cast.secretary,
    )
    login(client, cast, "inspector")
    response = client.get(reverse("members:meeting_list", args=[tree.branch_a1.pk]))
    rates = {m.topic: m.headcount.rate for m in response.context["page_obj"]}
    assert rates == {"学习党章": Decimal("100.0"), "支委会": Decimal("75.0")}
    assert response.context["year_rate"] == Decimal("85.7")  # 6 present of (8 − 1 excused)
    assert response.context["year"]["total"] == 2
    html = response.content.decode()
    assert "100.0%" in html
    assert re.search(r"4 / 3\s*</td>\s*<td[^>]*>\s*<span[^>]*>75\.0%</span>", html)


def test_the_list_filters_by_kind_and_month(client, tree, cast, data):
    save_meeting(
        branch=tree.branch_a1,
        by=cast.secretary,
        kind="PARTY_LECTURE",
        group=None,
        held_on=D(2026, 6, 1),
        topic="党课",
    )
    login(client, cast, "secretary")
    url = reverse("members:meeting_list", args=[tree.branch_a1.pk])
    topics = lambda **q: [m.topic for m in client.get(url, q).context["page_obj"]]  # noqa: E731
    assert topics() == ["党课", "学习党章"]
    assert topics(kind="PARTY_LECTURE") == ["党课"]
    assert topics(month="2026-05") == ["学习党章"]
    assert topics(month="2026-05", kind="PARTY_LECTURE") == []
    bad = client.get(url, {"month": "五月"})
    assert bad.context["month_error"]
    assert "月份应写成" in bad.content.decode()
    assert [m.topic for m in bad.context["page_obj"]] == ["党课", "学习党章"]
    assert (
        client.get(url, {"kind": "PARTY_LECTURE", "page": 1}).context["filter_query"] == "kind=PARTY_LECTURE"
    )


# Queries ----------------------------------------------------------------------------------------

# The list, whatever the number of meetings: session, user, the branch, the page's count, the
# page's meetings with holder, attendance and photo counts, the year's count, the year's
# attendance rate, the viewer's role checks (cannot_keep_meetings: one or two), the top bar's roles.
MEETING_LIST_QUERIES = 10
# A meeting's page, whatever the number of members: session, user, the meeting, the viewer's
# role checks (one or two), its photos, the saved marks, the sheet's members with 党小组, the top
# bar's roles (a 党小组's meeting takes one more, to find its branch).
MEETING_DETAIL_QUERIES = 9


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def add_meetings(tree, members, n):
    meetings = Meeting.objects.bulk_create(
        Meeting(
            organization=tree.branch_a1, kind="THEME_DAY", held_on=D(2026, 5, 1 + i % 28), topic=f"第{i}次"
        )
        for i in range(n)
    )
    Attendance.objects.bulk_create(Attendance(meeting=m, member=p) for m in meetings for p in members)


@pytest.mark.parametrize("role", ["secretary", "inspector"])
def test_list_queries_are_the_same_for_5_and_50_meetings(
    client, tree, cast, people, role, django_assert_max_num_queries
):
    login(client, cast, role)
    url = reverse("members:meeting_list", args=[tree.branch_a1.pk])
    add_meetings(tree, people, 5)
    few = count_queries(client, url)
    add_meetings(tree, people, 45)

    with django_assert_max_num_queries(MEETING_LIST_QUERIES):
        response = client.get(url)

    assert len(response.context["page_obj"].object_list) == 25
    assert count_queries(client, url) == few <= MEETING_LIST_QUERIES


@pytest.mark.parametrize("role", ["secretary", "inspector"])
def test_detail_queries_are_the_same_for_5_and_50_members(
    client, tree, cast, role, django_assert_max_num_queries
):
    members = [MemberFactory(branch=tree.branch_a1) for _ in range(5)]
    meeting = save_meeting(
        branch=tree.branch_a1,
        by=cast.secretary,
        kind="THEME_DAY",
        group=None,
        held_on=D(2026, 5, 1),
        topic="主题党日",
    )
    Attendance.objects.bulk_create(Attendance(meeting=meeting, member=m) for m in members)
    login(client, cast, role)
    url = reverse("members:meeting_detail", args=[meeting.pk])
    few = count_queries(client, url)
    more = [MemberFactory(branch=tree.branch_a1) for _ in range(45)]
    Attendance.objects.bulk_create(Attendance(meeting=meeting, member=m) for m in more)

    with django_assert_max_num_queries(MEETING_DETAIL_QUERIES):
        response = client.get(url)

    assert len(response.context["lines"]) == 50
    assert count_queries(client, url) == few <= MEETING_DETAIL_QUERIES

"""Work schedules (工作安排): the campaign-wide one and each site's, with their .xlsx import and export."""

import datetime
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from campaigns.forms.schedule import COLUMNS
from campaigns.models import Phase, WorkItem
from campaigns.services import approve_site, nominate_site, save_work_item
from organizations.models import AuditEvent, Kind, Role, Verb
from tests.campaigns.factories import MOBILIZATION_DAY, active_campaign
from tests.organizations.factories import UserFactory, give_role, make_org

pytestmark = pytest.mark.django_db

ROLES = ["org_department", "committee", "secretary", "inspector", "outsider"]


@pytest.fixture
def campaign(tree, cast):
    return active_campaign(organizer=tree.work, by=cast.org_department, quota_per_committee=2)


@pytest.fixture
def site(campaign, tree, cast):
    site = nominate_site(campaign=campaign, branch=tree.branch_a1, by=cast.committee, today=MOBILIZATION_DAY)
    return approve_site(site=site, by=cast.org_department)


@pytest.fixture
def site_item(site, cast):
    return save_work_item(
        campaign=site.campaign,
        site=site,
        by=cast.secretary,
        title="制定党支部创建工作实施方案",
        due_on=datetime.date(2026, 5, 31),
        responsible="党支部",
        phase=site.campaign.phase_of_kind(Phase.Kind.IMPLEMENTATION),
    )


@pytest.fixture
def campaign_item(campaign, cast):
    return save_work_item(
        campaign=campaign,
        by=cast.org_department,
        title="召开创建工作部署会议",
        due_on=datetime.date(2026, 3, 12),
        responsible="工委组织部",
        phase=campaign.phase_of_kind(Phase.Kind.MOBILIZATION),
    )


@pytest.fixture
def stranger(db):
    """Someone from another 工委: sees none of it."""
    root = make_org(None, Kind.WORK_COMMITTEE, "另一工委", code="X")
    user = UserFactory(username="t_stranger", name="外区组织部")
    give_role(user, root, Role.Kind.ORG_DEPARTMENT)
    return user


def login(client, cast, role):
    client.force_login(getattr(cast, role))


def xlsx_upload(rows, headers=COLUMNS, name="工作安排.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def item_form(**overrides) -> dict:
    data = {
        "title": "召开创建工作动员会",
        "due_on": "2026-06-10",
        "responsible": "党支部书记",
        "phase": "",
        "status": "PLANNED",
        "done_on": "",
    }
    data.update(overrides)
    return data


def schedule_of(site=None, campaign=None) -> list[tuple]:
    items = (
        WorkItem.objects.filter(site=site) if site else WorkItem.objects.filter(campaign=campaign, site=None)
    )
    return [
        (i.phase.kind if i.phase else None, i.title, i.due_on, i.responsible, i.status, i.done_on)
        for i in items.select_related("phase").order_by("due_on", "pk")
    ]


# Who may open what ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_everyone_in_the_campaign_sees_its_schedule(client, cast, campaign, campaign_item, role):
    login(client, cast, role)

    response = client.get(reverse("campaigns:campaign_schedule", args=[campaign.pk]))

    assert response.status_code == 200
    assert "召开创建工作部署会议" in response.content.decode()
    export = client.get(reverse("campaigns:campaign_schedule_export", args=[campaign.pk]))
    assert export.status_code == 200


@pytest.mark.parametrize(
    ("role", "editor"),
    [
        ("org_department", True),
        ("committee", False),
        ("secretary", False),
        ("inspector", False),
        ("outsider", False),
    ],
)
def test_only_the_org_department_is_offered_campaign_schedule_changes(
    client, cast, campaign, campaign_item, role, editor
):
    login(client, cast, role)

    html = client.get(reverse("campaigns:campaign_schedule", args=[campaign.pk])).content.decode()
    import_page = client.get(reverse("campaigns:campaign_schedule_import", args=[campaign.pk]))
    edit_page = client.get(reverse("campaigns:work_item_edit", args=[campaign_item.pk]))
    delete_page = client.get(reverse("campaigns:work_item_delete", args=[campaign_item.pk]))

    assert (reverse("campaigns:work_item_edit", args=[campaign_item.pk]) in html) is editor
    assert ("新增工作安排" in html) is editor
    assert (reverse("campaigns:campaign_schedule_import", args=[campaign.pk]) in html) is editor
    expected = 200 if editor else 403
    assert (import_page.status_code, edit_page.status_code, delete_page.status_code) == (expected,) * 3


@pytest.mark.parametrize(
    ("role", "expected", "editor"),
    [
        ("org_department", 200, False),
        ("committee", 200, True),
        ("secretary", 200, True),
        ("inspector", 200, False),
        ("outsider", 404, False),
    ],
)
def test_site_schedule_answers_each_role(client, cast, site, site_item, role, expected, editor):
    login(client, cast, role)

    page = client.get(reverse("campaigns:site_schedule", args=[site.pk]))
    export = client.get(reverse("campaigns:site_schedule_export", args=[site.pk]))
    import_page = client.get(reverse("campaigns:site_schedule_import", args=[site.pk]))
    edit_page = client.get(reverse("campaigns:work_item_edit", args=[site_item.pk]))
    delete_page = client.get(reverse("campaigns:work_item_delete", args=[site_item.pk]))

    assert page.status_code == expected
    assert export.status_code == expected
    change = 200 if editor else (404 if expected == 404 else 403)
    assert (import_page.status_code, edit_page.status_code, delete_page.status_code) == (change,) * 3
    if expected == 200:
        html = page.content.decode()
        assert "制定党支部创建工作实施方案" in html
        assert (reverse("campaigns:work_item_edit", args=[site_item.pk]) in html) is editor
        assert (reverse("campaigns:site_schedule_import", args=[site.pk]) in html) is editor


def test_another_county_gets_404_everywhere(client, stranger, campaign, site, site_item, campaign_item):
    client.force_login(stranger)
    urls = [
        reverse("campaigns:campaign_schedule", args=[campaign.pk]),
        reverse("campaigns:campaign_schedule_import", args=[campaign.pk]),
        reverse("campaigns:campaign_schedule_export", args=[campaign.pk]),
        reverse("campaigns:site_schedule", args=[site.pk]),
        reverse("campaigns:site_schedule_import", args=[site.pk]),
        reverse("campaigns:site_schedule_export", args=[site.pk]),
        reverse("campaigns:work_item_edit", args=[site_item.pk]),
        reverse("campaigns:work_item_delete", args=[campaign_item.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    for name in ("work_item_done", "work_item_delete"):
        assert client.post(reverse(f"campaigns:{name}", args=[site_item.pk])).status_code == 404


def test_anonymous_is_sent_to_log_in(client, campaign, site, site_item, campaign_item):
    urls = [
        reverse("campaigns:campaign_schedule", args=[campaign.pk]),
        reverse("campaigns:campaign_schedule_import", args=[campaign.pk]),
        reverse("campaigns:campaign_schedule_export", args=[campaign.pk]),
        reverse("campaigns:site_schedule", args=[site.pk]),
        reverse("campaigns:site_schedule_import", args=[site.pk]),
        reverse("campaigns:site_schedule_export", args=[site.pk]),
        reverse("campaigns:work_item_edit", args=[site_item.pk]),
        reverse("campaigns:work_item_delete", args=[campaign_item.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url
    response = client.post(reverse("campaigns:work_item_done", args=[site_item.pk]))
    assert response.status_code == 302
    site_item.refresh_from_db()
    assert site_item.status == WorkItem.Status.PLANNED


# Adding, editing, marking done, deleting ----------------------------------------------------------


def test_org_department_adds_a_campaign_item(client, cast, campaign):
    login(client, cast, "org_department")

    response = client.post(
        reverse("campaigns:campaign_schedule", args=[campaign.pk]), item_form(due_on="2026-04-10")
    )

    item = WorkItem.objects.get(campaign=campaign, site=None)
    assert response.status_code == 302
    assert response.url == f"{reverse('campaigns:campaign_schedule', args=[campaign.pk])}#item-{item.pk}"
    # No stage chosen: the due date puts it in 宣传发动 (1 March – 15 April).
    assert item.phase.kind == Phase.Kind.MOBILIZATION
    assert (
        AuditEvent.objects.about(campaign).filter(verb=Verb.ADD_WORK_ITEM, actor=cast.org_department).exists()
    )


@pytest.mark.parametrize("role", ["committee", "secretary", "inspector", "outsider"])
def test_others_cannot_add_to_the_campaign_schedule(client, cast, campaign, role):
    login(client, cast, role)

    response = client.post(reverse("campaigns:campaign_schedule", args=[campaign.pk]), item_form())

    assert response.status_code == 403
    assert not WorkItem.objects.exists()


@pytest.mark.parametrize("role", ["secretary", "committee"])
def test_the_branch_and_its_committee_add_site_items(client, cast, site, role):
    login(client, cast, role)

    response = client.post(reverse("campaigns:site_schedule", args=[site.pk]), item_form())

    assert response.status_code == 302
    item = WorkItem.objects.get(site=site)
    assert (item.title, item.due_on, item.phase.kind) == (
        "召开创建工作动员会",
        datetime.date(2026, 6, 10),
        Phase.Kind.IMPLEMENTATION,
    )
    assert AuditEvent.objects.about(site).filter(verb=Verb.ADD_WORK_ITEM, actor=getattr(cast, role)).exists()


@pytest.mark.parametrize(
    ("role", "expected"), [("org_department", 403), ("inspector", 403), ("outsider", 404)]
)
def test_others_cannot_add_site_items(client, cast, site, role, expected):
    login(client, cast, role)

    response = client.post(reverse("campaigns:site_schedule", args=[site.pk]), item_form())

    assert response.status_code == expected
    assert not WorkItem.objects.exists()


def test_bad_input_is_refused_beside_the_field_and_kept(client, cast, site):
    login(client, cast, "secretary")

    response = client.post(
        reverse("campaigns:site_schedule", args=[site.pk]),
        item_form(title="", due_on="2026-13-01", responsible="吴泽忠"),
    )

    assert response.status_code == 200
    errors = response.context["add_form"].errors
    assert errors["title"] and errors["due_on"] == [
        "请填写有效日期，如 2026-05-31、2026/5/31 或 2026年5月31日。"
    ]
    html = response.content.decode()
    assert 'value="吴泽忠"' in html and 'value="2026-13-01"' in html
    assert '<details class="panel add-item" open' in html
    assert not WorkItem.objects.exists()


def test_a_site_item_can_be_edited(client, cast, site, site_item):
    login(client, cast, "secretary")
    url = reverse("campaigns:work_item_edit", args=[site_item.pk])

    page = client.get(url)
    response = client.post(
        url, item_form(title="制定创建方案（修订）", due_on="2026-05-31", status="IN_PROGRESS")
    )

    assert 'value="制定党支部创建工作实施方案"' in page.content.decode()
    assert response.status_code == 302
    site_item.refresh_from_db()
    assert (site_item.title, site_item.status) == ("制定创建方案（修订）", WorkItem.Status.IN_PROGRESS)
    assert AuditEvent.objects.about(site).filter(verb=Verb.CHANGE_WORK_ITEM).exists()


def test_editing_with_a_done_date_in_the_future_is_refused(client, cast, site_item):
    login(client, cast, "secretary")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = client.post(
        reverse("campaigns:work_item_edit", args=[site_item.pk]),
        item_form(status="DONE", done_on=tomorrow.isoformat()),
    )

    assert response.status_code == 200
    assert response.context["form"].errors["done_on"] == ["完成日期不能晚于今天。"]
    site_item.refresh_from_db()
    assert site_item.status == WorkItem.Status.PLANNED


@pytest.mark.parametrize(
    ("role", "expected"), [("org_department", 403), ("inspector", 403), ("outsider", 404)]
)
def test_others_cannot_edit_mark_done_or_delete_a_site_item(client, cast, site_item, role, expected):
    login(client, cast, role)

    edited = client.post(reverse("campaigns:work_item_edit", args=[site_item.pk]), item_form(title="改了"))
    done = client.post(reverse("campaigns:work_item_done", args=[site_item.pk]))
    deleted = client.post(reverse("campaigns:work_item_delete", args=[site_item.pk]))

    assert (edited.status_code, done.status_code, deleted.status_code) == (expected,) * 3
    site_item.refresh_from_db()
    assert (site_item.title, site_item.status) == ("制定党支部创建工作实施方案", WorkItem.Status.PLANNED)


@pytest.mark.parametrize("role", ["committee", "secretary", "inspector", "outsider"])
def test_others_cannot_change_a_campaign_item(client, cast, campaign_item, role):
    login(client, cast, role)

    edited = client.post(
        reverse("campaigns:work_item_edit", args=[campaign_item.pk]), item_form(title="改了")
    )
    done = client.post(reverse("campaigns:work_item_done", args=[campaign_item.pk]))
    deleted = client.post(reverse("campaigns:work_item_delete", args=[campaign_item.pk]))

    assert (edited.status_code, done.status_code, deleted.status_code) == (403, 403, 403)
    campaign_item.refresh_from_db()
    assert (campaign_item.title, campaign_item.status) == ("召开创建工作部署会议", WorkItem.Status.PLANNED)


def test_marking_done_without_javascript_goes_back(client, cast, site, site_item):
    login(client, cast, "secretary")
    back = reverse("campaigns:site_schedule", args=[site.pk]) + "?status=OPEN"

    response = client.post(reverse("campaigns:work_item_done", args=[site_item.pk]), {"next": back})

    assert response.status_code == 302 and response.url == f"{back}#item-{site_item.pk}"
    site_item.refresh_from_db()
    assert site_item.status == WorkItem.Status.DONE
    assert site_item.done_on == timezone.localdate()


def test_marking_done_with_htmx_returns_the_row(client, cast, campaign, campaign_item):
    login(client, cast, "org_department")

    response = client.post(
        reverse("campaigns:work_item_done", args=[campaign_item.pk]), headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="item-{campaign_item.pk}"')
    assert "已完成" in html and "标记完成" not in html
    campaign_item.refresh_from_db()
    assert campaign_item.status == WorkItem.Status.DONE


def test_an_outside_next_is_ignored(client, cast, site, site_item):
    login(client, cast, "secretary")

    response = client.post(
        reverse("campaigns:work_item_done", args=[site_item.pk]), {"next": "https://example.com/"}
    )

    assert response.url == f"{reverse('campaigns:site_schedule', args=[site.pk])}#item-{site_item.pk}"


def test_deleting_asks_first_then_deletes(client, cast, site, site_item):
    login(client, cast, "committee")
    url = reverse("campaigns:work_item_delete", args=[site_item.pk])

    confirm = client.get(url)
    response = client.post(url)

    assert "删除这项工作安排？" in confirm.content.decode()
    assert response.status_code == 302
    assert not WorkItem.objects.filter(pk=site_item.pk).exists()
    assert AuditEvent.objects.about(site).filter(verb=Verb.REMOVE_WORK_ITEM, actor=cast.committee).exists()


def test_deleting_with_htmx_removes_the_row(client, cast, campaign_item):
    login(client, cast, "org_department")

    response = client.post(
        reverse("campaigns:work_item_delete", args=[campaign_item.pk]), headers={"HX-Request": "true"}
    )

    assert response.status_code == 200 and response.content == b""
    assert not WorkItem.objects.filter(pk=campaign_item.pk).exists()


def test_nothing_is_offered_once_the_campaign_is_closed(client, cast, campaign, site, site_item):
    campaign.status = campaign.Status.CLOSED
    campaign.save(update_fields=["status"])
    login(client, cast, "secretary")

    html = client.get(reverse("campaigns:site_schedule", args=[site.pk])).content.decode()
    response = client.post(reverse("campaigns:work_item_done", args=[site_item.pk]))

    assert "标记完成" not in html and "新增工作安排" not in html
    assert response.status_code == 403


# What the lists show ---------------------------------------------------------------------------------


def test_overdue_items_stand_out(client, cast, site):
    today = timezone.localdate()
    late = save_work_item(
        campaign=site.campaign,
        site=site,
        by=cast.secretary,
        title="建好党员活动室",
        due_on=today - datetime.timedelta(days=10),
    )
    save_work_item(
        campaign=site.campaign,
        site=site,
        by=cast.secretary,
        title="已按时完成",
        due_on=today - datetime.timedelta(days=10),
        status=WorkItem.Status.DONE,
        done_on=today - datetime.timedelta(days=12),
    )
    login(client, cast, "secretary")

    html = client.get(reverse("campaigns:site_schedule", args=[site.pk])).content.decode()
    overdue = client.get(reverse("campaigns:site_schedule", args=[site.pk]), {"status": "OVERDUE"})

    assert "逾期 10 天" in html
    assert html.count("work-item--overdue") == 1
    assert f'id="item-{late.pk}" class="work-item work-item--overdue"' in html
    assert [i.title for i in overdue.context["page_obj"]] == ["建好党员活动室"]


def test_site_items_are_grouped_by_month(client, cast, site):
    for day, title in [
        (datetime.date(2026, 5, 31), "五月一"),
        (datetime.date(2026, 6, 10), "六月一"),
        (datetime.date(2026, 6, 30), "六月二"),
    ]:
        save_work_item(campaign=site.campaign, site=site, by=cast.secretary, title=title, due_on=day)
    login(client, cast, "inspector")

    response = client.get(reverse("campaigns:site_schedule", args=[site.pk]))

    groups = [(g.label, [i.title for i in g.items]) for g in response.context["groups"]]
    assert groups == [("5月份", ["五月一"]), ("6月份", ["六月一", "六月二"])]
    assert "标记完成" not in response.content.decode()


def test_campaign_schedule_filters_by_stage_status_and_month(client, cast, campaign):
    implementation = campaign.phases.get(kind=Phase.Kind.IMPLEMENTATION)
    for day, title, status in [
        (datetime.date(2026, 3, 12), "部署会议", "DONE"),
        (datetime.date(2026, 7, 31), "第一轮督导", "IN_PROGRESS"),
        (datetime.date(2026, 10, 31), "第二轮督导", "PLANNED"),
    ]:
        save_work_item(
            campaign=campaign,
            by=cast.org_department,
            title=title,
            due_on=day,
            status=status,
            done_on=day if status == "DONE" else None,
            phase=campaign.phase_on(day),
        )
    login(client, cast, "committee")
    url = reverse("campaigns:campaign_schedule", args=[campaign.pk])

    def titles(**params):
        return [i.title for i in client.get(url, params).context["page_obj"]]

    assert titles() == ["部署会议", "第一轮督导", "第二轮督导"]
    assert titles(phase=implementation.pk) == ["第一轮督导", "第二轮督导"]
    assert titles(status="DONE") == ["部署会议"]
    assert titles(month="2026-07") == ["第一轮督导"]
    assert titles(month="2026-07", status="PLANNED") == []
    assert titles(month="bogus", status="bogus") == ["部署会议", "第一轮督导", "第二轮督导"]


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def add_items(n, **where):
    campaign = where["campaign"]
    WorkItem.objects.bulk_create(
        WorkItem(
            campaign=campaign,
            site=where.get("site"),
            phase=campaign.phases.get(kind=Phase.Kind.IMPLEMENTATION),
            title=f"第 {i} 项",
            due_on=datetime.date(2026, 5, 1) + datetime.timedelta(days=i * 7),
            responsible="党支部",
            status=WorkItem.Status.DONE if i % 3 == 0 else WorkItem.Status.PLANNED,
            done_on=datetime.date(2026, 5, 1) if i % 3 == 0 else None,
        )
        for i in range(n)
    )


# Queries of the campaign schedule, whatever the number of items: session, user, the campaign,
# its phases, the user's 组织部 role (cannot_edit_schedule), the counts (all, done, overdue), the
# page's count, the page's rows with stage and responsible user, the user's roles for the top bar.
CAMPAIGN_SCHEDULE_QUERIES = 9
# The site schedule: session, user, the site with campaign, branch and committee, the phases, the
# keeper roles (cannot_edit_schedule: 支部书记 or 党委?, one query), the counts, the page's count,
# its rows, the top bar's roles.
SITE_SCHEDULE_QUERIES = 9


def test_campaign_schedule_queries_do_not_grow_with_items(
    client, cast, campaign, django_assert_max_num_queries
):
    login(client, cast, "org_department")
    url = reverse("campaigns:campaign_schedule", args=[campaign.pk])
    add_items(3, campaign=campaign)
    few = count_queries(client, url)
    add_items(27, campaign=campaign)

    with django_assert_max_num_queries(CAMPAIGN_SCHEDULE_QUERIES):
        response = client.get(url)

    assert len(response.context["page_obj"].object_list) == 25
    assert count_queries(client, url) == few <= CAMPAIGN_SCHEDULE_QUERIES


def test_site_schedule_queries_do_not_grow_with_items(client, cast, site, django_assert_max_num_queries):
    login(client, cast, "secretary")
    url = reverse("campaigns:site_schedule", args=[site.pk])
    add_items(3, campaign=site.campaign, site=site)
    few = count_queries(client, url)
    add_items(27, campaign=site.campaign, site=site)

    with django_assert_max_num_queries(SITE_SCHEDULE_QUERIES):
        response = client.get(url)

    assert len(response.context["page_obj"].object_list) == 25
    assert count_queries(client, url) == few <= SITE_SCHEDULE_QUERIES


# Import and export ----------------------------------------------------------------------------------


def test_a_good_file_imports_every_row(client, cast, site):
    login(client, cast, "secretary")
    upload = xlsx_upload(
        [
            (
                "宣传发动",
                "传达学习局创建工作会议、文件精神",
                datetime.datetime(2026, 4, 10),
                "党支部",
                "已完成",
                "2026/4/8",
            ),
            ("", "制定党支部创建工作实施方案", "2026/5/31", "吴泽忠", "", None),
            (None, None, None, None, None, None),
            ("创建培育阶段", "建好高标准的党员活动室", "2026年10月31日", "党支部", "进行中", None),
            ("总结验收", "规范管理创建资料，归档立卷", "2026-12-31", "佘跃柱", "未开始", None),
        ]
    )

    response = client.post(reverse("campaigns:site_schedule_import", args=[site.pk]), {"file": upload})

    assert response.status_code == 302
    assert schedule_of(site) == [
        (
            "MOBILIZATION",
            "传达学习局创建工作会议、文件精神",
            datetime.date(2026, 4, 10),
            "党支部",
            "DONE",
            datetime.date(2026, 4, 8),
        ),
        (
            "IMPLEMENTATION",
            "制定党支部创建工作实施方案",
            datetime.date(2026, 5, 31),
            "吴泽忠",
            "PLANNED",
            None,
        ),
        (
            "IMPLEMENTATION",
            "建好高标准的党员活动室",
            datetime.date(2026, 10, 31),
            "党支部",
            "IN_PROGRESS",
            None,
        ),
        ("ACCEPTANCE", "规范管理创建资料，归档立卷", datetime.date(2026, 12, 31), "佘跃柱", "PLANNED", None),
    ]
    (event,) = AuditEvent.objects.about(site).filter(verb=Verb.IMPORT_WORK_ITEMS)
    assert (event.actor, event.summary) == (cast.secretary, "4 项")


def test_a_file_with_bad_rows_imports_nothing_and_names_each_row(client, cast, site, site_item):
    login(client, cast, "secretary")
    upload = xlsx_upload(
        [
            ("宣传发动", "传达学习局创建工作会议、文件精神", "2026-04-10", "党支部", "未开始", None),
            ("宣传发动", "制定党支部创建工作实施方案", "2026-13-01", "吴泽忠", "未开始", None),
            ("创建培育", "建好高标准的党员活动室", "2026-10-31", "党支部", "未开始", None),
            ("筹备", "召开创建工作动员会", "2026-06-10", "党支部", "搁置", None),
        ]
    )

    response = client.post(reverse("campaigns:site_schedule_import", args=[site.pk]), {"file": upload})

    assert response.status_code == 200
    assert [(e.row, e.message) for e in response.context["row_errors"]] == [
        (3, "完成时限“2026-13-01”不是有效日期，请写成日期格式，如 2026-05-31、2026/5/31 或 2026年5月31日"),
        (
            5,
            "阶段“筹备”不是本活动的阶段，应填 宣传发动、创建培育、总结验收 之一，或留空按完成时限归入；"
            "状态“搁置”无法识别，应填 未开始、进行中、已完成 之一，或留空",
        ),
    ]
    html = response.content.decode()
    assert "文件中有 2 行有误，一项也没有导入" in html
    assert "<strong>第 3 行</strong>" in html and "<strong>第 5 行</strong>" in html
    assert WorkItem.objects.filter(site=site).count() == 1
    assert not AuditEvent.objects.about(site).filter(verb=Verb.IMPORT_WORK_ITEMS).exists()


def test_rows_the_model_refuses_are_listed_with_the_others(client, cast, campaign):
    login(client, cast, "org_department")
    upload = xlsx_upload(
        [
            ("", "部署会议", "2026-03-12", "工委组织部", "", None),
            ("", "", "2026-03-20", "", "", None),
            ("", "很长" * 151, "2026-03-20", "", "", None),
        ]
    )

    response = client.post(
        reverse("campaigns:campaign_schedule_import", args=[campaign.pk]), {"file": upload}
    )

    errors = response.context["row_errors"]
    assert [e.row for e in errors] == [3, 4]
    assert errors[0].message == "工作内容未填写"
    assert errors[1].message.startswith("工作内容：")
    assert not WorkItem.objects.exists()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("工作安排.xlsx", b"not a spreadsheet"), "文件内容与扩展名 .xlsx 不符。"),
        (SimpleUploadedFile("工作安排.csv", b"a,b"), "只能上传以下类型的文件：xlsx。"),
        (xlsx_upload([("召开动员会",)], headers=["工作内容"]), "第 1 行缺少列：完成时限"),
        (xlsx_upload([]), "文件里没有工作安排"),
    ],
)
def test_unusable_files_are_refused_beside_the_field(client, cast, site, upload, message):
    login(client, cast, "secretary")

    response = client.post(reverse("campaigns:site_schedule_import", args=[site.pk]), {"file": upload})

    assert response.status_code == 200
    assert any(message in e for e in response.context["form"].errors["file"])
    assert not WorkItem.objects.exists()


def test_an_oversized_file_is_refused(client, cast, site, settings):
    settings.MAX_UPLOAD_BYTES = 1024
    login(client, cast, "secretary")
    upload = xlsx_upload([("", "召开动员会", "2026-05-31", "", "", None)])
    assert upload.size > 1024

    response = client.post(reverse("campaigns:site_schedule_import", args=[site.pk]), {"file": upload})

    (error,) = response.context["form"].errors["file"]
    assert error.startswith("文件不能超过")
    assert not WorkItem.objects.exists()


@pytest.mark.parametrize(
    ("role", "expected"), [("org_department", 403), ("inspector", 403), ("outsider", 404)]
)
def test_others_cannot_import_into_a_site(client, cast, site, role, expected):
    login(client, cast, role)

    response = client.post(
        reverse("campaigns:site_schedule_import", args=[site.pk]),
        {"file": xlsx_upload([("", "召开动员会", "2026-06-10", "", "", None)])},
    )

    assert response.status_code == expected
    assert not WorkItem.objects.exists()


@pytest.mark.parametrize("role", ["committee", "secretary", "inspector", "outsider"])
def test_others_cannot_import_into_the_campaign(client, cast, campaign, role):
    login(client, cast, role)

    response = client.post(
        reverse("campaigns:campaign_schedule_import", args=[campaign.pk]),
        {"file": xlsx_upload([("", "部署会议", "2026-03-12", "", "", None)])},
    )

    assert response.status_code == 403
    assert not WorkItem.objects.exists()


def test_an_export_imports_again_as_it_was(client, cast, tree, campaign, site, site_item):
    save_work_item(
        campaign=campaign,
        site=site,
        by=cast.secretary,
        title='=HYPERLINK("http://x")召开动员会',
        due_on=datetime.date(2026, 6, 10),
        responsible="党支部书记",
        status=WorkItem.Status.DONE,
        done_on=datetime.date(2026, 6, 9),
        phase=campaign.phase_of_kind(Phase.Kind.MOBILIZATION),
    )
    other = nominate_site(campaign=campaign, branch=tree.branch_a2, by=cast.committee, today=MOBILIZATION_DAY)
    approve_site(site=other, by=cast.org_department)
    login(client, cast, "committee")

    export = client.get(reverse("campaigns:site_schedule_export", args=[site.pk]))
    sheet = load_workbook(BytesIO(export.content)).active
    response = client.post(
        reverse("campaigns:site_schedule_import", args=[other.pk]),
        {"file": SimpleUploadedFile("export.xlsx", export.content)},
    )

    assert [c.value for c in sheet[1]] == list(COLUMNS)
    assert sheet["B3"].value.startswith("'=HYPERLINK")
    assert response.status_code == 302
    assert schedule_of(other) == schedule_of(site)


def test_the_campaign_export_imports_again(client, cast, campaign, campaign_item):
    login(client, cast, "org_department")
    export = client.get(reverse("campaigns:campaign_schedule_export", args=[campaign.pk]))
    before = schedule_of(campaign=campaign)

    client.post(
        reverse("campaigns:campaign_schedule_import", args=[campaign.pk]),
        {"file": SimpleUploadedFile("export.xlsx", export.content)},
    )

    assert export["Content-Disposition"].startswith("attachment; filename*=UTF-8''")
    assert schedule_of(campaign=campaign) == sorted(before * 2, key=lambda row: row[2])


def test_the_template_download_imports_as_it_is(client, cast, site):
    login(client, cast, "secretary")
    url = reverse("campaigns:site_schedule_import", args=[site.pk])

    template = client.get(url, {"template": "1"})
    response = client.post(url, {"file": SimpleUploadedFile("模板.xlsx", template.content)})

    assert template["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.status_code == 302
    assert len(schedule_of(site)) == 4
    assert {row[0] for row in schedule_of(site)} == {"MOBILIZATION", "IMPLEMENTATION", "ACCEPTANCE"}


def test_the_import_page_says_the_limits(client, cast, site, settings):
    login(client, cast, "secretary")

    html = client.get(reverse("campaigns:site_schedule_import", args=[site.pk])).content.decode()

    assert f"单个文件不超过 {settings.MAX_UPLOAD_BYTES // (1024 * 1024)} MB" in html
    assert "2026年5月31日" in html

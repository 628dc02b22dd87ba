"""A site's own pages: the plan and its file, the leading group and funding, the history tab.

Every url answers each role: the branch secretary and the nominating 党委 may change the site's
records while the campaign runs; the 组织部 and inspectors see them but get 403 on a change; the
secretary of another branch gets 404; an anonymous visitor is sent to log in.
"""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaigns.models import Campaign, Funding, LeadingGroupMember, Site
from campaigns.services import (
    approve_site,
    nominate_site,
    save_funding,
    save_leading_group_member,
    update_site_plan,
)
from organizations.models import AuditEvent, Verb
from tests.campaigns.factories import MOBILIZATION_DAY, active_campaign

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
HTMX = {"HTTP_HX_REQUEST": "true"}
ROLES = ["org_department", "committee", "secretary", "inspector", "outsider"]


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def site(tree, cast):
    """一村党支部's approved site, with one leading-group member and one funding row."""
    campaign = active_campaign(organizer=tree.work, by=cast.org_department, quota_per_committee=2)
    site = nominate_site(
        campaign=campaign,
        branch=tree.branch_a1,
        by=cast.committee,
        plan="以“党员星级服务”为抓手。",
        highlights="党员联系农户全覆盖",
        today=MOBILIZATION_DAY,
    )
    approve_site(site=site, by=cast.org_department)
    member = save_leading_group_member(
        site=site,
        by=cast.secretary,
        name="张建国",
        position=LeadingGroupMember.Position.LEADER,
        title="村党支部书记",
        duty="全面负责创建工作",
    )
    funding = save_funding(
        site=site,
        by=cast.secretary,
        source=Funding.Source.FISCAL,
        amount=Decimal("50000"),
        spent=Decimal("12000.50"),
        note="党员活动阵地改造",
    )
    return SimpleNamespace(site=site, member=member, funding=funding, campaign=campaign)


def login(client, cast, role):
    if role != "anonymous":
        client.force_login(getattr(cast, role))


def snapshot(site: Site) -> tuple:
    """What a refused request must leave as it was."""
    site.refresh_from_db()
    return (
        site.plan,
        site.highlights,
        site.plan_file.name,
        list(LeadingGroupMember.objects.filter(site=site).values_list("name", "position", "title", "duty")),
        list(Funding.objects.filter(site=site).values_list("source", "amount", "spent", "note")),
        AuditEvent.objects.count(),
    )


# Who gets what ------------------------------------------------------------------------------

READ_ANSWERS = {
    "org_department": 200,
    "committee": 200,
    "secretary": 200,
    "inspector": 200,
    "outsider": 404,
}
EDIT_ANSWERS = {
    "org_department": 403,
    "committee": 200,
    "secretary": 200,
    "inspector": 403,
    "outsider": 404,
}


def page_urls(data) -> dict[str, str]:
    return {
        "site_detail": reverse("campaigns:site_detail", args=[data.site.pk]),
        "site_history": reverse("campaigns:site_history", args=[data.site.pk]),
        "site_plan_file": reverse("campaigns:site_plan_file", args=[data.site.pk]),
        "site_plan_edit": reverse("campaigns:site_plan_edit", args=[data.site.pk]),
        "leading_group_add": reverse("campaigns:leading_group_add", args=[data.site.pk]),
        "leading_group_edit": reverse("campaigns:leading_group_edit", args=[data.member.pk]),
        "leading_group_delete": reverse("campaigns:leading_group_delete", args=[data.member.pk]),
        "funding_add": reverse("campaigns:funding_add", args=[data.site.pk]),
        "funding_edit": reverse("campaigns:funding_edit", args=[data.funding.pk]),
        "funding_delete": reverse("campaigns:funding_delete", args=[data.funding.pk]),
    }


READ_URLS = ["site_detail", "site_history", "site_plan_file"]
EDIT_URLS = [
    "site_plan_edit",
    "leading_group_add",
    "leading_group_edit",
    "leading_group_delete",
    "funding_add",
    "funding_edit",
    "funding_delete",
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url_name", READ_URLS + EDIT_URLS)
def test_each_role_gets_its_answer(client, cast, site, role, url_name):
    update_site_plan(
        site=site.site,
        by=cast.secretary,
        plan=site.site.plan,
        highlights=site.site.highlights,
        plan_file=SimpleUploadedFile("创建方案.pdf", PDF),
    )
    login(client, cast, role)

    response = client.get(page_urls(site)[url_name])

    expected = READ_ANSWERS if url_name in READ_URLS else EDIT_ANSWERS
    assert response.status_code == expected[role]


@pytest.mark.parametrize("url_name", READ_URLS + EDIT_URLS)
def test_anonymous_is_sent_to_log_in(client, site, url_name):
    url = page_urls(site)[url_name]

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


REFUSED = {"org_department": 403, "inspector": 403, "outsider": 404, "anonymous": 302}


def refused_posts(site) -> list[tuple[str, dict]]:
    urls = page_urls(site)
    member = {"position": "DEPUTY", "name": "李四", "title": "村委会主任", "duty": "具体负责"}
    funding = {"source": "SELF_RAISED", "amount": "800", "spent": "0", "note": "自筹"}
    return [
        (urls["site_plan_edit"], {"plan": "改掉的方案", "highlights": "改掉的特色"}),
        (urls["leading_group_add"], member),
        (urls["leading_group_edit"], member),
        (urls["leading_group_delete"], {}),
        (urls["funding_add"], funding),
        (urls["funding_edit"], funding),
        (urls["funding_delete"], {}),
    ]


@pytest.mark.parametrize("role", list(REFUSED))
@pytest.mark.parametrize("htmx", [False, True])
def test_refused_posts_change_nothing(client, cast, site, role, htmx):
    login(client, cast, role)
    before = snapshot(site.site)

    for url, data in refused_posts(site):
        response = client.post(url, data, **(HTMX if htmx else {}))
        assert response.status_code == REFUSED[role], url

    assert snapshot(site.site) == before


def test_nothing_changes_once_the_campaign_is_over(client, cast, site):
    # No service closes a campaign yet (it is not part of this issue), so the status is set here.
    Campaign.objects.filter(pk=site.campaign.pk).update(status=Campaign.Status.CLOSED)
    client.force_login(cast.secretary)
    before = snapshot(site.site)

    page = client.get(reverse("campaigns:site_detail", args=[site.site.pk]))
    answers = [client.post(url, data).status_code for url, data in refused_posts(site)]

    assert page.status_code == 200
    assert reverse("campaigns:leading_group_add", args=[site.site.pk]) not in page.content.decode()
    assert answers == [403] * len(answers)
    assert snapshot(site.site) == before


@pytest.mark.parametrize("role", ["secretary", "committee"])
def test_editors_are_offered_the_changes(client, cast, site, role):
    client.force_login(getattr(cast, role))

    html = client.get(reverse("campaigns:site_detail", args=[site.site.pk])).content.decode()

    for url_name in EDIT_URLS:
        assert page_urls(site)[url_name] in html, url_name


@pytest.mark.parametrize("role", ["org_department", "inspector"])
def test_readers_see_no_buttons(client, cast, site, role):
    client.force_login(getattr(cast, role))

    html = client.get(reverse("campaigns:site_detail", args=[site.site.pk])).content.decode()

    assert "张建国" in html
    assert "党员活动阵地改造" in html
    for url_name in EDIT_URLS:
        assert page_urls(site)[url_name] not in html, url_name
    assert "添加成员" not in html
    assert "登记经费" not in html


# Overview -----------------------------------------------------------------------------------


def test_overview_shows_plan_file_and_funding_totals(client, cast, site):
    update_site_plan(
        site=site.site,
        by=cast.secretary,
        plan=site.site.plan,
        highlights=site.site.highlights,
        plan_file=SimpleUploadedFile("一村创建方案.pdf", PDF),
    )
    save_funding(
        site=site.site, by=cast.committee, source=Funding.Source.RETAINED_DUES, amount=Decimal("3000")
    )
    client.force_login(cast.inspector)

    html = client.get(reverse("campaigns:site_detail", args=[site.site.pk])).content.decode()

    assert reverse("campaigns:site_plan_file", args=[site.site.pk]) in html
    assert "一村创建方案.pdf" in html
    assert "以“党员星级服务”为抓手。" in html
    # 50,000 + 3,000 in all; 12,000.50 spent; each row and the total with its balance.
    assert "53,000.00" in html
    assert "12,000.50" in html
    assert "40,999.50" in html
    assert "37,999.50" in html
    assert "已使用 22%" in html


def test_leading_group_lists_the_leader_first(client, cast, site):
    save_leading_group_member(
        site=site.site, by=cast.secretary, name="王五", position=LeadingGroupMember.Position.OFFICE_DIRECTOR
    )
    save_leading_group_member(
        site=site.site, by=cast.secretary, name="李四", position=LeadingGroupMember.Position.DEPUTY
    )
    client.force_login(cast.secretary)

    response = client.get(reverse("campaigns:site_detail", args=[site.site.pk]))

    assert [m.name for m in response.context["members"]] == ["张建国", "李四", "王五"]


# Leading group through the pages ------------------------------------------------------------


def history_verbs(client, site) -> list[str]:
    response = client.get(reverse("campaigns:site_history", args=[site.pk]))
    return [e.verb for e in response.context["page_obj"]]


def test_secretary_adds_edits_and_removes_a_member_without_javascript(client, cast, site):
    client.force_login(cast.secretary)
    overview = reverse("campaigns:site_detail", args=[site.site.pk])

    added = client.post(
        reverse("campaigns:leading_group_add", args=[site.site.pk]),
        {"position": "DEPUTY", "name": "李四", "title": "村委会主任", "duty": "具体抓落实"},
        follow=True,
    )
    member = LeadingGroupMember.objects.get(site=site.site, name="李四")
    edited = client.post(
        reverse("campaigns:leading_group_edit", args=[member.pk]),
        {"position": "DEPUTY", "name": "李四", "title": "村委会主任", "duty": "负责党员星级服务"},
    )
    confirm = client.get(reverse("campaigns:leading_group_delete", args=[member.pk]))
    removed = client.post(reverse("campaigns:leading_group_delete", args=[member.pk]))

    assert added.redirect_chain == [(f"{overview}#leading-group", 302)]
    assert "已添加副组长 李四。" in added.content.decode()
    assert edited.status_code == 302
    assert "确定将副组长 李四移出领导小组吗？" in confirm.content.decode()
    assert removed["Location"] == f"{overview}#leading-group"
    assert not LeadingGroupMember.objects.filter(pk=member.pk).exists()
    assert history_verbs(client, site.site)[:3] == [Verb.REMOVE_LEADER, Verb.CHANGE_LEADER, Verb.ADD_LEADER]
    change = AuditEvent.objects.about(site.site).get(verb=Verb.CHANGE_LEADER)
    assert change.actor == cast.secretary
    assert "分工：具体抓落实 → 负责党员星级服务" in change.summary


def test_committee_edits_the_group_in_place_with_htmx(client, cast, site):
    client.force_login(cast.committee)

    form = client.get(reverse("campaigns:leading_group_edit", args=[site.member.pk]), **HTMX)
    saved = client.post(
        reverse("campaigns:leading_group_edit", args=[site.member.pk]),
        {"position": "LEADER", "name": "张建国", "title": "村党支部书记", "duty": "统筹协调"},
        **HTMX,
    )
    added = client.post(
        reverse("campaigns:leading_group_add", args=[site.site.pk]),
        {"position": "MEMBER", "name": "赵六", "title": "支部委员", "duty": "宣传"},
        **HTMX,
    )
    removed = client.post(reverse("campaigns:leading_group_delete", args=[site.member.pk]), **HTMX)

    # Each answer is the section alone, for htmx to swap in place of the old one.
    for response in (form, saved, added, removed):
        html = response.content.decode()
        assert response.status_code == 200
        assert html.lstrip().startswith("<section") and "<html" not in html
        assert 'id="leading-group"' in html
    assert 'value="全面负责创建工作"' in form.content.decode()
    assert "已保存组长 张建国。" in saved.content.decode()
    assert "统筹协调" in saved.content.decode()
    assert "已添加成员 赵六。" in added.content.decode()
    assert "已将组长 张建国移出领导小组。" in removed.content.decode()
    assert list(LeadingGroupMember.objects.filter(site=site.site).values_list("name", flat=True)) == ["赵六"]
    assert history_verbs(client, site.site)[:3] == [Verb.REMOVE_LEADER, Verb.ADD_LEADER, Verb.CHANGE_LEADER]
    assert {e.actor for e in AuditEvent.objects.about(site.site)[:3]} == {cast.committee}


@pytest.mark.parametrize("htmx", [False, True])
def test_member_without_a_name_is_refused_beside_the_field(client, cast, site, htmx):
    client.force_login(cast.secretary)

    response = client.post(
        reverse("campaigns:leading_group_add", args=[site.site.pk]),
        {"position": "MEMBER", "name": "", "title": "支部委员", "duty": "组织党员学习"},
        **(HTMX if htmx else {}),
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert '<p class="field__error" role="alert">这个字段是必填项。</p>' in html
    assert 'value="组织党员学习"' in html
    assert LeadingGroupMember.objects.filter(site=site.site).count() == 1


# Funding through the pages ------------------------------------------------------------------


def test_secretary_records_changes_and_deletes_funding(client, cast, site):
    client.force_login(cast.secretary)

    client.post(
        reverse("campaigns:funding_add", args=[site.site.pk]),
        {"source": "SELF_RAISED", "amount": "6000", "spent": "1500", "note": "党员教育培训"},
    )
    funding = Funding.objects.get(site=site.site, note="党员教育培训")
    client.post(
        reverse("campaigns:funding_edit", args=[funding.pk]),
        {"source": "SELF_RAISED", "amount": "6000", "spent": "4500", "note": "党员教育培训"},
    )
    overview = client.get(reverse("campaigns:site_detail", args=[site.site.pk])).content.decode()
    removed = client.post(reverse("campaigns:funding_delete", args=[funding.pk]), **HTMX)

    assert "4,500.00" in overview
    assert "56,000.00" in overview
    assert "已删除经费：自筹 6,000.00 元。" in removed.content.decode()
    assert not Funding.objects.filter(pk=funding.pk).exists()
    assert history_verbs(client, site.site)[:3] == [
        Verb.REMOVE_FUNDING,
        Verb.CHANGE_FUNDING,
        Verb.ADD_FUNDING,
    ]
    change = AuditEvent.objects.about(site.site).get(verb=Verb.CHANGE_FUNDING)
    assert "已使用(元)：1500.00 → 4500" in change.summary


@pytest.mark.parametrize("htmx", [False, True])
def test_spending_more_than_the_amount_is_refused_beside_the_field(client, cast, site, htmx):
    client.force_login(cast.secretary)

    response = client.post(
        reverse("campaigns:funding_edit", args=[site.funding.pk]),
        {"source": "FISCAL", "amount": "50000", "spent": "60000", "note": "党员活动阵地改造"},
        **(HTMX if htmx else {}),
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "已使用金额不能超过经费金额（50,000.00 元）。" in html
    assert 'value="60000"' in html
    site.funding.refresh_from_db()
    assert site.funding.spent == Decimal("12000.50")


# The plan -----------------------------------------------------------------------------------


def test_plan_page_says_the_upload_limits(client, cast, site):
    client.force_login(cast.secretary)

    html = client.get(reverse("campaigns:site_plan_edit", args=[site.site.pk])).content.decode()

    assert "支持 PDF、Word（.doc/.docx）、图片（.jpg/.png），单个文件不超过 20 MB" in html
    assert 'accept=".pdf,.doc,.docx,.jpg,.jpeg,.png"' in html
    assert 'enctype="multipart/form-data"' in html


def test_secretary_saves_the_plan_with_a_pdf(client, cast, site):
    client.force_login(cast.secretary)

    response = client.post(
        reverse("campaigns:site_plan_edit", args=[site.site.pk]),
        {
            "plan": "一、指导思想\n二、目标任务",
            "highlights": "党员星级服务",
            "plan_file": SimpleUploadedFile("一村党支部创建方案.pdf", PDF, content_type="application/pdf"),
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("campaigns:site_detail", args=[site.site.pk]) + "#plan"
    site.site.refresh_from_db()
    assert site.site.plan == "一、指导思想\n二、目标任务"
    assert site.site.plan_file.name.endswith("一村党支部创建方案.pdf")
    event = AuditEvent.objects.about(site.site).first()
    assert (event.verb, event.actor) == (Verb.UPDATE_PLAN, cast.secretary)
    assert "创建方案附件：已更新" in event.summary


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("方案.pdf", EXE, "文件内容与扩展名 .pdf 不符。"),
        ("方案.exe", EXE, "只能上传以下类型的文件：pdf、doc、docx、jpg、jpeg、png。"),
        ("方案.docx", PDF, "文件内容与扩展名 .docx 不符。"),
    ],
)
def test_a_file_that_is_not_what_it_claims_is_refused(client, cast, site, name, content, message):
    client.force_login(cast.secretary)
    before = snapshot(site.site)

    response = client.post(
        reverse("campaigns:site_plan_edit", args=[site.site.pk]),
        {"plan": "新的方案文字", "highlights": "", "plan_file": SimpleUploadedFile(name, content)},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert f'<p class="field__error" role="alert">{message}</p>' in html
    assert "新的方案文字" in html
    assert snapshot(site.site) == before


def test_an_oversized_file_is_refused(client, cast, site, settings):
    settings.MAX_UPLOAD_BYTES = 1024 * 1024
    client.force_login(cast.secretary)
    before = snapshot(site.site)

    response = client.post(
        reverse("campaigns:site_plan_edit", args=[site.site.pk]),
        {
            "plan": "",
            "highlights": "",
            "plan_file": SimpleUploadedFile("大方案.pdf", PDF + b"0" * 1024 * 1024),
        },
    )

    html = response.content.decode()
    assert "文件不能超过 1 MB。" in html
    assert "单个文件不超过 1 MB" in html
    assert snapshot(site.site) == before


def test_plan_file_downloads_under_its_name(client, cast, site):
    update_site_plan(
        site=site.site,
        by=cast.committee,
        plan="",
        highlights="",
        plan_file=SimpleUploadedFile("一村创建方案.pdf", PDF),
    )
    client.force_login(cast.inspector)

    response = client.get(reverse("campaigns:site_plan_file", args=[site.site.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert (
        "filename*=utf-8''%E4%B8%80%E6%9D%91%E5%88%9B%E5%BB%BA%E6%96%B9%E6%A1%88.pdf"
        in (response["Content-Disposition"])
    )
    assert response["Content-Type"] == "application/pdf"


def test_plan_file_is_404_for_the_outsider_and_without_a_file(client, cast, site):
    client.force_login(cast.secretary)
    no_file = client.get(reverse("campaigns:site_plan_file", args=[site.site.pk]))
    update_site_plan(
        site=site.site,
        by=cast.secretary,
        plan="",
        highlights="",
        plan_file=SimpleUploadedFile("方案.pdf", PDF),
    )
    client.force_login(cast.outsider)

    outsider = client.get(reverse("campaigns:site_plan_file", args=[site.site.pk]))

    assert no_file.status_code == 404
    assert outsider.status_code == 404


# History ------------------------------------------------------------------------------------


def test_history_filters_by_verb_and_pages_by_25(client, cast, site):
    for n in range(30):
        save_leading_group_member(
            site=site.site, by=cast.secretary, name=f"成员{n}", position=LeadingGroupMember.Position.MEMBER
        )
    client.force_login(cast.org_department)
    url = reverse("campaigns:site_history", args=[site.site.pk])

    everything = client.get(url)
    additions = client.get(url, {"verb": Verb.ADD_LEADER})
    second_page = client.get(url, {"verb": Verb.ADD_LEADER, "page": 2})
    unknown = client.get(url, {"verb": "不存在的操作"})

    assert everything.context["page_obj"].paginator.count == 34
    # The filter offers the kinds of event done here, the most recent first.
    assert everything.context["verbs"] == [Verb.ADD_LEADER, Verb.ADD_FUNDING, Verb.APPROVE, Verb.NOMINATE]
    assert additions.context["page_obj"].paginator.count == 31
    assert {e.verb for e in additions.context["page_obj"]} == {Verb.ADD_LEADER}
    assert [e.summary for e in second_page.context["page_obj"]] == [
        "成员4",
        "成员3",
        "成员2",
        "成员1",
        "成员0",
        "张建国",
    ]
    assert "verb=ADD_LEADER" in additions.content.decode()
    assert unknown.context["page_obj"].paginator.count == 34

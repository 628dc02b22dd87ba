"""Nomination and decision pages: the 党委 nominates, the 组织部 approves or rejects, the 党委
withdraws or asks for acceptance; and the `{% site_actions %}` buttons that lead there."""

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from campaigns.models import Site
from campaigns.services import (
    approve_site,
    mark_self_assessed,
    nominate_site,
    record_verdict,
    reject_site,
    request_acceptance,
    update_site_plan,
)
from organizations.models import AuditEvent, Kind, Role, Verb
from tests.campaigns.factories import ACCEPTANCE_DAY, IMPLEMENTATION_DAY, MOBILIZATION_DAY, active_campaign
from tests.organizations.factories import UserFactory, give_role, make_org

pytestmark = pytest.mark.django_db

ROLES = ["org_department", "committee", "secretary", "inspector", "outsider"]
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def on_day(monkeypatch, day: datetime.date) -> None:
    """The pages and services read today's date from timezone.localdate()."""
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: day)


@pytest.fixture
def campaign(tree, cast):
    return active_campaign(organizer=tree.work, by=cast.org_department, quota_per_committee=2)


@pytest.fixture
def mobilization(monkeypatch):
    on_day(monkeypatch, MOBILIZATION_DAY)


@pytest.fixture
def nominated(campaign, tree, cast):
    """一村党支部 nominated by 第一党委, awaiting the decision."""
    return nominate_site(
        campaign=campaign,
        branch=tree.branch_a1,
        by=cast.committee,
        plan="打造“党员星级服务”品牌，党员联系农户全覆盖。",
        highlights="党员星级服务",
        today=MOBILIZATION_DAY,
    )


@pytest.fixture
def stranger(db):
    """An 组织部 of another county: the campaign is out of their sight altogether."""
    other = make_org(None, Kind.WORK_COMMITTEE, "另一工委", code="X")
    user = UserFactory(username="t_stranger")
    give_role(user, other, Role.Kind.ORG_DEPARTMENT)
    return user


def login(client, cast, role):
    client.force_login(getattr(cast, role))


def status_of(site) -> str:
    return Site.objects.get(pk=site.pk).status


def message_texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def assert_login_redirect(response):
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# Every URL × every role ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [("org_department", 200), ("committee", 403), ("secretary", 403), ("inspector", 403), ("outsider", 403)],
)
def test_nomination_queue_answers_each_role(client, cast, campaign, nominated, role, expected):
    login(client, cast, role)

    response = client.get(reverse("campaigns:nomination_queue", args=[campaign.pk]))

    assert response.status_code == expected


def test_nomination_queue_anonymous_and_stranger(client, campaign, stranger):
    url = reverse("campaigns:nomination_queue", args=[campaign.pk])
    assert_login_redirect(client.get(url))
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    assert client.get(reverse("campaigns:nomination_queue", args=[campaign.pk + 99])).status_code == 404


@pytest.mark.parametrize(
    ("role", "expected"),
    [("org_department", 403), ("committee", 200), ("secretary", 403), ("inspector", 403), ("outsider", 403)],
)
def test_nominate_page_answers_each_role(client, cast, campaign, mobilization, role, expected):
    login(client, cast, role)

    response = client.get(reverse("campaigns:nominate", args=[campaign.pk]))

    assert response.status_code == expected


@pytest.mark.parametrize("role", ["org_department", "secretary", "inspector", "outsider"])
def test_nominate_post_by_a_non_committee_is_refused_and_creates_nothing(
    client, cast, tree, campaign, mobilization, role
):
    login(client, cast, role)

    response = client.post(
        reverse("campaigns:nominate", args=[campaign.pk]), {"branch": tree.branch_a1.pk, "plan": "方案"}
    )

    assert response.status_code == 403
    assert not Site.objects.exists()


def test_nominate_anonymous_and_stranger(client, campaign, stranger, mobilization):
    url = reverse("campaigns:nominate", args=[campaign.pk])
    assert_login_redirect(client.get(url))
    client.force_login(stranger)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("role", "expected"),
    [("org_department", 302), ("committee", 403), ("secretary", 403), ("inspector", 403), ("outsider", 404)],
)
def test_approve_answers_each_role(client, cast, nominated, role, expected):
    login(client, cast, role)

    response = client.post(reverse("campaigns:site_approve", args=[nominated.pk]))

    assert response.status_code == expected
    assert status_of(nominated) == (Site.Status.APPROVED if expected == 302 else Site.Status.NOMINATED)


def test_approve_anonymous_is_sent_to_login_and_get_is_not_allowed(client, cast, nominated):
    assert_login_redirect(client.post(reverse("campaigns:site_approve", args=[nominated.pk])))
    client.force_login(cast.org_department)
    assert client.get(reverse("campaigns:site_approve", args=[nominated.pk])).status_code == 405
    assert status_of(nominated) == Site.Status.NOMINATED


@pytest.mark.parametrize(
    ("role", "expected"),
    [("org_department", 200), ("committee", 403), ("secretary", 403), ("inspector", 403), ("outsider", 404)],
)
def test_reject_page_answers_each_role(client, cast, nominated, role, expected):
    login(client, cast, role)

    page = client.get(reverse("campaigns:site_reject", args=[nominated.pk]))
    posted = client.post(reverse("campaigns:site_reject", args=[nominated.pk]), {"reason": "材料不全"})

    assert page.status_code == expected
    assert posted.status_code == (302 if expected == 200 else expected)
    assert status_of(nominated) == (Site.Status.REJECTED if expected == 200 else Site.Status.NOMINATED)


def test_reject_anonymous_is_sent_to_login(client, nominated):
    assert_login_redirect(client.get(reverse("campaigns:site_reject", args=[nominated.pk])))
    assert_login_redirect(client.post(reverse("campaigns:site_reject", args=[nominated.pk]), {"reason": "x"}))
    assert status_of(nominated) == Site.Status.NOMINATED


@pytest.mark.parametrize(
    ("role", "expected"),
    [("org_department", 403), ("committee", 302), ("secretary", 403), ("inspector", 403), ("outsider", 404)],
)
def test_withdraw_answers_each_role(client, cast, nominated, role, expected):
    login(client, cast, role)

    response = client.post(reverse("campaigns:site_withdraw", args=[nominated.pk]))

    assert response.status_code == expected
    assert status_of(nominated) == (Site.Status.WITHDRAWN if expected == 302 else Site.Status.NOMINATED)


def test_withdraw_anonymous_is_sent_to_login(client, nominated):
    assert_login_redirect(client.post(reverse("campaigns:site_withdraw", args=[nominated.pk])))
    assert status_of(nominated) == Site.Status.NOMINATED


@pytest.fixture
def self_assessed(nominated, cast):
    approve_site(site=nominated, by=cast.org_department)
    return mark_self_assessed(site=nominated, by=cast.committee, today=IMPLEMENTATION_DAY)


@pytest.mark.parametrize(
    ("role", "expected"),
    [("org_department", 403), ("committee", 302), ("secretary", 403), ("inspector", 403), ("outsider", 404)],
)
def test_request_acceptance_answers_each_role(client, cast, self_assessed, monkeypatch, role, expected):
    on_day(monkeypatch, ACCEPTANCE_DAY)
    login(client, cast, role)

    response = client.post(reverse("campaigns:site_request_acceptance", args=[self_assessed.pk]))

    assert response.status_code == expected
    assert status_of(self_assessed) == (
        Site.Status.ACCEPTANCE_REQUESTED if expected == 302 else Site.Status.SELF_ASSESSED
    )


def test_request_acceptance_anonymous_is_sent_to_login(client, self_assessed):
    assert_login_redirect(client.post(reverse("campaigns:site_request_acceptance", args=[self_assessed.pk])))
    assert status_of(self_assessed) == Site.Status.SELF_ASSESSED


def test_lifecycle_posts_on_a_missing_site_answer_404(client, cast, nominated):
    client.force_login(cast.org_department)
    missing = nominated.pk + 99
    assert client.post(reverse("campaigns:site_approve", args=[missing])).status_code == 404
    assert client.get(reverse("campaigns:site_reject", args=[missing])).status_code == 404
    client.force_login(cast.committee)
    assert client.post(reverse("campaigns:site_withdraw", args=[missing])).status_code == 404
    assert client.post(reverse("campaigns:site_request_acceptance", args=[missing])).status_code == 404


# The nominate form ---------------------------------------------------------------------------


def branch_options(html: str) -> dict[str, str]:
    """Option value → the whole <option …>…</option> of the branch select."""
    select = re.search(r'<select name="branch".*?</select>', html, re.S).group(0)
    return {m.group(1): m.group(0) for m in re.finditer(r'<option value="(\d*)"[^>]*>[^<]*</option>', select)}


def test_committee_is_offered_only_its_own_branches(client, cast, tree, campaign, mobilization):
    client.force_login(cast.committee)

    response = client.get(reverse("campaigns:nominate", args=[campaign.pk]))

    offered = set(response.context["form"].fields["branch"].queryset)
    assert offered == {tree.branch_a1, tree.branch_a2}
    html = response.content.decode()
    assert set(branch_options(html)) == {"", str(tree.branch_a1.pk), str(tree.branch_a2.pk)}
    assert "实验学校党支部" not in html
    assert "申报名额 2 个，已用 <strong>0</strong> 个" in html
    assert "现在不在申报时间内" not in html


def test_crafted_post_for_another_committees_branch_is_refused(client, cast, tree, campaign, mobilization):
    client.force_login(cast.committee)

    response = client.post(
        reverse("campaigns:nominate", args=[campaign.pk]),
        {"branch": tree.branch_b1.pk, "plan": "冒名申报的方案"},
    )

    assert response.status_code == 200
    assert "只能申报本党委所属的党支部" in response.context["form"].errors["branch"][0]
    assert "冒名申报的方案" in response.content.decode()
    assert not Site.objects.exists()


def test_a_party_group_cannot_be_nominated_either(client, cast, tree, campaign, mobilization):
    client.force_login(cast.committee)

    response = client.post(
        reverse("campaigns:nominate", args=[campaign.pk]), {"branch": tree.group_a1.pk, "plan": "方案"}
    )

    assert response.context["form"].errors["branch"]
    assert not Site.objects.exists()


def test_nominating_creates_the_site_and_goes_to_its_page(client, cast, tree, campaign, mobilization):
    client.force_login(cast.committee)

    response = client.post(
        reverse("campaigns:nominate", args=[campaign.pk]),
        {"branch": tree.branch_a2.pk, "plan": "二村创建方案", "highlights": "村企联建"},
    )

    site = Site.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("campaigns:site_detail", args=[site.pk])
    assert (site.organization, site.nominated_by, site.status) == (
        tree.branch_a2,
        tree.committee_a,
        Site.Status.NOMINATED,
    )
    assert (site.plan, site.highlights) == ("二村创建方案", "村企联建")
    assert [(e.verb, e.actor) for e in AuditEvent.objects.about(site)] == [(Verb.NOMINATE, cast.committee)]
    assert "请等待组织部审批" in message_texts(response)[0]


def test_nominating_with_a_plan_file_stores_it_in_the_same_step(
    client, cast, tree, campaign, mobilization, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(cast.committee)

    response = client.post(
        reverse("campaigns:nominate", args=[campaign.pk]),
        {"branch": tree.branch_a1.pk, "plan_file": SimpleUploadedFile("一村创建方案.pdf", PDF)},
    )

    site = Site.objects.get()
    assert response.status_code == 302
    assert site.plan_file.name.endswith(".pdf")
    assert site.plan_file.read() == PDF
    assert [e.verb for e in AuditEvent.objects.about(site)] == [Verb.NOMINATE]  # one step, one event


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("方案.pdf", b"just text", "文件内容与扩展名 .pdf 不符"),
        ("方案.exe", b"MZ\x90\x00", "只能上传以下类型的文件"),
        ("方案.zip", b"PK\x03\x04", "只能上传以下类型的文件"),
    ],
)
def test_a_bad_plan_file_is_refused_beside_the_field_keeping_the_text(
    client, cast, tree, campaign, mobilization, name, content, error
):
    client.force_login(cast.committee)

    response = client.post(
        reverse("campaigns:nominate", args=[campaign.pk]),
        {
            "branch": tree.branch_a1.pk,
            "plan": "已经写好的方案正文",
            "plan_file": SimpleUploadedFile(name, content),
        },
    )

    assert response.status_code == 200
    assert any(error in e for e in response.context["form"].errors["plan_file"])
    html = response.content.decode()
    assert "已经写好的方案正文" in html
    assert "请重新选择" in html
    assert not Site.objects.exists()


def test_a_plan_file_over_the_limit_is_refused(client, cast, tree, campaign, mobilization, settings):
    settings.MAX_UPLOAD_BYTES = 1024 * 1024
    client.force_login(cast.committee)

    response = client.post(
        reverse("campaigns:nominate", args=[campaign.pk]),
        {"branch": tree.branch_a1.pk, "plan_file": SimpleUploadedFile("大.pdf", PDF + b"0" * 1024 * 1024)},
    )

    assert "文件不能超过 1 MB" in response.context["form"].errors["plan_file"][0]
    assert not Site.objects.exists()


def test_the_page_states_the_upload_limits(client, cast, campaign, mobilization, settings):
    settings.MAX_UPLOAD_BYTES = 20 * 1024 * 1024
    client.force_login(cast.committee)

    html = client.get(reverse("campaigns:nominate", args=[campaign.pk])).content.decode()

    assert "支持 PDF、Word（.doc/.docx）、图片（.jpg/.png），单个文件不超过 20 MB" in html
    assert 'accept=".pdf,.doc,.docx,.jpg,.jpeg,.png"' in html


def test_a_plan_or_a_file_is_required(client, cast, tree, campaign, mobilization):
    client.force_login(cast.committee)

    response = client.post(
        reverse("campaigns:nominate", args=[campaign.pk]), {"branch": tree.branch_a1.pk, "highlights": "特色"}
    )

    assert response.context["form"].errors["plan"] == ["请填写创建方案，或上传方案文件。"]
    assert not Site.objects.exists()


def test_full_quota_shows_the_services_reason_and_keeps_the_typed_plan(client, cast, tree, mobilization):
    campaign = active_campaign(organizer=tree.work, by=cast.org_department, quota_per_committee=1)
    nominate_site(campaign=campaign, branch=tree.branch_a1, by=cast.committee, today=MOBILIZATION_DAY)
    client.force_login(cast.committee)

    page = client.get(reverse("campaigns:nominate", args=[campaign.pk]))
    response = client.post(
        reverse("campaigns:nominate", args=[campaign.pk]),
        {"branch": tree.branch_a2.pk, "plan": "二村精心准备的创建方案", "highlights": "村企联建"},
    )

    assert "（已用完）" in page.content.decode()
    assert "申报名额已用完，不能再申报" in page.content.decode()
    assert 'name="branch"' not in page.content.decode()
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert errors == ["“第一党委”本活动的申报名额为 1 个，已全部用完。"]
    html = response.content.decode()
    assert "已全部用完" in html
    assert "二村精心准备的创建方案" in html
    assert "村企联建" in html
    assert not Site.objects.filter(organization=tree.branch_a2).exists()


def test_second_nomination_of_a_branch_shows_the_reason_and_keeps_the_plan(
    client, cast, tree, campaign, nominated, mobilization
):
    client.force_login(cast.committee)

    page = client.get(reverse("campaigns:nominate", args=[campaign.pk]))
    response = client.post(
        reverse("campaigns:nominate", args=[campaign.pk]), {"branch": tree.branch_a1.pk, "plan": "第二份方案"}
    )

    option = branch_options(page.content.decode())[str(tree.branch_a1.pk)]
    assert "disabled" in option
    assert "（已申报，待审批）" in option
    assert "disabled" not in branch_options(page.content.decode())[str(tree.branch_a2.pk)]
    assert "每个支部只能申报一次" in response.context["form"].non_field_errors()[0]
    assert "第二份方案" in response.content.decode()
    assert Site.objects.get().plan == nominated.plan


def test_outside_the_nomination_phases_the_page_says_so_and_a_post_is_refused(
    client, cast, tree, campaign, monkeypatch
):
    on_day(monkeypatch, ACCEPTANCE_DAY)
    client.force_login(cast.committee)

    page = client.get(reverse("campaigns:nominate", args=[campaign.pk]))
    response = client.post(
        reverse("campaigns:nominate", args=[campaign.pk]), {"branch": tree.branch_a1.pk, "plan": "方案"}
    )

    html = page.content.decode()
    assert "申报时间为 2026年3月1日 至 2026年11月15日" in html
    assert 'name="branch"' not in html
    assert "申报只能在动员部署或组织实施阶段进行" in response.context["form"].non_field_errors()[0]
    assert not Site.objects.exists()


def test_rejected_then_nominated_again_then_approved(client, cast, tree, campaign, mobilization):
    """The whole path through the pages, each step by its own role, recorded with its actor."""
    url = reverse("campaigns:nominate", args=[campaign.pk])
    client.force_login(cast.committee)
    client.post(url, {"branch": tree.branch_a1.pk, "plan": "第一版方案"})
    site = Site.objects.get()

    client.force_login(cast.org_department)
    queue = client.get(reverse("campaigns:nomination_queue", args=[campaign.pk]))
    assert "第一版方案" in queue.content.decode()
    client.post(reverse("campaigns:site_reject", args=[site.pk]), {"reason": "方案过于笼统，请细化到月"})
    site.refresh_from_db()
    assert (site.status, site.decision_note) == (Site.Status.REJECTED, "方案过于笼统，请细化到月")

    client.force_login(cast.committee)
    page = client.get(url).content.decode()
    assert "disabled" not in branch_options(page)[str(tree.branch_a1.pk)]
    assert "方案过于笼统，请细化到月" in page
    response = client.post(url, {"branch": tree.branch_a1.pk, "plan": "第二版方案：按月细化"})
    assert response.status_code == 302
    site.refresh_from_db()
    assert (site.status, site.plan, site.decision_note) == (Site.Status.NOMINATED, "第二版方案：按月细化", "")

    client.force_login(cast.org_department)
    client.post(reverse("campaigns:site_approve", args=[site.pk]), {"note": "同意创建"})
    site.refresh_from_db()
    assert (site.status, site.decision_note) == (Site.Status.APPROVED, "同意创建")
    trail = [
        (e.get_verb_display(), e.actor) for e in AuditEvent.objects.about(site).order_by("created_at", "pk")
    ]
    assert trail == [
        ("申报", cast.committee),
        ("不予批准", cast.org_department),
        ("重新申报", cast.committee),
        ("批准创建", cast.org_department),
    ]


# The 组织部's queue and decisions ---------------------------------------------------------------


def test_queue_shows_plan_highlights_committee_and_file_link(
    client, cast, tree, campaign, nominated, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    update_site_plan(
        site=nominated,
        by=cast.committee,
        plan=nominated.plan,
        highlights=nominated.highlights,
        plan_file=SimpleUploadedFile("方案.pdf", PDF),
    )
    rejected = nominate_site(
        campaign=campaign, branch=tree.branch_a2, by=cast.committee, today=MOBILIZATION_DAY
    )
    reject_site(site=rejected, by=cast.org_department, reason="党员队伍薄弱，建议明年再报")
    client.force_login(cast.org_department)

    response = client.get(reverse("campaigns:nomination_queue", args=[campaign.pk]))

    assert list(response.context["page_obj"]) == [nominated]
    assert list(response.context["decided_page"]) == [rejected]
    html = response.content.decode()
    assert "打造“党员星级服务”品牌" in html
    assert "党员星级服务" in html
    assert "第一党委 申报" in html
    assert reverse("campaigns:site_plan_file", args=[nominated.pk]) in html
    assert f'hx-post="{reverse("campaigns:site_approve", args=[nominated.pk])}"' in html
    assert "党员队伍薄弱，建议明年再报" in html
    assert "不予批准" in html


def test_queue_filters_by_committee(client, cast, tree, campaign, nominated):
    committee_b = UserFactory(username="t_dangwei_b")
    give_role(committee_b, tree.committee_b, Role.Kind.COMMITTEE)
    b1 = nominate_site(campaign=campaign, branch=tree.branch_b1, by=committee_b, today=MOBILIZATION_DAY)
    client.force_login(cast.org_department)

    everything = client.get(reverse("campaigns:nomination_queue", args=[campaign.pk]))
    only_b = client.get(
        reverse("campaigns:nomination_queue", args=[campaign.pk]), {"committee": tree.committee_b.pk}
    )

    assert set(everything.context["page_obj"]) == {nominated, b1}
    assert list(only_b.context["page_obj"]) == [b1]
    assert only_b.context["filter_query"] == f"committee={tree.committee_b.pk}"


def grow_nominations(tree, cast, campaign, count: int, start: int = 0) -> list[Site]:
    """`count` more branches of 第一党委 nominated; every third decided, so both lists grow."""
    sites = []
    for n in range(start, start + count):
        branch = make_org(tree.committee_a, Kind.BRANCH, f"新增党支部{n}")
        site = nominate_site(campaign=campaign, branch=branch, by=cast.committee, today=MOBILIZATION_DAY)
        if n % 3 == 1:
            approve_site(site=site, by=cast.org_department)
        elif n % 3 == 2:
            reject_site(site=site, by=cast.org_department, reason="材料不全")
        sites.append(site)
    return sites


# The queue's queries: session, user, the campaign, the user's 组织部 role, the committees with
# their pending counts (the filter), count and page of the pending list, count and page of the
# decided list, the top bar's roles. None of them is per site.
QUEUE_QUERIES = 10


def test_queue_query_count_does_not_grow_and_it_paginates(client, cast, tree, django_assert_max_num_queries):
    campaign = active_campaign(organizer=tree.work, by=cast.org_department, quota_per_committee=100)
    grow_nominations(tree, cast, campaign, 3)
    client.force_login(cast.org_department)
    url = reverse("campaigns:nomination_queue", args=[campaign.pk])

    with django_assert_max_num_queries(QUEUE_QUERIES) as few:
        client.get(url)
    grow_nominations(tree, cast, campaign, 60, start=3)
    with django_assert_max_num_queries(QUEUE_QUERIES) as many:
        response = client.get(url)

    assert len(few) == len(many)
    assert response.context["page_obj"].paginator.count == 21
    assert len(response.context["page_obj"].object_list) == 20
    assert len(response.context["decided_page"].object_list) == 20
    second = client.get(url, {"decided_page": 2})
    assert len(second.context["decided_page"].object_list) == 20
    assert "decided_page=3" in second.content.decode()


def test_htmx_approve_answers_the_card_in_place(client, cast, campaign, nominated):
    client.force_login(cast.org_department)
    queue = reverse("campaigns:nomination_queue", args=[campaign.pk])

    response = client.post(
        reverse("campaigns:site_approve", args=[nominated.pk]),
        {"note": "同意", "next": queue},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<article")
    assert "<html" not in html
    assert "已批准创建" in html
    assert 'name="note"' not in html
    assert status_of(nominated) == Site.Status.APPROVED


def test_plain_approve_redirects_to_next_or_the_site_page(client, cast, campaign, tree, nominated):
    client.force_login(cast.org_department)
    queue = reverse("campaigns:nomination_queue", args=[campaign.pk])

    response = client.post(reverse("campaigns:site_approve", args=[nominated.pk]), {"next": queue})
    first_messages = message_texts(response)
    again = client.post(
        reverse("campaigns:site_approve", args=[nominated.pk]), {"next": "https://evil.example/"}
    )

    assert response.url == queue
    assert first_messages == ["已批准“一村党支部”创建示范点。"]
    assert again.url == reverse("campaigns:site_detail", args=[nominated.pk])
    assert message_texts(again)[-1] == "示范点当前状态为“批准创建”，不能批准。"


def test_htmx_approve_of_a_decided_site_shows_the_reason_in_the_card(client, cast, nominated):
    reject_site(site=nominated, by=cast.org_department, reason="不符合条件")
    client.force_login(cast.org_department)

    response = client.post(reverse("campaigns:site_approve", args=[nominated.pk]), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "示范点当前状态为“不予批准”，不能批准。" in response.content.decode()
    assert status_of(nominated) == Site.Status.REJECTED


def test_reject_needs_a_reason_and_keeps_the_page(client, cast, nominated):
    client.force_login(cast.org_department)

    response = client.post(reverse("campaigns:site_reject", args=[nominated.pk]), {"reason": "   "})

    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["请写明不予批准的理由。"]
    assert status_of(nominated) == Site.Status.NOMINATED


def test_reject_goes_back_to_a_safe_next(client, cast, campaign, nominated):
    client.force_login(cast.org_department)
    queue = reverse("campaigns:nomination_queue", args=[campaign.pk])

    response = client.post(
        reverse("campaigns:site_reject", args=[nominated.pk]) + f"?next={queue}",
        {"reason": "理由", "next": queue},
    )

    assert response.url == queue
    assert "申报党委将看到理由" in message_texts(response)[0]


def test_reject_page_of_a_decided_site_offers_no_form_and_refuses_a_post(client, cast, nominated):
    approve_site(site=nominated, by=cast.org_department)
    client.force_login(cast.org_department)

    page = client.get(reverse("campaigns:site_reject", args=[nominated.pk]))
    response = client.post(reverse("campaigns:site_reject", args=[nominated.pk]), {"reason": "改主意了"})

    assert "示范点当前状态为“批准创建”，不能不予批准。" in page.content.decode()
    assert 'name="reason"' not in page.content.decode()
    assert "不能不予批准" in response.context["form"].non_field_errors()[0]
    assert status_of(nominated) == Site.Status.APPROVED


# The committee's own actions -----------------------------------------------------------------


def test_withdraw_frees_the_place_and_says_so(client, cast, nominated):
    client.force_login(cast.committee)

    response = client.post(reverse("campaigns:site_withdraw", args=[nominated.pk]))

    assert response.url == reverse("campaigns:site_detail", args=[nominated.pk])
    assert "名额已释放" in message_texts(response)[0]
    assert status_of(nominated) == Site.Status.WITHDRAWN


def test_withdrawing_a_decided_nomination_is_refused_with_the_reason(client, cast, nominated):
    approve_site(site=nominated, by=cast.org_department)
    client.force_login(cast.committee)

    response = client.post(reverse("campaigns:site_withdraw", args=[nominated.pk]))

    assert response.status_code == 302
    assert message_texts(response) == ["示范点当前状态为“批准创建”，不能撤回。"]
    assert status_of(nominated) == Site.Status.APPROVED


def test_request_acceptance_is_refused_before_the_acceptance_phase(client, cast, self_assessed, monkeypatch):
    on_day(monkeypatch, IMPLEMENTATION_DAY)
    client.force_login(cast.committee)

    response = client.post(reverse("campaigns:site_request_acceptance", args=[self_assessed.pk]))

    assert response.status_code == 302
    assert "届时方可申请验收" in message_texts(response)[0]
    assert status_of(self_assessed) == Site.Status.SELF_ASSESSED


def test_request_acceptance_is_refused_before_self_assessment(client, cast, nominated, monkeypatch):
    approve_site(site=nominated, by=cast.org_department)
    on_day(monkeypatch, ACCEPTANCE_DAY)
    client.force_login(cast.committee)

    response = client.post(reverse("campaigns:site_request_acceptance", args=[nominated.pk]))

    assert message_texts(response) == ["示范点当前状态为“批准创建”，不能申请验收。"]
    assert status_of(nominated) == Site.Status.APPROVED


def test_request_acceptance_allowed_in_the_acceptance_phase_and_again_after_rectifying(
    client, cast, self_assessed, monkeypatch
):
    on_day(monkeypatch, ACCEPTANCE_DAY)
    client.force_login(cast.committee)

    first = client.post(reverse("campaigns:site_request_acceptance", args=[self_assessed.pk]))
    record_verdict(site=Site.objects.get(pk=self_assessed.pk), by=cast.inspector, verdict="RECTIFYING")
    second = client.post(reverse("campaigns:site_request_acceptance", args=[self_assessed.pk]))

    assert "已为“一村党支部”申请现场验收" in message_texts(first)[0]
    assert second.status_code == 302
    assert status_of(self_assessed) == Site.Status.ACCEPTANCE_REQUESTED
    verbs = [e.verb for e in AuditEvent.objects.about(self_assessed).order_by("created_at", "pk")]
    assert verbs[-3:] == [Verb.REQUEST_ACCEPTANCE, Verb.RECORD_VERDICT, Verb.REQUEST_ACCEPTANCE_AGAIN]


# {% site_actions %} -------------------------------------------------------------------------


def render_actions(user, site) -> str:
    request = RequestFactory().get(f"/sites/{site.pk}/")
    request.user = user
    site = Site.objects.with_detail().get(pk=site.pk)
    return Template("{% load site_actions %}{% site_actions site %}").render(
        Context({"request": request, "site": site})
    )


def test_site_actions_offer_the_decision_to_the_org_department_only(cast, nominated):
    html = render_actions(cast.org_department, nominated)

    assert reverse("campaigns:site_approve", args=[nominated.pk]) in html
    assert f"{reverse('campaigns:site_reject', args=[nominated.pk])}?next=" in html
    for role in ["committee", "secretary", "inspector"]:
        assert reverse("campaigns:site_approve", args=[nominated.pk]) not in render_actions(
            getattr(cast, role), nominated
        )


def test_site_actions_offer_withdraw_to_the_committee_only(cast, nominated):
    assert reverse("campaigns:site_withdraw", args=[nominated.pk]) in render_actions(
        cast.committee, nominated
    )
    for role in ["org_department", "secretary", "inspector"]:
        assert reverse("campaigns:site_withdraw", args=[nominated.pk]) not in render_actions(
            getattr(cast, role), nominated
        )


def test_site_actions_say_when_acceptance_may_be_requested(cast, self_assessed, monkeypatch):
    url = reverse("campaigns:site_request_acceptance", args=[self_assessed.pk])

    on_day(monkeypatch, IMPLEMENTATION_DAY)
    early = render_actions(cast.committee, self_assessed)
    on_day(monkeypatch, ACCEPTANCE_DAY)
    due = render_actions(cast.committee, self_assessed)

    assert url not in early
    assert "自评已通过。总结验收阶段自 2026年11月16日 开始，届时方可申请验收。" in early
    assert url in due
    assert url not in render_actions(cast.secretary, self_assessed)
    assert url not in render_actions(cast.org_department, self_assessed)


def test_site_actions_offer_nothing_once_acceptance_is_requested(cast, self_assessed, monkeypatch):
    on_day(monkeypatch, ACCEPTANCE_DAY)
    request_acceptance(site=self_assessed, by=cast.committee, today=ACCEPTANCE_DAY)

    assert render_actions(cast.committee, self_assessed).strip() == ""

"""The full path of one 示范点 through the pages, as its people would walk it with a browser.

组织部 creates a campaign on the built-in 五好五型 framework and starts it → 第一党委 nominates
一村党支部 → the 组织部 rejects it with a reason → the 党委 nominates it again (with a plan file)
→ the 组织部 approves it → the secretary adds two work items and marks them done → the 组织部
records a supervision visit raising a rectification item, and the 党委 raises another → the
secretary answers both (one with an evidence PDF) → the 组织部 and the 党委 close them → (the
self-assessment is approved) → the 党委 requests on-site acceptance.

Only the pages' own URLs and forms are used after the fixtures, with one exception: approving
the self-assessment has no page in this issue (it belongs to the assessment issue), so that step
calls `campaigns.services.mark_self_assessed` directly.

The views read "today" from `timezone.localdate()`; each step runs on its own day of the 2026
campaign (`on(day)` patches `django.utils.timezone.localdate`).
"""

from __future__ import annotations

import datetime
from contextlib import contextmanager
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from assessments.models import Framework
from campaigns.models import Campaign, Phase, Rectification, Site, SupervisionVisit, WorkItem
from campaigns.services import mark_self_assessed
from organizations.models import AuditEvent, Verb

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
CAMPAIGN_NAME = "2026年度基层党建示范点创建活动"
REJECTION = "创建方案目标不够具体，请补充党员活动室建设和“党员联系农户”的措施后重新申报。"

# The campaign's three stages, and the day each step is taken.
MOBILIZATION = (datetime.date(2026, 3, 1), datetime.date(2026, 4, 15))
IMPLEMENTATION = (datetime.date(2026, 4, 16), datetime.date(2026, 11, 15))
ACCEPTANCE = (datetime.date(2026, 11, 16), datetime.date(2026, 12, 31))
CREATED_ON = datetime.date(2026, 2, 20)  # before the campaign starts: it is a draft
NOMINATED_ON = datetime.date(2026, 3, 10)
REJECTED_ON = datetime.date(2026, 3, 12)
RENOMINATED_ON = datetime.date(2026, 3, 20)
APPROVED_ON = datetime.date(2026, 3, 25)
SCHEDULED_ON = datetime.date(2026, 4, 1)
DONE_ON = datetime.date(2026, 5, 20)
VISITED_ON = datetime.date(2026, 6, 15)
ANSWERED_ON = datetime.date(2026, 7, 1)
CLOSED_ON = datetime.date(2026, 7, 5)
SELF_ASSESSED_ON = datetime.date(2026, 10, 10)
TOO_EARLY_FOR_ACCEPTANCE = datetime.date(2026, 11, 1)
ACCEPTANCE_REQUESTED_ON = datetime.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@contextmanager
def on(day: datetime.date):
    """Run a step on `day`: the pages, forms and services read it from timezone.localdate()."""
    with mock.patch("django.utils.timezone.localdate", return_value=day):
        yield


def pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def page_text(response) -> str:
    return response.content.decode()


def landed(response, url: str) -> str:
    """The user was redirected (once) to `url` and the page there opened; its text."""
    assert response.redirect_chain, "expected a redirect"
    target, status = response.redirect_chain[-1]
    assert status == 302
    assert target.split("#")[0] == url
    assert response.status_code == 200
    return page_text(response)


class Walk:
    """One browser per person of the cast, and the steps of the path each of them takes."""

    def __init__(self, tree, cast):
        self.tree = tree
        self.cast = cast
        self.browsers = {}
        for name in ("org_department", "committee", "secretary", "inspector", "outsider"):
            browser = Client()
            browser.force_login(getattr(cast, name))
            self.browsers[name] = browser
        self.zzb = self.browsers["org_department"]
        self.dangwei = self.browsers["committee"]
        self.shuji = self.browsers["secretary"]
        self.outsider = self.browsers["outsider"]
        self.campaign: Campaign | None = None
        self.site: Site | None = None
        self.items: list[WorkItem] = []
        self.rectifications: list[Rectification] = []

    # The 组织部 sets up the campaign -----------------------------------------------------------

    def create_campaign(self) -> None:
        framework = Framework.objects.templates().get(is_builtin=True, name__contains="五型")
        with on(CREATED_ON):
            form = self.zzb.get(reverse("assessments:campaign_create"))
            assert form.status_code == 200
            assert framework.name in page_text(form)
            response = self.zzb.post(
                reverse("assessments:campaign_create"),
                {
                    "organizer": self.tree.work.pk,
                    "name": CAMPAIGN_NAME,
                    "year": 2026,
                    "framework": framework.pk,
                    "description": "成熟一个、打造一个。",
                    "quota_per_committee": 1,
                    "weight_self": 20,
                    "weight_public": 30,
                    "weight_inspection": 50,
                    "pass_score": "80",
                    "publicity_days": 5,
                    "mobilization_name": "宣传发动",
                    "mobilization_starts_on": MOBILIZATION[0].isoformat(),
                    "mobilization_ends_on": MOBILIZATION[1].isoformat(),
                    "implementation_name": "创建培育",
                    "implementation_starts_on": IMPLEMENTATION[0].isoformat(),
                    "implementation_ends_on": IMPLEMENTATION[1].isoformat(),
                    "acceptance_name": "",
                    "acceptance_starts_on": ACCEPTANCE[0].isoformat(),
                    "acceptance_ends_on": ACCEPTANCE[1].isoformat(),
                },
                follow=True,
            )
        self.campaign = Campaign.objects.get(name=CAMPAIGN_NAME)
        text = landed(response, reverse("assessments:campaign_edit", args=[self.campaign.pk]))
        assert "已创建" in text
        assert self.campaign.status == Campaign.Status.DRAFT
        assert self.campaign.organizer == self.tree.work
        phases = list(self.campaign.phases.order_by("starts_on"))
        assert [p.kind for p in phases] == list(Phase.ORDER)
        assert [(p.starts_on, p.ends_on) for p in phases] == [MOBILIZATION, IMPLEMENTATION, ACCEPTANCE]
        copy = Framework.objects.get(campaign=self.campaign)
        assert copy.based_on == framework

    def activate_campaign(self) -> None:
        with on(CREATED_ON):
            # The plan gives no points (分值由组织部确定): the 组织部 confirms them first.
            edit = reverse("assessments:campaign_edit", args=[self.campaign.pk])
            assert "确认考核标准分值" in page_text(self.zzb.get(edit))
            confirmed = self.zzb.post(edit, {"confirm_points": "1"}, follow=True)
            assert "考核标准分值已确认" in page_text(confirmed)
            response = self.zzb.post(
                reverse("assessments:campaign_activate", args=[self.campaign.pk]), follow=True
            )
        text = landed(response, reverse("campaigns:campaign_dashboard", args=[self.campaign.pk]))
        assert "已启动" in text
        self.campaign.refresh_from_db()
        assert self.campaign.status == Campaign.Status.ACTIVE

    # Nomination and decision -----------------------------------------------------------------

    def nominate(self, day: datetime.date, **extra) -> str:
        url = reverse("campaigns:nominate", args=[self.campaign.pk])
        with on(day):
            form = self.dangwei.get(url)
            assert form.status_code == 200
            assert self.tree.branch_a1.name in page_text(form)
            response = self.dangwei.post(
                url,
                {
                    "branch": self.tree.branch_a1.pk,
                    "plan": "一、目标任务：建设“五好”党支部。二、主要措施：党员联系农户全覆盖。",
                    "highlights": "党员星级服务",
                    **extra,
                },
                follow=True,
            )
        self.site = Site.objects.get(campaign=self.campaign, organization=self.tree.branch_a1)
        text = landed(response, reverse("campaigns:site_detail", args=[self.site.pk]))
        assert "请等待组织部审批" in text
        assert self.site.status == Site.Status.NOMINATED
        assert self.site.nominated_by == self.tree.committee_a
        return text

    def reject(self) -> None:
        url = reverse("campaigns:site_reject", args=[self.site.pk])
        with on(REJECTED_ON):
            queue = self.zzb.get(reverse("campaigns:nomination_queue", args=[self.campaign.pk]))
            assert queue.status_code == 200
            assert self.tree.branch_a1.name in page_text(queue)
            assert self.zzb.get(url).status_code == 200
            response = self.zzb.post(url, {"reason": REJECTION}, follow=True)
        text = landed(response, reverse("campaigns:site_detail", args=[self.site.pk]))
        assert "不予批准决定" in text
        self.site.refresh_from_db()
        assert self.site.status == Site.Status.REJECTED
        assert self.site.decision_note == REJECTION

    def committee_sees_the_reason(self) -> None:
        with on(REJECTED_ON):
            site_page = self.dangwei.get(reverse("campaigns:site_detail", args=[self.site.pk]))
            nominate_page = self.dangwei.get(reverse("campaigns:nominate", args=[self.campaign.pk]))
        assert site_page.status_code == 200
        assert REJECTION in page_text(site_page)
        assert nominate_page.status_code == 200
        assert "可改进后重新申报" in page_text(nominate_page)

    def nominate_again(self) -> None:
        site_pk = self.site.pk
        self.nominate(RENOMINATED_ON, plan_file=pdf("一村党支部创建方案.pdf"))
        assert self.site.pk == site_pk, "a rejected branch is nominated again on the same record"
        assert self.site.decision_note == ""
        assert self.site.plan_file.name.endswith(".pdf")

    def approve(self) -> None:
        queue = reverse("campaigns:nomination_queue", args=[self.campaign.pk])
        with on(APPROVED_ON):
            response = self.zzb.post(
                reverse("campaigns:site_approve", args=[self.site.pk]),
                {"note": "同意列为示范点创建单位", "next": queue},
                follow=True,
            )
        text = landed(response, queue)
        assert "已批准" in text
        self.site.refresh_from_db()
        assert self.site.status == Site.Status.APPROVED
        assert self.site.decision_note == "同意列为示范点创建单位"

    # The secretary keeps the work schedule -----------------------------------------------------

    def add_work_items(self) -> None:
        url = reverse("campaigns:site_schedule", args=[self.site.pk])
        rows = [
            ("制定党支部创建工作实施方案", datetime.date(2026, 4, 15), "党支部"),
            ("建好高标准的党员活动室", datetime.date(2026, 6, 30), "一村书记"),
        ]
        with on(SCHEDULED_ON):
            assert self.shuji.get(url).status_code == 200
            for title, due_on, responsible in rows:
                response = self.shuji.post(
                    url,
                    {
                        "title": title,
                        "due_on": due_on.isoformat(),
                        "responsible": responsible,
                        "phase": "",
                        "status": WorkItem.Status.PLANNED,
                        "done_on": "",
                    },
                    follow=True,
                )
                text = landed(response, url)
                assert f"已增加工作安排“{title}”" in text
        self.items = list(WorkItem.objects.filter(site=self.site).order_by("due_on"))
        assert [i.title for i in self.items] == [title for title, _, _ in rows]
        assert [i.phase.kind for i in self.items] == [Phase.Kind.MOBILIZATION, Phase.Kind.IMPLEMENTATION]
        assert all(i.status == WorkItem.Status.PLANNED for i in self.items)

    def complete_work_items(self) -> None:
        with on(DONE_ON):
            for item in self.items:
                response = self.shuji.post(reverse("campaigns:work_item_done", args=[item.pk]), follow=True)
                text = landed(response, reverse("campaigns:site_schedule", args=[self.site.pk]))
                assert f"“{item.title}”已标记为完成" in text
        for item in self.items:
            item.refresh_from_db()
            assert item.status == WorkItem.Status.DONE
            assert item.done_on == DONE_ON

    # Supervision and rectification ------------------------------------------------------------

    def supervise(self) -> None:
        tab = reverse("campaigns:site_supervision", args=[self.site.pk])
        url = reverse("campaigns:supervision_add", args=[self.site.pk])
        with on(VISITED_ON):
            assert self.zzb.get(url).status_code == 200
            response = self.zzb.post(
                url,
                {
                    "visited_on": VISITED_ON.isoformat(),
                    "method": SupervisionVisit.Method.RANDOM_SURVEY,
                    "findings": "党员活动室已建成，但“三会一课”记录不全。",
                    "rect-TOTAL_FORMS": "2",
                    "rect-INITIAL_FORMS": "0",
                    "rect-MIN_NUM_FORMS": "0",
                    "rect-MAX_NUM_FORMS": "10",
                    "rect-0-description": "补齐“三会一课”记录",
                    "rect-0-owner": "村党支部书记",
                    "rect-0-due_on": "2026-07-15",
                    "rect-1-description": "",
                    "rect-1-owner": "",
                    "rect-1-due_on": "",
                },
                follow=True,
            )
            text = landed(response, tab)
            assert "已记录督导，提出整改事项 1 项" in text

            # The 党委 raises one more item on its own site, outside a visit.
            add = reverse("campaigns:rectification_add", args=[self.site.pk])
            assert self.dangwei.get(add).status_code == 200
            response = self.dangwei.post(
                add,
                {"description": "公开栏内容更新不及时", "owner": "村党支部宣传委员", "due_on": "2026-07-31"},
                follow=True,
            )
            text = landed(response, tab)
            assert "已提出整改事项" in text

        visit = SupervisionVisit.objects.get(site=self.site)
        assert visit.recorded_by == self.cast.org_department
        assert visit.visited_on == VISITED_ON
        self.rectifications = list(Rectification.objects.filter(site=self.site).order_by("pk"))
        assert [(r.description, r.supervision_visit_id) for r in self.rectifications] == [
            ("补齐“三会一课”记录", visit.pk),
            ("公开栏内容更新不及时", None),
        ]
        assert all(r.status == Rectification.Status.OPEN for r in self.rectifications)

    def answer_rectifications(self) -> None:
        tab = reverse("campaigns:site_supervision", args=[self.site.pk])
        answers = [
            {"response": "已补齐上半年“三会一课”记录并归档。", "evidence": pdf("三会一课记录.pdf")},
            {"response": "公开栏已按月更新。"},
        ]
        with on(ANSWERED_ON):
            for item, data in zip(self.rectifications, answers, strict=True):
                url = reverse("campaigns:rectification_answer", args=[item.pk])
                assert self.shuji.get(url).status_code == 200
                response = self.shuji.post(url, data, follow=True)
                text = landed(response, tab)
                assert "整改情况已反馈" in text
        for item, data in zip(self.rectifications, answers, strict=True):
            item.refresh_from_db()
            assert item.status == Rectification.Status.ANSWERED
            assert item.response == data["response"]
        first, second = self.rectifications
        assert first.evidence.name.endswith(".pdf")
        assert not second.evidence
        # The supervisor can open the evidence the branch sent.
        download = self.zzb.get(reverse("campaigns:rectification_evidence", args=[first.pk]))
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == PDF

    def close_rectifications(self) -> None:
        tab = reverse("campaigns:site_supervision", args=[self.site.pk])
        first, second = self.rectifications
        with on(CLOSED_ON):
            for browser, item in ((self.zzb, first), (self.dangwei, second)):
                response = browser.post(reverse("campaigns:rectification_close", args=[item.pk]), follow=True)
                text = landed(response, tab)
                assert "整改事项已销号" in text
        for item in self.rectifications:
            item.refresh_from_db()
            assert item.status == Rectification.Status.CLOSED
            assert item.closed_on == CLOSED_ON

    # Self-assessment and acceptance -----------------------------------------------------------

    def self_assessment_approved(self) -> None:
        # No page in this issue: the committee's approval of the self-assessment is the
        # assessment issue's screen, which will call this service. Called directly here.
        mark_self_assessed(site=self.site, by=self.cast.committee, today=SELF_ASSESSED_ON)
        self.site.refresh_from_db()
        assert self.site.status == Site.Status.SELF_ASSESSED

    def request_acceptance(self) -> None:
        with on(ACCEPTANCE_REQUESTED_ON):
            page = self.dangwei.get(reverse("campaigns:site_detail", args=[self.site.pk]))
            assert page.status_code == 200
            assert reverse("campaigns:site_request_acceptance", args=[self.site.pk]) in page_text(page)
            response = self.dangwei.post(
                reverse("campaigns:site_request_acceptance", args=[self.site.pk]), follow=True
            )
        text = landed(response, reverse("campaigns:site_detail", args=[self.site.pk]))
        assert "已为“一村党支部”申请现场验收" in text
        self.site.refresh_from_db()
        assert self.site.status == Site.Status.ACCEPTANCE_REQUESTED


@pytest.fixture
def walk(tree, cast):
    return Walk(tree, cast)


def test_full_path_through_the_pages(walk, cast):
    walk.create_campaign()
    walk.activate_campaign()
    walk.nominate(NOMINATED_ON)
    walk.reject()
    walk.committee_sees_the_reason()
    walk.nominate_again()
    walk.approve()
    walk.add_work_items()
    walk.complete_work_items()
    walk.supervise()
    walk.answer_rectifications()
    walk.close_rectifications()
    walk.self_assessment_approved()
    walk.request_acceptance()

    zzb, dangwei, shuji = cast.org_department, cast.committee, cast.secretary
    trail = [(e.get_verb_display(), e.actor) for e in AuditEvent.objects.about(walk.site).order_by("id")]
    assert trail == [
        ("申报", dangwei),
        ("不予批准", zzb),
        ("重新申报", dangwei),  # with the plan file attached: one step, one event
        ("批准创建", zzb),
        ("增加工作安排", shuji),
        ("增加工作安排", shuji),
        ("修改工作安排", shuji),  # marked done
        ("修改工作安排", shuji),
        ("督导", zzb),
        ("提出整改", zzb),  # raised with the visit
        ("提出整改", dangwei),
        ("反馈整改", shuji),
        ("反馈整改", shuji),
        ("整改销号", zzb),
        ("整改销号", dangwei),
        ("自评审核通过", dangwei),
        ("申请验收", dangwei),
    ]
    rejected = AuditEvent.objects.about(walk.site).get(verb=Verb.REJECT)
    assert REJECTION in rejected.summary
    campaign_trail = [
        (e.get_verb_display(), e.actor) for e in AuditEvent.objects.about(walk.campaign).order_by("id")
    ]
    assert campaign_trail == [("创建活动", zzb), ("确认考核标准分值", zzb), ("启动活动", zzb)]

    # The site's history tab shows the same steps, to those who see the site.
    history = walk.shuji.get(reverse("campaigns:site_history", args=[walk.site.pk]))
    assert history.status_code == 200
    assert history.context["page_obj"].paginator.count == len(trail)
    text = page_text(history)
    for verb in (
        Verb.REJECT,
        Verb.RENOMINATE,
        Verb.APPROVE,
        Verb.RECORD_SUPERVISION,
        Verb.CLOSE_RECTIFICATION,
        Verb.REQUEST_ACCEPTANCE,
    ):
        assert verb in text


def test_refusals_on_the_way(walk, cast):
    """Along the same path: someone else's site answers 404 at every step; the secretary and
    the committee get 403 on the 组织部's decisions; a refusal changes nothing."""

    def outsider_sees_nothing(*extra_urls: str) -> None:
        pk = walk.site.pk
        urls = [
            reverse("campaigns:site_detail", args=[pk]),
            reverse("campaigns:site_history", args=[pk]),
            reverse("campaigns:site_schedule", args=[pk]),
            reverse("campaigns:site_supervision", args=[pk]),
            reverse("campaigns:site_reject", args=[pk]),
            *extra_urls,
        ]
        for url in urls:
            assert walk.outsider.get(url).status_code == 404, url
        for url in (
            reverse("campaigns:site_approve", args=[pk]),
            reverse("campaigns:site_reject", args=[pk]),
            reverse("campaigns:site_withdraw", args=[pk]),
            reverse("campaigns:site_request_acceptance", args=[pk]),
            reverse("campaigns:supervision_add", args=[pk]),
            reverse("campaigns:rectification_add", args=[pk]),
        ):
            assert walk.outsider.post(url, {"reason": "x", "note": "x"}).status_code == 404, url

    def unchanged(status: str) -> None:
        walk.site.refresh_from_db()
        assert walk.site.status == status

    walk.create_campaign()
    # Only the 组织部 starts the campaign.
    for browser in (walk.dangwei, walk.shuji, walk.outsider):
        assert (
            browser.post(reverse("assessments:campaign_activate", args=[walk.campaign.pk])).status_code == 403
        )
    walk.activate_campaign()

    walk.nominate(NOMINATED_ON)
    outsider_sees_nothing()
    with on(REJECTED_ON):
        for browser in (walk.shuji, walk.dangwei):
            assert browser.post(reverse("campaigns:site_approve", args=[walk.site.pk])).status_code == 403
            assert (
                browser.post(
                    reverse("campaigns:site_reject", args=[walk.site.pk]), {"reason": "x"}
                ).status_code
                == 403
            )
        # The secretary is not offered the decision either.
        page = walk.shuji.get(reverse("campaigns:site_detail", args=[walk.site.pk]))
        assert page.status_code == 200
        assert reverse("campaigns:site_approve", args=[walk.site.pk]) not in page_text(page)
        # Nor may the secretary or the outsider nominate for 第一党委.
        for browser in (walk.shuji, walk.outsider):
            assert browser.get(reverse("campaigns:nominate", args=[walk.campaign.pk])).status_code == 403
    unchanged(Site.Status.NOMINATED)

    walk.reject()
    walk.nominate_again()
    with on(APPROVED_ON):
        assert walk.shuji.post(reverse("campaigns:site_approve", args=[walk.site.pk])).status_code == 403
    unchanged(Site.Status.NOMINATED)
    walk.approve()

    walk.add_work_items()
    item = walk.items[0]
    with on(DONE_ON):
        assert walk.outsider.post(reverse("campaigns:work_item_done", args=[item.pk])).status_code == 404
        assert walk.outsider.get(reverse("campaigns:work_item_edit", args=[item.pk])).status_code == 404
    item.refresh_from_db()
    assert item.status == WorkItem.Status.PLANNED
    walk.complete_work_items()

    with on(VISITED_ON):
        # Supervision is the 组织部's and the 党委's, not the branch's.
        assert walk.shuji.get(reverse("campaigns:supervision_add", args=[walk.site.pk])).status_code == 403
        assert walk.shuji.get(reverse("campaigns:rectification_add", args=[walk.site.pk])).status_code == 403
    assert not SupervisionVisit.objects.exists()
    walk.supervise()

    first, _ = walk.rectifications
    with on(ANSWERED_ON):
        outsider_sees_nothing(
            reverse("campaigns:rectification_answer", args=[first.pk]),
            reverse("campaigns:rectification_evidence", args=[first.pk]),
        )
        assert (
            walk.outsider.post(
                reverse("campaigns:rectification_answer", args=[first.pk]), {"response": "x"}
            ).status_code
            == 404
        )
    walk.answer_rectifications()

    with on(CLOSED_ON):
        # The branch answers; it does not close its own items.
        assert walk.shuji.post(reverse("campaigns:rectification_close", args=[first.pk])).status_code == 403
        assert (
            walk.outsider.post(reverse("campaigns:rectification_close", args=[first.pk])).status_code == 404
        )
    first.refresh_from_db()
    assert first.status == Rectification.Status.ANSWERED
    walk.close_rectifications()

    walk.self_assessment_approved()
    # Before 总结验收 begins the request is refused with the reason, and nothing changes.
    with on(TOO_EARLY_FOR_ACCEPTANCE):
        url = reverse("campaigns:site_request_acceptance", args=[walk.site.pk])
        page = walk.dangwei.get(reverse("campaigns:site_detail", args=[walk.site.pk]))
        assert url not in page_text(page)
        response = walk.dangwei.post(url, follow=True)
        text = landed(response, reverse("campaigns:site_detail", args=[walk.site.pk]))
        assert "届时方可申请验收" in text
        # Acceptance is asked for by the nominating 党委, not the branch or the 组织部.
        assert walk.shuji.post(url).status_code == 403
        assert walk.browsers["org_department"].post(url).status_code == 403
    unchanged(Site.Status.SELF_ASSESSED)
    with on(ACCEPTANCE_REQUESTED_ON):
        outsider_sees_nothing()
        assert (
            walk.shuji.post(reverse("campaigns:site_request_acceptance", args=[walk.site.pk])).status_code
            == 403
        )
    unchanged(Site.Status.SELF_ASSESSED)
    walk.request_acceptance()

    verbs = list(AuditEvent.objects.about(walk.site).order_by("id").values_list("verb", flat=True))
    assert verbs.count(Verb.APPROVE) == 1
    assert Verb.WITHDRAW not in verbs
    assert verbs[-1] == Verb.REQUEST_ACCEPTANCE

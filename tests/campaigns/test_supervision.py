"""Supervision (督导), rectification (整改) and typical cases (典型案例) in the browser.

Site A1 (一村, nominated by 第一党委) is approved; the cast's 党委 supervises it and its secretary
answers. A 党委 user of 第二党委 and the outsider (secretary of the school branch under it) see
neither the site nor its items.
"""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Rectification, Site, SupervisionVisit, TypicalCase
from campaigns.services import (
    LifecycleError,
    answer_rectification,
    approve_site,
    close_rectification,
    mark_self_assessed,
    nominate_site,
    raise_rectification,
    record_supervision_visit,
    record_verdict,
    request_acceptance,
    return_rectification,
)
from organizations.models import AuditEvent, Kind, Role, Verb
from tests.campaigns.factories import ACCEPTANCE_DAY, IMPLEMENTATION_DAY, MOBILIZATION_DAY, active_campaign
from tests.organizations.factories import UserFactory, give_role, make_org

pytestmark = pytest.mark.django_db

R = Rectification.Status


def local_today():
    """Today in Asia/Shanghai, asked when the test runs (a suite may cross midnight)."""
    return timezone.localdate()


PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
ROLES = ["org_department", "committee", "secretary", "inspector", "outsider", "committee_b", "anonymous"]


def days(n: int) -> datetime.date:
    return local_today() + datetime.timedelta(days=n)


def pdf(name: str = "整改照片.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def committee_b(tree):
    user = UserFactory(username="t_dangwei_b", name="第二党委联络员")
    give_role(user, tree.committee_b, Role.Kind.COMMITTEE)
    return user


@pytest.fixture
def users(cast, committee_b):
    return {
        "org_department": cast.org_department,
        "committee": cast.committee,
        "secretary": cast.secretary,
        "inspector": cast.inspector,
        "outsider": cast.outsider,
        "committee_b": committee_b,
        "anonymous": None,
    }


@pytest.fixture
def as_role(client, users):
    def login(role: str):
        if users[role] is not None:
            client.force_login(users[role])
        return client

    return login


@pytest.fixture
def campaign(tree, cast):
    return active_campaign(organizer=tree.work, by=cast.org_department, quota_per_committee=40)


def approved_site(campaign, branch, *, committee_user, org_department) -> Site:
    site = nominate_site(campaign=campaign, branch=branch, by=committee_user, today=MOBILIZATION_DAY)
    return approve_site(site=site, by=org_department)


@pytest.fixture
def site(campaign, tree, cast):
    return approved_site(
        campaign, tree.branch_a1, committee_user=cast.committee, org_department=cast.org_department
    )


@pytest.fixture
def item(site, cast):
    """An open item raised on site A1 by the 组织部."""
    return raise_rectification(
        site=site,
        by=cast.org_department,
        description="党员活动室制度未上墙",
        owner="村支书 王建国",
        due_on=days(10),
    )


@pytest.fixture
def answered(item, cast):
    return answer_rectification(item=item, by=cast.secretary, response="已制作制度牌并上墙。", evidence=pdf())


def passed(site, cast) -> Site:
    mark_self_assessed(site=site, by=cast.committee, today=IMPLEMENTATION_DAY)
    request_acceptance(site=site, by=cast.committee, today=ACCEPTANCE_DAY)
    return record_verdict(site=site, by=cast.org_department, verdict="PASSED")


def events(site, verb: Verb) -> list[AuditEvent]:
    return list(AuditEvent.objects.about(site).filter(verb=verb))


def state() -> tuple:
    """What a refused request must leave as it was."""
    return (
        SupervisionVisit.objects.count(),
        list(Rectification.objects.order_by("pk").values_list("pk", "status", "response", "evidence")),
        TypicalCase.objects.count(),
        AuditEvent.objects.count(),
    )


def expect(response, code: int) -> None:
    if code == 302 and response.status_code == 302:
        return
    assert response.status_code == code, (response.status_code, code)


def login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


# Every url × every role -----------------------------------------------------------------------

TAB = {
    "org_department": 200,
    "committee": 200,
    "secretary": 200,
    "inspector": 200,
    "outsider": 404,
    "committee_b": 404,
    "anonymous": 302,
}
SUPERVISOR_ONLY = {**TAB, "secretary": 403, "inspector": 403}
ANSWERERS = {**TAB, "org_department": 403, "inspector": 403}
ORG_DEPARTMENT_ONLY = {**SUPERVISOR_ONLY, "committee": 403}


@pytest.mark.parametrize("role", ROLES)
def test_supervision_tab_answers_each_role(as_role, site, item, role):
    response = as_role(role).get(reverse("campaigns:site_supervision", args=[site.pk]))
    expect(response, TAB[role])
    if role == "anonymous":
        assert login_redirect(response)
    if response.status_code == 200:
        assert "党员活动室制度未上墙" in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_visit_form_answers_each_role(as_role, site, role):
    response = as_role(role).get(reverse("campaigns:supervision_add", args=[site.pk]))
    expect(response, SUPERVISOR_ONLY[role])


@pytest.mark.parametrize("role", ROLES)
def test_visit_post_only_supervisors_record(as_role, site, role):
    before = state()
    response = as_role(role).post(
        reverse("campaigns:supervision_add", args=[site.pk]),
        {"visited_on": local_today(), "method": "RANDOM_SURVEY", "findings": "台账不全。", **rows()},
    )
    expect(response, {**SUPERVISOR_ONLY, "org_department": 302, "committee": 302}[role])
    if SUPERVISOR_ONLY[role] == 200:
        assert SupervisionVisit.objects.get().recorded_by.username == response.wsgi_request.user.username
    else:
        assert state() == before


@pytest.mark.parametrize("role", ROLES)
def test_rectification_add_only_supervisors_raise(as_role, site, role):
    url = reverse("campaigns:rectification_add", args=[site.pk])
    expect(as_role(role).get(url), SUPERVISOR_ONLY[role])
    before = state()
    response = as_role(role).post(
        url, {"description": "发展党员档案不规范", "owner": "王建国", "due_on": days(20)}
    )
    expect(response, {**SUPERVISOR_ONLY, "org_department": 302, "committee": 302}[role])
    if SUPERVISOR_ONLY[role] == 200:
        assert Rectification.objects.get().description == "发展党员档案不规范"
    else:
        assert state() == before


@pytest.mark.parametrize("role", ROLES)
def test_answer_only_the_branch_and_its_committee(as_role, item, role):
    url = reverse("campaigns:rectification_answer", args=[item.pk])
    expect(as_role(role).get(url), ANSWERERS[role])
    before = state()
    response = as_role(role).post(url, {"response": "已整改。"})
    expect(response, {**ANSWERERS, "secretary": 302, "committee": 302}[role])
    item.refresh_from_db()
    if ANSWERERS[role] == 200:
        assert item.status == R.ANSWERED
    else:
        assert state() == before
        assert item.status == R.OPEN


@pytest.mark.parametrize("role", ROLES)
def test_close_only_supervisors(as_role, answered, role):
    before = state()
    response = as_role(role).post(reverse("campaigns:rectification_close", args=[answered.pk]))
    expect(response, {**SUPERVISOR_ONLY, "org_department": 302, "committee": 302}[role])
    answered.refresh_from_db()
    if SUPERVISOR_ONLY[role] == 200:
        assert answered.status == R.CLOSED
        assert answered.closed_on == local_today()
    else:
        assert state() == before
        assert answered.status == R.ANSWERED


@pytest.mark.parametrize("role", ROLES)
def test_return_only_supervisors(as_role, answered, role):
    url = reverse("campaigns:rectification_return", args=[answered.pk])
    expect(as_role(role).get(url), SUPERVISOR_ONLY[role])
    before = state()
    response = as_role(role).post(url, {"reason": "照片看不清制度内容，请重新拍摄。"})
    expect(response, {**SUPERVISOR_ONLY, "org_department": 302, "committee": 302}[role])
    answered.refresh_from_db()
    if SUPERVISOR_ONLY[role] == 200:
        assert answered.status == R.OPEN
    else:
        assert state() == before
        assert answered.status == R.ANSWERED


@pytest.mark.parametrize("role", ROLES)
def test_evidence_download_through_scope(as_role, answered, role):
    response = as_role(role).get(reverse("campaigns:rectification_evidence", args=[answered.pk]))
    expect(response, TAB[role])
    if response.status_code == 200:
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert "%E6%95%B4%E6%94%B9%E4%BD%90%E8%AF%81" in response["Content-Disposition"]  # 整改佐证


@pytest.mark.parametrize("role", ROLES)
def test_rectification_list_answers_each_role(as_role, campaign, item, role):
    response = as_role(role).get(reverse("campaigns:rectification_list", args=[campaign.pk]))
    if role == "anonymous":
        assert login_redirect(response)
        return
    # Everyone taking part sees the campaign's list, with only the items in their scope.
    assert response.status_code == 200
    shown = "党员活动室制度未上墙" in response.content.decode()
    assert shown == (TAB[role] == 200)


@pytest.mark.parametrize("role", ROLES)
def test_typical_case_only_the_org_department(as_role, site, cast, role):
    passed(site, cast)
    url = reverse("campaigns:typical_case_add", args=[site.pk])
    expect(as_role(role).get(url), ORG_DEPARTMENT_ONLY[role])
    before = state()
    response = as_role(role).post(url, {"title": "党员星级服务", "summary": "做法与成效。", "year": 2026})
    expect(response, {**ORG_DEPARTMENT_ONLY, "org_department": 302}[role])
    if ORG_DEPARTMENT_ONLY[role] == 200:
        case = TypicalCase.objects.get()
        assert (case.site, case.title, case.year, case.selected_by) == (
            site,
            "党员星级服务",
            2026,
            cast.org_department,
        )
    else:
        assert state() == before


def test_close_is_post_only(as_role, answered):
    assert (
        as_role("org_department")
        .get(reverse("campaigns:rectification_close", args=[answered.pk]))
        .status_code
        == 405
    )


# What each viewer is offered ------------------------------------------------------------------


def test_secretary_is_offered_answer_but_not_raise_close_or_return(as_role, site, answered):
    html = as_role("secretary").get(reverse("campaigns:site_supervision", args=[site.pk])).content.decode()
    assert reverse("campaigns:supervision_add", args=[site.pk]) not in html
    assert reverse("campaigns:rectification_add", args=[site.pk]) not in html
    assert reverse("campaigns:rectification_close", args=[answered.pk]) not in html
    assert reverse("campaigns:rectification_return", args=[answered.pk]) not in html
    assert "修改反馈" in html  # the answered item may be answered again until it is closed


def test_supervisor_is_offered_raise_close_and_return(as_role, site, answered):
    html = (
        as_role("org_department").get(reverse("campaigns:site_supervision", args=[site.pk])).content.decode()
    )
    assert reverse("campaigns:supervision_add", args=[site.pk]) in html
    assert reverse("campaigns:rectification_add", args=[site.pk]) in html
    assert reverse("campaigns:rectification_close", args=[answered.pk]) in html
    assert reverse("campaigns:rectification_return", args=[answered.pk]) in html
    assert reverse("campaigns:rectification_answer", args=[answered.pk]) not in html
    assert reverse("campaigns:typical_case_add", args=[site.pk]) not in html  # not passed yet


def test_inspector_is_offered_nothing(as_role, site, answered):
    html = as_role("inspector").get(reverse("campaigns:site_supervision", args=[site.pk])).content.decode()
    for name in ("supervision_add", "rectification_add", "typical_case_add"):
        assert reverse(f"campaigns:{name}", args=[site.pk]) not in html
    for name in ("rectification_close", "rectification_return", "rectification_answer"):
        assert reverse(f"campaigns:{name}", args=[answered.pk]) not in html
    assert reverse("campaigns:rectification_evidence", args=[answered.pk]) in html


def test_undecided_nomination_is_not_supervised(as_role, campaign, tree, cast):
    site = nominate_site(campaign=campaign, branch=tree.branch_a2, by=cast.committee, today=MOBILIZATION_DAY)
    client = as_role("org_department")
    html = client.get(reverse("campaigns:site_supervision", args=[site.pk])).content.decode()
    assert reverse("campaigns:supervision_add", args=[site.pk]) not in html
    response = client.get(reverse("campaigns:supervision_add", args=[site.pk]), follow=True)
    assert "批准创建后才能督导" in response.content.decode()
    before = state()
    client.post(
        reverse("campaigns:supervision_add", args=[site.pk]),
        {"visited_on": local_today(), "method": "RANDOM_SURVEY", "findings": "x", **rows()},
    )
    assert state() == before


# Recording a visit ----------------------------------------------------------------------------


def rows(*filled: dict, total: int = 2) -> dict:
    """The visit form's rectification rows as posted: `filled` first, the rest blank."""
    data = {"rect-TOTAL_FORMS": str(total), "rect-INITIAL_FORMS": "0"}
    for index in range(total):
        row = filled[index] if index < len(filled) else {}
        for name in ("description", "owner", "due_on"):
            data[f"rect-{index}-{name}"] = row.get(name, "")
    return data


def test_visit_raises_two_rectifications_at_once(as_role, site, cast):
    response = as_role("committee").post(
        reverse("campaigns:supervision_add", args=[site.pk]),
        {
            "visited_on": local_today(),
            "method": "UNANNOUNCED",
            "findings": "党员活动室大门紧锁，值班表未更新。",
            **rows(
                {"description": "落实活动室开放值班", "owner": "村支书 王建国", "due_on": days(7)},
                {"description": "更新党员值班表", "owner": "组织委员 李梅", "due_on": days(14)},
                total=3,
            ),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("campaigns:site_supervision", args=[site.pk])
    visit = SupervisionVisit.objects.get()
    assert (visit.method, visit.recorded_by, visit.visited_on) == (
        "UNANNOUNCED",
        cast.committee,
        local_today(),
    )
    items = list(visit.rectifications.order_by("due_on"))
    assert [(i.description, i.owner, i.due_on, i.status) for i in items] == [
        ("落实活动室开放值班", "村支书 王建国", days(7), R.OPEN),
        ("更新党员值班表", "组织委员 李梅", days(14), R.OPEN),
    ]
    assert len(events(site, Verb.RECORD_SUPERVISION)) == 1
    assert len(events(site, Verb.RAISE_RECTIFICATION)) == 2
    html = as_role("committee").get(reverse("campaigns:site_supervision", args=[site.pk])).content.decode()
    assert "明察暗访" in html and "提出整改 2 项" in html


def test_visit_and_its_items_are_saved_together_or_not_at_all(site, cast):
    before = state()
    with pytest.raises(ValidationError):
        record_supervision_visit(
            site=site,
            by=cast.org_department,
            visited_on=local_today(),
            method="RANDOM_SURVEY",
            findings="台账不全。",
            rectifications=[
                {"description": "补齐台账", "owner": "王建国", "due_on": days(5)},
                {"description": " ", "owner": "王建国", "due_on": days(5)},
            ],
        )
    assert state() == before


def test_half_filled_row_is_refused_beside_the_field_and_keeps_what_was_typed(as_role, site):
    before = state()
    response = as_role("org_department").post(
        reverse("campaigns:supervision_add", args=[site.pk]),
        {
            "visited_on": local_today(),
            "method": "PRIORITY",
            "findings": "三会一课记录缺失。",
            **rows({"description": "补齐三会一课记录"}),
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "三会一课记录缺失。" in html and "补齐三会一课记录" in html
    assert html.count('class="field__error"') == 2  # 整改责任人 and 整改时限 of that row
    assert state() == before


def test_visit_in_the_future_or_past_due_date_is_refused(as_role, site):
    before = state()
    response = as_role("org_department").post(
        reverse("campaigns:supervision_add", args=[site.pk]),
        {
            "visited_on": days(1),
            "method": "PRIORITY",
            "findings": "x",
            **rows({"description": "y", "owner": "z", "due_on": days(-1)}),
        },
    )
    html = response.content.decode()
    assert "督导日期不能晚于今天。" in html and "整改时限不能早于今天。" in html
    assert state() == before


def test_add_row_without_javascript_keeps_what_was_typed(as_role, site):
    response = as_role("org_department").post(
        reverse("campaigns:supervision_add", args=[site.pk]),
        {
            "add_row": "1",
            "visited_on": local_today(),
            "method": "PRIORITY",
            "findings": "阵地建设滞后。",
            **rows({"description": "完善阵地标识", "owner": "王建国", "due_on": days(5)}),
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="rect-TOTAL_FORMS" value="3"' in html
    assert "阵地建设滞后。" in html and "完善阵地标识" in html
    assert 'name="rect-2-description"' in html
    assert "field__error" not in html
    assert not SupervisionVisit.objects.exists()


def test_add_row_with_htmx_returns_one_row_and_the_new_count(as_role, site):
    response = as_role("org_department").get(
        reverse("campaigns:supervision_add", args=[site.pk]),
        {"add_row": 1, "rect-TOTAL_FORMS": 4},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert 'name="rect-4-description"' in html
    assert "整改事项 5" in html
    assert 'id="id_rect-TOTAL_FORMS" value="5" hx-swap-oob="true"' in html


# Raising, answering, closing, returning ------------------------------------------------------


def test_raise_writes_an_audit_event(as_role, site, cast):
    as_role("committee").post(
        reverse("campaigns:rectification_add", args=[site.pk]),
        {"description": "完善积分台账", "owner": "李梅", "due_on": days(9)},
    )
    (event,) = events(site, Verb.RAISE_RECTIFICATION)
    assert event.actor == cast.committee and "完善积分台账" in event.summary


def test_answer_with_a_pdf_is_accepted(as_role, item, site, cast):
    response = as_role("secretary").post(
        reverse("campaigns:rectification_answer", args=[item.pk]),
        {"response": "制度牌已上墙。", "evidence": pdf()},
    )
    assert response["Location"] == reverse("campaigns:site_supervision", args=[site.pk]) + f"#rect-{item.pk}"
    item.refresh_from_db()
    assert item.status == R.ANSWERED and item.response == "制度牌已上墙。"
    assert item.evidence.read() == PDF
    (event,) = events(site, Verb.ANSWER_RECTIFICATION)
    assert event.actor == cast.secretary


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("照片.exe", b"MZ\x90\x00"), "只能上传以下类型的文件"),
        (SimpleUploadedFile("照片.pdf", b"GIF89a not a pdf"), "文件内容与扩展名 .pdf 不符"),
        (pdf(content=PDF + b"0" * 2048), "文件不能超过"),
    ],
    ids=["wrong-type", "wrong-content", "too-large"],
)
def test_bad_evidence_is_refused_and_nothing_saved(as_role, item, site, settings, upload, message):
    settings.MAX_UPLOAD_BYTES = 1024
    before = state()
    response = as_role("secretary").post(
        reverse("campaigns:rectification_answer", args=[item.pk]),
        {"response": "已整改。", "evidence": upload},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "已整改。" in html  # what was typed is kept
    assert state() == before


def test_answer_page_says_the_upload_limits(as_role, item, settings):
    settings.MAX_UPLOAD_BYTES = 5 * 1024 * 1024
    html = (
        as_role("secretary").get(reverse("campaigns:rectification_answer", args=[item.pk])).content.decode()
    )
    assert "单个文件不超过 5 MB" in html and "PDF" in html and "Word" in html


def test_answer_with_htmx_returns_the_card_and_counts(as_role, item):
    response = as_role("secretary").post(
        reverse("campaigns:rectification_answer", args=[item.pk]),
        {"response": "已整改。"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="rect-{item.pk}"' in html and "已反馈" in html
    assert 'id="rect-counts" hx-swap-oob="true"' in html
    assert "<html" not in html


def test_answer_with_htmx_and_no_text_shows_the_error_in_the_card(as_role, item):
    response = as_role("secretary").post(
        reverse("campaigns:rectification_answer", args=[item.pk]), {"response": ""}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "field__error" in html and '<details class="rect__more" open>' in html
    item.refresh_from_db()
    assert item.status == R.OPEN


def test_close_only_after_answer(as_role, item, site, cast):
    client = as_role("org_department")
    response = client.post(reverse("campaigns:rectification_close", args=[item.pk]), follow=True)
    assert "须先由支部反馈整改情况才能销号" in response.content.decode()
    item.refresh_from_db()
    assert item.status == R.OPEN and not events(site, Verb.CLOSE_RECTIFICATION)

    answer_rectification(item=item, by=cast.secretary, response="已整改。")
    client.post(reverse("campaigns:rectification_close", args=[item.pk]))
    item.refresh_from_db()
    assert item.status == R.CLOSED and item.closed_on == local_today()
    (event,) = events(site, Verb.CLOSE_RECTIFICATION)
    assert event.actor == cast.org_department


def test_close_with_htmx_after_closing_already_says_why_in_the_card(as_role, answered, cast):
    close_rectification(item=answered, by=cast.org_department)
    response = as_role("committee").post(
        reverse("campaigns:rectification_close", args=[answered.pk]), HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200 and "已销号" in html and "form-errors" in html


def test_return_with_reason_goes_back_to_open_and_the_branch_sees_why(as_role, answered, site, cast):
    as_role("committee").post(
        reverse("campaigns:rectification_return", args=[answered.pk]), {"reason": "照片看不清，请重新拍摄。"}
    )
    answered.refresh_from_db()
    assert answered.status == R.OPEN
    (event,) = events(site, Verb.RETURN_RECTIFICATION)
    assert event.actor == cast.committee and "照片看不清" in event.summary
    html = as_role("secretary").get(reverse("campaigns:site_supervision", args=[site.pk])).content.decode()
    assert "退回理由：照片看不清，请重新拍摄。" in html
    assert "反馈整改情况" in html


def test_return_without_reason_is_refused_beside_the_field(as_role, answered):
    before = state()
    response = as_role("org_department").post(
        reverse("campaigns:rectification_return", args=[answered.pk]), {"reason": " "}
    )
    assert response.status_code == 200 and "field__error" in response.content.decode()
    assert state() == before


def test_return_of_an_open_item_is_refused_with_a_message(as_role, item):
    response = as_role("org_department").post(
        reverse("campaigns:rectification_return", args=[item.pk]), {"reason": "再改"}
    )
    assert "不能退回" in response.content.decode()
    item.refresh_from_db()
    assert item.status == R.OPEN


def test_evidence_of_an_item_without_a_file_is_404(as_role, item):
    assert (
        as_role("org_department").get(reverse("campaigns:rectification_evidence", args=[item.pk])).status_code
        == 404
    )


def test_who_answered_returned_and_closed_is_kept_on_the_item(answered, cast):
    return_rectification(item=answered, by=cast.committee, reason="照片看不清，请重新拍摄。")
    answer_rectification(item=answered, by=cast.committee, response="已重新拍摄。")
    close_rectification(item=answered, by=cast.org_department)

    item = Rectification.objects.get(pk=answered.pk)
    assert (item.answered_by, item.returned_by, item.closed_by) == (
        cast.committee,
        cast.committee,
        cast.org_department,
    )
    assert item.return_reason == "照片看不清，请重新拍摄。"
    assert item.answered_at > item.returned_at
    assert item.closed_on == local_today()


def test_a_stale_copy_of_an_item_cannot_be_answered_or_reviewed_after_closing(answered, cast):
    stale = Rectification.objects.get(pk=answered.pk)
    close_rectification(item=answered, by=cast.org_department)

    with pytest.raises(LifecycleError, match="已销号，不能再反馈"):
        answer_rectification(item=stale, by=cast.secretary, response="再补充一点。")
    stale = Rectification.objects.get(pk=answered.pk)
    stale.status = R.ANSWERED  # as a page loaded before the closing shows it
    with pytest.raises(LifecycleError, match="整改事项当前为“已销号”，不能退回"):
        return_rectification(item=stale, by=cast.committee, reason="迟到的退回")
    assert Rectification.objects.get(pk=answered.pk).status == R.CLOSED


def _without_tokens(html: str) -> str:
    """The page's content as a person reads it, without the form tokens (new on every request)."""
    main = html[html.index('<main class="page"') : html.index("</main>")]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", main)


def test_rewording_every_audit_summary_changes_no_rectification_page(as_role, answered, site, campaign, cast):
    return_rectification(item=answered, by=cast.committee, reason="照片看不清，请重新拍摄。")
    closed = raise_rectification(
        site=site, by=cast.org_department, description="台账不全", owner="王", due_on=days(3)
    )
    answer_rectification(item=closed, by=cast.secretary, response="已补齐。")
    close_rectification(item=closed, by=cast.committee)
    client = as_role("secretary")
    urls = [
        reverse("campaigns:site_supervision", args=[site.pk]),
        reverse("campaigns:rectification_list", args=[campaign.pk]),
    ]
    before = [_without_tokens(client.get(url).content.decode()) for url in urls]

    # QuerySet.update skips AuditEvent.save, which refuses edits made through the model.
    AuditEvent.objects.update(summary="改写过的说明")

    assert "退回理由：照片看不清，请重新拍摄。" in before[0] and "党委联络员" in before[0]
    assert [_without_tokens(client.get(url).content.decode()) for url in urls] == before


def test_overdue_item_stands_out_on_the_tab(as_role, site, cast):
    raise_rectification(
        site=site, by=cast.org_department, description="逾期事项", owner="王", due_on=days(-3)
    )
    html = as_role("secretary").get(reverse("campaigns:site_supervision", args=[site.pk])).content.decode()
    assert "rect--overdue" in html and "逾期 3 天" in html


# Typical cases --------------------------------------------------------------------------------


def test_typical_case_offered_only_once_passed_and_shown_on_the_tab(as_role, site, cast):
    client = as_role("org_department")
    tab = reverse("campaigns:site_supervision", args=[site.pk])
    assert reverse("campaigns:typical_case_add", args=[site.pk]) not in client.get(tab).content.decode()
    before = state()
    response = client.post(
        reverse("campaigns:typical_case_add", args=[site.pk]), {"title": "t", "summary": "s", "year": 2026}
    )
    assert "验收通过后才能评选典型案例" in response.content.decode()
    assert state() == before

    passed(site, cast)
    html = client.get(tab).content.decode()
    assert reverse("campaigns:typical_case_add", args=[site.pk]) in html
    form = client.get(reverse("campaigns:typical_case_add", args=[site.pk])).content.decode()
    assert 'name="year" value="2026"' in form
    client.post(
        reverse("campaigns:typical_case_add", args=[site.pk]),
        {"title": "“党员星级服务”激活一池春水", "summary": "党员联系农户全覆盖。", "year": 2026},
    )
    html = as_role("secretary").get(tab).content.decode()
    assert "“党员星级服务”激活一池春水" in html and "党员联系农户全覆盖。" in html
    (event,) = events(site, Verb.SELECT_TYPICAL_CASE)
    assert event.actor == cast.org_department


# The campaign's list ---------------------------------------------------------------------------


@pytest.fixture
def spread(campaign, site, tree, cast, committee_b):
    """Items on A1 and A2 (第一党委) and B1 (第二党委) in every state."""
    a2 = approved_site(
        campaign, tree.branch_a2, committee_user=cast.committee, org_department=cast.org_department
    )
    b1 = approved_site(
        campaign, tree.branch_b1, committee_user=committee_b, org_department=cast.org_department
    )
    by = cast.org_department

    def make(target, description, due, status=R.OPEN):
        item = raise_rectification(site=target, by=by, description=description, owner="责任人", due_on=due)
        if status != R.OPEN:
            answer_rectification(
                item=item, by=cast.committee if target != b1 else committee_b, response="已改"
            )
        if status == R.CLOSED:
            close_rectification(item=item, by=by)
        return item

    return {
        "a1_overdue": make(site, "A1逾期", days(-5)),
        "a1_soon": make(site, "A1将到期", days(3)),
        "a1_answered_late": make(site, "A1已反馈逾期", days(-2), R.ANSWERED),
        "a2_open": make(a2, "A2待整改", days(30)),
        "a2_closed_late": make(a2, "A2已销号", days(-9), R.CLOSED),
        "b1_overdue": make(b1, "B1逾期", days(-1)),
    }


def listed(client, campaign, **params) -> set[str]:
    response = client.get(reverse("campaigns:rectification_list", args=[campaign.pk]), params)
    assert response.status_code == 200
    return {item.description for item in response.context["page_obj"]}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"A1逾期", "A1将到期", "A1已反馈逾期", "A2待整改", "A2已销号", "B1逾期"}),
        ({"status": "OVERDUE"}, {"A1逾期", "A1已反馈逾期", "B1逾期"}),
        ({"status": "DUE_SOON"}, {"A1将到期"}),
        ({"status": "OPEN"}, {"A1逾期", "A1将到期", "A2待整改", "B1逾期"}),
        ({"status": "ANSWERED"}, {"A1已反馈逾期"}),
        ({"status": "CLOSED"}, {"A2已销号"}),
        ({"committee": "B"}, {"B1逾期"}),
        ({"committee": "A", "status": "OVERDUE"}, {"A1逾期", "A1已反馈逾期"}),
        ({"branch": "A2"}, {"A2待整改", "A2已销号"}),
        ({"status": "nonsense"}, {"A1逾期", "A1将到期", "A1已反馈逾期", "A2待整改", "A2已销号", "B1逾期"}),
    ],
)
def test_list_filters_give_the_right_rows(as_role, campaign, spread, tree, params, expected):
    ids = {"A": tree.committee_a.pk, "B": tree.committee_b.pk, "A2": tree.branch_a2.pk}
    params = {k: ids.get(v, v) for k, v in params.items()}
    assert listed(as_role("org_department"), campaign, **params) == expected


def test_list_counts_on_top(as_role, campaign, spread):
    counts = (
        as_role("org_department")
        .get(reverse("campaigns:rectification_list", args=[campaign.pk]))
        .context["counts"]
    )
    assert (counts.overdue, counts.due_soon, counts.open, counts.answered, counts.closed) == (3, 1, 4, 1, 1)


def test_list_shows_each_viewer_only_their_scope(as_role, campaign, spread):
    assert listed(as_role("committee"), campaign) == {
        "A1逾期",
        "A1将到期",
        "A1已反馈逾期",
        "A2待整改",
        "A2已销号",
    }
    assert listed(as_role("secretary"), campaign) == {"A1逾期", "A1将到期", "A1已反馈逾期"}
    assert listed(as_role("committee_b"), campaign) == {"B1逾期"}
    assert listed(as_role("outsider"), campaign) == {"B1逾期"}


def test_list_rows_link_to_the_site_tab(as_role, campaign, spread):
    item = spread["a2_open"]
    html = (
        as_role("org_department")
        .get(reverse("campaigns:rectification_list", args=[campaign.pk]))
        .content.decode()
    )
    assert f"{reverse('campaigns:site_supervision', args=[item.site_id])}#rect-{item.pk}" in html


def test_list_paginates_by_25(as_role, campaign, site, cast):
    for n in range(27):
        raise_rectification(
            site=site, by=cast.org_department, description=f"事项{n}", owner="王", due_on=days(n)
        )
    client = as_role("org_department")
    assert (
        len(client.get(reverse("campaigns:rectification_list", args=[campaign.pk])).context["page_obj"]) == 25
    )
    second = client.get(
        reverse("campaigns:rectification_list", args=[campaign.pk]), {"page": 2, "status": "OPEN"}
    )
    assert len(second.context["page_obj"]) == 2
    assert "status=OPEN&amp;page=1" in second.content.decode()


def test_unknown_campaign_is_404(as_role):
    assert (
        as_role("org_department").get(reverse("campaigns:rectification_list", args=[999999])).status_code
        == 404
    )


# Query counts ---------------------------------------------------------------------------------

# The list: session, user, the campaign, the sites with items (filter choices, with branch and
# committee), the counts aggregate, the page's count, the page's rows with site, branch and
# committee, the viewer's roles for the top bar.
LIST_QUERIES = 8


def _sites_with_items(campaign, tree, cast, n: int) -> None:
    for index in range(n):
        branch = make_org(tree.committee_a, Kind.BRANCH, f"第{index}村党支部")
        target = approved_site(
            campaign, branch, committee_user=cast.committee, org_department=cast.org_department
        )
        item = raise_rectification(
            site=target,
            by=cast.org_department,
            description=f"事项{index}",
            owner="王",
            due_on=days(index - 5),
        )
        if index % 3 == 1:
            answer_rectification(item=item, by=cast.committee, response="已改")


@pytest.mark.parametrize("n", [3, 30])
def test_list_query_count_does_not_grow(as_role, campaign, tree, cast, n, django_assert_max_num_queries):
    _sites_with_items(campaign, tree, cast, n)
    client = as_role("org_department")
    url = reverse("campaigns:rectification_list", args=[campaign.pk])
    with django_assert_max_num_queries(LIST_QUERIES) as captured:
        response = client.get(url, {"committee": tree.committee_a.pk})
    assert response.status_code == 200
    assert len(response.context["page_obj"]) == min(n, 25)
    assert len(captured) == LIST_QUERIES


# The tab, for the 党委 (who is offered every action): session, user, the viewer's roles (read
# once: every role check and the top bar use them), the site with campaign, organizer, branch and
# committee; the items with their visit and who answered, returned and closed them; the counts
# (one aggregate); the visits with who recorded them; the typical cases.
TAB_QUERIES = 8


@pytest.mark.parametrize("n", [3, 30])
def test_tab_query_count_does_not_grow(as_role, site, cast, n, django_assert_max_num_queries):
    for index in range(n):
        visit = record_supervision_visit(
            site=site,
            by=cast.committee,
            visited_on=local_today(),
            method="RANDOM_SURVEY",
            findings=f"发现{index}",
        )
        item = raise_rectification(
            site=site,
            by=cast.committee,
            description=f"事项{index}",
            owner="王",
            due_on=days(index - 5),
            visit=visit,
        )
        if index % 2:
            answer_rectification(item=item, by=cast.secretary, response="已改", evidence=pdf())
    client = as_role("committee")
    with django_assert_max_num_queries(TAB_QUERIES) as captured:
        response = client.get(reverse("campaigns:site_supervision", args=[site.pk]))
    assert response.status_code == 200
    assert len(response.context["items"]) == n
    assert len(captured) == TAB_QUERIES

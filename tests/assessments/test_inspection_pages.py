"""The inspector's scoring page (现场验收评分): who sees and does what (404 outside one's scope,
403 with the reason inside it), the others' scores kept out of the page until one submits,
saving as typed (idempotent, an older entry never overwrites a newer one, a bad value keeps the
good ones), submitting, photos, the service worker's script, and a query count that does not
grow with the framework."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from assessments.models import Acceptance, CheckMethod, Indicator, InspectorScore, TeamMember
from assessments.services.acceptance import agree_score, save_inspection_photo, save_inspector_score
from assessments.services.self_assessment import save_indicator_score
from campaigns.services import mark_self_assessed, request_acceptance
from tests.assessments.acceptance_factories import full_answers, requested_site, scheduled, score_all
from tests.assessments.self_assessment_factories import approved_site, complete_answers
from tests.campaigns.factories import ACCEPTANCE_DAY, IMPLEMENTATION_DAY
from tests.images import png_bytes, same_picture

pytestmark = pytest.mark.django_db

PNG = png_bytes()
JSON = {"HTTP_ACCEPT": "application/json"}
SECOND_NOTE = "第二组员的现场记录：活动室制度未上墙"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def requested(tree, cast):
    return requested_site(tree, cast)


@pytest.fixture
def team(tree, cast, requested):
    return scheduled(tree, cast, requested)


def user_for(role, cast, team):
    return {
        "org_department": cast.org_department,
        "committee": cast.committee,
        "secretary": cast.secretary,
        "lead": team.lead,
        "second": team.second,
        "outside": team.outside,
        "outsider": cast.outsider,
        "anonymous": None,
    }[role]


def log_in(client, user):
    if user is not None:
        client.force_login(user)


def page_url(team) -> str:
    return reverse("assessments:inspection_scoring", args=[team.acceptance.pk])


def save_url(team, indicator) -> str:
    return reverse("assessments:inspection_save", args=[team.acceptance.pk, indicator.pk])


def submit_url(team) -> str:
    return reverse("assessments:inspection_submit", args=[team.acceptance.pk])


def photo_url(row) -> str:
    return reverse("assessments:inspection_photo", args=[row.pk])


def at(minutes: int) -> str:
    moment = timezone.now().replace(microsecond=0) + datetime.timedelta(minutes=minutes)
    return moment.isoformat()


def text(body: str) -> str:
    """The page's words without its tags."""
    return re.sub(r"<[^>]+>", "", body)


def sign(team) -> None:
    """Signed as the lead's signature leaves it (the signing service is tested elsewhere)."""
    Acceptance.objects.filter(pk=team.acceptance.pk).update(signed_at=timezone.now(), verdict="PASSED")


# Who may open what -----------------------------------------------------------------------


ROLES = ["org_department", "committee", "secretary", "lead", "second", "outside", "outsider", "anonymous"]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("org_department", 403),
        ("committee", 403),
        ("secretary", 403),
        ("lead", 200),
        ("second", 200),
        ("outside", 403),
        ("outsider", 404),
        ("anonymous", 302),
    ],
)
def test_the_scoring_page_answers_each_role(client, cast, team, role, expected):
    log_in(client, user_for(role, cast, team))
    response = client.get(page_url(team))
    assert response.status_code == expected
    body = response.content.decode()
    if expected == 403:
        assert "您不是本次验收小组的成员，不能评分。" in body
        # Pointed to the acceptance's own page, where the 组织部 follows the scores.
        assert reverse("assessments:acceptance_detail", args=[team.acceptance.pk]) in body
        assert 'name="score"' not in body
    if expected == 200:
        assert 'name="score"' in body and "已评 0 / 6 项" in text(body)
    if expected == 302:
        assert "/accounts/login/" in response.url


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("org_department", 403),
        ("committee", 403),
        ("secretary", 403),
        ("lead", 200),
        ("second", 200),
        ("outside", 403),
        ("outsider", 404),
        ("anonymous", 401),
    ],
)
def test_saving_answers_each_role(client, cast, team, requested, role, expected):
    user = user_for(role, cast, team)
    log_in(client, user)
    raw = {"score": "8", "check_method": CheckMethod.RECORDS, "entered_at": at(0)}
    response = client.post(save_url(team, requested.table.manual), raw, **JSON)
    assert response.status_code == expected
    body = response.json()
    assert body["saved"] is (expected == 200)
    if expected == 200:
        row = InspectorScore.objects.get()
        assert (row.inspector, row.score, row.check_method) == (user, Decimal("8"), CheckMethod.RECORDS)
        assert body["score"] == "8" and body["answered"] is True
    else:
        assert not InspectorScore.objects.exists()
        assert body["error"]  # the reason, in Chinese
    if expected == 403:
        assert body["error"] == "您不是本次验收小组的成员，不能评分。"
    if expected == 401:
        assert "重新登录" in body["error"]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("org_department", 403),
        ("committee", 403),
        ("secretary", 403),
        ("lead", 302),
        ("second", 302),
        ("outside", 403),
        ("outsider", 404),
        ("anonymous", 302),
    ],
)
def test_submitting_answers_each_role(client, cast, team, requested, role, expected):
    user = user_for(role, cast, team)
    if role in ("lead", "second"):
        score_all(team.acceptance, user, full_answers(requested.table), submit=False)
    log_in(client, user)
    response = client.post(submit_url(team), {"confirm": "yes"})
    assert response.status_code == expected
    submitted = TeamMember.objects.filter(acceptance=team.acceptance, submitted_at__isnull=False)
    if role in ("lead", "second"):
        assert response.url == page_url(team)
        assert list(submitted.values_list("user", flat=True)) == [user.pk]
    else:
        assert not submitted.exists()
    if role == "anonymous":
        assert "/accounts/login/" in response.url


@pytest.fixture
def lead_photo(team, requested):
    return save_inspection_photo(
        acceptance=team.acceptance,
        indicator=requested.table.manual,
        by=team.lead,
        file=SimpleUploadedFile("活动室.png", PNG, content_type="image/png"),
    )


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("org_department", 200),
        ("committee", 403),
        ("secretary", 403),
        ("lead", 200),
        ("second", 403),
        ("outside", 403),
        ("outsider", 404),
        ("anonymous", 302),
    ],
)
def test_a_photo_before_signing_answers_each_role(client, cast, team, lead_photo, role, expected):
    log_in(client, user_for(role, cast, team))
    response = client.get(photo_url(lead_photo))
    assert response.status_code == expected
    if expected == 200:
        assert same_picture(b"".join(response.streaming_content), PNG)
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
    if role == "second":
        assert "提交本人评分后，才能看到其他组员的评分。" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("org_department", 200),
        ("committee", 200),
        ("secretary", 200),
        ("lead", 200),
        ("second", 200),
        ("outside", 200),
        ("outsider", 404),
        ("anonymous", 302),
    ],
)
def test_a_photo_after_signing_is_seen_by_everyone_in_scope(client, cast, team, lead_photo, role, expected):
    sign(team)
    log_in(client, user_for(role, cast, team))
    assert client.get(photo_url(lead_photo)).status_code == expected


def test_a_team_member_sees_the_others_photos_after_submitting(client, team, requested, lead_photo):
    score_all(team.acceptance, team.second, full_answers(requested.table))
    client.force_login(team.second)
    assert client.get(photo_url(lead_photo)).status_code == 200


def test_a_score_without_a_photo_has_none_to_serve(client, team, requested):
    row = save_inspector_score(
        acceptance=team.acceptance, indicator=requested.table.manual, by=team.lead, raw={}
    )
    client.force_login(team.lead)
    assert client.get(photo_url(row)).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_the_service_worker_is_served_as_javascript_to_anyone(client, cast, team, role):
    log_in(client, user_for(role, cast, team))
    response = client.get(reverse("assessments:inspection_service_worker"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/acceptances/"
    assert response["Cache-Control"] == "no-cache"
    assert b'addEventListener("fetch"' in response.content


def test_a_score_of_another_campaign_is_not_found(client, tree, cast, team):
    other = approved_site(tree, cast, branch=tree.branch_a2)
    client.force_login(team.lead)
    response = client.post(save_url(team, other.table.manual), {"score": "1"}, **JSON)
    assert response.status_code == 404 and response.json()["error"] == "找不到该验收或考核内容。"
    assert not InspectorScore.objects.exists()


# Others' scores stay out of the page until one submits ----------------------------------------


def test_the_others_scores_are_not_in_the_page_before_submitting(client, team, requested):
    answers = full_answers(requested.table, manual="7.5")
    answers[requested.table.manual]["note"] = SECOND_NOTE
    score_all(team.acceptance, team.second, answers)  # the second has even submitted
    save_inspector_score(
        acceptance=team.acceptance, indicator=requested.table.manual, by=team.lead, raw={"score": "9"}
    )
    client.force_login(team.lead)
    body = client.get(page_url(team)).content.decode()
    assert SECOND_NOTE not in body
    assert "7.5" not in body and "insp-team" not in body and "一致" not in body
    assert 'value="9"' in body  # the lead's own score is there


def test_after_submitting_the_page_is_read_only_with_the_team_scores(client, team, requested):
    table = requested.table
    answers = full_answers(table, manual="9")
    answers[table.manual]["note"] = SECOND_NOTE
    score_all(team.acceptance, team.second, answers)
    mine = full_answers(table, manual="5")  # 4 points apart: more than the margin of 1
    score_all(team.acceptance, team.lead, mine)
    client.force_login(team.lead)
    response = client.get(page_url(team))
    body = response.content.decode()
    assert response.status_code == 200
    assert (
        'name="score"' not in body and "提交本人评分" not in body.split("insp-team")[0].split("</header>")[1]
    )
    assert SECOND_NOTE in body
    assert "有分歧，待议定" in body and "一致" in body
    assert reverse("assessments:acceptance_detail", args=[team.acceptance.pk]) in body
    assert "您已于" in body and "不能再修改" in body


def test_the_second_sees_the_lead_as_not_yet_submitted(client, team, requested):
    score_all(team.acceptance, team.lead, full_answers(requested.table), submit=False)
    score_all(team.acceptance, team.second, full_answers(requested.table))
    client.force_login(team.second)
    body = client.get(page_url(team)).content.decode()
    assert "尚未提交" in body and "待其他组员提交" in body
    assert "会议记录齐全" in body  # the second's own note, not the lead's draft
    assert body.count("会议记录齐全") == 1


def test_an_agreed_score_is_shown_as_agreed(client, team, requested):
    table = requested.table
    score_all(team.acceptance, team.second, full_answers(table, manual="9"))
    score_all(team.acceptance, team.lead, full_answers(table, manual="5"))
    agree_score(
        acceptance=team.acceptance, indicator=table.manual, by=team.lead, score="7", reason="现场复核"
    )
    client.force_login(team.lead)
    body = client.get(page_url(team)).content.decode()
    assert "已议定" in body and "组长议定 <strong>7 分</strong>：现场复核" in body


# Saving as typed -----------------------------------------------------------------------------


def test_the_same_post_twice_gives_one_row(client, team, requested):
    client.force_login(team.lead)
    raw = {"level": "较好", "check_method": CheckMethod.SITE_VISIT, "note": "班子团结", "entered_at": at(0)}
    first = client.post(save_url(team, requested.table.graded), raw, **JSON)
    again = client.post(save_url(team, requested.table.graded), raw, **JSON)
    assert first.status_code == again.status_code == 200
    assert first.json()["score"] == again.json()["score"] == "3"
    assert again.json()["stale"] is False
    row = InspectorScore.objects.get()
    assert (row.level, row.score, row.note, row.check_method) == (
        "较好",
        Decimal("3"),
        "班子团结",
        "SITE_VISIT",
    )


def test_an_older_entry_does_not_overwrite_a_newer_one(client, team, requested):
    client.force_login(team.lead)
    url = save_url(team, requested.table.manual)
    newer = client.post(url, {"score": "8", "note": "后来改的", "entered_at": at(5)}, **JSON)
    older = client.post(url, {"score": "3", "note": "先前录的", "entered_at": at(1)}, **JSON)
    assert newer.status_code == older.status_code == 200
    assert older.json()["stale"] is True and older.json()["score"] == "8"
    row = InspectorScore.objects.get()
    assert (row.score, row.note) == (Decimal("8"), "后来改的")


def test_a_bad_value_keeps_the_good_ones_and_says_why(client, team, requested):
    client.force_login(team.lead)
    raw = {"score": "12", "check_method": CheckMethod.RECORDS, "note": "记录不全", "entered_at": at(0)}
    response = client.post(save_url(team, requested.table.manual), raw, **JSON)
    assert response.status_code == 400
    body = response.json()
    assert body["saved"] is False
    assert body["errors"] == {"score": ["分数不能超过本项分值 10 分。"]}
    row = InspectorScore.objects.get()
    assert (row.score, row.check_method, row.note) == (None, "RECORDS", "记录不全")


def test_a_check_method_not_in_the_list_is_refused(client, team, requested):
    client.force_login(team.lead)
    response = client.post(save_url(team, requested.table.manual), {"check_method": "GUESS"}, **JSON)
    assert response.status_code == 400
    assert response.json()["errors"] == {"check_method": ["请选择考核方式。"]}


def test_a_time_that_is_not_a_time_is_refused(client, team, requested):
    client.force_login(team.lead)
    response = client.post(
        save_url(team, requested.table.manual), {"score": "1", "entered_at": "昨天"}, **JSON
    )
    assert response.status_code == 400 and "entered_at" in response.json()["errors"]
    assert not InspectorScore.objects.exists()


def test_saving_is_refused_after_signing(client, team, requested):
    sign(team)
    client.force_login(team.lead)
    response = client.post(
        save_url(team, requested.table.manual), {"score": "1", "entered_at": at(0)}, **JSON
    )
    assert response.status_code == 403
    assert "签署，不能再评分" in response.json()["error"]
    assert not InspectorScore.objects.exists()
    body = client.get(page_url(team)).content.decode()
    assert 'name="score"' not in body and "签署，不能再评分" in body


def test_saving_is_refused_after_submitting(client, team, requested):
    score_all(team.acceptance, team.lead, full_answers(requested.table))
    client.force_login(team.lead)
    response = client.post(
        save_url(team, requested.table.manual), {"score": "1", "entered_at": at(9)}, **JSON
    )
    assert response.status_code == 403 and "提交评分，不能再修改" in response.json()["error"]
    assert InspectorScore.objects.get(inspector=team.lead, indicator=requested.table.manual).score == Decimal(
        "9"
    )


def test_a_plain_form_post_saves_and_comes_back_to_the_item(client, team, requested):
    client.force_login(team.lead)
    response = client.post(save_url(team, requested.table.manual), {"score": "6", "check_method": "RECORDS"})
    assert response.status_code == 302
    assert response.url == f"{page_url(team)}#ind-{requested.table.manual.pk}"
    assert InspectorScore.objects.get().score == Decimal("6")


def test_a_plain_form_post_with_a_bad_value_shows_what_was_typed(client, team, requested):
    client.force_login(team.lead)
    response = client.post(save_url(team, requested.table.manual), {"score": "abc", "note": "看了台账"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'value="abc"' in body and 'aria-invalid="true"' in body and "看了台账" in body
    assert InspectorScore.objects.get().note == "看了台账"


# Photos --------------------------------------------------------------------------------------


def test_a_photo_upload_is_checked_by_its_content(client, team, requested):
    client.force_login(team.lead)
    url = save_url(team, requested.table.manual)
    fake = SimpleUploadedFile("照片.jpg", b"not really a picture", content_type="image/jpeg")
    refused = client.post(url, {"photo": fake}, **JSON)
    assert refused.status_code == 400
    assert "“照片.jpg”未上传" in refused.json()["errors"]["photo"][0]
    assert not InspectorScore.objects.exclude(photo="").exists()
    document = SimpleUploadedFile("材料.pdf", b"%PDF-1.4 minimal", content_type="application/pdf")
    assert client.post(url, {"photo": document}, **JSON).status_code == 400

    good = SimpleUploadedFile("活动室.png", PNG, content_type="image/png")
    response = client.post(url, {"photo": good}, **JSON)
    assert response.status_code == 200
    row = InspectorScore.objects.get()
    assert response.json()["photo_url"] == photo_url(row)
    assert same_picture(b"".join(client.get(photo_url(row)).streaming_content), PNG)


# Submitting ------------------------------------------------------------------------------------


def test_submitting_with_items_missing_lists_them(client, team, requested):
    table = requested.table
    save_inspector_score(
        acceptance=team.acceptance, indicator=table.manual, by=team.lead, raw={"score": "9"}
    )  # no check method yet
    client.force_login(team.lead)
    response = client.post(submit_url(team), {"confirm": "yes"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "还有 6 项未评分或未选考核方式" in body
    assert f'href="#ind-{table.manual.pk}"' in body
    assert TeamMember.objects.get(user=team.lead).submitted_at is None


def test_submitting_without_the_confirmation_is_refused(client, team, requested):
    score_all(team.acceptance, team.lead, full_answers(requested.table), submit=False)
    client.force_login(team.lead)
    response = client.post(submit_url(team))
    assert response.status_code == 400
    assert "提交后本人评分不能再修改" in response.content.decode()
    assert TeamMember.objects.get(user=team.lead).submitted_at is None


def test_submitting_twice_is_refused_the_second_time(client, team, requested):
    score_all(team.acceptance, team.lead, full_answers(requested.table), submit=False)
    client.force_login(team.lead)
    assert client.post(submit_url(team), {"confirm": "yes"}).status_code == 302
    again = client.post(submit_url(team), {"confirm": "yes"})
    assert again.status_code == 403 and "提交评分，不能再修改" in again.content.decode()


# What the page shows -------------------------------------------------------------------------


def test_the_page_shows_the_criteria_the_references_and_the_progress(client, tree, cast):
    built = approved_site(tree, cast)
    for indicator, raw in complete_answers(built.table).items():
        save_indicator_score(site=built.site, indicator=indicator, by=cast.secretary, raw=raw)
    mark_self_assessed(site=built.site, by=cast.committee, today=IMPLEMENTATION_DAY)
    request_acceptance(site=built.site, by=cast.committee, today=ACCEPTANCE_DAY)
    Indicator.objects.filter(pk=built.table.manual.pk).update(check_methods=["SITE_VISIT", "RECORDS"])
    team = scheduled(tree, cast, built)
    save_inspector_score(
        acceptance=team.acceptance,
        indicator=built.table.graded,
        by=team.lead,
        raw={"level": "好", "check_method": "RECORDS"},
    )
    client.force_login(team.lead)
    body = client.get(page_url(team)).content.decode()
    assert "组织建设" in body and "党员管理" in body and "班子建设" in body
    assert "每月召开支委会1次，每少开1次扣0.5分" in body  # 评分标准
    assert "系统按记录" in body and "应开" in body  # the automatic score and how
    assert "支部自评" in body and "<strong>9 分</strong>" in body  # the branch's own score
    assert "已评 1 / 6 项" in text(body)
    assert "计 4 分" in body  # what the level gives
    assert "是否有“未按规定发展党员”" in body and "一票否决：是否触及“发生严重违纪”" in body
    manual = body.split(f'id="ind-{built.table.manual.pk}"')[1].split("</select>")[0]
    own = manual.split('label="本项规定的方式">')[1].split("</optgroup>")[0]
    assert own.index("实地查看") < own.index("查阅资料")
    assert "其他方式" in manual
    assert "上传照片需要网络" in body
    # The data the script needs, in attributes: no inline script.
    assert f'data-acceptance="{team.acceptance.pk}"' in body and 'data-sw="/inspection-sw.js"' in body
    assert "<script>" not in body and "onclick" not in body


@pytest.mark.parametrize("extra", [0, 34])
def test_the_page_costs_the_same_with_6_or_40_indicators(
    client, tree, cast, extra, django_assert_max_num_queries
):
    requested = requested_site(tree, cast, extra_manual=extra)
    team = scheduled(tree, cast, requested)
    for indicator in requested.table.extra:
        save_inspector_score(
            acceptance=team.acceptance, indicator=indicator, by=team.lead, raw={"score": "1"}
        )
        save_inspector_score(
            acceptance=team.acceptance, indicator=indicator, by=team.second, raw={"score": "1"}
        )
    client.force_login(team.lead)
    # 17: session and user; the acceptance with its site and team; the sheet (team, scores,
    # agreed scores; score_site's framework, dimensions, indicators, phases, self-scores and the
    # meetings the computed item reads; the survey); the item groups; the top bar's roles.
    with django_assert_max_num_queries(17):
        response = client.get(page_url(team))
    assert response.status_code == 200
    assert response.content.decode().count('<article class="insp-item') == 6 + extra


def test_the_json_answer_is_json_with_chinese_as_is(client, team, requested):
    client.force_login(team.lead)
    response = client.post(save_url(team, requested.table.manual), {"score": "x"}, **JSON)
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["errors"]["score"]

"""The self-assessment through its services: saving answers, readiness, submit, return with a
reason, approve (the site becomes 自评通过 in the same step), each step audited."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments import policies
from assessments.models import Evidence, IndicatorScore, SelfAssessment
from assessments.queries import readiness, self_assessment_of
from assessments.services.self_assessment import (
    approve_self_assessment,
    return_self_assessment,
    save_indicator_score,
    submit_self_assessment,
    upload_evidence,
)
from campaigns.models import Site
from campaigns.services import LifecycleError
from organizations.models import AuditEvent, Verb
from tests.assessments.self_assessment_factories import approved_site, complete_answers
from tests.images import png_bytes

pytestmark = pytest.mark.django_db

PNG = png_bytes()


@pytest.fixture
def setup(tree, cast):
    return approved_site(tree, cast)


def answer_all(setup, by, *, evidence=True):
    for indicator, raw in complete_answers(setup.table).items():
        save_indicator_score(site=setup.site, indicator=indicator, by=by, raw=raw)
    if evidence:
        upload_evidence(
            site=setup.site,
            indicator=setup.table.manual,
            file=SimpleUploadedFile("记录.png", PNG, content_type="image/png"),
            by=by,
        )


def test_answers_become_scores_through_the_rule(setup, cast):
    answer_all(setup, cast.secretary)
    scores = {s.indicator_id: s for s in IndicatorScore.objects.all()}
    table = setup.table
    assert scores[table.manual.pk].score == Decimal("9")
    assert scores[table.graded.pk].score == Decimal("3")  # 较好
    assert scores[table.fixed.pk].score == Decimal("10")  # no deduction
    assert scores[table.veto.pk].occurred is False
    assert scores[table.bonus.pk].score == Decimal("2")  # one item, 2 points


def test_a_bad_value_keeps_the_good_ones(setup, cast):
    with pytest.raises(ValidationError) as refused:
        save_indicator_score(
            site=setup.site,
            indicator=setup.table.manual,
            by=cast.secretary,
            raw={"score": "12", "narrative": "写好的情况"},
        )
    assert refused.value.message_dict == {"score": ["分数不能超过本项分值 10 分。"]}
    row = IndicatorScore.objects.get()
    assert (row.score, row.narrative) == (None, "写好的情况")


@pytest.mark.parametrize(
    ("typed", "message"),
    [("abc", "分数须为数字。"), ("-1", "分数不能为负数。"), ("1.234", "分数最多保留两位小数。")],
)
def test_scores_that_are_not_a_score_are_refused(setup, cast, typed, message):
    with pytest.raises(ValidationError) as refused:
        save_indicator_score(
            site=setup.site, indicator=setup.table.manual, by=cast.secretary, raw={"score": typed}
        )
    assert refused.value.message_dict["score"] == [message]


def test_an_unknown_level_is_refused(setup, cast):
    with pytest.raises(ValidationError) as refused:
        save_indicator_score(
            site=setup.site, indicator=setup.table.graded, by=cast.secretary, raw={"level": "优"}
        )
    assert "好、较好、一般、差" in refused.value.message_dict["level"][0]


def test_readiness_lists_every_gap(setup, cast):
    table = setup.table
    save_indicator_score(site=setup.site, indicator=table.manual, by=cast.secretary, raw={"score": "8"})
    missing = readiness(self_assessment_of(setup.site)).missing
    texts = {(m.item.indicator.code, m.text) for m in missing}
    assert ("1", "低于满分 10 分，未填写扣分理由") in texts
    assert ("1", "缺佐证材料（支委会会议记录）") in texts
    assert ("2", "未评分") in texts
    assert ("5", "一票否决项未作答") in texts
    assert all(code != "1" or text != "未评分" for code, text in texts)


def test_a_complete_self_assessment_is_ready(setup, cast):
    answer_all(setup, cast.secretary)
    assert readiness(self_assessment_of(setup.site)).ready


def test_submit_is_refused_while_something_is_missing(setup, cast):
    answer_all(setup, cast.secretary, evidence=False)
    with pytest.raises(LifecycleError) as refused:
        submit_self_assessment(site=setup.site, by=cast.secretary)
    assert "还有 1 处" in refused.value.messages[0]
    assert SelfAssessment.objects.get().status == SelfAssessment.Status.DRAFT


def test_submit_return_resubmit_approve_is_audited(setup, cast):
    site = setup.site
    answer_all(setup, cast.secretary)
    submit_self_assessment(site=site, by=cast.secretary, summary="基本完成")
    assessment = SelfAssessment.objects.get()
    assert (assessment.status, assessment.summary) == (SelfAssessment.Status.SUBMITTED, "基本完成")
    assert policies.cannot_edit_self_assessment(cast.secretary, assessment) is not None

    return_self_assessment(site=site, by=cast.committee, reason="第1项请补充会议记录")
    assessment.refresh_from_db()
    assert assessment.status == SelfAssessment.Status.RETURNED
    assert (assessment.review_note, assessment.reviewed_by) == ("第1项请补充会议记录", cast.committee)
    save_indicator_score(site=site, indicator=setup.table.manual, by=cast.secretary, raw={"score": "10"})

    submit_self_assessment(site=site, by=cast.secretary)
    approve_self_assessment(site=site, by=cast.committee)
    assessment.refresh_from_db()
    site.refresh_from_db()
    assert assessment.status == SelfAssessment.Status.APPROVED
    assert site.status == Site.Status.SELF_ASSESSED

    events = list(AuditEvent.objects.about(site).order_by("created_at", "id").values_list("verb", "summary"))
    steps = [(verb, summary) for verb, summary in events if verb not in (Verb.NOMINATE, Verb.APPROVE)]
    assert steps == [
        (Verb.UPLOAD_EVIDENCE, "记录.png（1）"),
        (Verb.SUBMIT_SELF_ASSESSMENT, "提交自评"),
        (Verb.RETURN_SELF_ASSESSMENT, "退回理由：第1项请补充会议记录"),
        (Verb.SUBMIT_SELF_ASSESSMENT, "退回后重新提交自评"),
        (Verb.APPROVE_SELF_ASSESSMENT, "批准创建 → 自评通过"),
    ]


def test_returning_needs_a_reason(setup, cast):
    answer_all(setup, cast.secretary)
    submit_self_assessment(site=setup.site, by=cast.secretary)
    with pytest.raises(ValidationError) as refused:
        return_self_assessment(site=setup.site, by=cast.committee, reason="  ")
    assert refused.value.message_dict == {"reason": ["请填写退回理由，支部据此修改。"]}
    assert SelfAssessment.objects.get().status == SelfAssessment.Status.SUBMITTED


@pytest.mark.parametrize("role", ["org_department", "inspector", "outsider", "secretary"])
def test_only_the_nominating_committee_reviews(setup, cast, role):
    answer_all(setup, cast.secretary)
    submit_self_assessment(site=setup.site, by=cast.secretary)
    user = getattr(cast, role)
    with pytest.raises(LifecycleError):
        approve_self_assessment(site=setup.site, by=user)
    with pytest.raises(LifecycleError):
        return_self_assessment(site=setup.site, by=user, reason="不行")
    assert SelfAssessment.objects.get().status == SelfAssessment.Status.SUBMITTED


@pytest.mark.parametrize("role", ["committee", "org_department", "inspector", "outsider"])
def test_only_the_branch_secretary_scores(setup, cast, role):
    with pytest.raises(LifecycleError) as refused:
        save_indicator_score(
            site=setup.site, indicator=setup.table.manual, by=getattr(cast, role), raw={"score": "5"}
        )
    assert "支部书记" in refused.value.messages[0]
    assert not IndicatorScore.objects.exists()


def test_a_nomination_not_yet_approved_cannot_be_assessed(tree, cast):
    setup = approved_site(tree, cast)
    assessment = SelfAssessment(site=setup.site)
    setup.site.status = Site.Status.NOMINATED
    assert "已申报" in policies.cannot_edit_self_assessment(cast.secretary, assessment)


def test_approval_waits_for_the_implementation_phase(setup, cast):
    answer_all(setup, cast.secretary)
    submit_self_assessment(site=setup.site, by=cast.secretary)
    early = datetime.date(2026, 4, 1)
    assert "组织实施阶段" in policies.cannot_approve_self_assessment(
        cast.committee, SelfAssessment.objects.get(), today=early
    )
    with pytest.raises(LifecycleError):
        approve_self_assessment(site=setup.site, by=cast.committee, today=early)
    assert SelfAssessment.objects.get().status == SelfAssessment.Status.SUBMITTED


def test_evidence_keeps_its_checksum_and_refuses_a_disguised_file(setup, cast):
    answer_all(setup, cast.secretary)
    evidence = Evidence.objects.get()
    assert len(evidence.sha256) == 64 and evidence.size == len(PNG) and evidence.content_type == "image/png"
    with pytest.raises(ValidationError) as refused:
        upload_evidence(
            site=setup.site,
            indicator=setup.table.manual,
            file=SimpleUploadedFile("照片.jpg", b"MZ not a photo", content_type="image/jpeg"),
            by=cast.secretary,
        )
    assert refused.value.messages == ["文件内容与扩展名 .jpg 不符。"]
    assert Evidence.objects.count() == 1

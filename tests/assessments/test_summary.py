"""The 创建工作总结's writes and rules: the secretary writes and submits, the 党委 returns it with
its comments or approves it, every step in the site's history; and the year's figures offered
for insertion."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from assessments import dossier, policies
from assessments.models import WorkSummary
from assessments.services.summary import (
    APPROVE_VERB,
    RETURN_VERB,
    SUBMIT_VERB,
    approve_work_summary,
    campaign_dimensions,
    dimension_field,
    return_work_summary,
    save_work_summary,
    submit_work_summary,
)
from campaigns.models import Funding
from campaigns.services import (
    LifecycleError,
    mark_self_assessed,
    record_verdict,
    request_acceptance,
    save_funding,
)
from members.models import Attendance, Meeting, Member
from organizations.models import AuditEvent
from tests.assessments.self_assessment_factories import approved_site
from tests.campaigns.factories import ACCEPTANCE_DAY, IMPLEMENTATION_DAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(tree, cast):
    return approved_site(tree, cast)


def texts(site, **overrides) -> dict:
    dimensions = campaign_dimensions(site)
    fields = {
        "dimension_texts": {d.pk: f"{d.name}：按月召开支委会。" for d in dimensions},
        "highlights": "星级服务七步法",
        "figures": "召开支委会 12 次",
        "problems": "台账整理不及时",
        "next_steps": "完善公示栏",
    }
    fields.update(overrides)
    return fields


def written(site, by, **overrides) -> WorkSummary:
    return save_work_summary(site=site, by=by, **texts(site, **overrides))


# Writing and submitting ----------------------------------------------------------------------------


def test_the_secretary_saves_a_draft_part_by_part(built, cast):
    site = built.site
    first, _second = campaign_dimensions(site)

    summary = save_work_summary(
        site=site, by=cast.secretary, dimension_texts={first.pk: "  落实三会一课  "}, highlights="七步法"
    )

    assert summary.status == WorkSummary.Status.DRAFT
    assert summary.dimension_texts == {str(first.pk): "落实三会一课"}
    assert summary.highlights == "七步法" and summary.updated_by == cast.secretary
    assert not AuditEvent.objects.filter(target_type=ContentType.objects.get_for_model(summary)).exists()


def test_a_dimension_of_another_framework_is_refused(built, cast, tree):
    other = approved_site(tree, cast, branch=tree.branch_a2)
    foreign = campaign_dimensions(other.site)[0]

    with pytest.raises(LifecycleError, match="不属于本活动"):
        save_work_summary(site=built.site, by=cast.secretary, dimension_texts={foreign.pk: "x"})


def test_submitting_asks_for_every_part(built, cast):
    site = built.site
    first, second = campaign_dimensions(site)
    written(site, cast.secretary, dimension_texts={first.pk: "做了工作"}, problems="")

    with pytest.raises(ValidationError) as refused:
        submit_work_summary(site=site, by=cast.secretary)

    assert set(refused.value.message_dict) == {dimension_field(second.pk), "problems"}
    assert second.name in refused.value.message_dict[dimension_field(second.pk)][0]
    assert WorkSummary.objects.get(site=site).status == WorkSummary.Status.DRAFT


def test_submit_return_resubmit_approve_each_recorded_in_the_sites_history(built, cast):
    site = built.site
    written(site, cast.secretary)

    submit_work_summary(site=site, by=cast.secretary)
    returned = return_work_summary(site=site, by=cast.committee, reason="  存在问题写得太笼统  ")
    assert returned.status == WorkSummary.Status.RETURNED and returned.review_note == "存在问题写得太笼统"
    written(site, cast.secretary, problems="党员活动室建设滞后于方案安排两个月")
    submit_work_summary(site=site, by=cast.secretary)
    approved = approve_work_summary(site=site, by=cast.committee, note="同意")

    assert approved.status == WorkSummary.Status.APPROVED and approved.reviewed_by == cast.committee
    summary_type = ContentType.objects.get_for_model(WorkSummary)
    events = list(
        AuditEvent.objects.about(site)
        .filter(target_type=summary_type, target_id=approved.pk)
        .order_by("created_at", "id")
    )
    assert [(e.verb, e.summary) for e in events] == [
        (SUBMIT_VERB, "提交创建工作总结"),
        (RETURN_VERB, "退回创建工作总结：存在问题写得太笼统"),
        (SUBMIT_VERB, "退回后重新提交创建工作总结"),
        (APPROVE_VERB, "创建工作总结审核通过：同意"),
    ]
    assert {e.actor for e in events} == {cast.secretary, cast.committee}


def test_a_return_needs_a_reason(built, cast):
    written(built.site, cast.secretary)
    submit_work_summary(site=built.site, by=cast.secretary)

    with pytest.raises(ValidationError) as refused:
        return_work_summary(site=built.site, by=cast.committee, reason="  ")

    assert "reason" in refused.value.message_dict
    assert WorkSummary.objects.get(site=built.site).status == WorkSummary.Status.SUBMITTED


# Who may do what, when ------------------------------------------------------------------------------


def test_only_the_branch_secretary_writes_it(built, cast):
    summary = dossier.summary_of(built.site)

    assert policies.cannot_write_summary(cast.secretary, summary) is None
    for user in (cast.committee, cast.org_department, cast.inspector, cast.outsider):
        assert "支部书记权限" in policies.cannot_write_summary(user, summary)
    with pytest.raises(LifecycleError):
        save_work_summary(site=built.site, by=cast.committee, dimension_texts={})


def test_a_submitted_summary_is_not_changed_and_only_the_nominating_committee_reviews_it(built, cast):
    written(built.site, cast.secretary)
    summary = submit_work_summary(site=built.site, by=cast.secretary)

    assert "已提交" in policies.cannot_write_summary(cast.secretary, summary)
    assert policies.cannot_return_summary(cast.committee, summary) is None
    assert policies.cannot_approve_summary(cast.committee, summary) is None
    for user in (cast.secretary, cast.org_department, cast.inspector, cast.outsider):
        assert policies.cannot_approve_summary(user, summary) is not None
        assert policies.cannot_return_summary(user, summary) is not None
    with pytest.raises(LifecycleError):
        approve_work_summary(site=built.site, by=cast.secretary)


def test_a_draft_is_not_reviewed_and_an_approved_one_is_final(built, cast):
    summary = written(built.site, cast.secretary)
    assert "填写中" in policies.cannot_approve_summary(cast.committee, summary)

    submit_work_summary(site=built.site, by=cast.secretary)
    summary = approve_work_summary(site=built.site, by=cast.committee)

    assert "审核通过" in policies.cannot_write_summary(cast.secretary, summary)
    assert policies.cannot_return_summary(cast.committee, summary) is not None


def test_it_is_written_until_the_acceptance_decides(built, cast):
    site = built.site
    mark_self_assessed(site=site, by=cast.committee, today=IMPLEMENTATION_DAY)
    request_acceptance(site=site, by=cast.committee, today=ACCEPTANCE_DAY)
    site.refresh_from_db()
    assert policies.cannot_write_summary(cast.secretary, dossier.summary_of(site)) is None

    record_verdict(site=site, by=cast.org_department, verdict="PASSED")
    site.refresh_from_db()

    assert "验收通过" in policies.cannot_write_summary(cast.secretary, dossier.summary_of(site))


# The figures offered ---------------------------------------------------------------------------------


def test_the_years_figures_are_worded_from_the_records(built, cast, tree):
    branch, site = tree.branch_a1, built.site
    people = [
        Member.objects.create(branch=branch, name=f"党员{n}", gender="M", joined_on=datetime.date(2010, 7, 1))
        for n in range(4)
    ]
    for month in (1, 2, 3):
        meeting = Meeting.objects.create(
            organization=branch,
            kind=Meeting.Kind.COMMITTEE_MEETING,
            held_on=datetime.date(2026, month, 5),
            topic="支委会",
        )
        for n, person in enumerate(people):
            status = Attendance.Status.ABSENT if (month, n) == (1, 0) else Attendance.Status.PRESENT
            Attendance.objects.create(meeting=meeting, member=person, status=status)
    save_funding(site=site, by=cast.secretary, source=Funding.Source.FISCAL, amount=Decimal("20000"))

    figures = {f.key: f for f in dossier.year_figures(site)}

    assert figures["meetings"].text == "2026年召开支委会 3 次，共 3 次"
    assert figures["attendance"].text == "党员到会率 91.7%"
    assert figures["funding"].text == "落实创建经费 20,000.00 元（财政专项 20,000.00 元），已使用 0.00 元"
    assert figures["development"].text.startswith("发展党员 0 名")
    paragraph = dossier.figures_paragraph(list(figures.values()))
    assert paragraph.startswith("2026年召开支委会 3 次，共 3 次；党员到会率 91.7%；") and paragraph.endswith(
        "。"
    )
    computed = [f for f in figures.values() if f.key.startswith("item-")]
    assert computed and all(f.target.startswith("dim_") for f in computed)
    assert "支委会" in computed[0].text

"""The 创建工作总结 page: who reads it and who may act (404 outside scope, 403 for a step the
policy refuses), saving, submitting with the missing parts beside their fields, inserting a
figure without JavaScript, the 党委's return and approval, and the page's query count."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from assessments.models import WorkSummary
from assessments.services.summary import campaign_dimensions, dimension_field, submit_work_summary
from members.models import Attendance, Meeting, Member
from tests.assessments.self_assessment_factories import approved_site
from tests.assessments.test_summary import written

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(tree, cast):
    return approved_site(tree, cast)


def url(site, name="work_summary"):
    return reverse(f"assessments:{name}", args=[site.pk])


def form_data(site, **overrides) -> dict:
    data = {dimension_field(d.pk): f"{d.name}方面的工作" for d in campaign_dimensions(site)}
    data.update(highlights="七步法", figures="支委会 12 次", problems="台账不及时", next_steps="完善公示栏")
    data.update(overrides)
    return data


# Reading ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["org_department", "committee", "secretary", "inspector"])
def test_everyone_in_scope_reads_it(client, cast, built, role):
    written(built.site, cast.secretary)
    client.force_login(getattr(cast, role))

    response = client.get(url(built.site))

    assert response.status_code == 200
    assert "七步法" in response.content.decode()


def test_an_outsider_gets_404(client, cast, built):
    client.force_login(cast.outsider)

    assert client.get(url(built.site)).status_code == 404
    assert client.post(url(built.site), form_data(built.site)).status_code == 404
    assert client.post(url(built.site, "work_summary_approve")).status_code == 404
    assert client.post(url(built.site, "work_summary_return"), {"reason": "x"}).status_code == 404


def test_anonymous_is_sent_to_log_in(client, built):
    for name in ("work_summary", "work_summary_return", "work_summary_approve"):
        response = (
            client.post(url(built.site, name)) if name != "work_summary" else client.get(url(built.site))
        )
        assert response.status_code == 302 and "login" in response.url


def test_the_secretary_gets_the_form_with_the_figures_to_insert(client, cast, built, tree):
    member = Member.objects.create(branch=tree.branch_a1, name="党员甲", gender="M")
    meeting = Meeting.objects.create(
        organization=tree.branch_a1,
        kind=Meeting.Kind.COMMITTEE_MEETING,
        held_on=datetime.date(2026, 3, 5),
        topic="支委会",
    )
    Attendance.objects.create(meeting=meeting, member=member)
    client.force_login(cast.secretary)

    page = client.get(url(built.site)).content.decode()

    for dimension in campaign_dimensions(built.site):
        assert f'name="{dimension_field(dimension.pk)}"' in page
    assert 'name="insert" value="meetings"' in page and "2026年召开支委会 1 次" in page
    assert 'data-insert-target="id_figures"' in page and 'value="all"' in page
    assert "js/summary.js" in page
    assert 'name="action" value="submit"' in page


@pytest.mark.parametrize("role", ["org_department", "committee", "inspector"])
def test_others_read_the_text_without_the_form(client, cast, built, role):
    written(built.site, cast.secretary)
    client.force_login(getattr(cast, role))

    page = client.get(url(built.site)).content.decode()

    assert 'name="highlights"' not in page and "七步法" in page and 'name="insert"' not in page


# Writing -----------------------------------------------------------------------------------------


def test_the_secretary_saves(client, cast, built):
    client.force_login(cast.secretary)

    response = client.post(url(built.site), {**form_data(built.site), "action": "save"})

    assert response.status_code == 302
    summary = WorkSummary.objects.get(site=built.site)
    assert summary.status == WorkSummary.Status.DRAFT and summary.highlights == "七步法"
    assert len(summary.dimension_texts) == 2


@pytest.mark.parametrize("role", ["org_department", "committee", "inspector"])
def test_others_may_not_write(client, cast, built, role):
    client.force_login(getattr(cast, role))

    response = client.post(url(built.site), form_data(built.site))

    assert response.status_code == 403
    assert not WorkSummary.objects.filter(site=built.site).exists()


def test_submitting_with_a_part_missing_saves_and_marks_the_field(client, cast, built):
    client.force_login(cast.secretary)

    response = client.post(url(built.site), {**form_data(built.site, problems=""), "action": "submit"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "提交未成功" in page and "请写明存在的问题和不足" in page
    assert 'id="id_problems_error"' in page and 'aria-invalid="true"' in page
    assert "七步法" in page  # what was typed is kept
    summary = WorkSummary.objects.get(site=built.site)
    assert summary.status == WorkSummary.Status.DRAFT and summary.highlights == "七步法"


def test_submitting_a_complete_summary(client, cast, built):
    client.force_login(cast.secretary)

    response = client.post(url(built.site), {**form_data(built.site), "action": "submit"}, follow=True)

    assert WorkSummary.objects.get(site=built.site).status == WorkSummary.Status.SUBMITTED
    assert "已提交第一党委审核" in response.content.decode()


def test_inserting_without_javascript_adds_the_figure_and_saves_nothing(client, cast, built, tree):
    member = Member.objects.create(branch=tree.branch_a1, name="党员甲", gender="M")
    meeting = Meeting.objects.create(
        organization=tree.branch_a1,
        kind=Meeting.Kind.COMMITTEE_MEETING,
        held_on=datetime.date(2026, 3, 5),
        topic="支委会",
    )
    Attendance.objects.create(meeting=meeting, member=member)
    client.force_login(cast.secretary)

    response = client.post(
        url(built.site), {**form_data(built.site, figures="已有文字"), "insert": "attendance"}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "已有文字\n党员到会率 100%</textarea>" in page
    assert "七步法" in page and "请检查后保存" in page
    assert not WorkSummary.objects.filter(site=built.site).exists()


def test_inserting_an_unknown_figure_says_so(client, cast, built):
    client.force_login(cast.secretary)

    response = client.post(url(built.site), {**form_data(built.site), "insert": "nope"})

    assert response.status_code == 200 and "没有这项数据可以插入" in response.content.decode()


# The 党委's review -------------------------------------------------------------------------------


def submitted(site, cast):
    written(site, cast.secretary)
    return submit_work_summary(site=site, by=cast.secretary)


def test_the_committee_approves(client, cast, built):
    submitted(built.site, cast)
    client.force_login(cast.committee)

    page = client.get(url(built.site)).content.decode()
    assert "党委审核" in page and "退回修改" in page

    response = client.post(url(built.site, "work_summary_approve"), {"note": "同意"})

    assert response.status_code == 302
    summary = WorkSummary.objects.get(site=built.site)
    assert summary.status == WorkSummary.Status.APPROVED and summary.review_note == "同意"


def test_the_committee_returns_with_comments_the_secretary_then_sees(client, cast, built):
    submitted(built.site, cast)
    client.force_login(cast.committee)

    empty = client.post(url(built.site, "work_summary_return"), {"reason": " "})
    assert empty.status_code == 200 and "请填写退回意见" in empty.content.decode()
    assert 'aria-describedby="return-reason-help return-reason-error"' in empty.content.decode()

    client.post(url(built.site, "work_summary_return"), {"reason": "特色不突出"})
    client.force_login(cast.secretary)
    page = client.get(url(built.site)).content.decode()

    assert WorkSummary.objects.get(site=built.site).status == WorkSummary.Status.RETURNED
    assert "党委退回意见" in page and "特色不突出" in page and 'name="highlights"' in page


@pytest.mark.parametrize("role", ["secretary", "org_department", "inspector"])
def test_only_the_nominating_committee_reviews(client, cast, built, role):
    submitted(built.site, cast)
    client.force_login(getattr(cast, role))

    assert client.post(url(built.site, "work_summary_approve")).status_code == 403
    assert client.post(url(built.site, "work_summary_return"), {"reason": "x"}).status_code == 403
    assert WorkSummary.objects.get(site=built.site).status == WorkSummary.Status.SUBMITTED


def test_the_review_steps_are_posts(client, cast, built):
    client.force_login(cast.committee)

    assert client.get(url(built.site, "work_summary_approve")).status_code == 405


# Queries -----------------------------------------------------------------------------------------


def test_the_page_reads_a_fixed_number_of_queries(client, cast, built, tree, django_assert_max_num_queries):
    written(built.site, cast.secretary)
    client.force_login(cast.secretary)

    def add(n: int) -> None:
        people = Member.objects.bulk_create(
            Member(branch=tree.branch_a1, name=f"甲{n}-{i}", gender="M") for i in range(n)
        )
        meetings = Meeting.objects.bulk_create(
            Meeting(
                organization=tree.branch_a1, kind="THEME_DAY", held_on=datetime.date(2026, 4, 1), topic="党日"
            )
            for _ in range(n)
        )
        Attendance.objects.bulk_create(Attendance(meeting=m, member=p) for m in meetings for p in people)

    add(3)
    # session and user, the site and phases, the summary, the dimensions, the roles, and the
    # year's figures (`dossier.year_figures`, about twenty) — 3 rows or 30 alike.
    with django_assert_max_num_queries(45) as few:
        assert client.get(url(built.site)).status_code == 200
    add(30)
    with django_assert_max_num_queries(len(few)):
        assert client.get(url(built.site)).status_code == 200

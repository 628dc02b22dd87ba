"""The self-assessment pages: who sees and does what (404 outside one's scope, 403 with the
reason inside it), saving a field with htmx, the contradiction flag, evidence files, the
committee's steps, the 组织部's list and its export, and query counts that do not grow."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from assessments.models import Evidence, IndicatorScore, SelfAssessment
from assessments.rules import fmt
from assessments.scoring import campaign_period, computed_result
from assessments.services.self_assessment import (
    save_indicator_score,
    submit_self_assessment,
    upload_evidence,
)
from campaigns.models import Site
from tests.assessments.self_assessment_factories import approved_site, complete_answers
from tests.images import png_bytes, same_picture

pytestmark = pytest.mark.django_db

PNG = png_bytes()
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def setup(tree, cast):
    return approved_site(tree, cast)


def page_url(setup) -> str:
    return reverse("assessments:self_assessment", args=[setup.site.pk])


def save_url(setup, indicator) -> str:
    return reverse("assessments:self_assessment_save", args=[setup.site.pk, indicator.pk])


def complete(setup, by):
    for indicator, raw in complete_answers(setup.table).items():
        save_indicator_score(site=setup.site, indicator=indicator, by=by, raw=raw)
    return upload_evidence(
        site=setup.site,
        indicator=setup.table.manual,
        file=SimpleUploadedFile("记录.png", PNG, content_type="image/png"),
        by=by,
    )


def submitted(setup, cast):
    evidence = complete(setup, cast.secretary)
    submit_self_assessment(site=setup.site, by=cast.secretary)
    return evidence


# Seeing the page --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [("secretary", 200), ("committee", 200), ("org_department", 200), ("inspector", 200), ("outsider", 404)],
)
def test_the_page_answers_each_role(client, cast, setup, role, expected):
    client.force_login(getattr(cast, role))
    response = client.get(page_url(setup))
    assert response.status_code == expected
    if expected == 200:
        body = response.content.decode()
        assert "组织建设" in body and "班子建设" in body and "未按规定发展党员" in body
        assert ('name="score"' in body) == (role == "secretary")


def test_committee_of_another_party_committee_gets_404(client, tree, cast):
    from organizations.models import Role
    from tests.organizations.factories import UserFactory, give_role

    other = UserFactory(username="t_dangwei_b")
    give_role(other, tree.committee_b, Role.Kind.COMMITTEE)
    setup = approved_site(tree, cast)
    client.force_login(other)
    assert client.get(page_url(setup)).status_code == 404
    assert client.post(save_url(setup, setup.table.manual), {"score": "1"}).status_code == 404


def test_anonymous_is_sent_to_log_in(client, setup):
    for url in (page_url(setup), save_url(setup, setup.table.manual)):
        response = client.get(url) if url == page_url(setup) else client.post(url, {"score": "1"})
        assert response.status_code == 302 and "/accounts/login/" in response.url


def test_the_site_page_links_to_the_self_assessment(client, cast, setup):
    client.force_login(cast.secretary)
    body = client.get(reverse("campaigns:site_detail", args=[setup.site.pk])).content.decode()
    assert page_url(setup) in body and "打开自评表" in body


def test_the_computed_figure_shows_how_and_links_to_the_records(client, cast, setup):
    client.force_login(cast.secretary)
    body = client.get(page_url(setup)).content.decode()
    assert "系统按记录计算" in body
    assert "应开" in body
    assert reverse("members:meeting_list", args=[setup.site.organization_id]) in body


# Saving ----------------------------------------------------------------------------------


def test_a_field_saves_with_htmx_and_answers_its_status_only(client, cast, setup):
    client.force_login(cast.secretary)
    response = client.post(save_url(setup, setup.table.graded), {"level": "一般", "narrative": "好"}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="ind-{setup.table.graded.pk}-status"' in body and "已保存" in body
    assert 'hx-swap-oob="true"' in body and 'name="level"' not in body
    row = IndicatorScore.objects.get()
    assert (row.level, row.score, row.narrative) == ("一般", Decimal("2"), "好")


def test_a_refused_value_shows_beside_its_field_and_the_rest_is_kept(client, cast, setup):
    client.force_login(cast.secretary)
    manual = setup.table.manual
    response = client.post(save_url(setup, manual), {"score": "11", "narrative": "已写"}, **HTMX)
    body = response.content.decode()
    assert f'id="ind-{manual.pk}-score-error"' in body and "分数不能超过本项分值 10 分。" in body
    assert "已保存" not in body
    assert IndicatorScore.objects.get().narrative == "已写"


def test_without_htmx_a_refused_value_comes_back_as_typed(client, cast, setup):
    client.force_login(cast.secretary)
    response = client.post(save_url(setup, setup.table.manual), {"score": "九分", "narrative": "x"})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'value="九分"' in body and "分数须为数字。" in body


def test_without_htmx_a_good_save_goes_back_to_the_item(client, cast, setup):
    client.force_login(cast.secretary)
    response = client.post(save_url(setup, setup.table.manual), {"score": "10"})
    assert response.status_code == 302 and response.url.endswith(f"#ind-{setup.table.manual.pk}")


@pytest.mark.parametrize("role", ["committee", "org_department", "inspector"])
def test_others_who_see_it_may_not_score(client, cast, setup, role):
    client.force_login(getattr(cast, role))
    response = client.post(save_url(setup, setup.table.manual), {"score": "5"})
    assert response.status_code == 403
    assert "支部书记" in response.content.decode()
    assert not IndicatorScore.objects.exists()


def computed_points(setup):
    start, end = campaign_period(setup.campaign)
    return computed_result(setup.table.computed, setup.site, start=start, end=end).points


def test_a_score_above_the_records_is_flagged_with_both_numbers(client, cast, setup):
    client.force_login(cast.secretary)
    response = client.post(save_url(setup, setup.table.computed), {"score": "6"}, **HTMX)
    body = response.content.decode()
    # No 支委会 recorded: every month is short and the records give less than the 6 points.
    records = fmt(computed_points(setup))
    assert records != "6"
    assert f"自评 6 分，与系统按记录计算的 {records} 分不一致" in body
    assert "不一致" in client.get(page_url(setup)).content.decode()


def test_a_score_matching_the_records_is_not_flagged(client, cast, setup):
    client.force_login(cast.secretary)
    records = fmt(computed_points(setup))
    body = client.post(save_url(setup, setup.table.computed), {"score": records}, **HTMX).content.decode()
    assert "不一致" not in body


def test_an_indicator_of_another_framework_is_404(client, tree, cast, setup):
    other = approved_site(tree, cast, branch=tree.branch_a2)
    client.force_login(cast.secretary)
    assert client.post(save_url(setup, other.table.manual), {"score": "1"}).status_code == 404


# Evidence --------------------------------------------------------------------------------


def upload_url(setup, indicator):
    return reverse("assessments:evidence_upload", args=[setup.site.pk, indicator.pk])


def test_a_photo_is_uploaded_and_served_within_scope(client, cast, setup):
    client.force_login(cast.secretary)
    photo = SimpleUploadedFile("支委会.png", PNG, content_type="image/png")
    response = client.post(upload_url(setup, setup.table.manual), {"file": photo}, **HTMX)
    assert "支委会.png" in response.content.decode()
    evidence = Evidence.objects.get()
    file_url = reverse("assessments:evidence_file", args=[evidence.pk])
    assert same_picture(b"".join(client.get(file_url).streaming_content), PNG)
    client.force_login(cast.inspector)
    assert client.get(file_url).status_code == 200
    client.force_login(cast.outsider)
    assert client.get(file_url).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("病毒.exe", b"MZ....", "只能上传以下类型的文件"),
        ("照片.png", b"GIF89a....", "文件内容与扩展名 .png 不符"),
        ("大图.png", PNG + b"\x00" * 2048, "文件不能超过"),
    ],
)
def test_a_refused_file_is_named_with_the_reason(client, cast, setup, settings, name, content, message):
    settings.MAX_UPLOAD_BYTES = 1024
    client.force_login(cast.secretary)
    file = SimpleUploadedFile(name, content)
    body = client.post(upload_url(setup, setup.table.manual), {"file": file}, **HTMX).content.decode()
    assert f"“{name}”未上传" in body and message in body
    assert not Evidence.objects.exists()


def test_evidence_is_removed_by_its_secretary_only(client, cast, setup):
    evidence = complete(setup, cast.secretary)
    url = reverse("assessments:evidence_delete", args=[evidence.pk])
    client.force_login(cast.committee)
    assert client.post(url).status_code == 403
    client.force_login(cast.secretary)
    client.post(url, **HTMX)
    assert not Evidence.objects.exists()


# Submitting and reviewing ----------------------------------------------------------------


def test_readiness_lists_what_is_missing_with_links(client, cast, setup):
    client.force_login(cast.secretary)
    body = client.get(page_url(setup)).content.decode()
    assert f'href="#ind-{setup.table.veto.pk}"' in body and "一票否决项未作答" in body
    assert "缺佐证材料（支委会会议记录）" in body
    assert "disabled" in body


def test_submit_through_the_page(client, cast, setup):
    complete(setup, cast.secretary)
    client.force_login(cast.secretary)
    response = client.post(
        reverse("assessments:self_assessment_submit", args=[setup.site.pk]), {"summary": "好"}
    )
    assert response.status_code == 302
    assert SelfAssessment.objects.get().status == SelfAssessment.Status.SUBMITTED


def test_the_committee_sees_it_waiting_and_returns_it_with_a_reason(client, cast, setup):
    submitted(setup, cast)
    client.force_login(cast.committee)
    overview = client.get(reverse("campaigns:site_detail", args=[setup.site.pk])).content.decode()
    assert "等待第一党委审核" in overview
    body = client.get(page_url(setup)).content.decode()
    assert "党委审核" in body and "退回支部修改" in body and "审核通过" in body
    url = reverse("assessments:self_assessment_return", args=[setup.site.pk])
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 200 and "请填写退回理由" in refused.content.decode()
    client.post(url, {"reason": "请补充第3项说明"})
    client.force_login(cast.secretary)
    body = client.get(page_url(setup)).content.decode()
    assert "党委退回意见" in body and "请补充第3项说明" in body and "重新提交" in body
    history = client.get(reverse("campaigns:site_history", args=[setup.site.pk])).content.decode()
    assert "退回理由：请补充第3项说明" in history


def test_the_committee_approves_and_the_site_is_self_assessed(client, cast, setup):
    submitted(setup, cast)
    client.force_login(cast.committee)
    client.post(reverse("assessments:self_assessment_approve", args=[setup.site.pk]))
    setup.site.refresh_from_db()
    assert setup.site.status == Site.Status.SELF_ASSESSED


@pytest.mark.parametrize("role", ["secretary", "org_department", "inspector"])
def test_only_the_committee_reviews_through_the_page(client, cast, setup, role):
    submitted(setup, cast)
    client.force_login(getattr(cast, role))
    for name in ("self_assessment_approve", "self_assessment_return"):
        response = client.post(reverse(f"assessments:{name}", args=[setup.site.pk]), {"reason": "x"})
        assert response.status_code == 403
    assert SelfAssessment.objects.get().status == SelfAssessment.Status.SUBMITTED


def test_the_secretary_may_not_submit_twice(client, cast, setup):
    submitted(setup, cast)
    client.force_login(cast.secretary)
    response = client.post(reverse("assessments:self_assessment_submit", args=[setup.site.pk]))
    assert response.status_code == 403 and "已提交" in response.content.decode()


# The 组织部's list -----------------------------------------------------------------------


def overview_url(setup):
    return reverse("assessments:self_assessment_overview", args=[setup.campaign.pk])


@pytest.mark.parametrize(
    ("role", "expected"),
    [("org_department", 200), ("committee", 403), ("secretary", 403), ("inspector", 403), ("outsider", 403)],
)
def test_the_overview_is_for_the_org_department(client, cast, setup, role, expected):
    client.force_login(getattr(cast, role))
    assert client.get(overview_url(setup)).status_code == expected
    export = reverse("assessments:self_assessment_export", args=[setup.campaign.pk])
    assert client.get(export).status_code == expected


def test_the_overview_totals_per_dimension_and_sorts(client, tree, cast, setup):
    complete(setup, cast.secretary)
    approved_site(tree, cast, branch=tree.branch_a2)  # another campaign: not in this list
    client.force_login(cast.org_department)
    body = client.get(overview_url(setup) + "?sort=-total").content.decode()
    # 组织建设: 9 + 3; 党员管理: 6 + 10 + 0; bonus 2 apart.
    assert "一村党支部" in body and ">12<" in body and ">16<" in body and ">28<" in body
    assert 'aria-sort="descending"' in body


def test_the_export_has_a_column_per_dimension(client, cast, setup):
    complete(setup, cast.secretary)
    client.force_login(cast.org_department)
    response = client.get(reverse("assessments:self_assessment_export", args=[setup.campaign.pk]))
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("示范点（党支部）", "申报党委", "自评状态", "组织建设", "党员管理", "合计", "加分")
    assert rows[1][0] == "一村党支部" and rows[1][2] == "填报中"
    assert [Decimal(str(v)) for v in rows[1][3:]] == [12, 16, 28, 2]


# Query counts ----------------------------------------------------------------------------


@pytest.mark.parametrize("extra", [4, 54])
def test_the_page_costs_the_same_with_10_or_60_indicators(
    client, tree, cast, extra, django_assert_max_num_queries
):
    setup = approved_site(tree, cast, extra_manual=extra)
    for indicator in setup.table.extra:
        save_indicator_score(site=setup.site, indicator=indicator, by=cast.secretary, raw={"score": "1"})
    client.force_login(cast.secretary)
    # 15: session and user; the site and its phases; the self-assessment; score_site (framework,
    # dimensions, indicators, scores, the meetings the computed item reads); item groups;
    # evidence; the roles the policies ask (edit, submit, return, approve) and the top bar's.
    with django_assert_max_num_queries(15):
        response = client.get(page_url(setup))
    assert response.status_code == 200
    assert response.content.decode().count('class="sa-item"') == 6 + extra


@pytest.mark.parametrize("sites", [1, 2])
def test_the_overview_costs_the_same_with_more_sites(
    client, tree, cast, sites, django_assert_max_num_queries
):
    setup = approved_site(tree, cast)
    if sites == 2:
        from campaigns.services import approve_site, nominate_site
        from tests.campaigns.factories import MOBILIZATION_DAY

        site = nominate_site(
            campaign=setup.campaign, branch=tree.branch_a2, by=cast.committee, today=MOBILIZATION_DAY
        )
        approve_site(site=site, by=cast.org_department)
    client.force_login(cast.org_department)
    with django_assert_max_num_queries(9):
        body = client.get(overview_url(setup)).content.decode()
    assert body.count("table__main") == sites

"""The assessments admin: every page answers, a framework totals its items, frozen stays frozen,
uploads are checked."""

import datetime
import hashlib
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.models import (
    Acceptance,
    AgreedScore,
    Ballot,
    BallotToken,
    Dimension,
    Evidence,
    Framework,
    Indicator,
    IndicatorScore,
    InspectorScore,
    Objection,
    SelfAssessment,
    Survey,
    TeamMember,
)
from assessments.services import copy_framework
from campaigns.services import create_campaign, nominate_site
from organizations.models import Role
from organizations.permissions import grant_admin_access
from tests.admin_support import admin_url, assert_admin_pages_answer, registered
from tests.campaigns.factories import MOBILIZATION_DAY, active_campaign, standard_phases
from tests.organizations.factories import UserFactory, give_role

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%test\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def framework(db):
    framework = Framework.objects.create(name="测试标准")
    for order, name in enumerate(("领导班子好", "党员队伍好")):
        dimension = Dimension.objects.create(
            framework=framework, group=Dimension.Group.FIVE_GOODS, name=name, order=order
        )
        Indicator.objects.create(
            dimension=dimension, code=f"{order + 1}.1", text=f"{name}要点", max_score=Decimal(10)
        )
    return framework


@pytest.fixture
def sites(tree, cast):
    campaign = active_campaign(organizer=tree.work, by=cast.org_department)
    committee_b = UserFactory(username="t_dangwei_b")
    give_role(committee_b, tree.committee_b, Role.Kind.COMMITTEE)
    own = nominate_site(campaign=campaign, branch=tree.branch_a1, by=cast.committee, today=MOBILIZATION_DAY)
    other = nominate_site(campaign=campaign, branch=tree.branch_b1, by=committee_b, today=MOBILIZATION_DAY)
    return own, other


@pytest.fixture
def records(sites, framework, cast):
    """A self-assessment, survey and acceptance with their children, for both sites."""
    indicator = Indicator.objects.filter(dimension__framework=framework).first()
    for site in sites:
        assessment = SelfAssessment.objects.create(site=site)
        IndicatorScore.objects.create(self_assessment=assessment, indicator=indicator, score=Decimal(9))
        Evidence.objects.create(
            self_assessment=assessment,
            indicator=indicator,
            file=SimpleUploadedFile("台账.pdf", PDF),
            original_name="台账.pdf",
            content_type="application/pdf",
            size=len(PDF),
            sha256=hashlib.sha256(PDF).hexdigest(),
        )
        survey = Survey.objects.create(
            site=site, opens_on=datetime.date(2026, 11, 1), closes_on=datetime.date(2026, 11, 30)
        )
        token = BallotToken.objects.create(survey=survey)
        Ballot.objects.create(token=token, survey=survey, choice=Ballot.Choice.SATISFIED)
        acceptance = Acceptance.objects.create(site=site, visited_on=datetime.date(2026, 11, 20))
        TeamMember.objects.create(acceptance=acceptance, user=cast.inspector, is_lead=True)
        InspectorScore.objects.create(
            acceptance=acceptance,
            inspector=cast.inspector,
            indicator=indicator,
            score=Decimal(8),
            check_method="RECORDS",
        )
        AgreedScore.objects.create(
            acceptance=acceptance,
            indicator=indicator,
            score=Decimal(8),
            reason="复核台账",
            decided_by=cast.inspector,
        )
        Objection.objects.create(acceptance=acceptance, text="得分偏高")
    return sites


def framework_form(framework, names):
    dimensions = list(framework.dimensions.all())
    data = {
        "name": framework.name,
        "source": "",
        "description": "",
        "version": framework.version,
        "based_on": "",
        "campaign": "",
        "dimensions-TOTAL_FORMS": len(dimensions),
        "dimensions-INITIAL_FORMS": len(dimensions),
        "dimensions-MIN_NUM_FORMS": 0,
        "dimensions-MAX_NUM_FORMS": 1000,
    }
    for i, (dimension, name) in enumerate(zip(dimensions, names, strict=True)):
        data.update(
            {
                f"dimensions-{i}-id": dimension.pk,
                f"dimensions-{i}-framework": framework.pk,
                f"dimensions-{i}-order": dimension.order,
                f"dimensions-{i}-group": dimension.group,
                f"dimensions-{i}-name": name,
            }
        )
    return data


# Every page answers --------------------------------------------------------------------------


@pytest.mark.parametrize("model", registered("assessments"), ids=lambda m: m.__name__)
def test_every_admin_page_answers_for_superuser(admin_client, admin_user, records, model):
    assert_admin_pages_answer(admin_client, admin_user, model)


# Frameworks --------------------------------------------------------------------------------


def test_a_framework_is_saved_without_weights_and_totals_its_items(admin_client, framework):
    page = admin_client.get(admin_url(Framework, "change", framework.pk))
    response = admin_client.post(
        admin_url(Framework, "change", framework.pk), framework_form(framework, ["领导班子好", "党员队伍"])
    )

    assert "总分" in page.content.decode() and "权重" not in page.content.decode()
    assert response.status_code == 302
    assert framework.dimensions.filter(name="党员队伍").exists()
    assert framework.total_points() == Decimal(20)


def test_builtin_framework_is_read_only_for_org_department(client, cast):
    builtin = Framework.objects.filter(is_builtin=True).first() or Framework.objects.create(
        name="内置标准", is_builtin=True
    )
    grant_admin_access(cast.org_department)
    client.force_login(cast.org_department)

    page = client.get(admin_url(Framework, "change", builtin.pk))
    posted = client.post(admin_url(Framework, "change", builtin.pk), {"name": "改名"})

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert posted.status_code == 403


# Scoping -----------------------------------------------------------------------------------


@pytest.fixture
def clerk_client(client, tree):
    """A 组织部 clerk of 第一党委 (一村's site is in its scope, the school's is not)."""
    clerk = UserFactory(username="t_zzb_a")
    give_role(clerk, tree.committee_a, Role.Kind.ORG_DEPARTMENT)
    grant_admin_access(clerk)
    client.force_login(clerk)
    return client


@pytest.mark.parametrize("model", [SelfAssessment, Survey, Acceptance, InspectorScore, Objection])
def test_clerk_sees_only_own_committees_assessments(clerk_client, records, model):
    own, _ = records

    response = clerk_client.get(admin_url(model, "changelist"))

    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert rows
    assert {row.site if hasattr(row, "site") else row.acceptance.site for row in rows} == {own}


def test_a_secretary_does_not_get_into_the_admin_to_see_ballot_links(client, cast, records):
    grant_admin_access(cast.secretary)
    client.force_login(cast.secretary)

    response = client.get(admin_url(BallotToken, "changelist"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


@pytest.mark.parametrize(
    "model",
    [SelfAssessment, IndicatorScore, Evidence, Survey, BallotToken, Acceptance, TeamMember, Objection],
)
def test_a_sites_assessments_are_read_only_for_the_org_department(client, cast, records, model):
    grant_admin_access(cast.org_department)
    client.force_login(cast.org_department)
    row = model.objects.first()
    before = model.objects.filter(pk=row.pk).values().get()

    add_page = client.get(admin_url(model, "add"))
    change_page = client.get(admin_url(model, "change", row.pk))
    posted = client.post(admin_url(model, "change", row.pk), {"text": "改过", "title": "改过"})

    assert add_page.status_code == 403
    assert change_page.status_code == 200
    assert 'name="_save"' not in change_page.content.decode()
    assert posted.status_code == 403
    assert model.objects.filter(pk=row.pk).values().get() == before


# Frozen records and uploads ----------------------------------------------------------------


def test_ballots_cannot_be_changed(admin_client, records):
    ballot = Ballot.objects.first()

    response = admin_client.post(admin_url(Ballot, "change", ballot.pk), {"choice": "DISSATISFIED"})

    assert response.status_code == 403
    ballot.refresh_from_db()
    assert ballot.choice == Ballot.Choice.SATISFIED


def test_evidence_upload_records_its_checksum(admin_client, records):
    assessment = SelfAssessment.objects.first()
    upload = SimpleUploadedFile("会议记录.pdf", PDF, content_type="application/pdf")

    response = admin_client.post(
        admin_url(Evidence, "add"), {"self_assessment": assessment.pk, "indicator": "", "file": upload}
    )

    assert response.status_code == 302
    evidence = Evidence.objects.get(original_name="会议记录.pdf")
    assert (evidence.size, evidence.content_type) == (len(PDF), "application/pdf")
    assert evidence.sha256 == hashlib.sha256(PDF).hexdigest()


def test_evidence_whose_content_is_not_its_type_is_refused(admin_client, records):
    assessment = SelfAssessment.objects.first()
    upload = SimpleUploadedFile("伪装.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")

    response = admin_client.post(
        admin_url(Evidence, "add"), {"self_assessment": assessment.pk, "indicator": "", "file": upload}
    )

    assert response.status_code == 200
    assert "文件内容与扩展名 .pdf 不符" in " ".join(response.context["adminform"].form.errors["file"])


# Query counts and the organizer's side -----------------------------------------------------


@pytest.mark.parametrize("surveys", [3, 30])
def test_ballot_changelist_queries_do_not_grow_with_surveys(
    admin_client, sites, surveys, django_assert_max_num_queries
):
    own, _ = sites
    for n in range(surveys):
        survey = Survey.objects.create(
            site=own,
            title=f"第{n}次测评",
            opens_on=datetime.date(2026, 11, 1),
            closes_on=datetime.date(2026, 11, 30),
        )
        Ballot.objects.create(
            token=BallotToken.objects.create(survey=survey), survey=survey, choice=Ballot.Choice.SATISFIED
        )

    # session, user, the survey filter's choices (with their sites), the paginator's count,
    # the unfiltered count, the rows with survey, site, branch and campaign. None per survey.
    with django_assert_max_num_queries(7):
        response = admin_client.get(admin_url(Ballot, "changelist"))

    assert len(response.context["cl"].result_list) == surveys


def test_frameworks_are_read_only_below_superuser(client, tree, cast, framework):
    draft = create_campaign(
        by=cast.org_department,
        name="2027年度示范点创建活动",
        year=2027,
        organizer=tree.work,
        phases=standard_phases(2027),
    )
    copy = copy_framework(template=framework, campaign=draft)
    grant_admin_access(cast.org_department)
    client.force_login(cast.org_department)

    for model, row in ((Framework, framework), (Framework, copy), (Dimension, copy.dimensions.first())):
        page = client.get(admin_url(model, "change", row.pk))
        posted = client.post(admin_url(model, "change", row.pk), {"name": "改名"})
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()
        assert posted.status_code == 403
    assert client.get(admin_url(Framework, "add")).status_code == 403
    assert Framework.objects.get(pk=framework.pk).name == "测试标准"

"""Every model registered in the admin, its add form and its change form, as each role of the
cast: refused (403, the login page, or out of sight), or read-only (a POST answers 403 and changes nothing),
or — where the 组织部 keeps something only here — saved through a service that leaves an audit
event. The admin is not a second way to write.

The models are read from the admin's registry, so a model registered later is walked too; if
its form opens for writing, the walk fails until it is listed in WRITES with a POST that must
leave an audit event.
"""

import datetime
import hashlib
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
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
from campaigns.models import (
    Funding,
    LeadingGroupMember,
    Rectification,
    Reminder,
    SupervisionVisit,
    TypicalCase,
    WorkItem,
)
from campaigns.services import nominate_site
from members.models import (
    Applicant,
    Attendance,
    DevelopmentStage,
    DuesPayment,
    Household,
    Meeting,
    Member,
    Pairing,
    Plaque,
    ServiceRecord,
    StarRule,
)
from organizations.models import AuditEvent, Kind, Notification, Organization, Role, User
from organizations.permissions import grant_admin_access
from tests.admin_support import admin_url
from tests.campaigns.factories import MOBILIZATION_DAY, active_campaign

pytestmark = pytest.mark.django_db

MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)
CAST = ["org_department", "committee", "secretary", "inspector", "outsider"]
PDF = b"%PDF-1.4\n%test\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def one_of_each(tree, cast) -> dict:
    """One row of every registered model, all in the 组织部's county: {model: the row to open}."""
    grant_admin_access(cast.org_department)  # creates the group 组织部 (auth.Group)
    campaign = active_campaign(organizer=tree.work, by=cast.org_department)
    site = nominate_site(campaign=campaign, branch=tree.branch_a1, by=cast.committee, today=MOBILIZATION_DAY)
    work_item = WorkItem.objects.create(
        campaign=campaign,
        site=site,
        phase=campaign.phases.first(),
        title="制定创建方案",
        due_on=MOBILIZATION_DAY,
    )
    visit = SupervisionVisit.objects.create(
        site=site,
        visited_on=MOBILIZATION_DAY,
        method=SupervisionVisit.Method.RANDOM_SURVEY,
        findings="台账不全",
    )
    rows = [
        LeadingGroupMember.objects.create(
            site=site, name="王书记", position=LeadingGroupMember.Position.LEADER
        ),
        work_item,
        visit,
        Rectification.objects.create(
            site=site,
            source=Rectification.Source.SUPERVISION,
            supervision_visit=visit,
            description="补齐三会一课台账",
            due_on=MOBILIZATION_DAY,
        ),
        Funding.objects.create(site=site, source=Funding.Source.FISCAL, amount=Decimal("20000")),
        TypicalCase.objects.create(site=site, title="党员星级服务", summary="……", year=2026),
        Reminder.objects.create(
            target_type=ContentType.objects.get_for_model(WorkItem),
            target_id=work_item.pk,
            kind=Reminder.Kind.DUE_IN_7,
            due_on=MOBILIZATION_DAY,
            recipient=cast.secretary,
        ),
        Notification.objects.create(recipient=cast.secretary, title="请提交创建方案"),
    ]

    member = Member.objects.create(name="李明", gender="M", branch=tree.branch_a1)
    applicant = Applicant.objects.create(name="周芳", gender="F", branch=tree.branch_a1)
    meeting = Meeting.objects.create(
        organization=tree.branch_a1, kind="THEME_DAY", held_on=datetime.date(2026, 5, 1), topic="主题党日"
    )
    household = Household.objects.create(branch=tree.branch_a1, name="张大爷", category="HARDSHIP")
    rows += [
        member,
        applicant,
        meeting,
        household,
        DevelopmentStage.objects.create(
            applicant=applicant, stage="APPLICANT", reached_on=datetime.date(2026, 3, 1)
        ),
        DuesPayment.objects.create(
            member=member,
            month=datetime.date(2026, 5, 1),
            amount=Decimal("10"),
            paid_on=datetime.date(2026, 5, 8),
        ),
        Attendance.objects.create(meeting=meeting, member=member),
        ServiceRecord.objects.create(
            member=member,
            served_on=datetime.date(2026, 5, 2),
            place="村部",
            content="代购药品",
            household=household,
        ),
        Pairing.objects.create(member=member, household=household),
        Plaque.objects.create(
            member=member, title="FIVE_STAR_HOUSEHOLD", method="BRANCH_SELECTION", year=2026
        ),
        StarRule.objects.create(organization=tree.branch_a1),
    ]

    framework = Framework.objects.create(name="测试标准")
    dimension = Dimension.objects.create(
        framework=framework, group=Dimension.Group.FIVE_GOODS, name="领导班子好", order=0
    )
    indicator = Indicator.objects.create(
        dimension=dimension, code="1.1", text="班子健全", max_score=Decimal(10)
    )
    assessment = SelfAssessment.objects.create(site=site)
    survey = Survey.objects.create(
        site=site, opens_on=datetime.date(2026, 11, 1), closes_on=datetime.date(2026, 11, 30)
    )
    token = BallotToken.objects.create(survey=survey)
    acceptance = Acceptance.objects.create(site=site, visited_on=datetime.date(2026, 11, 20))
    rows += [
        framework,
        dimension,
        indicator,
        assessment,
        IndicatorScore.objects.create(self_assessment=assessment, indicator=indicator, score=Decimal(9)),
        Evidence.objects.create(
            self_assessment=assessment,
            indicator=indicator,
            file=SimpleUploadedFile("台账.pdf", PDF),
            original_name="台账.pdf",
            content_type="application/pdf",
            size=len(PDF),
            sha256=hashlib.sha256(PDF).hexdigest(),
        ),
        survey,
        token,
        Ballot.objects.create(token=token, survey=survey, choice=Ballot.Choice.SATISFIED),
        acceptance,
        TeamMember.objects.create(acceptance=acceptance, user=cast.inspector, is_lead=True),
        InspectorScore.objects.create(
            acceptance=acceptance,
            inspector=cast.inspector,
            indicator=indicator,
            score=Decimal(8),
            check_method="RECORDS",
        ),
        AgreedScore.objects.create(
            acceptance=acceptance,
            indicator=indicator,
            score=Decimal(8),
            reason="复核台账",
            decided_by=cast.inspector,
        ),
        Objection.objects.create(acceptance=acceptance, text="得分偏高"),
    ]

    chosen = {type(row): row for row in rows}
    chosen.update(
        {
            Organization: tree.work,
            User: cast.secretary,
            Role: Role.objects.get(user=cast.secretary),
            Group: Group.objects.get(name="组织部"),
            type(site): site,
            type(campaign): campaign,
            type(campaign.phases.first()): campaign.phases.first(),
            AuditEvent: AuditEvent.objects.first(),
        }
    )
    missing = [model.__name__ for model in MODELS if chosen.get(model) is None]
    assert not missing, f"没有可打开的对象：{missing}（请在 one_of_each 中各建一条）"
    return chosen


# What the 组织部 writes here, and the POST each of its forms is walked with ----------------


def organization_add(tree):
    return {
        "name": "三村党支部",
        "code": "A3",
        "kind": Kind.BRANCH,
        "sector": "VILLAGE",
        "is_active": "on",
        "treebeard_position": "first-child",
        "treebeard_ref_node": tree.committee_a.pk,
    }


def organization_change(tree, work):
    return {
        "name": "示范区党工委",
        "code": work.code,
        "kind": work.kind,
        "sector": work.sector,
        "is_active": "on",
    }


def account_add(tree):
    return {
        "username": "t_zhibu_a2",
        "name": "二村书记",
        "phone": "13800000003",
        "usable_password": "true",
        "password1": "Shifandian-2026",
        "password2": "Shifandian-2026",
        "roles-TOTAL_FORMS": 1,
        "roles-INITIAL_FORMS": 0,
        "roles-MIN_NUM_FORMS": 1,
        "roles-MAX_NUM_FORMS": 1000,
        "roles-0-organization": tree.branch_a2.pk,
        "roles-0-kind": Role.Kind.BRANCH_SECRETARY,
    }


def account_change(tree, account):
    roles = list(account.roles.order_by("pk"))
    data = {
        "username": account.username,
        "name": account.name,
        "phone": "13900000009",
        "email": account.email,
        "is_active": "on",
        "roles-TOTAL_FORMS": len(roles),
        "roles-INITIAL_FORMS": len(roles),
        "roles-MIN_NUM_FORMS": 1,
        "roles-MAX_NUM_FORMS": 1000,
    }
    for i, role in enumerate(roles):
        data.update({f"roles-{i}-id": role.pk, f"roles-{i}-user": account.pk})
    return data


def role_add(tree):
    secretary = User.objects.get(username="t_zhibu")
    return {"user": secretary.pk, "organization": tree.branch_a2.pk, "kind": Role.Kind.BRANCH_SECRETARY}


# {model: (POST for its add form, POST for its change form)}; None: that form must not write.
WRITES = {
    Organization: (organization_add, organization_change),
    User: (account_add, account_change),
    Role: (role_add, None),
}


def rows(model) -> list[tuple]:
    """The whole table, field by field: what a refused or read-only POST must leave as it was."""
    fields = [field.attname for field in model._meta.concrete_fields]
    return list(model._default_manager.order_by("pk").values_list(*fields))


def refused(response) -> bool:
    """403; the login page (not for this account); or, for a row out of sight, the admin's
    "may have been deleted" redirect to its index (or a 404)."""
    if response.status_code in (403, 404):
        return True
    return response.status_code == 302 and (
        response.url.startswith(reverse("admin:login")) or response.url == reverse("admin:index")
    )


def as_role(client, cast, role):
    user = getattr(cast, role)
    grant_admin_access(user)
    if role != "org_department":
        # As an older grant may have left them: staff status must not open 数据管理 by itself.
        User.objects.filter(pk=user.pk).update(is_staff=True)
    client.force_login(user)
    return user


def post_and_check(client, url, data, *, model, user, may_write: bool) -> None:
    before, events = rows(model), AuditEvent.objects.count()
    response = client.post(url, data)
    if not may_write:
        assert refused(response), f"{url}：POST 应被拒绝，实为 {response.status_code}"
        assert rows(model) == before, f"{url}：被拒绝的 POST 改动了数据"
        assert AuditEvent.objects.count() == events
        return
    assert response.status_code == 302, f"{url}：保存失败 {response.status_code}"
    assert rows(model) != before, f"{url}：没有保存"
    written = AuditEvent.objects.order_by("id")[events:]
    assert written, f"{url}：保存了，却没有审计记录"
    assert {event.actor for event in written} == {user}


def walk(client, tree, model, obj, *, user, role) -> None:
    """Open `model`'s add form and `obj`'s change form and post to each, as `user`."""
    add_data, change_data = WRITES.get(model, (None, None))

    add_url = admin_url(model, "add")
    page = client.get(add_url)
    if refused(page):
        post_and_check(
            client, add_url, add_data(tree) if add_data else {}, model=model, user=user, may_write=False
        )
    else:
        assert role == "org_department", f"{role} 打开了 {add_url}"
        assert page.status_code == 200
        assert add_data, (
            f"{model.__name__} 的新增表单对组织部开放：请在 WRITES 中给出表单数据，保存须写审计记录。"
        )
        post_and_check(client, add_url, add_data(tree), model=model, user=user, may_write=True)

    change_url = admin_url(model, "change", obj.pk)
    page = client.get(change_url)
    if refused(page):
        writes = False
    else:
        assert role == "org_department", f"{role} 打开了 {change_url}"
        assert page.status_code == 200
        writes = page.context["has_change_permission"]
        assert not writes or change_data, (
            f"{model.__name__} 的修改表单对组织部开放：请在 WRITES 中给出表单数据，保存须写审计记录。"
        )
    data = change_data(tree, obj) if change_data else {}
    post_and_check(client, change_url, data, model=model, user=user, may_write=writes)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_org_department_forms_are_read_only_or_write_an_audit_event(client, tree, cast, one_of_each, model):
    user = as_role(client, cast, "org_department")

    walk(client, tree, model, one_of_each[model], user=user, role="org_department")


@pytest.mark.parametrize("role", [role for role in CAST if role != "org_department"])
def test_other_roles_are_refused_every_form(client, tree, cast, one_of_each, role):
    user = as_role(client, cast, role)

    for model in MODELS:
        walk(client, tree, model, one_of_each[model], user=user, role=role)

"""The campaigns admin: every page answers, sites are scoped, status moves only through the services."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.urls import reverse

from campaigns.models import (
    Campaign,
    Funding,
    LeadingGroupMember,
    Phase,
    Rectification,
    Reminder,
    Site,
    SupervisionVisit,
    TypicalCase,
    WorkItem,
)
from campaigns.services import nominate_site
from organizations.models import AuditEvent, Kind, Role, Verb
from organizations.permissions import grant_admin_access
from tests.admin_support import admin_url, assert_admin_pages_answer, registered
from tests.campaigns.factories import MOBILIZATION_DAY, active_campaign
from tests.organizations.factories import UserFactory, give_role, make_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(tree, cast):
    return active_campaign(organizer=tree.work, by=cast.org_department)


@pytest.fixture
def sites(campaign, tree, cast):
    """One nominated site in the secretary's branch, one in the outsider's."""
    committee_b = UserFactory(username="t_dangwei_b")
    give_role(committee_b, tree.committee_b, Role.Kind.COMMITTEE)
    own = nominate_site(campaign=campaign, branch=tree.branch_a1, by=cast.committee, today=MOBILIZATION_DAY)
    other = nominate_site(campaign=campaign, branch=tree.branch_b1, by=committee_b, today=MOBILIZATION_DAY)
    return own, other


@pytest.fixture
def site_records(sites, campaign, cast):
    """A row of each kind a site keeps, for both sites."""
    for site in sites:
        LeadingGroupMember.objects.create(
            site=site, name="王书记", position=LeadingGroupMember.Position.LEADER
        )
        WorkItem.objects.create(
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
        Rectification.objects.create(
            site=site,
            source=Rectification.Source.SUPERVISION,
            supervision_visit=visit,
            description="补齐三会一课台账",
            due_on=MOBILIZATION_DAY,
        )
        Funding.objects.create(site=site, source=Funding.Source.FISCAL, amount=Decimal("20000"))
        TypicalCase.objects.create(site=site, title="党员星级服务", summary="……", year=2026)
    Reminder.objects.create(
        target_type=ContentType.objects.get_for_model(WorkItem),
        target_id=WorkItem.objects.first().pk,
        kind=Reminder.Kind.DUE_IN_7,
        due_on=MOBILIZATION_DAY,
        recipient=cast.secretary,
    )
    return sites


@pytest.fixture
def org_department_client(client, cast):
    grant_admin_access(cast.org_department)
    client.force_login(cast.org_department)
    return client


def campaign_form(campaign, phases):
    """POST data for the campaign change form with its phase inline."""
    data = {
        "name": campaign.name,
        "year": campaign.year,
        "organizer": campaign.organizer_id,
        "description": "",
        "quota_per_committee": 1,
        "weight_self": 20,
        "weight_public": 30,
        "weight_inspection": 50,
        "pass_score": "80",
        "publicity_days": 5,
        "phases-TOTAL_FORMS": len(phases),
        "phases-INITIAL_FORMS": sum(1 for p in phases if p.get("id")),
        "phases-MIN_NUM_FORMS": 0,
        "phases-MAX_NUM_FORMS": 3,
    }
    for i, phase in enumerate(phases):
        for key, value in phase.items():
            data[f"phases-{i}-{key}"] = value
    return data


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# Every page answers --------------------------------------------------------------------------


@pytest.mark.parametrize("model", registered("campaigns"), ids=lambda m: m.__name__)
def test_every_admin_page_answers_for_superuser(admin_client, admin_user, site_records, model):
    assert_admin_pages_answer(admin_client, admin_user, model)


# Scoping -----------------------------------------------------------------------------------


def test_clerk_sees_only_own_committees_site(committee_department_client, sites):
    own, _ = sites

    response = committee_department_client.get(admin_url(Site, "changelist"))

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [own]


def test_other_committees_site_page_is_not_shown_to_clerk(committee_department_client, sites):
    _, other = sites

    response = committee_department_client.get(admin_url(Site, "change", other.pk))

    assert response.status_code in (302, 404)
    assert "实验学校党支部" not in response.content.decode()


def test_clerk_sees_only_own_committees_site_records(committee_department_client, site_records):
    own, _ = site_records

    for model in (LeadingGroupMember, WorkItem, SupervisionVisit, Rectification, Funding, TypicalCase):
        response = committee_department_client.get(admin_url(model, "changelist"))
        assert response.status_code == 200, model.__name__
        assert {row.site for row in response.context["cl"].result_list} == {own}, model.__name__


def test_a_secretary_does_not_get_into_the_admin(client, cast, sites):
    grant_admin_access(cast.secretary)
    client.force_login(cast.secretary)

    response = client.get(admin_url(Site, "changelist"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


# Status only through the services ----------------------------------------------------------


def test_site_status_is_read_only(admin_client, sites):
    response = admin_client.get(admin_url(Site, "change", sites[0].pk))

    assert response.status_code == 200
    assert 'name="status"' not in response.content.decode()


def test_approve_action_approves_through_the_service(org_department_client, sites):
    own, other = sites

    response = org_department_client.post(
        admin_url(Site, "changelist"), {"action": "approve", "_selected_action": [own.pk, other.pk]}
    )

    assert response.status_code == 302
    assert set(Site.objects.values_list("status", flat=True)) == {Site.Status.APPROVED}
    assert AuditEvent.objects.filter(verb=Verb.APPROVE).count() == 2


def test_approve_action_reports_the_services_refusal(committee_department_client, sites):
    # 第一党委's clerk sees its site, but the county campaign is decided by the county 组织部.
    own, _ = sites

    response = committee_department_client.post(
        admin_url(Site, "changelist"), {"action": "approve", "_selected_action": [own.pk]}
    )

    own.refresh_from_db()
    assert own.status == Site.Status.NOMINATED
    assert any(
        message.startswith(str(own)) and "不能批准创建" in message for message in messages_of(response)
    )


def test_reject_action_asks_for_a_reason_then_rejects(org_department_client, sites):
    own, _ = sites
    url = admin_url(Site, "changelist")

    asked = org_department_client.post(url, {"action": "reject", "_selected_action": [own.pk]})
    empty = org_department_client.post(url, {"action": "reject", "_selected_action": [own.pk], "apply": "1"})
    done = org_department_client.post(
        url, {"action": "reject", "_selected_action": [own.pk], "apply": "1", "reason": "台账基础薄弱"}
    )

    assert asked.status_code == 200
    assert "不予批准的理由" in asked.content.decode()
    assert empty.status_code == 200
    assert done.status_code == 302
    own.refresh_from_db()
    assert own.status == Site.Status.REJECTED
    assert own.decision_note == "台账基础薄弱"


# Phases ------------------------------------------------------------------------------------


def test_overlapping_phases_are_refused_with_a_chinese_error(admin_client, tree):
    draft = Campaign(name="2027年度示范点创建", year=2027, organizer=tree.work)
    data = campaign_form(
        draft,
        [
            {"kind": "MOBILIZATION", "starts_on": "2027-03-01", "ends_on": "2027-05-31"},
            {"kind": "IMPLEMENTATION", "starts_on": "2027-05-01", "ends_on": "2027-11-15"},
            {"kind": "ACCEPTANCE", "starts_on": "2027-11-16", "ends_on": "2027-12-31"},
        ],
    )

    response = admin_client.post(admin_url(Campaign, "add"), data)

    assert response.status_code == 200
    errors = " ".join(
        str(e)
        for formset in response.context["inline_admin_formsets"]
        for e in formset.formset.non_form_errors()
    )
    assert "应在" in errors and "结束（2027-05-31）之后开始" in errors
    assert not Campaign.objects.filter(year=2027).exists()


def test_all_three_phases_move_together(admin_client, campaign):
    phases = {p.kind: p for p in campaign.phases.all()}
    moved = [
        ("MOBILIZATION", "2026-03-01", "2026-05-15"),
        ("IMPLEMENTATION", "2026-05-16", "2026-11-20"),
        ("ACCEPTANCE", "2026-11-21", "2026-12-31"),
    ]
    data = campaign_form(
        campaign,
        [
            {
                "id": phases[kind].pk,
                "campaign": campaign.pk,
                "kind": kind,
                "name": phases[kind].name,
                "starts_on": s,
                "ends_on": e,
            }
            for kind, s, e in moved
        ],
    )

    response = admin_client.post(admin_url(Campaign, "change", campaign.pk), data)

    assert response.status_code == 302
    assert Phase.objects.get(pk=phases["IMPLEMENTATION"].pk).starts_on == datetime.date(2026, 5, 16)


def test_campaign_added_in_admin_is_audited(admin_client, tree):
    draft = Campaign(name="2027年度示范点创建", year=2027, organizer=tree.work)
    data = campaign_form(
        draft,
        [
            {"kind": "MOBILIZATION", "starts_on": "2027-03-01", "ends_on": "2027-04-30"},
            {"kind": "IMPLEMENTATION", "starts_on": "2027-05-01", "ends_on": "2027-11-15"},
            {"kind": "ACCEPTANCE", "starts_on": "2027-11-16", "ends_on": "2027-12-31"},
        ],
    )

    response = admin_client.post(admin_url(Campaign, "add"), data)

    assert response.status_code == 302
    created = Campaign.objects.get(year=2027)
    assert created.phases.count() == 3
    (event,) = AuditEvent.objects.about(created).filter(verb=Verb.CREATE_CAMPAIGN)
    assert event.actor.is_superuser


def test_campaigns_are_created_on_the_page_not_in_the_admin(org_department_client, tree):
    draft = Campaign(name="2027年度示范点创建", year=2027, organizer=tree.work)
    data = campaign_form(
        draft,
        [
            {"kind": "MOBILIZATION", "starts_on": "2027-03-01", "ends_on": "2027-04-30"},
            {"kind": "IMPLEMENTATION", "starts_on": "2027-05-01", "ends_on": "2027-11-15"},
            {"kind": "ACCEPTANCE", "starts_on": "2027-11-16", "ends_on": "2027-12-31"},
        ],
    )

    assert org_department_client.get(admin_url(Campaign, "add")).status_code == 403
    assert org_department_client.post(admin_url(Campaign, "add"), data).status_code == 403
    assert not Campaign.objects.filter(year=2027).exists()


# The campaign as a whole is the organizer's ------------------------------------------------


@pytest.fixture
def committee_department_client(client, tree):
    """A 组织部 clerk of 第一党委, below the county campaign's organizer."""
    clerk = UserFactory(username="t_zzb_a")
    give_role(clerk, tree.committee_a, Role.Kind.ORG_DEPARTMENT)
    grant_admin_access(clerk)
    client.force_login(clerk)
    return client


@pytest.mark.parametrize(
    "model", [LeadingGroupMember, WorkItem, SupervisionVisit, Rectification, Funding, TypicalCase, Phase]
)
def test_a_sites_records_and_phases_are_read_only_for_the_org_department(
    org_department_client, site_records, model
):
    row = model.objects.first()
    before = model.objects.filter(pk=row.pk).values().get()

    add_page = org_department_client.get(admin_url(model, "add"))
    change_page = org_department_client.get(admin_url(model, "change", row.pk))
    posted = org_department_client.post(admin_url(model, "change", row.pk), {"title": "改过", "name": "改过"})

    assert add_page.status_code == 403
    assert change_page.status_code == 200
    assert 'name="_save"' not in change_page.content.decode()
    assert posted.status_code == 403
    assert model.objects.filter(pk=row.pk).values().get() == before


def test_campaigns_managed_are_those_of_the_users_org_department(cast, tree, campaign):
    clerk = UserFactory(username="t_zzb_a")
    give_role(clerk, tree.committee_a, Role.Kind.ORG_DEPARTMENT)

    assert list(Campaign.objects.managed_by(cast.org_department)) == [campaign]
    for user in (clerk, cast.committee, cast.secretary, cast.inspector):
        assert campaign in Campaign.objects.visible_to(user)
        assert not Campaign.objects.managed_by(user).exists()


# Choice lists ------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [LeadingGroupMember, WorkItem, Rectification])
def test_site_choices_cost_one_query_however_many_sites(
    admin_client, tree, cast, model, django_assert_max_num_queries
):
    campaign = active_campaign(organizer=tree.work, by=cast.org_department, quota_per_committee=40)

    def add_sites(count):
        for _ in range(count):
            branch = make_org(tree.committee_a, Kind.BRANCH, "新支部")
            nominate_site(campaign=campaign, branch=branch, by=cast.committee, today=MOBILIZATION_DAY)

    def queries():
        with django_assert_max_num_queries(40) as captured:
            response = admin_client.get(admin_url(model, "add"))
        assert response.status_code == 200
        return len(captured), len(response.context["adminform"].form.fields["site"].queryset)

    add_sites(3)
    few, listed = queries()
    add_sites(27)
    many, listed_many = queries()

    assert (listed, listed_many) == (3, 30)
    assert few == many


def test_org_department_cannot_close_a_rectification_in_the_admin(org_department_client, site_records, sites):
    item = Rectification.objects.filter(site=sites[0]).first()
    response = org_department_client.get(admin_url(Rectification, "change", item.pk))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert not {"status", "response", "evidence", "closed_on"} & set(form.fields)


def test_site_plan_and_its_records_are_kept_on_the_site_page_not_in_the_admin(
    org_department_client, site_records, sites
):
    response = org_department_client.get(admin_url(Site, "change", sites[0].pk))
    assert response.status_code == 200
    assert not {"plan", "plan_file", "highlights"} & set(response.context["adminform"].form.fields)
    for formset in response.context["inline_admin_formsets"]:
        assert not formset.has_add_permission
        assert not formset.has_change_permission
        assert not formset.has_delete_permission

"""The campaigns admin: every page answers, sites are scoped, status moves only through the services."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages

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


def test_secretary_sees_only_own_site(client, cast, sites):
    own, _ = sites
    grant_admin_access(cast.secretary)
    client.force_login(cast.secretary)

    response = client.get(admin_url(Site, "changelist"))

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [own]


def test_outsiders_site_page_is_not_shown_to_secretary(client, cast, sites):
    _, other = sites
    grant_admin_access(cast.secretary)
    client.force_login(cast.secretary)

    response = client.get(admin_url(Site, "change", other.pk))

    assert response.status_code in (302, 404)
    assert "实验学校党支部" not in response.content.decode()


def test_secretary_sees_only_own_sites_records(client, cast, site_records):
    own, _ = site_records
    grant_admin_access(cast.secretary)
    client.force_login(cast.secretary)

    for model in (LeadingGroupMember, WorkItem, SupervisionVisit, Rectification, Funding, TypicalCase):
        response = client.get(admin_url(model, "changelist"))
        assert response.status_code == 200, model.__name__
        assert {row.site for row in response.context["cl"].result_list} == {own}, model.__name__


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


def test_approve_action_reports_the_services_refusal(client, cast, sites):
    own, _ = sites
    grant_admin_access(cast.committee)
    client.force_login(cast.committee)

    response = client.post(admin_url(Site, "changelist"), {"action": "approve", "_selected_action": [own.pk]})

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
    assert AuditEvent.objects.about(created).filter(verb=Verb.CREATE_CAMPAIGN).exists()


# The campaign as a whole is the organizer's ------------------------------------------------


def work_item_form(campaign, site=None, title="全县统一部署"):
    return {
        "campaign": campaign.pk,
        "site": site.pk if site else "",
        "phase": "",
        "title": title,
        "due_on": "2026-05-01",
        "responsible": "",
        "responsible_user": "",
        "status": WorkItem.Status.PLANNED,
        "done_on": "",
    }


@pytest.fixture
def secretary_client(client, cast):
    grant_admin_access(cast.secretary)
    client.force_login(cast.secretary)
    return client


@pytest.fixture
def committee_department_client(client, tree):
    """A 组织部 clerk of 第一党委, below the county campaign's organizer."""
    clerk = UserFactory(username="t_zzb_a")
    give_role(clerk, tree.committee_a, Role.Kind.ORG_DEPARTMENT)
    grant_admin_access(clerk)
    client.force_login(clerk)
    return client


def test_secretary_cannot_add_a_campaign_wide_work_item(secretary_client, campaign):
    response = secretary_client.post(admin_url(WorkItem, "add"), work_item_form(campaign))

    assert response.status_code == 200
    assert "由活动组织单位的组织部制定" in " ".join(response.context["adminform"].form.errors["site"])
    assert not WorkItem.objects.exists()


def test_secretary_adds_a_work_item_for_own_site(secretary_client, campaign, sites):
    own, _ = sites

    response = secretary_client.post(
        admin_url(WorkItem, "add"), work_item_form(campaign, own, "制定创建方案")
    )

    assert response.status_code == 302
    assert WorkItem.objects.get().site == own


def test_campaign_wide_work_item_is_read_only_below_the_organizer(secretary_client, campaign):
    item = WorkItem.objects.create(campaign=campaign, title="召开动员大会", due_on=MOBILIZATION_DAY)
    url = admin_url(WorkItem, "change", item.pk)

    page = secretary_client.get(url)
    posted = secretary_client.post(url, work_item_form(campaign, title="改过的安排"))

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert posted.status_code == 403
    assert WorkItem.objects.get(pk=item.pk).title == "召开动员大会"


def test_phases_are_changed_only_by_the_organizers_department(committee_department_client, campaign):
    phase = campaign.phases.get(kind="ACCEPTANCE")
    data = {
        "campaign": campaign.pk,
        "kind": phase.kind,
        "name": "改名",
        "starts_on": "2026-11-16",
        "ends_on": "2026-12-30",
    }

    posted = committee_department_client.post(admin_url(Phase, "change", phase.pk), data)
    add_page = committee_department_client.get(admin_url(Phase, "add"))

    assert posted.status_code == 403
    assert Phase.objects.get(pk=phase.pk).name == phase.name
    assert list(add_page.context["adminform"].form.fields["campaign"].queryset) == []


def test_organizers_department_changes_phases(org_department_client, campaign):
    phase = campaign.phases.get(kind="ACCEPTANCE")
    data = {
        "campaign": campaign.pk,
        "kind": phase.kind,
        "name": "考核验收",
        "starts_on": "2026-11-16",
        "ends_on": "2026-12-30",
    }

    response = org_department_client.post(admin_url(Phase, "change", phase.pk), data)

    assert response.status_code == 302
    assert Phase.objects.get(pk=phase.pk).name == "考核验收"


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
    org_department_client, tree, cast, model, django_assert_max_num_queries
):
    campaign = active_campaign(organizer=tree.work, by=cast.org_department, quota_per_committee=40)

    def add_sites(count):
        for _ in range(count):
            branch = make_org(tree.committee_a, Kind.BRANCH, "新支部")
            nominate_site(campaign=campaign, branch=branch, by=cast.committee, today=MOBILIZATION_DAY)

    def queries():
        with django_assert_max_num_queries(40) as captured:
            response = org_department_client.get(admin_url(model, "add"))
        assert response.status_code == 200
        return len(captured), len(response.context["adminform"].form.fields["site"].queryset)

    add_sites(3)
    few, listed = queries()
    add_sites(27)
    many, listed_many = queries()

    assert (listed, listed_many) == (3, 30)
    assert few == many


def test_secretary_cannot_close_a_rectification_in_the_admin(secretary_client, site_records, sites):
    item = Rectification.objects.filter(site=sites[0]).first()
    response = secretary_client.get(admin_url(Rectification, "change", item.pk))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert not {"status", "response", "evidence", "closed_on"} & set(form.fields)


def test_site_plan_and_its_records_are_kept_on_the_site_page_not_in_the_admin(
    secretary_client, site_records, sites
):
    response = secretary_client.get(admin_url(Site, "change", sites[0].pk))
    assert response.status_code == 200
    assert not {"plan", "plan_file", "highlights"} & set(response.context["adminform"].form.fields)
    for formset in response.context["inline_admin_formsets"]:
        assert not formset.has_add_permission
        assert not formset.has_change_permission
        assert not formset.has_delete_permission

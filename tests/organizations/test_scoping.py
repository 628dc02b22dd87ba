"""visible_to for each role of the cast and for an outsider from another branch."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from campaigns.models import (
    Campaign,
    LeadingGroupMember,
    Phase,
    Rectification,
    Reminder,
    Site,
    SupervisionVisit,
    WorkItem,
)
from campaigns.services import PhaseSpec, activate_campaign, approve_site, create_campaign, nominate_site
from members.models import Attendance, DuesPayment, Meeting, Member, ServiceRecord
from organizations.models import AuditEvent, Notification, Organization, Role
from tests.organizations.factories import UserFactory, give_role

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 3, 10)


@pytest.fixture
def campaign(tree, cast):
    campaign = create_campaign(
        by=cast.org_department,
        name="2026年度示范点创建",
        year=2026,
        organizer=tree.work,
        phases=[
            PhaseSpec("MOBILIZATION", datetime.date(2026, 3, 1), datetime.date(2026, 4, 15)),
            PhaseSpec("IMPLEMENTATION", datetime.date(2026, 4, 16), datetime.date(2026, 11, 15)),
            PhaseSpec("ACCEPTANCE", datetime.date(2026, 11, 16), datetime.date(2026, 12, 31)),
        ],
    )
    return activate_campaign(campaign=campaign, by=cast.org_department)


@pytest.fixture
def sites(tree, cast, campaign):
    committee_b = UserFactory(username="t_dangwei_b")
    give_role(committee_b, tree.committee_b, Role.Kind.COMMITTEE)
    site_a1 = nominate_site(campaign=campaign, branch=tree.branch_a1, by=cast.committee, today=DAY)
    site_b1 = nominate_site(campaign=campaign, branch=tree.branch_b1, by=committee_b, today=DAY)
    approve_site(site=site_a1, by=cast.org_department)
    return site_a1, site_b1


@pytest.fixture
def records(tree, sites):
    """One of each branch-owned record in branch A1 and in branch B1."""
    made = {}
    for branch, site in ((tree.branch_a1, sites[0]), (tree.branch_b1, sites[1])):
        member = Member.objects.create(name=f"{branch.name}党员", gender="M", branch=branch)
        meeting = Meeting.objects.create(organization=branch, kind="THEME_DAY", held_on=DAY, topic="主题党日")
        Attendance.objects.create(meeting=meeting, member=member)
        DuesPayment.objects.create(member=member, month=datetime.date(2026, 3, 1), amount=10, paid_on=DAY)
        ServiceRecord.objects.create(member=member, served_on=DAY, place="村委会", content="帮扶")
        LeadingGroupMember.objects.create(site=site, name="组长", position="LEADER")
        visit = SupervisionVisit.objects.create(
            site=site, visited_on=DAY, method="PRIORITY", findings="台账不全"
        )
        Rectification.objects.create(
            site=site, source="SUPERVISION", supervision_visit=visit, description="补齐台账", due_on=DAY
        )
        WorkItem.objects.create(campaign=site.campaign, site=site, title="制定创建方案", due_on=DAY)
        made[branch.code] = member
    return made


def names(queryset):
    return sorted(str(o) for o in queryset)


def test_org_department_sees_the_whole_tree(tree, cast):
    assert Organization.objects.visible_to(cast.org_department).count() == Organization.objects.count()


def test_committee_sees_its_subtree_only(tree, cast):
    visible = set(Organization.objects.visible_to(cast.committee))
    assert visible == {tree.committee_a, tree.branch_a1, tree.group_a1, tree.branch_a2}


def test_secretary_sees_own_branch_and_its_groups(tree, cast):
    assert set(Organization.objects.visible_to(cast.secretary)) == {tree.branch_a1, tree.group_a1}


def test_inspector_at_the_work_committee_sees_all(tree, cast):
    assert Organization.objects.visible_to(cast.inspector).count() == Organization.objects.count()


def test_outsider_sees_only_their_own_branch(tree, cast):
    assert set(Organization.objects.visible_to(cast.outsider)) == {tree.branch_b1}


def test_user_without_role_and_anonymous_see_nothing(tree):
    nobody = UserFactory(username="t_nobody")
    assert not Organization.objects.visible_to(nobody).exists()
    assert not Organization.objects.visible_to(AnonymousUser()).exists()
    assert not Site.objects.visible_to(AnonymousUser()).exists()


def test_roles_in_two_places_see_both_subtrees(tree, cast):
    give_role(cast.outsider, tree.branch_a2, Role.Kind.BRANCH_SECRETARY)
    assert set(Organization.objects.visible_to(cast.outsider)) == {tree.branch_b1, tree.branch_a2}


def test_sites_follow_the_tree(tree, cast, sites):
    site_a1, site_b1 = sites
    assert set(Site.objects.visible_to(cast.org_department)) == {site_a1, site_b1}
    assert set(Site.objects.visible_to(cast.committee)) == {site_a1}
    assert set(Site.objects.visible_to(cast.secretary)) == {site_a1}
    assert set(Site.objects.visible_to(cast.inspector)) == {site_a1, site_b1}
    assert set(Site.objects.visible_to(cast.outsider)) == {site_b1}


def test_campaign_is_visible_to_everyone_taking_part_but_not_to_strangers(tree, cast, campaign):
    for user in (cast.org_department, cast.committee, cast.secretary, cast.inspector, cast.outsider):
        assert list(Campaign.objects.visible_to(user)) == [campaign]
    assert not Campaign.objects.visible_to(UserFactory(username="t_stranger")).exists()


@pytest.mark.parametrize(
    "model",
    [
        Member,
        Meeting,
        Attendance,
        DuesPayment,
        ServiceRecord,
        LeadingGroupMember,
        SupervisionVisit,
        Rectification,
        WorkItem,
    ],
)
def test_branch_records_are_scoped(model, cast, records):
    total = model.objects.count()
    assert model.objects.visible_to(cast.org_department).count() == total == 2
    assert model.objects.visible_to(cast.secretary).count() == 1
    assert model.objects.visible_to(cast.outsider).count() == 1
    assert set(model.objects.visible_to(cast.secretary)).isdisjoint(model.objects.visible_to(cast.outsider))


def test_campaign_wide_work_items_go_with_the_campaign(tree, cast, campaign):
    item = WorkItem.objects.create(campaign=campaign, title="召开动员大会", due_on=DAY)
    assert item in WorkItem.objects.visible_to(cast.secretary)
    assert not WorkItem.objects.visible_to(UserFactory(username="t_stranger")).exists()


def test_audit_events_are_scoped(cast, sites):
    site_a1, site_b1 = sites
    seen_by_secretary = AuditEvent.objects.visible_to(cast.secretary)
    assert seen_by_secretary.exists()
    assert all(e.organization_id == site_a1.organization_id for e in seen_by_secretary)
    assert not seen_by_secretary.filter(organization=site_b1.organization).exists()


def test_visible_to_is_one_query(cast, sites, django_assert_num_queries):
    with django_assert_num_queries(1):
        list(Site.objects.visible_to(cast.committee))


def test_visible_to_can_count_only_roles_of_one_kind(tree, cast):
    give_role(cast.committee, tree.branch_b1, Role.Kind.BRANCH_SECRETARY)
    as_committee = set(Organization.objects.visible_to(cast.committee, role_kind=Role.Kind.COMMITTEE))
    assert as_committee == {tree.committee_a, tree.branch_a1, tree.group_a1, tree.branch_a2}
    assert tree.branch_b1 in Organization.objects.visible_to(cast.committee)
    assert not Organization.objects.visible_to(cast.committee, role_kind=Role.Kind.ORG_DEPARTMENT).exists()


def test_phases_go_with_their_campaign(cast, campaign):
    assert Phase.objects.visible_to(cast.outsider).count() == 3
    assert not Phase.objects.visible_to(UserFactory(username="t_stranger")).exists()


def test_notifications_and_reminders_are_the_recipients_own(cast, campaign):
    from django.contrib.contenttypes.models import ContentType

    for user in (cast.secretary, cast.outsider):
        Notification.objects.create(recipient=user, title=f"给{user}的提醒")
        Reminder.objects.create(
            target_type=ContentType.objects.get_for_model(campaign),
            target_id=campaign.pk,
            kind=Reminder.Kind.DUE_IN_7,
            due_on=DAY,
            recipient=user,
        )
    assert [n.recipient for n in Notification.objects.visible_to(cast.secretary)] == [cast.secretary]
    assert [r.recipient for r in Reminder.objects.visible_to(cast.outsider)] == [cast.outsider]
    assert not Notification.objects.visible_to(AnonymousUser()).exists()


def test_a_reminder_is_sent_once_per_object_kind_date_and_recipient(cast, campaign):
    from django.contrib.contenttypes.models import ContentType
    from django.db import IntegrityError, transaction

    key = {
        "target_type": ContentType.objects.get_for_model(campaign),
        "target_id": campaign.pk,
        "kind": Reminder.Kind.OVERDUE,
        "due_on": DAY,
        "recipient": cast.secretary,
    }
    Reminder.objects.create(**key)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(**key)


def test_within_keeps_one_subtree(tree, records):
    assert set(Organization.objects.within(tree.committee_a)) == {
        tree.committee_a,
        tree.branch_a1,
        tree.group_a1,
        tree.branch_a2,
    }
    assert list(Organization.objects.groups_of(tree.branch_a1)) == [tree.group_a1]
    assert not Organization.objects.groups_of(tree.branch_b1).exists()
    assert {m.branch for m in Member.objects.within(tree.committee_a)} == {tree.branch_a1}
    assert {a.meeting.organization for a in Attendance.objects.within(tree.branch_b1)} == {tree.branch_b1}

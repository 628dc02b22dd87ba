"""Rules of the data that forms and imports rely on, checked by the models themselves."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from campaigns.models import Rectification, SupervisionVisit
from campaigns.services import nominate_site
from members.models import Attendance, Meeting, Member
from tests.campaigns.factories import MOBILIZATION_DAY, active_campaign

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 5, 10)


def member(branch, **kwargs):
    return Member(name="李明", gender="M", branch=branch, **kwargs)


def test_a_member_may_be_in_a_group_of_their_own_branch(tree):
    member(tree.branch_a1, group=tree.group_a1).full_clean()


def test_a_member_may_not_be_in_another_branchs_group(tree):
    with pytest.raises(ValidationError, match="党小组须是“二村党支部”下的党小组"):
        member(tree.branch_a2, group=tree.group_a1).full_clean()


def test_a_member_belongs_to_a_branch_not_a_committee(tree):
    with pytest.raises(ValidationError, match="党员只能编入党支部"):
        member(tree.committee_a).full_clean()


def test_attendance_only_for_members_of_the_meetings_branch(tree):
    own = Member.objects.create(name="李明", gender="M", branch=tree.branch_a1)
    other = Member.objects.create(name="周芳", gender="F", branch=tree.branch_b1)
    group_meeting = Meeting.objects.create(
        organization=tree.group_a1, kind="GROUP_MEETING", held_on=DAY, topic="学习"
    )
    Attendance(meeting=group_meeting, member=own).full_clean()
    with pytest.raises(ValidationError, match="周芳不是“第一党小组”所在支部的党员"):
        Attendance(meeting=group_meeting, member=other).full_clean()


def test_a_rectification_comes_from_a_visit_to_the_same_site(tree, cast):
    campaign = active_campaign(organizer=tree.work, by=cast.org_department, quota_per_committee=2)
    site_a1 = nominate_site(
        campaign=campaign, branch=tree.branch_a1, by=cast.committee, today=MOBILIZATION_DAY
    )
    site_a2 = nominate_site(
        campaign=campaign, branch=tree.branch_a2, by=cast.committee, today=MOBILIZATION_DAY
    )
    visit = SupervisionVisit.objects.create(
        site=site_a1, visited_on=DAY, method="PRIORITY", findings="台账不全"
    )
    fields = {"source": "SUPERVISION", "description": "补齐台账", "due_on": DAY, "supervision_visit": visit}
    Rectification(site=site_a1, **fields).full_clean()
    with pytest.raises(ValidationError, match="督导记录不属于该示范点"):
        Rectification(site=site_a2, **fields).full_clean()

"""Rules of the data that forms and imports rely on, checked by the models themselves."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from campaigns.models import Rectification, SupervisionVisit
from campaigns.services import nominate_site
from members.models import Attendance, Meeting, Member
from tests.campaigns.factories import MOBILIZATION_DAY, active_campaign
from tests.members.factories import valid_id_number

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


# The member rules (members.validation.check_member) through Member.clean ---------------------

ID_MAN_1985 = valid_id_number(datetime.date(1985, 4, 2), male=True)


def test_a_member_takes_the_birth_date_written_in_the_id_number(tree):
    li = member(tree.branch_a1, id_number=ID_MAN_1985.lower())

    li.full_clean()

    assert (li.id_number, li.birth_date) == (ID_MAN_1985, datetime.date(1985, 4, 2))


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"id_number": ID_MAN_1985[:17] + "Y"}, "id_number", "公民身份证号应为 18 位"),
        ({"birth_date": datetime.date(1985, 4, 3)}, "birth_date", "出生日期与公民身份证号不符"),
        ({"gender": "F"}, "gender", "性别与公民身份证号不符（身份证号上是男）"),
        ({"joined_on": datetime.date(1985, 4, 2)}, "joined_on", "加入党组织日期应晚于出生日期"),
    ],
)
def test_a_member_whose_particulars_disagree_is_refused(tree, changes, field, message):
    li = member(tree.branch_a1, id_number=ID_MAN_1985)
    for name, value in changes.items():
        setattr(li, name, value)

    with pytest.raises(ValidationError) as refused:
        li.full_clean()

    assert list(refused.value.message_dict) == [field]
    assert message in refused.value.message_dict[field][0]


def test_an_id_number_held_by_another_member_is_refused(tree):
    Member.objects.create(name="周芳", gender="M", branch=tree.branch_b1, id_number=ID_MAN_1985)

    with pytest.raises(ValidationError, match="该公民身份证号已登记在另一名党员的档案中"):
        member(tree.branch_a1, id_number=ID_MAN_1985).full_clean()


def test_a_number_on_file_that_fails_the_check_is_not_held_against_other_changes(tree):
    Member.objects.create(name="老党员", gender="M", branch=tree.branch_a1, id_number="430124198001011234")
    legacy = Member.objects.get(name="老党员")  # as the pages load it

    legacy.phone = "13800000001"
    legacy.full_clean()
    legacy.id_number = "430124198001011235"
    with pytest.raises(ValidationError, match="校验位不对"):
        legacy.full_clean()

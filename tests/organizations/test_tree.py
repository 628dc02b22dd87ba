import pytest
from django.core.exceptions import ValidationError

from organizations.models import Kind, Organization
from tests.organizations.factories import make_org

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("parent_kind", "kind"),
    [
        (None, Kind.WORK_COMMITTEE),
        (Kind.WORK_COMMITTEE, Kind.PARTY_COMMITTEE),
        (Kind.PARTY_COMMITTEE, Kind.GENERAL_BRANCH),
        (Kind.PARTY_COMMITTEE, Kind.BRANCH),
        (Kind.GENERAL_BRANCH, Kind.BRANCH),
        (Kind.BRANCH, Kind.GROUP),
    ],
)
def test_allowed_placements(tree, parent_kind, kind):
    parent = {
        None: None,
        Kind.WORK_COMMITTEE: tree.work,
        Kind.PARTY_COMMITTEE: tree.committee_a,
        Kind.BRANCH: tree.branch_a1,
    }.get(parent_kind)
    if parent_kind == Kind.GENERAL_BRANCH:
        parent = make_org(tree.committee_a, Kind.GENERAL_BRANCH, "机关党总支")
    org = make_org(parent, kind, "新组织")
    assert Organization.objects.get_parent(org) == parent


@pytest.mark.parametrize(
    ("parent_attr", "kind", "message"),
    [
        ("work", Kind.GROUP, "党小组只能设在党支部之下"),
        ("committee_a", Kind.GROUP, "党小组只能设在党支部之下"),
        ("work", Kind.BRANCH, "党支部只能设在党委、党总支之下"),
        ("branch_a1", Kind.BRANCH, "党支部只能设在党委、党总支之下"),
        ("branch_a1", Kind.PARTY_COMMITTEE, "党委只能设在工委、党委之下"),
        ("group_a1", Kind.GROUP, "党小组只能设在党支部之下"),
    ],
)
def test_refused_placements_say_why(tree, parent_attr, kind, message):
    with pytest.raises(ValidationError, match=message):
        make_org(getattr(tree, parent_attr), kind, "错位组织")


def test_only_a_work_committee_is_a_root(db):
    with pytest.raises(ValidationError, match="党支部必须设在上级组织之下"):
        make_org(None, Kind.BRANCH, "孤立支部")


def test_moving_a_group_under_a_committee_is_refused(tree):
    with pytest.raises(ValidationError, match="党小组只能设在党支部之下"):
        Organization.objects.move(tree.group_a1, tree.committee_b, "last-child")


def test_moving_a_branch_to_another_committee_keeps_its_subtree(tree):
    Organization.objects.move(tree.branch_a1, tree.committee_b, "last-child")
    branch = Organization.objects.get(pk=tree.branch_a1.pk)
    group = Organization.objects.get(pk=tree.group_a1.pk)
    assert Organization.objects.get_parent(branch) == tree.committee_b
    assert group.path.startswith(branch.path)


def test_nearest_committee_of_a_group(tree):
    group = Organization.objects.get(pk=tree.group_a1.pk)
    assert group.nearest(Kind.PARTY_COMMITTEE) == tree.committee_a
    assert group.nearest(Kind.BRANCH) == tree.branch_a1
    assert tree.work.nearest(Kind.PARTY_COMMITTEE) is None

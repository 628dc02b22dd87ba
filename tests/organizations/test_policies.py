"""The tree's, accounts' and roles' policies, for each role of the cast: only the 组织部 at or
above the place acts, and never above its own organization."""

import pytest
from django.contrib.auth.models import AnonymousUser

from organizations import policies
from organizations.models import Role, User
from tests.organizations.factories import UserFactory, give_role

pytestmark = pytest.mark.django_db

CAST = ["org_department", "committee", "secretary", "inspector", "outsider", "anonymous"]


def actor(cast, role):
    return AnonymousUser() if role == "anonymous" else getattr(cast, role)


@pytest.fixture
def clerk(tree):
    """A 组织部 clerk of 第一党委."""
    clerk = UserFactory(username="t_zzb_a")
    give_role(clerk, tree.committee_a, Role.Kind.ORG_DEPARTMENT)
    return clerk


@pytest.fixture
def root(db):
    return UserFactory(username="t_root", is_superuser=True, is_staff=True)


# The tree ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", CAST)
def test_only_the_org_department_creates_under_a_branch(cast, tree, role):
    reason = policies.cannot_create_organization(actor(cast, role), tree.branch_a1)

    if role == "org_department":
        assert reason is None
    else:
        assert reason == "您没有“一村党支部”的组织部权限，不能在其下新建组织。"


@pytest.mark.parametrize("role", CAST)
def test_only_a_superuser_creates_a_top_organization(cast, role, root):
    assert (
        policies.cannot_create_organization(actor(cast, role), None) == "只有系统管理员可以新建最顶层的组织。"
    )
    assert policies.cannot_create_organization(root, None) is None


def test_a_clerk_creates_only_inside_its_committee(clerk, tree):
    assert policies.cannot_create_organization(clerk, tree.committee_a) is None
    assert "“第二党委”的组织部权限" in policies.cannot_create_organization(clerk, tree.committee_b)


@pytest.mark.parametrize("role", CAST)
def test_only_the_org_department_changes_a_branch(cast, tree, role):
    reason = policies.cannot_change_organization(actor(cast, role), tree.branch_a1)

    if role == "org_department":
        assert reason is None
    else:
        assert reason == "您没有“一村党支部”的组织部权限，不能修改该组织。"


@pytest.mark.parametrize("role", CAST)
def test_only_the_org_department_moves_a_branch_to_another_committee(cast, tree, role):
    reason = policies.cannot_move_organization(actor(cast, role), tree.branch_a2, tree.committee_b)

    if role == "org_department":
        assert reason is None
    else:
        assert reason == "您没有“第一党委”的组织部权限，不能调整其下组织的隶属关系。"


def test_a_clerk_moves_only_inside_its_committee(clerk, tree):
    assert policies.cannot_move_organization(clerk, tree.group_a1, tree.branch_a2) is None
    assert policies.cannot_move_organization(clerk, tree.branch_a2, tree.committee_b) == (
        "您没有“第二党委”的组织部权限，不能把组织移到其下。"
    )
    # The top of its scope stays where the level above put it.
    assert "“示范区工委”的组织部权限" in policies.cannot_move_organization(clerk, tree.committee_a, tree.work)


def test_nobody_moves_an_organization_under_itself(root, tree):
    assert policies.cannot_move_organization(root, tree.committee_a, tree.branch_a1) == (
        "不能把组织移到它自己或它的下级组织之下。"
    )


def test_only_a_superuser_moves_to_or_from_the_top(cast, tree, root):
    refusal = "只有系统管理员可以移动最顶层的组织，或把组织移到最顶层。"
    assert policies.cannot_move_organization(cast.org_department, tree.committee_a, None) == refusal
    assert policies.cannot_move_organization(cast.org_department, tree.work, tree.committee_a) == refusal
    assert policies.cannot_move_organization(root, tree.committee_a, None) is None


# Roles -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", CAST)
def test_only_the_org_department_grants_a_branch_secretary(cast, tree, role):
    reason = policies.cannot_grant_role(actor(cast, role), tree.branch_a2, Role.Kind.BRANCH_SECRETARY)

    if role == "org_department":
        assert reason is None
    else:
        assert reason == "您没有“二村党支部”的组织部权限，不能授予支部书记角色。"


def test_a_clerk_grants_no_role_above_its_committee(clerk, tree):
    assert policies.cannot_grant_role(clerk, tree.committee_a, Role.Kind.ORG_DEPARTMENT) is None
    assert policies.cannot_grant_role(clerk, tree.work, Role.Kind.INSPECTOR) == (
        "您没有“示范区工委”的组织部权限，不能授予验收组成员角色。"
    )


@pytest.mark.parametrize("role", CAST)
def test_only_the_org_department_revokes_a_secretarys_role(cast, role):
    reason = policies.cannot_revoke_role(actor(cast, role), Role.objects.get(user=cast.secretary))

    if role == "org_department":
        assert reason is None
    else:
        assert reason == "您没有“一村党支部”的组织部权限，不能撤销支部书记角色。"


def test_nobody_revokes_their_own_org_department_role(cast, root):
    own = Role.objects.get(user=cast.org_department)

    assert policies.cannot_revoke_role(cast.org_department, own) == (
        "不能撤销自己的组织部角色，请由上级组织部或系统管理员办理。"
    )
    assert policies.cannot_revoke_role(root, own) is None


# Accounts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", CAST)
def test_only_the_org_department_opens_an_account_in_its_scope(cast, tree, role):
    reason = policies.cannot_open_account(actor(cast, role), [(tree.branch_a2, Role.Kind.BRANCH_SECRETARY)])

    if role == "org_department":
        assert reason is None
    else:
        assert reason == "您没有“二村党支部”的组织部权限，不能授予支部书记角色。"


def test_an_account_without_a_role_is_opened_only_by_a_superuser(cast, root):
    assert policies.cannot_open_account(cast.org_department, []) == "新账号须至少授予一个您管辖范围内的角色。"
    assert policies.cannot_open_account(root, []) is None


@pytest.mark.parametrize("role", CAST)
def test_only_the_org_department_changes_a_secretarys_account(cast, role):
    reason = policies.cannot_change_account(actor(cast, role), cast.secretary)

    if role == "org_department":
        assert reason is None
    else:
        assert reason == "该账号不在您的组织部管辖范围内，或在范围以外还担任角色，请由上级组织部修改。"


def test_accounts_serving_beyond_the_clerk_or_superusers_are_looked_after_from_above(clerk, cast, tree, root):
    give_role(cast.secretary, tree.branch_b1, Role.Kind.BRANCH_SECRETARY)
    give_role(root, tree.branch_a1, Role.Kind.BRANCH_SECRETARY)

    assert "范围以外还担任角色" in policies.cannot_change_account(clerk, cast.secretary)
    assert policies.cannot_change_account(clerk, User.objects.get(pk=root.pk)) == (
        "系统管理员的账号只能由系统管理员修改。"
    )
    assert policies.cannot_change_account(cast.org_department, cast.secretary) is None
    assert policies.cannot_change_account(root, cast.secretary) is None

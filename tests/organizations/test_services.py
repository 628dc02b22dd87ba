"""The tree, accounts and roles change through the services: each checks its policy, writes
atomically and leaves one audit event."""

import pytest
from django.core.exceptions import ValidationError

from organizations.models import AuditEvent, Kind, Organization, Role, User, Verb
from organizations.services import (
    change_account,
    change_organization,
    create_organization,
    grant_role,
    move_organization,
    open_account,
    revoke_role,
)
from tests.organizations.factories import UserFactory, give_role

pytestmark = pytest.mark.django_db

BELOW = ["committee", "secretary", "inspector", "outsider"]


@pytest.fixture
def clerk(tree):
    """A 组织部 clerk of 第一党委."""
    clerk = UserFactory(username="t_zzb_a")
    give_role(clerk, tree.committee_a, Role.Kind.ORG_DEPARTMENT)
    return clerk


def new_branch(code="A3", name="三村党支部", kind=Kind.BRANCH) -> Organization:
    return Organization(name=name, code=code, kind=kind, sector="VILLAGE")


def only_event() -> AuditEvent:
    (event,) = AuditEvent.objects.all()
    return event


def children(parent) -> list[str]:
    return [o.code for o in Organization.objects.get_children(parent)]


# The tree ----------------------------------------------------------------------------------


def test_creating_an_organization_places_it_and_records_it(cast, tree):
    added = create_organization(
        by=cast.org_department, organization=new_branch(), parent=tree.committee_a, before=tree.branch_a2
    )

    assert children(tree.committee_a) == ["A1", "A3", "A2"]
    event = only_event()
    assert (event.verb, event.actor, event.target, event.organization) == (
        Verb.CREATE_ORGANIZATION,
        cast.org_department,
        added,
        added,
    )
    assert event.summary == "党支部，上级：第一党委"


@pytest.mark.parametrize("role", BELOW)
def test_other_roles_create_nothing(cast, tree, role):
    with pytest.raises(ValidationError, match="组织部权限"):
        create_organization(by=getattr(cast, role), organization=new_branch(), parent=tree.committee_a)

    assert not Organization.objects.filter(code="A3").exists()
    assert not AuditEvent.objects.exists()


def test_a_clerk_creates_nothing_beyond_its_committee(clerk, tree):
    with pytest.raises(ValidationError, match="“第二党委”的组织部权限"):
        create_organization(by=clerk, organization=new_branch(), parent=tree.committee_b)

    assert not AuditEvent.objects.exists()


def test_creating_keeps_the_kind_rules(cast, tree):
    with pytest.raises(ValidationError, match="党小组只能设在党支部之下"):
        create_organization(
            by=cast.org_department, organization=new_branch(kind=Kind.GROUP), parent=tree.committee_a
        )

    assert not AuditEvent.objects.exists()


def test_changing_an_organization_records_what_changed(cast, tree):
    change_organization(
        by=cast.org_department, organization=tree.branch_a2, name="二村党总支", is_active=False
    )

    assert Organization.objects.get(pk=tree.branch_a2.pk).name == "二村党总支"
    assert only_event().summary == "名称：二村党支部 → 二村党总支；有效：是 → 否"


def test_changing_nothing_records_nothing(cast, tree):
    change_organization(by=cast.org_department, organization=tree.branch_a2, name="二村党支部")

    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("role", BELOW)
def test_other_roles_change_no_organization(cast, tree, role):
    with pytest.raises(ValidationError, match="组织部权限"):
        change_organization(by=getattr(cast, role), organization=tree.branch_a1, name="改名")

    assert Organization.objects.get(pk=tree.branch_a1.pk).name == "一村党支部"


def test_moving_takes_the_subtree_along_and_records_it(cast, tree):
    move_organization(by=cast.org_department, organization=tree.branch_a1, parent=tree.committee_b)

    assert children(tree.committee_b) == ["B1", "A1"]
    group = Organization.objects.get(pk=tree.group_a1.pk)
    assert Organization.objects.get_parent(group).code == "A1"
    assert group.path.startswith(tree.committee_b.path)
    event = only_event()
    assert (event.verb, event.summary) == (Verb.MOVE_ORGANIZATION, "第一党委 → 第二党委")


def test_moving_keeps_the_kind_rules(cast, tree):
    with pytest.raises(ValidationError, match="党小组只能设在党支部之下"):
        move_organization(by=cast.org_department, organization=tree.group_a1, parent=tree.committee_b)

    assert Organization.objects.get_parent(Organization.objects.get(pk=tree.group_a1.pk)) == tree.branch_a1
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("role", BELOW)
def test_other_roles_move_nothing(cast, tree, role):
    with pytest.raises(ValidationError):
        move_organization(by=getattr(cast, role), organization=tree.branch_a2, parent=tree.committee_b)

    assert children(tree.committee_a) == ["A1", "A2"]
    assert not AuditEvent.objects.exists()


def test_a_clerk_moves_nothing_out_of_its_committee(clerk, tree):
    with pytest.raises(ValidationError, match="“第二党委”的组织部权限"):
        move_organization(by=clerk, organization=tree.branch_a2, parent=tree.committee_b)

    assert children(tree.committee_a) == ["A1", "A2"]


# Roles -------------------------------------------------------------------------------------


def test_granting_a_role_records_it_in_the_accounts_history(cast, tree):
    role = grant_role(
        by=cast.org_department,
        user=cast.secretary,
        organization=tree.branch_a2,
        kind=Role.Kind.BRANCH_SECRETARY,
    )

    assert role in Role.objects.filter(user=cast.secretary)
    event = only_event()
    assert (event.verb, event.target, event.organization, event.summary) == (
        Verb.GRANT_ROLE,
        cast.secretary,
        tree.branch_a2,
        "“二村党支部”支部书记",
    )
    assert list(AuditEvent.objects.about(cast.secretary)) == [event]


def test_a_role_held_already_is_not_granted_twice(cast, tree):
    with pytest.raises(ValidationError, match="已是“一村党支部”支部书记"):
        grant_role(
            by=cast.org_department,
            user=cast.secretary,
            organization=tree.branch_a1,
            kind=Role.Kind.BRANCH_SECRETARY,
        )

    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("role", BELOW)
def test_other_roles_grant_nothing(cast, tree, role):
    with pytest.raises(ValidationError, match="组织部权限"):
        grant_role(
            by=getattr(cast, role), user=cast.outsider, organization=tree.branch_a2, kind=Role.Kind.INSPECTOR
        )

    assert not Role.objects.filter(user=cast.outsider, kind=Role.Kind.INSPECTOR).exists()


def test_a_clerk_grants_nothing_above_its_committee(clerk, cast, tree):
    with pytest.raises(ValidationError, match="“示范区工委”的组织部权限"):
        grant_role(by=clerk, user=cast.secretary, organization=tree.work, kind=Role.Kind.ORG_DEPARTMENT)

    assert not AuditEvent.objects.exists()


def test_revoking_a_role_records_it(cast, tree):
    role = Role.objects.get(user=cast.secretary)

    revoke_role(by=cast.org_department, role=role)

    assert not Role.objects.filter(pk=role.pk).exists()
    event = only_event()
    assert (event.verb, event.target, event.summary) == (
        Verb.REVOKE_ROLE,
        cast.secretary,
        "“一村党支部”支部书记",
    )


@pytest.mark.parametrize("role", BELOW)
def test_other_roles_revoke_nothing(cast, role):
    secretary = Role.objects.get(user=cast.secretary)

    with pytest.raises(ValidationError):
        revoke_role(by=getattr(cast, role), role=secretary)

    assert Role.objects.filter(pk=secretary.pk).exists()


def test_own_org_department_role_is_not_revoked(cast):
    own = Role.objects.get(user=cast.org_department)

    with pytest.raises(ValidationError, match="不能撤销自己的组织部角色"):
        revoke_role(by=cast.org_department, role=own)

    assert Role.objects.filter(pk=own.pk).exists()


# Accounts ----------------------------------------------------------------------------------


def unsaved_account(username="t_zhibu_a2") -> User:
    account = User(username=username, name="二村书记")
    account.set_password("Shifandian-2026")
    return account


def test_opening_an_account_saves_it_with_its_roles(cast, tree):
    account = open_account(
        by=cast.org_department,
        account=unsaved_account(),
        roles=[(tree.branch_a2, Role.Kind.BRANCH_SECRETARY)],
    )

    assert account.check_password("Shifandian-2026")
    assert list(account.roles.values_list("organization__code", "kind")) == [("A2", "BRANCH_SECRETARY")]
    verbs = list(AuditEvent.objects.order_by("id").values_list("verb", "organization__code", "summary"))
    assert verbs == [
        (Verb.OPEN_ACCOUNT, "A2", "用户名 t_zhibu_a2"),
        (Verb.GRANT_ROLE, "A2", "“二村党支部”支部书记"),
    ]


@pytest.mark.parametrize("role", BELOW)
def test_other_roles_open_no_account(cast, tree, role):
    with pytest.raises(ValidationError, match="组织部权限"):
        open_account(
            by=getattr(cast, role),
            account=unsaved_account(),
            roles=[(tree.branch_a1, Role.Kind.BRANCH_SECRETARY)],
        )

    assert not User.objects.filter(username="t_zhibu_a2").exists()


def test_an_account_is_opened_with_every_role_in_scope_or_not_at_all(clerk, tree):
    with pytest.raises(ValidationError, match="“第二党委”的组织部权限"):
        open_account(
            by=clerk,
            account=unsaved_account(),
            roles=[(tree.branch_a2, Role.Kind.BRANCH_SECRETARY), (tree.committee_b, Role.Kind.COMMITTEE)],
        )

    assert not User.objects.filter(username="t_zhibu_a2").exists()
    assert not AuditEvent.objects.exists()


def test_changing_an_account_records_what_changed(cast, tree):
    change_account(by=cast.org_department, account=cast.secretary, phone="13900000001", is_active=False)

    cast.secretary.refresh_from_db()
    assert (cast.secretary.phone, cast.secretary.is_active) == ("13900000001", False)
    event = only_event()
    assert (event.verb, event.target, event.organization) == (
        Verb.CHANGE_ACCOUNT,
        cast.secretary,
        tree.branch_a1,
    )
    assert event.summary == "联系电话：— → 13900000001；有效：是 → 否"


@pytest.mark.parametrize("role", BELOW)
def test_other_roles_change_no_account(cast, role):
    with pytest.raises(ValidationError):
        change_account(by=getattr(cast, role), account=cast.secretary, name="改名")

    assert User.objects.get(pk=cast.secretary.pk).name == "一村书记"


def test_an_account_serving_beyond_the_clerk_is_not_changed_by_it(clerk, cast, tree):
    give_role(cast.secretary, tree.branch_b1, Role.Kind.BRANCH_SECRETARY)

    with pytest.raises(ValidationError, match="范围以外还担任角色"):
        change_account(by=clerk, account=cast.secretary, name="改名")

    assert not AuditEvent.objects.exists()

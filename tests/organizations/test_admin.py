"""The admin of the tree, accounts, roles, audit events; scoping and grant_admin_access."""

import pytest
import tablib
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaigns.services import create_campaign
from organizations.models import AuditEvent, Kind, Notification, Organization, Role, User, Verb
from organizations.permissions import grant_admin_access
from organizations.resources import OrganizationResource
from tests.admin_support import admin_url, assert_admin_pages_answer, registered
from tests.campaigns.factories import standard_phases
from tests.organizations.factories import UserFactory, give_role

pytestmark = pytest.mark.django_db

TREE_CSV = """组织编码,名称,组织类型,所属领域,上级组织编码
X,新区工委,工委,其他,
X1,新区第一党委,党委,机关,X
X11,新区一村党支部,党支部,村,X1
X111,新区一村第一党小组,党小组,村,X11
"""


@pytest.fixture
def audit_event(tree, cast):
    create_campaign(
        by=cast.org_department,
        name="2026年度示范点创建",
        year=2026,
        organizer=tree.work,
        phases=standard_phases(),
    )
    return AuditEvent.objects.get(verb=Verb.CREATE_CAMPAIGN)


@pytest.fixture
def secretary_client(client, cast):
    grant_admin_access(cast.secretary)
    client.force_login(cast.secretary)
    return client


def names(response) -> set[str]:
    return {str(obj) for obj in response.context["cl"].result_list}


def import_csv(client, text: str):
    """Upload `text` to the organization import page (the dry run)."""
    upload = SimpleUploadedFile("tree.csv", text.encode("utf-8"), content_type="text/csv")
    return client.post(admin_url(Organization, "import"), {"import_file": upload, "format": 0, "resource": 0})


# Every page answers --------------------------------------------------------------------------


@pytest.mark.parametrize("model", registered("organizations") + registered("auth"), ids=lambda m: m.__name__)
def test_every_admin_page_answers_for_superuser(admin_client, admin_user, cast, audit_event, model):
    Notification.objects.create(recipient=cast.secretary, title="请提交创建方案")
    assert_admin_pages_answer(admin_client, admin_user, model)


def test_import_and_export_pages_answer_for_superuser(admin_client, tree):
    assert admin_client.get(admin_url(Organization, "import")).status_code == 200
    assert admin_client.get(admin_url(Organization, "export")).status_code == 200


# Scoping -----------------------------------------------------------------------------------


def test_secretary_tree_starts_at_own_branch(secretary_client):
    response = secretary_client.get(admin_url(Organization, "changelist"))

    assert response.status_code == 200
    assert names(response) == {"一村党支部"}


def test_secretary_search_lists_only_own_subtree(secretary_client):
    response = secretary_client.get(admin_url(Organization, "changelist"), {"q": "党"})

    assert names(response) == {"一村党支部", "第一党小组"}


def test_secretary_expands_own_branch_but_not_outsiders(secretary_client, tree):
    own = secretary_client.get(f"{admin_url(Organization, 'changelist')}children/{tree.branch_a1.pk}/")
    other = secretary_client.get(f"{admin_url(Organization, 'changelist')}children/{tree.committee_b.pk}/")

    assert own.status_code == 200
    assert "第一党小组" in own.json()["result_html"]
    assert other.status_code == 404


def test_outsiders_branch_page_is_not_shown_to_secretary(secretary_client, tree):
    response = secretary_client.get(admin_url(Organization, "change", tree.branch_b1.pk))

    assert response.status_code in (302, 404)
    assert "实验学校党支部" not in response.content.decode()


def test_secretary_role_list_hides_outsider(secretary_client, cast):
    response = secretary_client.get(admin_url(Role, "changelist"))

    assert response.status_code == 200
    assert {role.user for role in response.context["cl"].result_list} == {cast.secretary}


def test_visible_users_are_those_with_a_role_in_scope(cast):
    users = set(User.objects.visible_to(cast.committee))

    assert users == {cast.committee, cast.secretary}


def test_view_only_inspector_cannot_import(client, cast):
    grant_admin_access(cast.inspector)
    client.force_login(cast.inspector)

    assert client.get(admin_url(Organization, "changelist")).status_code == 200
    assert client.get(admin_url(Organization, "import")).status_code == 403


# The tree form -----------------------------------------------------------------------------


def test_kind_rule_is_shown_beside_the_field(admin_client, tree):
    response = admin_client.post(
        admin_url(Organization, "add"),
        {
            "name": "错放的党小组",
            "code": "BAD",
            "kind": Kind.GROUP,
            "sector": "OTHER",
            "is_active": "on",
            "treebeard_position": "first-child",
            "treebeard_ref_node": tree.committee_a.pk,
        },
    )

    assert response.status_code == 200
    assert "党小组只能设在党支部之下" in " ".join(response.context["adminform"].form.errors["kind"])
    assert not Organization.objects.filter(code="BAD").exists()


def test_branch_added_beside_a_branch_lands_under_its_committee(admin_client, tree):
    response = admin_client.post(
        admin_url(Organization, "add"),
        {
            "name": "三村党支部",
            "code": "A3",
            "kind": Kind.BRANCH,
            "sector": "VILLAGE",
            "is_active": "on",
            "treebeard_position": "right",
            "treebeard_ref_node": tree.branch_a2.pk,
        },
    )

    assert response.status_code == 302
    assert Organization.objects.get_parent(Organization.objects.get(code="A3")) == tree.committee_a


def test_org_department_cannot_place_outside_its_scope(client, tree):
    staff = UserFactory(username="t_zzb_a")
    give_role(staff, tree.committee_a, Role.Kind.ORG_DEPARTMENT)
    grant_admin_access(staff)
    client.force_login(staff)
    response = client.post(
        admin_url(Organization, "add"),
        {
            "name": "越界党委",
            "code": "OUT",
            "kind": Kind.PARTY_COMMITTEE,
            "sector": "OTHER",
            "is_active": "on",
            "treebeard_position": "right",
            "treebeard_ref_node": tree.committee_a.pk,
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["treebeard_ref_node"]
    assert not Organization.objects.filter(code="OUT").exists()


def test_org_department_edits_the_top_of_its_scope_without_moving_it(client, cast, tree):
    grant_admin_access(cast.org_department)
    client.force_login(cast.org_department)
    url = admin_url(Organization, "change", tree.work.pk)

    page = client.get(url)
    response = client.post(
        url,
        {
            "name": "示范区党工委",
            "code": "W",
            "kind": Kind.WORK_COMMITTEE,
            "sector": "OTHER",
            "is_active": "on",
        },
    )

    assert "treebeard_ref_node" not in page.content.decode()
    assert response.status_code == 302
    work = Organization.objects.get(pk=tree.work.pk)
    assert (work.name, work.path) == ("示范区党工委", tree.work.path)


def test_org_department_opens_an_account_with_a_role_in_its_scope(client, cast, tree):
    grant_admin_access(cast.org_department)
    client.force_login(cast.org_department)

    response = client.post(
        admin_url(User, "add"),
        {
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
        },
    )

    assert response.status_code == 302
    account = User.objects.get(username="t_zhibu_a2")
    assert (account.name, account.phone, account.is_superuser) == ("二村书记", "13800000003", False)
    assert list(account.roles.values_list("organization__code", "kind")) == [("A2", "BRANCH_SECRETARY")]


# Import ------------------------------------------------------------------------------------


def test_import_creates_a_tree_from_csv(admin_client, db):
    preview = import_csv(admin_client, TREE_CSV)
    confirm = preview.context["confirm_form"]
    assert confirm is not None

    response = admin_client.post(admin_url(Organization, "process_import"), confirm.initial)

    assert response.status_code == 302
    group = Organization.objects.get(code="X111")
    assert [org.code for org in Organization.objects.get_ancestors(group)] == ["X", "X1", "X11"]
    assert group.kind == Kind.GROUP
    assert Organization.objects.get(code="X11").sector == "VILLAGE"


def test_file_with_a_bad_row_imports_nothing(admin_client, db):
    bad = TREE_CSV + "X12,错放的党小组,党小组,村,X1\nX13,某大队,大队,村,X1\n"

    response = import_csv(admin_client, bad)

    page = response.content.decode()
    assert "党小组只能设在党支部之下" in page
    assert "“大队”不是有效的选项" in page
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert not Organization.objects.filter(code__startswith="X").exists()


def test_confirmed_import_with_a_bad_row_rolls_back(tree):
    dataset = tablib.Dataset().load(TREE_CSV + "X12,错放的党小组,党小组,村,X1\n", format="csv")

    result = OrganizationResource().import_data(dataset, dry_run=False, rollback_on_validation_errors=True)

    assert result.has_validation_errors()
    assert [row.number for row in result.invalid_rows] == [5]
    assert not Organization.objects.filter(code__startswith="X").exists()


def test_scoped_import_may_not_add_a_top_organization(cast, tree):
    dataset = tablib.Dataset().load(
        "组织编码,名称,组织类型,所属领域,上级组织编码\nZ,另一工委,工委,其他,\n", format="csv"
    )

    result = OrganizationResource(user=cast.org_department).import_data(dataset, dry_run=True)

    assert "只有系统管理员可以新建" in str(result.invalid_rows[0].error_dict)


def test_export_then_reimport_changes_nothing(cast, tree):
    exported = OrganizationResource(user=cast.org_department).export()
    assert exported.headers == ["组织编码", "名称", "组织类型", "所属领域", "上级组织编码"]
    assert ["A1G1", "第一党小组", "党小组", "其他", "A1"] in [list(row) for row in exported]
    paths = dict(Organization.objects.values_list("code", "path"))

    result = OrganizationResource(user=cast.org_department).import_data(exported, dry_run=False)

    assert not result.has_errors() and not result.has_validation_errors()
    assert dict(Organization.objects.values_list("code", "path")) == paths


# Audit events ------------------------------------------------------------------------------


def test_audit_event_cannot_be_changed_or_deleted(admin_client, audit_event):
    change_url = admin_url(AuditEvent, "change", audit_event.pk)

    page = admin_client.get(change_url)
    posted = admin_client.post(change_url, {"verb": "篡改", "summary": "改过"})
    delete_page = admin_client.get(admin_url(AuditEvent, "delete", audit_event.pk))
    deleted = admin_client.post(admin_url(AuditEvent, "delete", audit_event.pk), {"post": "yes"})
    changelist = admin_client.get(admin_url(AuditEvent, "changelist"))

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert posted.status_code == 403
    assert delete_page.status_code == 403
    assert deleted.status_code == 403
    assert "delete_selected" not in changelist.context["cl"].model_admin.get_actions(changelist.wsgi_request)
    audit_event.refresh_from_db()
    assert audit_event.verb == Verb.CREATE_CAMPAIGN


def test_audit_changelist_shows_time_actor_verb_target_summary(admin_client, audit_event):
    response = admin_client.get(admin_url(AuditEvent, "changelist"), {"verb": Verb.CREATE_CAMPAIGN})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [audit_event]
    assert tuple(response.context["cl"].list_display) == (
        "created_at",
        "actor",
        "verb",
        "target_repr",
        "summary",
    )
    page = response.content.decode()
    assert all(f">{label}<" in page for label in ("时间", "操作人", "操作", "对象", "变化"))


# grant_admin_access ------------------------------------------------------------------------


def test_grant_admin_access_twice_changes_nothing(cast):
    grant_admin_access(cast.secretary)
    permissions = set(Group.objects.get(name="支部书记").permissions.values_list("codename", flat=True))
    grant_admin_access(cast.secretary)

    cast.secretary.refresh_from_db()
    assert cast.secretary.is_staff
    assert list(cast.secretary.groups.values_list("name", flat=True)) == ["支部书记"]
    assert (
        set(Group.objects.get(name="支部书记").permissions.values_list("codename", flat=True)) == permissions
    )
    assert Group.objects.filter(name="支部书记").count() == 1


def test_groups_get_role_permissions_and_nobody_edits_audit_events(cast):
    for user in (cast.org_department, cast.committee, cast.secretary, cast.inspector):
        grant_admin_access(user)

    def has(user, perm):
        return User.objects.get(pk=user.pk).has_perm(perm)

    assert has(cast.org_department, "campaigns.change_site")
    assert has(cast.org_department, "organizations.add_organization")
    assert has(cast.secretary, "members.add_meeting")
    assert has(cast.secretary, "campaigns.view_site")
    assert not has(cast.secretary, "campaigns.add_campaign")
    assert not has(cast.secretary, "assessments.view_ballottoken")
    assert has(cast.inspector, "assessments.view_acceptance")
    assert not has(cast.inspector, "members.change_member")
    for user in (cast.org_department, cast.committee, cast.secretary, cast.inspector):
        assert has(user, "organizations.view_auditevent")
        assert not has(user, "organizations.change_auditevent")
        assert not has(user, "organizations.delete_auditevent")


# Accounts beyond one's scope -----------------------------------------------------------------


@pytest.fixture
def committee_department_client(client, tree):
    """A 组织部 clerk of 第一党委: accounts in that subtree are theirs to look after."""
    clerk = UserFactory(username="t_zzb_a")
    give_role(clerk, tree.committee_a, Role.Kind.ORG_DEPARTMENT)
    grant_admin_access(clerk)
    client.force_login(clerk)
    return client


def reset_password(client, account):
    url = reverse("admin:auth_user_password_change", args=[account.pk])
    password = "Another-Pass-2026"
    response = client.post(url, {"usable_password": "true", "password1": password, "password2": password})
    account.refresh_from_db()
    return response, account.check_password(password)


def test_account_with_a_role_beyond_the_scope_is_not_reset_from_below(
    committee_department_client, cast, tree
):
    # The county 组织部 also serves as 二村 secretary: 第一党委's clerk sees the account, but it
    # is looked after from above.
    give_role(cast.org_department, tree.branch_a2, Role.Kind.BRANCH_SECRETARY)

    response, changed = reset_password(committee_department_client, cast.org_department)
    page = committee_department_client.get(admin_url(User, "change", cast.org_department.pk))

    assert response.status_code == 403
    assert not changed
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()


def test_superuser_with_a_role_in_scope_is_not_changed_from_below(committee_department_client, tree):
    root = UserFactory(username="t_root", is_superuser=True, is_staff=True)
    give_role(root, tree.branch_a1, Role.Kind.BRANCH_SECRETARY)

    response, changed = reset_password(committee_department_client, root)

    assert response.status_code == 403
    assert not changed


def test_account_wholly_in_scope_is_reset_by_its_department(committee_department_client, cast):
    response, changed = reset_password(committee_department_client, cast.secretary)

    assert response.status_code == 302
    assert changed


def test_changeable_accounts_leave_out_superusers_and_roles_elsewhere(cast, tree):
    give_role(cast.committee, tree.branch_b1, Role.Kind.BRANCH_SECRETARY)
    clerk = UserFactory(username="t_zzb_a")
    give_role(clerk, tree.committee_a, Role.Kind.ORG_DEPARTMENT)

    assert set(User.objects.visible_to(clerk)) == {clerk, cast.committee, cast.secretary}
    assert set(User.objects.changeable_by(clerk)) == {clerk, cast.secretary}

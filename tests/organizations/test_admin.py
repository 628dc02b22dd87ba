"""The admin of the tree, accounts, roles, audit events; who gets in, scoping, grant_admin_access,
and the tree, accounts and roles saving through the services with their audit events."""

import pytest
import tablib
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from campaigns.services import create_campaign
from organizations.models import AuditEvent, Kind, Notification, Organization, Role, User, Verb
from organizations.permissions import DataAdminSite, grant_admin_access
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
def clerk(tree):
    """A 组织部 clerk of 第一党委: the admin is theirs, for that subtree."""
    clerk = UserFactory(username="t_zzb_a", name="第一党委组织委员")
    give_role(clerk, tree.committee_a, Role.Kind.ORG_DEPARTMENT)
    grant_admin_access(clerk)
    return clerk


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


@pytest.fixture
def org_department_client(client, cast):
    grant_admin_access(cast.org_department)
    client.force_login(cast.org_department)
    return client


def events(verb) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(verb=verb).order_by("id"))


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


# Who gets in ---------------------------------------------------------------------------------


def test_org_department_opens_the_admin(org_department_client):
    assert org_department_client.get(reverse("admin:index")).status_code == 200


@pytest.mark.parametrize("role", ["committee", "secretary", "inspector", "outsider"])
def test_other_roles_get_the_login_page_even_with_staff_status(client, cast, role):
    user = getattr(cast, role)
    grant_admin_access(user)
    user.refresh_from_db()
    assert not user.is_staff
    # As an older grant left them: staff status alone does not open 数据管理.
    User.objects.filter(pk=user.pk).update(is_staff=True)
    client.force_login(user)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_the_admin_site_is_the_data_admin_site():
    assert isinstance(admin.site, DataAdminSite)


def test_a_secretary_with_staff_status_cannot_log_in_to_the_admin(client, cast):
    User.objects.filter(pk=cast.secretary.pk).update(is_staff=True)

    response = client.post(reverse("admin:login"), {"username": "t_zhibu", "password": "demo12345"})

    assert response.status_code == 200
    assert "数据管理只对组织部和系统管理员开放" in response.content.decode()
    assert "_auth_user_id" not in client.session


def top_bar(user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return render_to_string("base.html", {"user": user}, request=request)


def test_only_org_department_and_superusers_see_the_data_admin_link(cast, admin_user):
    for user in (cast.org_department, cast.committee, cast.secretary, cast.inspector, cast.outsider):
        grant_admin_access(user)
        User.objects.filter(pk=user.pk).update(is_staff=True)
    shown = {
        username
        for username in ("t_zzb", "t_dangwei", "t_zhibu", "t_yanshou", "t_outsider", admin_user.username)
        if "数据管理" in top_bar(User.objects.get(username=username))
    }

    assert shown == {"t_zzb", admin_user.username}


# Scoping -----------------------------------------------------------------------------------


def test_clerk_tree_starts_at_own_committee(clerk_client):
    response = clerk_client.get(admin_url(Organization, "changelist"))

    assert response.status_code == 200
    assert names(response) == {"第一党委"}


def test_clerk_search_lists_only_own_subtree(clerk_client):
    response = clerk_client.get(admin_url(Organization, "changelist"), {"q": "党"})

    assert names(response) == {"第一党委", "一村党支部", "第一党小组", "二村党支部"}


def test_clerk_expands_own_committee_but_not_the_other(clerk_client, tree):
    own = clerk_client.get(f"{admin_url(Organization, 'changelist')}children/{tree.committee_a.pk}/")
    other = clerk_client.get(f"{admin_url(Organization, 'changelist')}children/{tree.committee_b.pk}/")

    assert own.status_code == 200
    assert "一村党支部" in own.json()["result_html"]
    assert other.status_code == 404


def test_outsiders_branch_page_is_not_shown_to_clerk(clerk_client, tree):
    response = clerk_client.get(admin_url(Organization, "change", tree.branch_b1.pk))

    assert response.status_code in (302, 404)
    assert "实验学校党支部" not in response.content.decode()


def test_clerk_role_list_hides_outsider(clerk_client, clerk, cast):
    response = clerk_client.get(admin_url(Role, "changelist"))

    assert response.status_code == 200
    assert {role.user for role in response.context["cl"].result_list} == {
        clerk,
        cast.committee,
        cast.secretary,
    }


def test_visible_users_are_those_with_a_role_in_scope(cast):
    users = set(User.objects.visible_to(cast.committee))

    assert users == {cast.committee, cast.secretary}


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


def organization_form(name, code, kind, *, sector="OTHER", position=None, reference=None):
    data = {"name": name, "code": code, "kind": kind, "sector": sector, "is_active": "on"}
    if position is not None:
        data.update(treebeard_position=position, treebeard_ref_node=reference.pk if reference else "")
    return data


def test_branch_added_beside_a_branch_lands_under_its_committee(admin_client, tree):
    response = admin_client.post(
        admin_url(Organization, "add"),
        organization_form("三村党支部", "A3", Kind.BRANCH, position="right", reference=tree.branch_a2),
    )

    assert response.status_code == 302
    added = Organization.objects.get(code="A3")
    assert Organization.objects.get_parent(added) == tree.committee_a
    assert [o.code for o in Organization.objects.get_children(tree.committee_a)] == ["A1", "A2", "A3"]


def test_org_department_adds_an_organization_through_the_service(org_department_client, cast, tree):
    response = org_department_client.post(
        admin_url(Organization, "add"),
        organization_form("三村党支部", "A3", Kind.BRANCH, position="left", reference=tree.branch_a2),
    )

    assert response.status_code == 302
    added = Organization.objects.get(code="A3")
    assert [o.code for o in Organization.objects.get_children(tree.committee_a)] == ["A1", "A3", "A2"]
    (event,) = events(Verb.CREATE_ORGANIZATION)
    assert (event.actor, event.target, event.organization) == (cast.org_department, added, added)
    assert event.summary == "党支部，上级：第一党委"


def test_org_department_cannot_place_outside_its_scope(clerk_client, tree):
    response = clerk_client.post(
        admin_url(Organization, "add"),
        organization_form(
            "越界党委", "OUT", Kind.PARTY_COMMITTEE, position="right", reference=tree.committee_a
        ),
    )

    assert response.status_code == 200
    assert "您没有“示范区工委”的组织部权限" in " ".join(
        response.context["adminform"].form.errors["treebeard_ref_node"]
    )
    assert not Organization.objects.filter(code="OUT").exists()
    assert not AuditEvent.objects.exists()


def test_org_department_edits_the_top_of_its_scope_without_moving_it(org_department_client, tree):
    url = admin_url(Organization, "change", tree.work.pk)

    page = org_department_client.get(url)
    response = org_department_client.post(url, organization_form("示范区党工委", "W", Kind.WORK_COMMITTEE))

    assert "treebeard_ref_node" not in page.content.decode()
    assert response.status_code == 302
    work = Organization.objects.get(pk=tree.work.pk)
    assert (work.name, work.path) == ("示范区党工委", tree.work.path)
    (event,) = events(Verb.CHANGE_ORGANIZATION)
    assert event.summary == "名称：示范区工委 → 示范区党工委"
    assert not events(Verb.MOVE_ORGANIZATION)


def test_moving_a_branch_in_its_form_is_audited(org_department_client, cast, tree):
    url = admin_url(Organization, "change", tree.branch_a2.pk)

    response = org_department_client.post(
        url,
        organization_form(
            "二村党支部",
            "A2",
            Kind.BRANCH,
            sector="VILLAGE",
            position="first-child",
            reference=tree.committee_b,
        ),
    )

    assert response.status_code == 302
    moved = Organization.objects.get(pk=tree.branch_a2.pk)
    assert Organization.objects.get_parent(moved) == tree.committee_b
    assert [o.code for o in Organization.objects.get_children(tree.committee_b)] == ["A2", "B1"]
    (event,) = events(Verb.MOVE_ORGANIZATION)
    assert (event.actor, event.summary) == (cast.org_department, "第一党委 → 第二党委")
    assert not events(Verb.CHANGE_ORGANIZATION)


def test_the_top_of_a_clerks_scope_is_not_theirs_to_move(clerk_client, tree):
    page = clerk_client.get(admin_url(Organization, "change", tree.committee_a.pk))

    assert page.status_code == 200
    assert "treebeard_ref_node" not in page.content.decode()


def drag(client, node, target, relation="child"):
    return client.post(
        f"{admin_url(Organization, 'changelist')}move/",
        {"node": node.pk, "target": target.pk, "relation": relation},
    )


def test_drag_and_drop_moves_through_the_service(org_department_client, tree):
    response = drag(org_department_client, tree.branch_a2, tree.branch_b1, relation="sibling")

    assert response.status_code == 200
    assert [o.code for o in Organization.objects.get_children(tree.committee_b)] == ["A2", "B1"]
    (event,) = events(Verb.MOVE_ORGANIZATION)
    assert event.summary == "第一党委 → 第二党委"


def test_drag_and_drop_keeps_the_kind_rules(org_department_client, tree):
    response = drag(org_department_client, tree.group_a1, tree.committee_b)

    assert response.status_code == 400
    assert "党小组只能设在党支部之下" in response.content.decode()
    assert Organization.objects.get_parent(Organization.objects.get(pk=tree.group_a1.pk)) == tree.branch_a1
    assert not events(Verb.MOVE_ORGANIZATION)


def test_drag_and_drop_stays_in_the_clerks_scope(clerk_client, clerk, tree):
    # As an inspector of the county the clerk sees 第二党委, but is not its 组织部.
    give_role(clerk, tree.work, Role.Kind.INSPECTOR)
    beyond = drag(clerk_client, tree.branch_a2, tree.committee_b)
    Role.objects.filter(user=clerk, kind=Role.Kind.INSPECTOR).delete()
    unseen = drag(clerk_client, tree.branch_a2, tree.committee_b)

    assert beyond.status_code == 400
    assert "您没有“第二党委”的组织部权限" in beyond.content.decode()
    assert unseen.status_code == 404
    assert Organization.objects.get_parent(Organization.objects.get(pk=tree.branch_a2.pk)) == tree.committee_a
    assert not events(Verb.MOVE_ORGANIZATION)


def test_nobody_below_superuser_deletes_an_organization(org_department_client, tree):
    response = org_department_client.post(
        admin_url(Organization, "delete", tree.group_a1.pk), {"post": "yes"}
    )

    assert response.status_code == 403
    assert Organization.objects.filter(pk=tree.group_a1.pk).exists()


# Accounts and roles ------------------------------------------------------------------------


def account_form(username, *roles):
    data = {
        "username": username,
        "name": "二村书记",
        "phone": "13800000003",
        "usable_password": "true",
        "password1": "Shifandian-2026",
        "password2": "Shifandian-2026",
        "roles-TOTAL_FORMS": len(roles),
        "roles-INITIAL_FORMS": 0,
        "roles-MIN_NUM_FORMS": 1,
        "roles-MAX_NUM_FORMS": 1000,
    }
    for i, (organization, kind) in enumerate(roles):
        data[f"roles-{i}-organization"] = organization.pk
        data[f"roles-{i}-kind"] = kind
    return data


def test_org_department_opens_an_account_with_a_role_in_its_scope(org_department_client, cast, tree):
    response = org_department_client.post(
        admin_url(User, "add"), account_form("t_zhibu_a2", (tree.branch_a2, Role.Kind.BRANCH_SECRETARY))
    )

    assert response.status_code == 302
    account = User.objects.get(username="t_zhibu_a2")
    assert (account.name, account.phone, account.is_superuser) == ("二村书记", "13800000003", False)
    assert account.check_password("Shifandian-2026")
    assert list(account.roles.values_list("organization__code", "kind")) == [("A2", "BRANCH_SECRETARY")]
    (opened,) = events(Verb.OPEN_ACCOUNT)
    (granted,) = events(Verb.GRANT_ROLE)
    assert (opened.actor, opened.target, opened.organization) == (
        cast.org_department,
        account,
        tree.branch_a2,
    )
    assert (granted.target, granted.summary) == (account, "“二村党支部”支部书记")


def test_an_account_with_a_role_beyond_the_scope_is_not_opened(clerk_client, tree):
    response = clerk_client.post(
        admin_url(User, "add"), account_form("t_zhibu_b1", (tree.branch_b1, Role.Kind.BRANCH_SECRETARY))
    )

    assert response.status_code == 200
    assert not User.objects.filter(username="t_zhibu_b1").exists()
    assert not AuditEvent.objects.exists()


def existing_roles_form(account, *, delete=(), add=()):
    """POST data for `account`'s change form: its details unchanged, roles ticked or added."""
    roles = list(account.roles.order_by("pk"))
    data = {
        "username": account.username,
        "name": account.name,
        "phone": account.phone,
        "email": account.email,
        "is_active": "on",
        "roles-TOTAL_FORMS": len(roles) + len(add),
        "roles-INITIAL_FORMS": len(roles),
        "roles-MIN_NUM_FORMS": 1,
        "roles-MAX_NUM_FORMS": 1000,
    }
    for i, role in enumerate(roles):
        data.update({f"roles-{i}-id": role.pk, f"roles-{i}-user": account.pk})
        if role in delete:
            data[f"roles-{i}-DELETE"] = "on"
    for i, (organization, kind) in enumerate(add, start=len(roles)):
        data.update({f"roles-{i}-organization": organization.pk, f"roles-{i}-kind": kind})
    return data


def test_roles_are_granted_and_revoked_on_the_account_page(org_department_client, cast, tree):
    role = Role.objects.get(user=cast.secretary)
    url = admin_url(User, "change", cast.secretary.pk)

    response = org_department_client.post(
        url,
        existing_roles_form(
            cast.secretary, delete=[role], add=[(tree.branch_a2, Role.Kind.BRANCH_SECRETARY)]
        ),
    )

    assert response.status_code == 302
    assert list(cast.secretary.roles.values_list("organization__code", flat=True)) == ["A2"]
    assert [e.summary for e in events(Verb.REVOKE_ROLE)] == ["“一村党支部”支部书记"]
    assert [e.summary for e in events(Verb.GRANT_ROLE)] == ["“二村党支部”支部书记"]
    assert not events(Verb.CHANGE_ACCOUNT)


def test_deactivating_an_account_is_audited(org_department_client, cast):
    data = existing_roles_form(cast.secretary)
    del data["is_active"]

    response = org_department_client.post(admin_url(User, "change", cast.secretary.pk), data)

    assert response.status_code == 302
    cast.secretary.refresh_from_db()
    assert not cast.secretary.is_active
    (event,) = events(Verb.CHANGE_ACCOUNT)
    assert (event.target, event.organization, event.summary) == (
        cast.secretary,
        cast.secretary.roles.get().organization,
        "有效：是 → 否",
    )


def test_own_org_department_role_is_not_revoked_on_ones_own_page(org_department_client, cast):
    role = Role.objects.get(user=cast.org_department)

    response = org_department_client.post(
        admin_url(User, "change", cast.org_department.pk),
        existing_roles_form(cast.org_department, delete=[role]),
    )

    assert response.status_code == 200
    assert "不能撤销自己的组织部角色" in response.content.decode()
    assert Role.objects.filter(pk=role.pk).exists()


def test_role_admin_grants_and_revokes_through_the_services(org_department_client, cast, tree):
    added = org_department_client.post(
        admin_url(Role, "add"),
        {"user": cast.secretary.pk, "organization": tree.branch_a2.pk, "kind": Role.Kind.BRANCH_SECRETARY},
    )
    role = Role.objects.get(user=cast.secretary, organization=tree.branch_a2)
    deleted = org_department_client.post(admin_url(Role, "delete", role.pk), {"post": "yes"})

    assert added.status_code == 302
    assert deleted.status_code == 302
    assert not Role.objects.filter(pk=role.pk).exists()
    assert [e.summary for e in events(Verb.GRANT_ROLE)] == ["“二村党支部”支部书记"]
    assert [e.summary for e in events(Verb.REVOKE_ROLE)] == ["“二村党支部”支部书记"]


def test_role_admin_refuses_a_role_above_the_clerks_committee(clerk_client, cast, tree):
    response = clerk_client.post(
        admin_url(Role, "add"),
        {"user": cast.secretary.pk, "organization": tree.work.pk, "kind": Role.Kind.INSPECTOR},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["organization"]
    assert not Role.objects.filter(user=cast.secretary, kind=Role.Kind.INSPECTOR).exists()


def test_roles_are_not_edited_in_place_below_superuser(org_department_client, cast, tree):
    role = Role.objects.get(user=cast.secretary)

    response = org_department_client.post(
        admin_url(Role, "change", role.pk),
        {"user": cast.secretary.pk, "organization": tree.branch_a2.pk, "kind": Role.Kind.BRANCH_SECRETARY},
    )

    assert response.status_code == 403
    assert Role.objects.get(pk=role.pk).organization == tree.branch_a1


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
    assert [e.target_repr for e in events(Verb.CREATE_ORGANIZATION)] == [
        "新区工委",
        "新区第一党委",
        "新区一村党支部",
        "新区一村第一党小组",
    ]


def test_org_department_imports_through_the_services(org_department_client, cast, tree):
    rows = (
        "组织编码,名称,组织类型,所属领域,上级组织编码\n"
        "A3,三村党支部,党支部,村,CA\n"
        "A2,二村党支部（新）,党支部,村,CB\n"
    )
    preview = import_csv(org_department_client, rows)

    response = org_department_client.post(
        admin_url(Organization, "process_import"), preview.context["confirm_form"].initial
    )

    assert response.status_code == 302
    renamed = Organization.objects.get(code="A2")
    assert (renamed.name, Organization.objects.get_parent(renamed)) == ("二村党支部（新）", tree.committee_b)
    assert [e.target_repr for e in events(Verb.CREATE_ORGANIZATION)] == ["三村党支部"]
    assert [e.summary for e in events(Verb.CHANGE_ORGANIZATION)] == ["名称：二村党支部 → 二村党支部（新）"]
    assert [e.summary for e in events(Verb.MOVE_ORGANIZATION)] == ["第一党委 → 第二党委"]
    assert {e.actor for e in AuditEvent.objects.all()} == {cast.org_department}


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
    assert grant_admin_access(cast.org_department)
    permissions = set(Group.objects.get(name="组织部").permissions.values_list("codename", flat=True))
    assert grant_admin_access(cast.org_department)

    cast.org_department.refresh_from_db()
    assert cast.org_department.is_staff
    assert list(cast.org_department.groups.values_list("name", flat=True)) == ["组织部"]
    assert set(Group.objects.get(name="组织部").permissions.values_list("codename", flat=True)) == permissions
    assert Group.objects.filter(name="组织部").count() == 1


@pytest.mark.parametrize("role", ["committee", "secretary", "inspector", "outsider"])
def test_grant_admin_access_gives_other_roles_nothing(cast, role):
    user = getattr(cast, role)

    assert not grant_admin_access(user)

    user.refresh_from_db()
    assert not user.is_staff
    assert not user.groups.exists()


def test_the_org_department_group_reads_everything_and_writes_the_tree_accounts_and_roles(cast):
    grant_admin_access(cast.org_department)

    def has(perm):
        return User.objects.get(pk=cast.org_department.pk).has_perm(perm)

    for perm in (
        "organizations.add_organization",
        "organizations.change_organization",
        "organizations.add_user",
        "organizations.change_user",
        "organizations.add_role",
        "organizations.delete_role",
        "campaigns.view_site",
        "members.view_member",
        "assessments.view_ballottoken",
        "organizations.view_auditevent",
    ):
        assert has(perm), perm
    for perm in (
        "organizations.delete_organization",
        "organizations.change_role",
        "campaigns.add_campaign",
        "campaigns.change_site",
        "campaigns.add_rectification",
        "members.add_meeting",
        "members.change_member",
        "assessments.change_framework",
        "organizations.change_auditevent",
        "organizations.delete_auditevent",
    ):
        assert not has(perm), perm


# Accounts beyond one's scope -----------------------------------------------------------------


def reset_password(client, account):
    url = reverse("admin:auth_user_password_change", args=[account.pk])
    password = "Another-Pass-2026"
    response = client.post(url, {"usable_password": "true", "password1": password, "password2": password})
    account.refresh_from_db()
    return response, account.check_password(password)


def test_account_with_a_role_beyond_the_scope_is_not_reset_from_below(clerk_client, cast, tree):
    # The county 组织部 also serves as 二村 secretary: 第一党委's clerk sees the account, but it
    # is looked after from above.
    give_role(cast.org_department, tree.branch_a2, Role.Kind.BRANCH_SECRETARY)

    response, changed = reset_password(clerk_client, cast.org_department)
    page = clerk_client.get(admin_url(User, "change", cast.org_department.pk))

    assert response.status_code == 403
    assert not changed
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()


def test_superuser_with_a_role_in_scope_is_not_changed_from_below(clerk_client, tree):
    root = UserFactory(username="t_root", is_superuser=True, is_staff=True)
    give_role(root, tree.branch_a1, Role.Kind.BRANCH_SECRETARY)

    response, changed = reset_password(clerk_client, root)

    assert response.status_code == 403
    assert not changed


def test_account_wholly_in_scope_is_reset_by_its_department(clerk_client, cast):
    response, changed = reset_password(clerk_client, cast.secretary)

    assert response.status_code == 302
    assert changed


def test_changeable_accounts_leave_out_superusers_and_roles_elsewhere(cast, tree, clerk):
    give_role(cast.committee, tree.branch_b1, Role.Kind.BRANCH_SECRETARY)

    assert set(User.objects.visible_to(clerk)) == {clerk, cast.committee, cast.secretary}
    assert set(User.objects.changeable_by(clerk)) == {clerk, cast.secretary}


def test_only_the_org_department_changes_accounts(cast):
    # The 党委 sees its branch secretary's account, but looking after accounts is the 组织部's.
    assert set(User.objects.visible_to(cast.committee)) == {cast.committee, cast.secretary}
    assert not User.objects.changeable_by(cast.committee).exists()

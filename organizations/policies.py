"""Who may change the tree, accounts and roles: the 组织部, inside its own subtree.

Each function answers "may this user do this now?" with None (allowed) or the refusal in
Chinese. `organizations.services` raises with it; the admin's forms show it beside the field
and its pages leave out what it refuses. Superusers may do everything here.
"""

from __future__ import annotations

from .models import Organization, Role, User, role_refusal

ORG_DEPARTMENT = Role.Kind.ORG_DEPARTMENT


def _is_superuser(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_superuser)


def cannot_create_organization(user, parent: Organization | None) -> str | None:
    """A new organization goes under one where `user` is 组织部; only a superuser starts a new top."""
    if parent is None:
        return None if _is_superuser(user) else "只有系统管理员可以新建最顶层的组织。"
    return role_refusal(user, ORG_DEPARTMENT, parent, "在其下新建组织")


def cannot_change_organization(user, organization: Organization) -> str | None:
    """Name, code, kind, sector and 有效: the 组织部 at or above the organization."""
    return role_refusal(user, ORG_DEPARTMENT, organization, "修改该组织")


def cannot_move_organization(user, organization: Organization, parent: Organization | None) -> str | None:
    """Moving `organization` under `parent` (None: to the top of the tree).

    Both the place it leaves and the place it goes to must lie where `user` is 组织部, so the
    top of one's own scope stays where the level above put it. The kind rules (a 党小组 only
    under a 党支部, …) are the tree's own and are checked when it moves.
    """
    current = Organization.objects.get_parent(organization)
    if (current is None or parent is None) and not _is_superuser(user):
        return "只有系统管理员可以移动最顶层的组织，或把组织移到最顶层。"
    if parent is not None and parent.path.startswith(organization.path):
        return "不能把组织移到它自己或它的下级组织之下。"
    if current is not None and (
        reason := role_refusal(user, ORG_DEPARTMENT, current, "调整其下组织的隶属关系")
    ):
        return reason
    if parent is not None:
        return role_refusal(user, ORG_DEPARTMENT, parent, "把组织移到其下")
    return None


def cannot_grant_role(user, organization: Organization, kind: str) -> str | None:
    """A role is granted by the 组织部 at or above its organization: never above one's own."""
    return role_refusal(user, ORG_DEPARTMENT, organization, f"授予{Role.Kind(kind).label}角色")


def cannot_revoke_role(user, role: Role) -> str | None:
    """As granting; and nobody takes away their own 组织部 role (the level above does)."""
    if role.kind == ORG_DEPARTMENT and role.user_id == getattr(user, "pk", None) and not _is_superuser(user):
        return "不能撤销自己的组织部角色，请由上级组织部或系统管理员办理。"
    return role_refusal(user, ORG_DEPARTMENT, role.organization, f"撤销{role.get_kind_display()}角色")


def cannot_open_account(user, roles: list[tuple[Organization, str]]) -> str | None:
    """A new account gets at least one role where `user` is 组织部, or its opener could not
    see it again; a superuser may open one without a role."""
    if _is_superuser(user):
        return None
    if not roles:
        return "新账号须至少授予一个您管辖范围内的角色。"
    for organization, kind in roles:
        if reason := cannot_grant_role(user, organization, kind):
            return reason
    return None


def cannot_change_account(user, account: User) -> str | None:
    """An account (its details, 有效, password) is changed by the 组织部 whose scope holds every
    role it has; a superuser's account or one serving elsewhere too is looked after from above."""
    if User.objects.changeable_by(user).filter(pk=account.pk).exists():
        return None
    if account.is_superuser:
        return "系统管理员的账号只能由系统管理员修改。"
    return "该账号不在您的组织部管辖范围内，或在范围以外还担任角色，请由上级组织部修改。"

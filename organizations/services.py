"""Writes for the tree, accounts and roles.

Each function checks its rule in `organizations.policies` (raising `ValidationError` with the
refusal), changes state and records an audit event in one transaction. The admin — its forms,
its drag-and-drop moves and its spreadsheet import — calls these, so the 组织部 leaves the same
trail there as on any page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from . import policies
from .models import Organization, Role, User, Verb, describe_changes, forget_roles, record_event

TOP = "（最顶层）"
TREE_FIELDS = ["path", "depth", "numchild"]


def _refuse_if(reason: str | None) -> None:
    if reason:
        raise ValidationError(reason)


# The tree ----------------------------------------------------------------------------------


def _check_sibling(before: Organization | None, parent: Organization | None) -> None:
    if before is not None and Organization.objects.get_parent(before) != parent:
        raise ValidationError(f"“{before.name}”不在所选上级组织之下，不能排在它之前。")


@transaction.atomic
def create_organization(
    *, by, organization: Organization, parent: Organization | None, before: Organization | None = None
) -> Organization:
    """Insert the unsaved `organization` under `parent` (None: a new top), before its child
    `before` or last. The kind rules are checked by the tree's manager."""
    _refuse_if(policies.cannot_create_organization(by, parent))
    _check_sibling(before, parent)
    organization.full_clean(exclude=TREE_FIELDS)
    manager = Organization.objects
    if before is not None:
        organization = manager.add_sibling(before, "left", instance=organization)
    elif parent is not None:
        organization = manager.add_child(parent, instance=organization)
    else:
        organization = manager.add_root(instance=organization)
    record_event(
        actor=by,
        verb=Verb.CREATE_ORGANIZATION,
        target=organization,
        organization=organization,
        summary=f"{organization.kind_label}，上级：{parent.name if parent else TOP}",
    )
    return organization


@transaction.atomic
def change_organization(*, by, organization: Organization, **fields: Any) -> Organization:
    """Change name, code, kind, sector or 有效; where it sits changes only by `move_organization`."""
    lines = describe_changes(organization, fields)
    if not lines:
        return organization  # as it is: re-importing an unchanged row writes nothing
    _refuse_if(policies.cannot_change_organization(by, organization))
    for name, value in fields.items():
        setattr(organization, name, value)
    organization.full_clean(exclude=TREE_FIELDS)
    organization.save(update_fields=list(fields))
    record_event(
        actor=by,
        verb=Verb.CHANGE_ORGANIZATION,
        target=organization,
        organization=organization,
        summary="；".join(lines),
    )
    return organization


@transaction.atomic
def move_organization(
    *, by, organization: Organization, parent: Organization | None, before: Organization | None = None
) -> Organization:
    """Move `organization` and its subtree under `parent` (None: to the top), before its child
    `before` or last. The kind rules are checked by the tree's manager."""
    manager = Organization.objects
    # Held until commit: two moves at once would rewrite the same paths.
    organization = manager.select_for_update().get(pk=organization.pk)
    _refuse_if(policies.cannot_move_organization(by, organization, parent))
    _check_sibling(before, parent)
    leaving = manager.get_parent(organization)
    if before is not None:
        manager.move(organization, before, "left")
    elif parent is not None:
        manager.move(organization, parent, "last-child")
    else:
        manager.move(organization, manager.get_last_root_node(), "last-sibling")
    organization.refresh_from_db()
    if leaving == parent:
        summary = f"在“{parent.name if parent else TOP}”之下调整顺序"
    else:
        summary = f"{leaving.name if leaving else TOP} → {parent.name if parent else TOP}"
    record_event(
        actor=by,
        verb=Verb.MOVE_ORGANIZATION,
        target=organization,
        organization=organization,
        summary=summary,
    )
    return organization


# Roles and accounts ------------------------------------------------------------------------


def _role_label(organization: Organization, kind: str) -> str:
    return f"“{organization.name}”{Role.Kind(kind).label}"


@transaction.atomic
def grant_role(*, by, user: User, organization: Organization, kind: str) -> Role:
    """Give `user` the role `kind` at `organization`."""
    if kind not in Role.Kind.values:
        raise ValidationError(f"没有“{kind}”这种角色。")
    _refuse_if(policies.cannot_grant_role(by, organization, kind))
    if Role.objects.filter(user=user, organization=organization, kind=kind).exists():
        raise ValidationError(f"{user}已是{_role_label(organization, kind)}。")
    role = Role.objects.create(user=user, organization=organization, kind=kind)
    forget_roles(user)
    if getattr(by, "pk", None) == user.pk:
        forget_roles(by)
    record_event(
        actor=by,
        verb=Verb.GRANT_ROLE,
        target=user,
        organization=organization,
        summary=_role_label(organization, kind),
    )
    return role


@transaction.atomic
def revoke_role(*, by, role: Role) -> None:
    """Take the role away; the account stays."""
    _refuse_if(policies.cannot_revoke_role(by, role))
    record_event(
        actor=by,
        verb=Verb.REVOKE_ROLE,
        target=role.user,
        organization=role.organization,
        summary=_role_label(role.organization, role.kind),
    )
    role.delete()
    forget_roles(role.user)
    if getattr(by, "pk", None) == role.user_id:
        forget_roles(by)


def _home(account: User) -> Organization | None:
    """The highest organization where `account` holds a role: where its events are filed."""
    return Organization.objects.filter(roles__user=account).order_by("path").first()


@transaction.atomic
def open_account(*, by, account: User, roles: Sequence[tuple[Organization, str]]) -> User:
    """Save the unsaved `account` (its password already set, e.g. by Django's creation form)
    and grant it `roles`, each as `grant_role` does."""
    roles = list(roles)
    _refuse_if(policies.cannot_open_account(by, roles))
    if account.pk is not None:
        raise ValidationError("该账号已经存在。")
    account.full_clean(exclude=["password"])
    account.save()
    record_event(
        actor=by,
        verb=Verb.OPEN_ACCOUNT,
        target=account,
        organization=roles[0][0] if roles else None,
        summary=f"用户名 {account.username}",
    )
    for organization, kind in roles:
        grant_role(by=by, user=account, organization=organization, kind=kind)
    return account


@transaction.atomic
def change_account(*, by, account: User, **fields: Any) -> User:
    """Change an account's details (name, phone, 有效, …); roles change by grant and revoke."""
    lines = describe_changes(account, fields)
    if not lines:
        return account
    _refuse_if(policies.cannot_change_account(by, account))
    for name, value in fields.items():
        setattr(account, name, value)
    account.full_clean(exclude=["password"])
    account.save(update_fields=list(fields))
    record_event(
        actor=by,
        verb=Verb.CHANGE_ACCOUNT,
        target=account,
        organization=_home(account),
        summary="；".join(lines),
    )
    return account

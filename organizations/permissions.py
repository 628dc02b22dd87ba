"""Django admin access for users who hold roles in the tree.

What rows a staff user sees is decided by scoping (`visible_to`); what they may do with them is
decided here, by one Django Group per role kind. The groups are created with their permissions
the first time they are needed; an administrator may tune a group afterwards and
`grant_admin_access` leaves it as it is.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from .models import Role

APPS = ("organizations", "campaigns", "members", "assessments")

# Written by services and jobs, never by hand: viewable only.
READ_ONLY = {"organizations.auditevent", "campaigns.reminder"}
# Accounts: the 组织部 may open and look after accounts in its county; nobody else may.
ACCOUNTS = {"organizations.user"}
# One-time ballot links: whoever holds them can vote, so only the 组织部 that prints them sees them.
BALLOT_LINKS = {"assessments.ballottoken"}
# A site's own data, kept by its branch and committee. Sites themselves are created and
# moved on only through the lifecycle services, so they are changed (plan, highlights), never added.
SITE_DATA = {
    "campaigns.leadinggroupmember",
    "campaigns.workitem",
    "campaigns.funding",
    "campaigns.rectification",
    "assessments.selfassessment",
    "assessments.indicatorscore",
    "assessments.evidence",
}


def _models() -> set[str]:
    return {
        f"{model._meta.app_label}.{model._meta.model_name}"
        for label in APPS
        for model in apps.get_app_config(label).get_models()
    }


def _members_models() -> set[str]:
    return {name for name in _models() if name.startswith("members.")}


def group_permissions(kind: str) -> dict[str, set[str]]:
    """The model permissions of the group for role `kind`, as {action: {"app.model", ...}}."""
    everything = _models()
    if kind == Role.Kind.ORG_DEPARTMENT:
        writable = everything - READ_ONLY
        return {"view": everything, "add": writable, "change": writable}
    if kind in (Role.Kind.COMMITTEE, Role.Kind.BRANCH_SECRETARY):
        members = _members_models()
        return {
            "view": everything - ACCOUNTS - BALLOT_LINKS,
            "add": members | SITE_DATA,
            "change": members | SITE_DATA | {"campaigns.site"},
        }
    return {"view": everything - ACCOUNTS - BALLOT_LINKS}


def _permissions(spec: dict[str, set[str]]) -> list[Permission]:
    wanted = {
        (name.split(".")[0], f"{action}_{name.split('.')[1]}")
        for action, names in spec.items()
        for name in names
    }
    candidates = Permission.objects.filter(content_type__app_label__in=APPS).select_related("content_type")
    return [p for p in candidates if (p.content_type.app_label, p.codename) in wanted]


def ensure_group(kind: str) -> Group:
    """The group for role `kind` (named after its label, e.g. 支部书记), created if missing."""
    group, created = Group.objects.get_or_create(name=Role.Kind(kind).label)
    if created:
        group.permissions.set(_permissions(group_permissions(kind)))
    return group


@transaction.atomic
def grant_admin_access(user) -> None:
    """Let `user` into the Django admin with the permissions of each role kind they hold.

    Sets `is_staff` and adds the user to one group per role kind (组织部, 党委, 支部书记,
    验收组成员). Idempotent: a second call changes nothing.
    """
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    kinds = set(Role.objects.filter(user_id=user.pk).values_list("kind", flat=True))
    groups = [ensure_group(kind) for kind in Role.Kind if kind in kinds]
    if groups:
        user.groups.add(*groups)

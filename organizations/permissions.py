"""数据管理 (the Django admin) is for the 组织部 and superusers; who gets in and with what.

`DataAdminSite` lets in exactly the accounts `User.opens_data_admin` names. What rows a 组织部
user sees there is decided by scoping (`visible_to`); what they may write, by the admin
classes (below superuser only the tree, accounts and roles, through `organizations.services`)
and by the permissions of the Django Group 组织部, created the first time it is needed. An
administrator may tune that group afterwards and `grant_admin_access` leaves it as it is.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Role

APPS = ("organizations", "campaigns", "members", "assessments")
REFUSED = "数据管理只对组织部和系统管理员开放，请在业务页面中办理。"

# What the 组织部 writes in the admin: the tree, accounts and roles, each through a service.
# Everything else is read there and written on the pages, through their services.
ORG_DEPARTMENT_WRITES = {
    "add": {"organizations.organization", "organizations.user", "organizations.role"},
    "change": {"organizations.organization", "organizations.user"},
    "delete": {"organizations.role"},
}


class DataAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's own login form, refusing with the same rule as the site."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user.opens_data_admin:
            raise ValidationError(REFUSED, code="invalid_login")


class DataAdminSite(admin.AdminSite):
    """The admin site: open to the accounts `User.opens_data_admin` names and nobody else.

    A branch secretary, a 党委 or an inspector who opens /admin/ gets its login page, as an
    account without staff status does, even if an older grant left them staff status.
    """

    login_form = DataAdminAuthenticationForm

    def has_permission(self, request):
        return bool(getattr(request.user, "opens_data_admin", False))


def group_permissions() -> dict[str, set[str]]:
    """The 组织部 group's model permissions, as {action: {"app.model", ...}}: it reads everything."""
    everything = {
        f"{model._meta.app_label}.{model._meta.model_name}"
        for label in APPS
        for model in apps.get_app_config(label).get_models()
    }
    return {"view": everything, **ORG_DEPARTMENT_WRITES}


def _permissions(spec: dict[str, set[str]]) -> list[Permission]:
    wanted = {
        (name.split(".")[0], f"{action}_{name.split('.')[1]}")
        for action, names in spec.items()
        for name in names
    }
    candidates = Permission.objects.filter(content_type__app_label__in=APPS).select_related("content_type")
    return [p for p in candidates if (p.content_type.app_label, p.codename) in wanted]


def ensure_group() -> Group:
    """The group 组织部, created with its permissions if missing."""
    group, created = Group.objects.get_or_create(name=Role.Kind.ORG_DEPARTMENT.label)
    if created:
        group.permissions.set(_permissions(group_permissions()))
    return group


@transaction.atomic
def grant_admin_access(user) -> bool:
    """Let `user` into 数据管理 if they hold a 组织部 role; whether they may enter now.

    Sets `is_staff` and adds the user to the group 组织部. Other roles get nothing: their work
    is in the pages. Idempotent: a second call changes nothing.
    """
    if not Role.objects.filter(user_id=user.pk, kind=Role.Kind.ORG_DEPARTMENT).exists():
        return False
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.groups.add(ensure_group())
    return True

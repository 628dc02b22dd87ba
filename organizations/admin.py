"""Django admin (数据管理) for the tree, accounts, roles, audit events and notifications, and
the scoping and write rules every app's admin uses.

Only the 组织部 and superusers get in (`organizations.permissions.DataAdminSite`).

`ScopedAdminMixin` is how the admin keeps to DESIGN §4: a user who is not a superuser sees,
in every changelist, change form, inline, filter and choice list, only rows that
`visible_to(user)` returns; an object outside that answers like a missing one.

`ReadOnlyBelowSuperuserMixin` is how it stays out of the way of the services: below superuser,
a model whose writes belong to a service the pages call is read-only here. What the 组织部
keeps only here — the tree, accounts and roles — saves through `organizations.services`,
with the same checks and audit events.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from treebeard.admin import TreeAdmin
from treebeard.forms import MoveNodeForm, movenodeform_factory

from . import policies
from .models import AuditEvent, Notification, Organization, Role, User, validate_placement
from .permissions import grant_admin_access
from .resources import ChineseCSV, OrganizationResource
from .services import (
    change_account,
    change_organization,
    create_organization,
    grant_role,
    move_organization,
    open_account,
    revoke_role,
)

# Scoping helpers ----------------------------------------------------------------------------


def scope_choices(queryset: QuerySet, user) -> QuerySet:
    """Limit a choice list to what `user` may see; models without scoping are left whole."""
    if user.is_superuser:
        return queryset
    if hasattr(queryset, "visible_to"):
        return queryset.visible_to(user)
    return queryset


def top_organizations(user) -> QuerySet:
    """The highest organizations `user` sees: where their roles are, less those under another role."""
    tops: list[str] = []
    for path in sorted(
        set(Role.objects.filter(user_id=user.pk).values_list("organization__path", flat=True))
    ):
        if not any(path.startswith(top) for top in tops):
            tops.append(path)
    return Organization.objects.filter(path__in=tops)


class ScopedAdminMixin:
    """For a ModelAdmin or an inline: non-superusers get only rows `visible_to(request.user)`.

    The changelist, the change/delete/history pages (Django finds the object through
    `get_queryset`, so an out-of-scope id answers like a missing one), inline rows, and the
    choices of every ForeignKey and ManyToMany field are all limited. A model without
    `visible_to` shows nothing unless its admin overrides `scope_queryset`.
    """

    def scope_queryset(self, queryset: QuerySet, user) -> QuerySet:
        if hasattr(queryset, "visible_to"):
            return queryset.visible_to(user)
        return queryset.none()

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return self.scope_queryset(queryset, request.user)

    def _scoped_field_queryset(self, db_field, request):
        queryset = self.get_field_queryset(None, db_field, request)
        if queryset is None:
            queryset = db_field.remote_field.model._default_manager.all()
        return scope_choices(queryset, request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            queryset = self._scoped_field_queryset(db_field, request)
            # Each option is named by str(row): join what the name reads, or it costs a query a row.
            kwargs["queryset"] = queryset.for_choices() if hasattr(queryset, "for_choices") else queryset
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs and not request.user.is_superuser:
            kwargs["queryset"] = self._scoped_field_queryset(db_field, request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class OrganizationKindsMixin:
    """Choice lists of organizations narrowed to the kinds a field may hold."""

    organization_kinds: dict[str, tuple[str, ...]] = {}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kinds = self.organization_kinds.get(db_field.name)
        if kinds:
            queryset = Organization.objects.filter(kind__in=kinds)
            if not request.user.is_superuser:
                queryset = queryset.visible_to(request.user)
            kwargs["queryset"] = queryset
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedImportExportMixin(ImportExportMixin):
    """Import/export in .csv and .xlsx, with the requesting user handed to the resource.

    Exports come from the (scoped) changelist; importing needs add and change permission.
    """

    import_formats = [ChineseCSV, XLSX]
    export_formats = [CSV, XLSX]

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {"user": request.user}

    def get_import_data_kwargs(self, **kwargs):
        # All or nothing: a row that fails validation on the confirmed run rolls back the rest too.
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs.setdefault("rollback_on_validation_errors", True)
        return kwargs

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)


class ReadOnlyBelowSuperuserMixin:
    """For a ModelAdmin or an inline whose model's writes belong to a service the pages call
    (with its checks and audit event): below superuser it is read-only here — its form shows
    the row, a POST answers 403. A superuser may still correct data; Django's LogEntry records it.
    """

    def has_add_permission(self, request, *args):
        return request.user.is_superuser and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


def adopt(obj: Model, saved: Model) -> None:
    """Let the admin's unsaved form instance stand for the row a service saved in its place
    (the admin logs that row and redirects to it)."""
    obj.pk = saved.pk
    obj._state.adding = False
    obj._state.db = saved._state.db


def org_department_scope(user) -> QuerySet:
    """The organizations where `user` acts as 组织部 (all of them for a superuser)."""
    return Organization.objects.visible_to(user, role_kind=Role.Kind.ORG_DEPARTMENT)


# The tree ----------------------------------------------------------------------------------

CHILD_POSITIONS = ("first-child", "last-child", "sorted-child")
ORGANIZATION_FIELDS = ("name", "code", "kind", "sector", "is_active")


def placement(
    position: str, reference: Organization | None, node: Organization
) -> tuple[Organization | None, Organization | None]:
    """Treebeard's (position, reference) as (parent, before): the new parent, and the child of
    it that `node` goes before (None: last)."""
    manager = Organization.objects
    if reference is None:
        return None, None
    if position in CHILD_POSITIONS:
        return reference, manager.get_children(reference).exclude(pk=node.pk).first()
    parent = manager.get_parent(reference)
    if position == "left":
        return parent, reference
    later = manager.get_siblings(reference).filter(path__gt=reference.path).exclude(pk=node.pk)
    return parent, later.order_by("path").first()


def can_position(user, organization: Organization | None) -> bool:
    """Whether `user` may choose where `organization` sits (a new one always).

    Not for the top of their own scope: its parent is out of their reach, so there is no
    position they could pick for it.
    """
    if user is None or organization is None or organization.pk is None:
        return True
    current = Organization.objects.get_parent(organization)
    return policies.cannot_move_organization(user, organization, current) is None


class OrganizationForm(MoveNodeForm):
    """Treebeard's move form, kept to the 组织部's scope and checked by the tree's policies.

    It writes nothing itself: `OrganizationAdmin.save_model` inserts, changes or moves the
    organization through the services, at the `placement` (parent, before) this form found.
    """

    # Set per request by OrganizationAdmin.get_form; None means unrestricted.
    actor = None
    placement: tuple[Organization | None, Organization | None] | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_position(self.actor, self.instance):
            del self.fields["treebeard_position"]
            del self.fields["treebeard_ref_node"]
            return
        position = self.fields["treebeard_position"]
        position.label = "位置"
        position.choices = [
            ("first-child", "作为参照组织的下级"),
            ("left", "与参照组织同级，排在其前"),
            ("right", "与参照组织同级，排在其后"),
        ]
        reference = self.fields["treebeard_ref_node"]
        reference.label = "参照组织"
        reference.empty_label = "（无：作为最顶层组织）"
        if self.actor is not None and not self.actor.is_superuser:
            reference.queryset = reference.queryset.filter(pk__in=org_department_scope(self.actor))
            reference.required = True
            reference.empty_label = None

    def _is_moving(self) -> bool:
        return self.instance._state.adding or bool(
            {"treebeard_ref_node", "treebeard_position"} & set(self.changed_data)
        )

    def clean(self):
        cleaned = super().clean()
        if "treebeard_position" not in self.fields or not self._is_moving():
            # Unmoved: Organization.clean() checks the kind against the parent it has.
            return cleaned
        position = cleaned.get("treebeard_position")
        if position is None:
            return cleaned
        parent, before = placement(position, cleaned.get("treebeard_ref_node"), self.instance)
        if self.actor is not None:
            if self.instance._state.adding:
                reason = policies.cannot_create_organization(self.actor, parent)
            else:
                reason = policies.cannot_move_organization(self.actor, self.instance, parent)
            if reason:
                self.add_error("treebeard_ref_node", reason)
                return cleaned
        if cleaned.get("kind"):
            try:
                validate_placement(kind=cleaned["kind"], parent=parent)
            except ValidationError as error:
                self.add_error(None, error)
                return cleaned
        self.placement = (parent, before)
        return cleaned

    def save(self, commit=True):
        """The organization as edited, unsaved: the admin saves it through the services."""
        return forms.ModelForm.save(self, commit=False)


class OrganizationImportResource(OrganizationResource):
    """The spreadsheet import of the tree, each row saved through the services: a new row as
    `create_organization`, a changed one as `change_organization`, a moved one as
    `move_organization`, each with its audit event and the importing user's scope."""

    def save_instance(self, instance, is_create, row, **kwargs):
        self.before_save_instance(instance, row, **kwargs)
        parent = instance._import_parent
        if is_create:
            create_organization(by=self.user, organization=instance, parent=parent)
        else:
            current = Organization.objects.get(pk=instance.pk)
            changes = {name: getattr(instance, name) for name in ORGANIZATION_FIELDS}
            change_organization(by=self.user, organization=current, **changes)
            if instance._import_moves:
                move_organization(by=self.user, organization=current, parent=parent)
        self.after_save_instance(instance, row, **kwargs)


@admin.register(Organization)
class OrganizationAdmin(ScopedAdminMixin, ScopedImportExportMixin, TreeAdmin):
    form = movenodeform_factory(Organization, form=OrganizationForm)
    change_list_template = "admin/tree_change_list.html"
    resource_classes = [OrganizationImportResource]
    list_display = ("name", "code", "kind", "sector", "is_active")
    list_filter = ("kind", "sector", "is_active")
    search_fields = ("name", "code")
    # No bulk delete: deleting a node takes its subtree with it (see has_delete_permission).
    actions = None

    def get_fieldsets(self, request, obj=None):
        fieldsets = [(None, {"fields": ORGANIZATION_FIELDS})]
        if can_position(request.user, obj):
            fieldsets.append(("在组织树中的位置", {"fields": ("treebeard_position", "treebeard_ref_node")}))
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user
        return form

    def get_queryset(self, request):
        """TreeAdmin shows one level at a time from the roots; a scoped user's tree starts at
        the organizations where their roles are."""
        if request.user.is_superuser:
            return super().get_queryset(request)
        visible = Organization.objects.visible_to(request.user)
        if not hasattr(request, "_treebeard_parent_id") or getattr(
            request, "_ignore_treebeard_filters", False
        ):
            return visible
        if self.is_filtered(request):
            request._treebeard_parent = None
            return visible
        if request._treebeard_parent_id:
            parent = get_object_or_404(visible, pk=request._treebeard_parent_id)
            request._treebeard_parent = parent
            return visible.filter(path__startswith=parent.path, depth=parent.depth + 1)
        request._treebeard_parent = None
        return top_organizations(request.user)

    def has_change_permission(self, request, obj=None):
        if obj is not None and policies.cannot_change_organization(request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # No service deletes an organization (make it 无效 instead); a superuser may delete an
        # empty one — deleting a node deletes its subtree without the admin listing it.
        if not request.user.is_superuser or (obj is not None and obj.numchild):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            parent, before = form.placement
            create_organization(by=request.user, organization=obj, parent=parent, before=before)
            return
        current = Organization.objects.get(pk=obj.pk)
        changes = {name: getattr(obj, name) for name in form.changed_data if name in ORGANIZATION_FIELDS}
        if changes:
            change_organization(by=request.user, organization=current, **changes)
        if form.placement is not None:
            parent, before = form.placement
            move_organization(by=request.user, organization=current, parent=parent, before=before)
        obj.refresh_from_db()

    def move_node(self, request):
        """Drag-and-drop moves through `move_organization`: a refusal or a kind rule comes
        back as a message (treebeard's script reloads the page to show it)."""
        visible = scope_choices(Organization.objects.all(), request.user)
        node_id, target_id = request.POST.get("node", ""), request.POST.get("target", "")
        node = visible.filter(pk=node_id).first() if node_id.isdigit() else None
        target = visible.filter(pk=target_id).first() if target_id.isdigit() else None
        if node is None or target is None:
            raise Http404
        if request.POST.get("relation") == "child":
            parent, before = target, None
        else:
            parent, before = Organization.objects.get_parent(target), target
        try:
            move_organization(by=request.user, organization=node, parent=parent, before=before)
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
            return HttpResponseBadRequest("；".join(error.messages))
        messages.info(request, f"已调整“{node.name}”的隶属关系。")
        return HttpResponse("OK")


# Accounts and roles ------------------------------------------------------------------------


class RoleForm(forms.ModelForm):
    """A role to grant: refused beside the field unless the granting user's policy allows it."""

    # Set per request by the admin (get_form / get_formset); None means unrestricted.
    actor = None

    class Meta:
        model = Role
        fields = ("user", "organization", "kind")

    def clean(self):
        cleaned = super().clean()
        organization, kind = cleaned.get("organization"), cleaned.get("kind")
        adding = self.actor is not None and self.instance._state.adding and organization and kind
        if adding and (reason := policies.cannot_grant_role(self.actor, organization, kind)):
            self.add_error("organization", reason)
        return cleaned


class RoleFormSet(BaseInlineFormSet):
    """The roles on an account's page: new rows are granted, rows ticked 删除 revoked."""

    actor = None

    def clean(self):
        super().clean()
        if self.actor is None or not self.can_delete:
            return
        # A row ticked 删除 is not validated as a form, so a refusal is the formset's error.
        refusals = [
            reason
            for form in self.initial_forms
            if self._should_delete_form(form)
            and (reason := policies.cannot_revoke_role(self.actor, form.instance))
        ]
        if refusals:
            raise ValidationError(refusals)


class OrgDepartmentChoicesMixin:
    """A role's organization is chosen among those where the user acts as 组织部."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organization" and not request.user.is_superuser:
            kwargs["queryset"] = org_department_scope(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class RoleInline(OrgDepartmentChoicesMixin, ScopedAdminMixin, admin.TabularInline):
    model = Role
    form = RoleForm
    formset = RoleFormSet
    extra = 0
    fields = ("organization", "kind")

    def get_min_num(self, request, obj=None, **kwargs):
        # An account a scoped user creates must land in their scope, or they could not see it again.
        return 0 if request.user.is_superuser else 1

    def has_change_permission(self, request, obj=None):
        # A role is granted (a new row) or revoked (删除), not edited in place.
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.actor = formset.form.actor = request.user
        return formset


ACCOUNT_READ_ONLY = ("is_staff", "is_superuser", "groups", "user_permissions", "last_login", "date_joined")


@admin.register(User)
class UserAdmin(ScopedAdminMixin, DjangoUserAdmin):
    """Accounts: opened with `open_account`, changed with `change_account`, their roles
    granted and revoked with `grant_role` / `revoke_role` — for superusers too."""

    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("name", "phone", "email")}),
        ("权限", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("重要日期", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "name", "phone", "usable_password", "password1", "password2"),
            },
        ),
    )
    inlines = [RoleInline]
    list_display = ("username", "name", "phone", "is_staff", "is_active", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active", "roles__kind", "groups")
    search_fields = ("username", "name", "phone", "email")
    actions = ["grant_access"]

    def has_change_permission(self, request, obj=None):
        # Seeing an account (it holds a role in scope) is not enough to change it: a superuser,
        # or someone who also holds a role elsewhere, is looked after from above.
        if obj is not None and policies.cannot_change_account(request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return ()
        # Only a superuser hands out admin rights beyond what roles give (see grant_access).
        return ACCOUNT_READ_ONLY

    def save_model(self, request, obj, form, change):
        if not change:
            return  # opened in save_related, together with its roles
        fields = {
            name: getattr(obj, name)
            for name in form.changed_data
            if name in {field.name for field in User._meta.concrete_fields}
        }
        change_account(by=request.user, account=User.objects.get(pk=obj.pk), **fields)

    def save_related(self, request, form, formsets, change):
        roles = next(formset for formset in formsets if formset.model is Role)
        roles.save(commit=False)  # lists new, changed and deleted rows; writes nothing
        if not change:
            open_account(
                by=request.user,
                account=form.instance,
                roles=[(role.organization, role.kind) for role in roles.new_objects],
            )
        else:
            # Revoked first, so a role taken away and given again in one save is granted anew.
            for role in roles.deleted_objects:
                revoke_role(by=request.user, role=role)
            for role, _ in roles.changed_objects:  # superusers only, see RoleInline
                role.save()
            for role in roles.new_objects:
                grant_role(
                    by=request.user, user=form.instance, organization=role.organization, kind=role.kind
                )
        form.save_m2m()

    @admin.action(description="开通数据管理（组织部账号）", permissions=["change"])
    def grant_access(self, request, queryset):
        users = list(queryset)
        opened = sum(grant_admin_access(user) for user in users)
        if opened:
            self.message_user(request, f"已为 {opened} 个组织部账号开通数据管理。", messages.SUCCESS)
        if len(users) > opened:
            self.message_user(
                request,
                f"{len(users) - opened} 个账号不担任组织部角色：数据管理只对组织部开放。",
                messages.WARNING,
            )


@admin.register(Role)
class RoleAdmin(OrgDepartmentChoicesMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Roles: added with `grant_role`, deleted with `revoke_role`; a superuser may also edit one."""

    form = RoleForm
    list_display = ("user", "organization", "kind")
    list_filter = ("kind",)
    search_fields = ("user__username", "user__name", "organization__name", "organization__code")
    list_select_related = ("user", "organization")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user
        return form

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and policies.cannot_revoke_role(request.user, obj):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        adopt(obj, grant_role(by=request.user, user=obj.user, organization=obj.organization, kind=obj.kind))

    def delete_model(self, request, obj):
        revoke_role(by=request.user, role=obj)

    def delete_queryset(self, request, queryset):
        for role in queryset.select_related("user", "organization"):
            revoke_role(by=request.user, role=role)


# Audit and notifications -------------------------------------------------------------------


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Read-only for everyone, superusers included: services write audit events, nobody edits them."""

    list_display = ("created_at", "actor", "verb", "target_repr", "summary")
    list_filter = ("verb", "created_at")
    date_hierarchy = "created_at"
    search_fields = ("target_repr", "summary", "actor__username", "actor__name")
    list_select_related = ("actor",)
    fields = ("created_at", "actor", "verb", "organization", "target_repr", "summary")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyBelowSuperuserMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Written by the services and jobs that notify; read here."""

    list_display = ("created_at", "recipient", "title", "read_at")
    list_filter = (("read_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("title", "body", "recipient__username", "recipient__name")
    list_select_related = ("recipient",)

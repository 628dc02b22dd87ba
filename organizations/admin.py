"""Django admin for the tree, users, roles, audit events and notifications, and the scoping
every app's admin uses.

`ScopedAdminMixin` is how the admin keeps to DESIGN §4: a user who is not a superuser sees,
in every changelist, change form, inline, filter and choice list, only rows that
`visible_to(user)` returns; an object outside that answers like a missing one.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from treebeard.admin import TreeAdmin
from treebeard.forms import MoveNodeForm, movenodeform_factory

from .models import AuditEvent, Notification, Organization, Role, User, validate_placement
from .permissions import grant_admin_access
from .resources import OrganizationResource

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

    import_formats = [CSV, XLSX]
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


# The tree ----------------------------------------------------------------------------------

CHILD_POSITIONS = ("first-child", "last-child", "sorted-child")


def can_position(user, organization: Organization | None) -> bool:
    """Whether `user` may choose where `organization` sits.

    Not for the top of their own scope: its parent is out of their sight, so there is no
    position they could pick for it.
    """
    if user is None or user.is_superuser or organization is None or organization.pk is None:
        return True
    parent_path = organization.path[: -organization.steplen]
    return bool(parent_path) and Organization.objects.visible_to(user).filter(path=parent_path).exists()


class OrganizationForm(MoveNodeForm):
    """Treebeard's move form, with the kind rules checked as form errors and kept to the user's scope."""

    # Set per request by OrganizationAdmin.get_form; None means unrestricted.
    user = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_position(self.user, self.instance):
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
        if self.user is not None and not self.user.is_superuser:
            reference.queryset = reference.queryset.visible_to(self.user)
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
        reference = cleaned.get("treebeard_ref_node")
        if position is None:
            return cleaned
        if reference is None:
            parent = None
        elif position in CHILD_POSITIONS:
            parent = reference
        else:
            parent = Organization.objects.get_parent(reference)
        if (
            self.user is not None
            and not self.user.is_superuser
            and (
                parent is None or not Organization.objects.visible_to(self.user).filter(pk=parent.pk).exists()
            )
        ):
            self.add_error("treebeard_ref_node", "只能放在您管辖范围内的组织之下。")
        elif cleaned.get("kind"):
            try:
                validate_placement(kind=cleaned["kind"], parent=parent)
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned

    def save(self, commit=True):
        if "treebeard_position" not in self.fields:
            return forms.ModelForm.save(self, commit)
        reference = self.cleaned_data.get("treebeard_ref_node")
        position = self.cleaned_data.get("treebeard_position")
        if self.instance._state.adding and reference is not None and position not in CHILD_POSITIONS:
            # MoveNodeForm would add the node under the reference and then move it beside it;
            # the kind rules would judge it under the wrong parent, so add it as a sibling.
            self.instance = Organization.objects.add_sibling(reference, position, instance=self.instance)
            self.instance.refresh_from_db()
            return forms.ModelForm.save(self, commit)
        return super().save(commit)


@admin.register(Organization)
class OrganizationAdmin(ScopedAdminMixin, ScopedImportExportMixin, TreeAdmin):
    form = movenodeform_factory(Organization, form=OrganizationForm)
    change_list_template = "admin/tree_change_list.html"
    resource_classes = [OrganizationResource]
    list_display = ("name", "code", "kind", "sector", "is_active")
    list_filter = ("kind", "sector", "is_active")
    search_fields = ("name", "code")
    # No bulk delete: deleting a node takes its subtree with it (see has_delete_permission).
    actions = None

    def get_fieldsets(self, request, obj=None):
        fieldsets = [(None, {"fields": ("name", "code", "kind", "sector", "is_active")})]
        if can_position(request.user, obj):
            fieldsets.append(("在组织树中的位置", {"fields": ("treebeard_position", "treebeard_ref_node")}))
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user
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

    def has_delete_permission(self, request, obj=None):
        # Deleting a node deletes its subtree without the admin listing it: empty it first.
        if obj is not None and obj.numchild:
            return False
        return super().has_delete_permission(request, obj)

    def move_node(self, request):
        """Drag-and-drop moves: both ends in the user's scope, kind rules as a message, not a 500."""
        if not request.user.is_superuser:
            visible = Organization.objects.visible_to(request.user)
            node_id, target_id = request.POST.get("node", ""), request.POST.get("target", "")
            target = visible.filter(pk=target_id).first() if target_id.isdigit() else None
            node_visible = node_id.isdigit() and visible.filter(pk=node_id).exists()
            new_parent = (
                target
                if request.POST.get("relation") == "child"
                else target and Organization.objects.get_parent(target)
            )
            if not (node_visible and new_parent and visible.filter(pk=new_parent.pk).exists()):
                raise PermissionDenied
        try:
            return super().move_node(request)
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
            return HttpResponseBadRequest("；".join(error.messages))


# Accounts and roles ------------------------------------------------------------------------


class RoleInline(ScopedAdminMixin, admin.TabularInline):
    model = Role
    extra = 0
    fields = ("organization", "kind")

    def get_min_num(self, request, obj=None, **kwargs):
        # An account a scoped user creates must land in their scope, or they could not see it again.
        return 0 if request.user.is_superuser else 1


@admin.register(User)
class UserAdmin(ScopedAdminMixin, DjangoUserAdmin):
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
        if (
            obj is not None
            and not request.user.is_superuser
            and not User.objects.changeable_by(request.user).filter(pk=obj.pk).exists()
        ):
            return False
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return ()
        # Only a superuser hands out admin rights beyond what roles give (see grant_access).
        return ("is_staff", "is_superuser", "groups", "user_permissions", "last_login", "date_joined")

    @admin.action(description="开通后台权限（按所任角色）", permissions=["change"])
    def grant_access(self, request, queryset):
        users = list(queryset)
        for user in users:
            grant_admin_access(user)
        self.message_user(request, f"已为 {len(users)} 个账号开通后台权限。", messages.SUCCESS)


@admin.register(Role)
class RoleAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("user", "organization", "kind")
    list_filter = ("kind",)
    search_fields = ("user__username", "user__name", "organization__name", "organization__code")
    list_select_related = ("user", "organization")


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
class NotificationAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "recipient", "title", "read_at")
    list_filter = (("read_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("title", "body", "recipient__username", "recipient__name")
    list_select_related = ("recipient",)

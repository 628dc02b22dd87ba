"""Django admin for campaigns, sites and a site's work during a campaign.

Everything here is written on the campaign and site pages, through `campaigns.services`, so
below superuser it is read-only. The actions 启动活动 / 批准创建 / 不予批准 call the lifecycle
services, which check the actor's role and write the audit event; a campaign a superuser adds
here is created by `create_campaign` as on the page.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.template.response import TemplateResponse

from organizations.admin import (
    OrganizationKindsMixin,
    ReadOnlyBelowSuperuserMixin,
    ScopedAdminMixin,
    adopt,
)
from organizations.models import Kind
from organizations.uploads import check_upload

from .models import (
    Campaign,
    Funding,
    LeadingGroupMember,
    Phase,
    Rectification,
    Reminder,
    Site,
    SupervisionVisit,
    TypicalCase,
    WorkItem,
    validate_phases,
)
from .services import (
    LifecycleError,
    PhaseSpec,
    activate_campaign,
    approve_site,
    create_campaign,
    reject_site,
)

# Campaigns and phases ---------------------------------------------------------------------


def _no_sibling_check() -> None:
    """Stands in for Phase.clean() inside the phase formset; see PhaseForm."""


class PhaseForm(forms.ModelForm):
    def _post_clean(self):
        # Phase.clean() compares one phase with its siblings as saved. In the campaign form the
        # three are edited together (moving all dates at once is normal), so PhaseFormSet
        # checks them together, as edited, with validate_phases instead.
        self.instance.clean = _no_sibling_check
        super()._post_clean()


class PhaseFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        phases = [
            form.instance
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.instance.kind
        ]
        try:
            validate_phases(phases)
        except ValidationError as error:
            raise ValidationError(error.messages) from error


class PhaseInline(ReadOnlyBelowSuperuserMixin, admin.TabularInline):
    model = Phase
    form = PhaseForm
    formset = PhaseFormSet
    fields = ("kind", "name", "starts_on", "ends_on")
    extra = 3
    max_num = 3


def run_transition(model_admin, request, queryset, transition: Callable, done: str) -> None:
    """Apply a service transition to each selected object; report each refusal with its reason."""
    succeeded = 0
    for obj in queryset:
        try:
            transition(obj)
        except LifecycleError as error:
            model_admin.message_user(request, f"{obj}：{'；'.join(error.messages)}", messages.ERROR)
        else:
            succeeded += 1
    if succeeded:
        noun = model_admin.model._meta.verbose_name
        model_admin.message_user(request, f"{done}：{succeeded} 个{noun}。", messages.SUCCESS)


CAMPAIGN_FIELDS = (
    "name",
    "year",
    "organizer",
    "description",
    "quota_per_committee",
    "weight_self",
    "weight_public",
    "weight_inspection",
    "pass_score",
    "publicity_days",
)


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyBelowSuperuserMixin, OrganizationKindsMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Created (创建活动) and set up (活动设置) on the campaign pages; read here.

    The actions call the services, which decide who may (so they are offered to whoever sees
    the list). A campaign a superuser adds here is created by `create_campaign`, phases and
    audit event included; a superuser's later corrections are Django's to log.
    """

    organization_kinds = {"organizer": (Kind.WORK_COMMITTEE, Kind.PARTY_COMMITTEE)}
    list_display = ("name", "year", "organizer", "status", "quota_per_committee", "pass_score")
    list_filter = ("year", "status")
    search_fields = ("name", "organizer__name")
    list_select_related = ("organizer",)
    readonly_fields = ("status", "created_at")
    fieldsets = (
        (None, {"fields": ("name", "year", "organizer", "description", "status", "created_at")}),
        ("申报", {"fields": ("quota_per_committee",)}),
        (
            "评价",
            {"fields": ("weight_self", "weight_public", "weight_inspection", "pass_score", "publicity_days")},
        ),
    )
    inlines = [PhaseInline]
    actions = ["activate"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        # A new campaign is created with its phases in save_related.

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)
            return
        phases = next(formset for formset in formsets if formset.model is Phase)
        phases.save(commit=False)  # lists the rows for the admin's log; writes nothing
        campaign = create_campaign(
            by=request.user,
            phases=[
                PhaseSpec(kind=phase.kind, starts_on=phase.starts_on, ends_on=phase.ends_on, name=phase.name)
                for phase in phases.new_objects
            ],
            **{name: form.cleaned_data[name] for name in CAMPAIGN_FIELDS},
        )
        adopt(form.instance, campaign)

    @admin.action(description="启动活动（开始接受申报）", permissions=["view"])
    def activate(self, request, queryset):
        run_transition(
            self, request, queryset, lambda c: activate_campaign(campaign=c, by=request.user), "已启动"
        )


@admin.register(Phase)
class PhaseAdmin(ReadOnlyBelowSuperuserMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Phases change with their campaign (活动设置); one at a time here, for a superuser,
    Phase.clean() checking it against its campaign's other phases."""

    list_display = ("display_name", "kind", "campaign", "starts_on", "ends_on")
    list_filter = ("kind", ("campaign", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "campaign__name")
    list_select_related = ("campaign",)

    @admin.display(description="阶段名称")
    def display_name(self, phase: Phase) -> str:
        return phase.display_name


# Sites -----------------------------------------------------------------------------------


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="不予批准的理由", widget=forms.Textarea(attrs={"rows": 4}), help_text="申报党委将看到这条意见。"
    )


class SiteForm(forms.ModelForm):
    def clean_plan_file(self):
        check_upload(self.cleaned_data.get("plan_file"))
        return self.cleaned_data.get("plan_file")


class LeadingGroupMemberInline(ReadOnlyBelowSuperuserMixin, ScopedAdminMixin, admin.TabularInline):
    model = LeadingGroupMember
    fields = ("position", "name", "title", "duty", "order")
    extra = 0


class FundingInline(ReadOnlyBelowSuperuserMixin, ScopedAdminMixin, admin.TabularInline):
    model = Funding
    fields = ("source", "amount", "spent", "note")
    extra = 0


@admin.register(Site)
class SiteAdmin(ReadOnlyBelowSuperuserMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Nominated, decided and kept (plan, leading group, funding) on the site pages, through the
    services; read here. The actions call the same services, which decide who may."""

    form = SiteForm
    list_display = ("organization", "campaign", "nominated_by", "status", "status_changed_at")
    list_filter = (("campaign", admin.RelatedOnlyFieldListFilter), "status")
    search_fields = ("organization__name", "organization__code")
    list_select_related = ("organization", "campaign", "nominated_by")
    fields = (
        "campaign",
        "organization",
        "nominated_by",
        "status",
        "nominated_at",
        "status_changed_at",
        "decision_note",
        "plan",
        "plan_file",
        "highlights",
    )
    readonly_fields = (
        "campaign",
        "organization",
        "nominated_by",
        "status",
        "nominated_at",
        "status_changed_at",
        "decision_note",
    )
    inlines = [LeadingGroupMemberInline, FundingInline]
    actions = ["approve", "reject"]

    def has_add_permission(self, request):
        # A site comes into being only by a committee's nomination (campaigns.services.nominate_site).
        return False

    @admin.action(description="批准创建", permissions=["view"])
    def approve(self, request, queryset):
        run_transition(
            self, request, queryset, lambda site: approve_site(site=site, by=request.user), "已批准创建"
        )

    @admin.action(description="不予批准", permissions=["view"])
    def reject(self, request, queryset):
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            run_transition(
                self,
                request,
                queryset,
                lambda site: reject_site(site=site, by=request.user, reason=reason),
                "已不予批准",
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "不予批准",
            "opts": self.opts,
            "sites": queryset,
            "form": form,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/campaigns/site/reject_sites.html", context)


# A site's work ----------------------------------------------------------------------------

SITE_RELATED = ("site__organization", "site__campaign")


@admin.register(LeadingGroupMember)
class LeadingGroupMemberAdmin(ReadOnlyBelowSuperuserMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "position", "title", "duty", "site")
    list_filter = ("position", ("site__campaign", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "title", "site__organization__name")
    list_select_related = SITE_RELATED


@admin.register(WorkItem)
class WorkItemAdmin(ReadOnlyBelowSuperuserMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("title", "campaign", "site", "phase", "due_on", "responsible", "status", "done_on")
    list_filter = ("status", ("campaign", admin.RelatedOnlyFieldListFilter), "phase__kind")
    search_fields = ("title", "responsible", "site__organization__name")
    list_select_related = ("campaign", "phase", *SITE_RELATED)
    date_hierarchy = "due_on"


@admin.register(SupervisionVisit)
class SupervisionVisitAdmin(ReadOnlyBelowSuperuserMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("site", "visited_on", "method", "recorded_by")
    list_filter = ("method", ("site__campaign", admin.RelatedOnlyFieldListFilter))
    search_fields = ("site__organization__name", "findings")
    list_select_related = ("recorded_by", *SITE_RELATED)
    date_hierarchy = "visited_on"

    def save_model(self, request, obj, form, change):
        if obj.recorded_by_id is None:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


class RectificationForm(forms.ModelForm):
    def clean_evidence(self):
        check_upload(self.cleaned_data.get("evidence"))
        return self.cleaned_data.get("evidence")


@admin.register(Rectification)
class RectificationAdmin(ReadOnlyBelowSuperuserMixin, ScopedAdminMixin, admin.ModelAdmin):
    form = RectificationForm
    list_display = ("__str__", "site", "source", "owner", "due_on", "status", "closed_on")
    list_filter = ("status", "source", ("site__campaign", admin.RelatedOnlyFieldListFilter))
    search_fields = ("description", "owner", "site__organization__name")
    list_select_related = SITE_RELATED
    date_hierarchy = "due_on"


@admin.register(Funding)
class FundingAdmin(ReadOnlyBelowSuperuserMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("site", "source", "amount", "spent", "note")
    list_filter = ("source", ("site__campaign", admin.RelatedOnlyFieldListFilter))
    search_fields = ("site__organization__name", "note")
    list_select_related = SITE_RELATED


@admin.register(TypicalCase)
class TypicalCaseAdmin(ReadOnlyBelowSuperuserMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("title", "site", "year", "selected_by")
    list_filter = ("year",)
    search_fields = ("title", "summary", "site__organization__name")
    list_select_related = ("selected_by", *SITE_RELATED)

    def save_model(self, request, obj, form, change):
        if obj.selected_by_id is None:
            obj.selected_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Reminder)
class ReminderAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Read-only: the reminder job writes these, one per object, kind, due date and recipient."""

    list_display = ("sent_at", "kind", "due_on", "recipient", "target_type", "target_id")
    list_filter = ("kind", "sent_at")
    search_fields = ("recipient__username", "recipient__name")
    list_select_related = ("recipient", "target_type")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

"""Django admin for the member register and a branch's own records.

The branch keeps all of these on its pages, through `members.services` (with the member
rules and audit events), so below superuser they are read-only here; the register still
exports from its list.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, OuterRef, Q, Subquery

from organizations.admin import (
    OrganizationKindsMixin,
    ReadOnlyBelowSuperuserMixin,
    ScopedAdminMixin,
    ScopedImportExportMixin,
)
from organizations.models import Kind

from . import policies
from .models import (
    Applicant,
    Attendance,
    DevelopmentStage,
    DuesPayment,
    Household,
    Meeting,
    Member,
    Pairing,
    Plaque,
    ServiceRecord,
    StarRule,
)
from .resources import MemberResource

BRANCH_FILTER = ("branch", admin.RelatedOnlyFieldListFilter)
MEMBER_BRANCH_FILTER = ("member__branch", admin.RelatedOnlyFieldListFilter)


BRANCH_ONLY = {"branch": (Kind.BRANCH,)}


@admin.register(Member)
class MemberAdmin(
    ReadOnlyBelowSuperuserMixin,
    OrganizationKindsMixin,
    ScopedAdminMixin,
    ScopedImportExportMixin,
    admin.ModelAdmin,
):
    resource_classes = [MemberResource]
    organization_kinds = {"branch": (Kind.BRANCH,), "group": (Kind.GROUP,)}
    list_display = (
        "name",
        "gender",
        "branch",
        "status",
        "id_number_masked",
        "phone",
        "is_mobile",
        "is_lost_contact",
    )
    list_filter = (BRANCH_FILTER, "status", "is_mobile", "is_lost_contact", "party_standing", "gender")
    search_fields = ("name", "phone")
    list_select_related = ("branch",)
    # Shown masked in the list: a filter, a search or an order on it would tell the masked
    # digits one request at a time (`?id_number__startswith=1101…` answering 1 row or 0).
    masked_fields = ("id_number",)

    def lookup_allowed(self, lookup, value, request=None):
        if lookup.split("__", 1)[0] in self.masked_fields and not getattr(
            getattr(request, "user", None), "is_superuser", False
        ):
            return False
        return super().lookup_allowed(lookup, value, request)

    fieldsets = (
        (
            "基本信息",
            {
                "fields": (
                    "name",
                    "gender",
                    "ethnicity",
                    "id_number",
                    "birth_date",
                    "education",
                    "occupation",
                    "job",
                    "phone",
                    "address",
                    "skills",
                )
            },
        ),
        (
            "组织关系",
            {"fields": ("branch", "group", "status", "joined_on", "full_member_on", "party_standing")},
        ),
        (
            "流动与失联",
            {"fields": ("is_mobile", "mobile_destination", "is_lost_contact", "lost_contact_since")},
        ),
        ("账号", {"fields": ("user",)}),
    )

    @admin.display(description="公民身份证号")
    def id_number_masked(self, member: Member) -> str:
        return member.masked_id_number

    def _sees_id_number(self, request, obj: Member | None) -> bool:
        # A new member has no number on file to reveal; a member's is shown per their branch.
        return obj is None or policies.sees_id_numbers(request.user, obj.branch)

    def get_fieldsets(self, request, obj=None):
        if self._sees_id_number(request, obj):
            return self.fieldsets
        return tuple(
            (
                title,
                {"fields": tuple("id_number_masked" if f == "id_number" else f for f in options["fields"])},
            )
            for title, options in self.fieldsets
        )

    def get_readonly_fields(self, request, obj=None):
        if self._sees_id_number(request, obj):
            return ()
        return ("id_number_masked",)


class DevelopmentStageInline(ReadOnlyBelowSuperuserMixin, ScopedAdminMixin, admin.TabularInline):
    model = DevelopmentStage
    fields = ("stage", "reached_on", "note")
    extra = 0


@admin.register(Applicant)
class ApplicantAdmin(ReadOnlyBelowSuperuserMixin, OrganizationKindsMixin, ScopedAdminMixin, admin.ModelAdmin):
    organization_kinds = BRANCH_ONLY
    list_display = ("name", "gender", "branch", "current_stage", "phone")
    list_filter = (BRANCH_FILTER, "gender")
    search_fields = ("name", "phone")
    list_select_related = ("branch",)
    autocomplete_fields = ("member",)
    inlines = [DevelopmentStageInline]

    def get_queryset(self, request):
        latest = DevelopmentStage.objects.filter(applicant=OuterRef("pk")).order_by("-reached_on", "-id")
        return super().get_queryset(request).annotate(latest_stage=Subquery(latest.values("stage")[:1]))

    @admin.display(description="当前阶段")
    def current_stage(self, applicant: Applicant) -> str:
        stage = getattr(applicant, "latest_stage", None)
        return DevelopmentStage.Stage(stage).label if stage else "—"


@admin.register(DevelopmentStage)
class DevelopmentStageAdmin(ReadOnlyBelowSuperuserMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("applicant", "stage", "reached_on", "note")
    list_filter = ("stage", ("applicant__branch", admin.RelatedOnlyFieldListFilter))
    search_fields = ("applicant__name",)
    list_select_related = ("applicant",)
    autocomplete_fields = ("applicant",)
    date_hierarchy = "reached_on"


@admin.register(DuesPayment)
class DuesPaymentAdmin(ReadOnlyBelowSuperuserMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("member", "member_branch", "month", "amount", "paid_on", "on_time")
    list_filter = (MEMBER_BRANCH_FILTER, "month")
    search_fields = ("member__name",)
    list_select_related = ("member__branch",)
    autocomplete_fields = ("member",)
    date_hierarchy = "month"

    @admin.display(description="所在党支部", ordering="member__branch__path")
    def member_branch(self, payment: DuesPayment) -> str:
        return payment.member.branch.name

    @admin.display(description="按月缴纳", boolean=True)
    def on_time(self, payment: DuesPayment) -> bool:
        return payment.on_time


class AttendanceInline(ReadOnlyBelowSuperuserMixin, ScopedAdminMixin, admin.TabularInline):
    model = Attendance
    fields = ("member", "status")
    autocomplete_fields = ("member",)
    extra = 0

    def get_queryset(self, request):
        # Each row is headed by its name, which reads the member's name.
        return super().get_queryset(request).select_related("member")


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyBelowSuperuserMixin, OrganizationKindsMixin, ScopedAdminMixin, admin.ModelAdmin):
    organization_kinds = {"organization": (Kind.BRANCH, Kind.GROUP)}
    list_display = ("held_on", "kind", "topic", "organization", "attendance_rate")
    list_filter = ("kind", ("organization", admin.RelatedOnlyFieldListFilter), "held_on")
    search_fields = ("topic", "location", "organization__name")
    list_select_related = ("organization",)
    date_hierarchy = "held_on"
    inlines = [AttendanceInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                expected=Count("attendances"),
                present=Count("attendances", filter=Q(attendances__status=Attendance.Status.PRESENT)),
            )
        )

    @admin.display(description="到会率")
    def attendance_rate(self, meeting: Meeting) -> str:
        if not meeting.expected:
            return "—"
        return f"{meeting.present}/{meeting.expected}（{meeting.present * 100 // meeting.expected}%）"


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyBelowSuperuserMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("member", "status", "meeting")
    list_filter = ("status", "meeting__kind", ("meeting__organization", admin.RelatedOnlyFieldListFilter))
    search_fields = ("member__name", "meeting__topic")
    list_select_related = ("member", "meeting")
    autocomplete_fields = ("member", "meeting")


@admin.register(ServiceRecord)
class ServiceRecordAdmin(ReadOnlyBelowSuperuserMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("member", "served_on", "place", "content", "household", "hours", "verified_by")
    list_filter = (MEMBER_BRANCH_FILTER, ("verified_at", admin.EmptyFieldListFilter), "served_on")
    search_fields = ("member__name", "content", "place")
    list_select_related = ("member", "household", "verified_by")
    autocomplete_fields = ("member", "household")
    date_hierarchy = "served_on"


@admin.register(Household)
class HouseholdAdmin(ReadOnlyBelowSuperuserMixin, OrganizationKindsMixin, ScopedAdminMixin, admin.ModelAdmin):
    organization_kinds = BRANCH_ONLY
    list_display = ("name", "category", "branch", "needs", "phone")
    list_filter = ("category", BRANCH_FILTER)
    search_fields = ("name", "phone", "address")
    list_select_related = ("branch",)


@admin.register(Pairing)
class PairingAdmin(ReadOnlyBelowSuperuserMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("member", "household", "started_on")
    list_filter = (MEMBER_BRANCH_FILTER,)
    search_fields = ("member__name", "household__name")
    list_select_related = ("member", "household")
    autocomplete_fields = ("member", "household")


@admin.register(Plaque)
class PlaqueAdmin(ReadOnlyBelowSuperuserMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("member", "title", "method", "year", "awarded_on")
    list_filter = ("title", "method", "year", MEMBER_BRANCH_FILTER)
    search_fields = ("member__name",)
    list_select_related = ("member",)
    autocomplete_fields = ("member",)


@admin.register(StarRule)
class StarRuleAdmin(ReadOnlyBelowSuperuserMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = (
        "organization",
        "one_star",
        "two_stars",
        "three_stars",
        "four_stars",
        "five_stars",
        "uses_points",
    )
    search_fields = ("organization__name",)
    list_select_related = ("organization",)

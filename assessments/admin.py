"""Django admin for criteria frameworks, self-assessments, the public survey and on-site acceptance.

Below superuser all of it is read-only here: a site's assessments belong to its pages and
their services, and a framework changes only as a campaign's copy (活动设置) or by import.
For superusers too, a framework in use by a started campaign and cast ballots are read-only.
"""

from __future__ import annotations

import hashlib
import mimetypes

from django import forms
from django.contrib import admin
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count
from django.utils import timezone

from organizations.admin import ReadOnlyBelowSuperuserMixin, ScopedAdminMixin
from organizations.uploads import IMAGE_EXTENSIONS, check_upload

from .models import (
    Acceptance,
    AgreedScore,
    Ballot,
    BallotToken,
    Dimension,
    Evidence,
    Framework,
    Indicator,
    IndicatorScore,
    InspectorScore,
    ItemGroup,
    Objection,
    SelfAssessment,
    Survey,
    TeamMember,
)

SITE_RELATED = ("site__organization", "site__campaign")
ACCEPTANCE_RELATED = ("acceptance__site__organization", "acceptance__site__campaign")

# Frameworks --------------------------------------------------------------------------------


class FrameworkLockMixin:
    """Read-only, superusers included, when the framework an object belongs to is frozen (a
    started campaign works on it)."""

    def framework_of(self, obj) -> Framework | None:
        return obj

    def _locked(self, obj) -> bool:
        framework = self.framework_of(obj) if obj is not None else None
        return framework is not None and framework.is_frozen

    def has_change_permission(self, request, obj=None):
        return not self._locked(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._locked(obj) and super().has_delete_permission(request, obj)


class LockedParentInlineMixin(FrameworkLockMixin):
    """For inlines: `obj` is the parent, so adding rows is refused too when it is locked."""

    def has_add_permission(self, request, obj=None):
        return not self._locked(obj) and super().has_add_permission(request, obj)


class DimensionInline(
    ReadOnlyBelowSuperuserMixin, LockedParentInlineMixin, ScopedAdminMixin, admin.TabularInline
):
    model = Dimension
    fields = ("order", "group", "name")
    extra = 0
    show_change_link = True


@admin.register(Framework)
class FrameworkAdmin(ReadOnlyBelowSuperuserMixin, FrameworkLockMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "version", "is_builtin", "campaign", "based_on", "created_at")
    list_filter = ("is_builtin",)
    search_fields = ("name", "source")
    list_select_related = ("campaign", "based_on")
    readonly_fields = ("is_builtin", "created_at", "total_points")
    inlines = [DimensionInline]

    @admin.display(description="总分")
    def total_points(self, framework):
        return framework.total_points() if framework.pk else "—"


class IndicatorInline(
    ReadOnlyBelowSuperuserMixin, LockedParentInlineMixin, ScopedAdminMixin, admin.StackedInline
):
    model = Indicator
    fields = (
        ("order", "code", "item_group", "max_score", "is_veto", "is_bonus"),
        "text",
        "criteria",
        ("check_methods", "evidence_hint"),
        ("metric", "metric_period", "meeting_kinds"),
        "rule",
    )
    extra = 0

    def framework_of(self, dimension):
        return dimension.framework


class ItemGroupInline(
    ReadOnlyBelowSuperuserMixin, LockedParentInlineMixin, ScopedAdminMixin, admin.TabularInline
):
    model = ItemGroup
    fields = ("order", "name")
    extra = 0

    def framework_of(self, dimension):
        return dimension.framework


@admin.register(Dimension)
class DimensionAdmin(ReadOnlyBelowSuperuserMixin, FrameworkLockMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "framework", "group", "order")
    list_filter = ("group", ("framework", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "framework__name")
    list_select_related = ("framework",)
    inlines = [ItemGroupInline, IndicatorInline]

    def framework_of(self, dimension):
        return dimension.framework


@admin.register(Indicator)
class IndicatorAdmin(ReadOnlyBelowSuperuserMixin, FrameworkLockMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = (
        "code",
        "text",
        "dimension",
        "max_score",
        "is_veto",
        "is_bonus",
        "metric",
        "metric_period",
    )
    list_filter = ("is_veto", "is_bonus", "metric", "dimension__group")
    search_fields = ("code", "text", "dimension__name", "dimension__framework__name")
    list_select_related = ("dimension",)

    def framework_of(self, indicator):
        return indicator.dimension.framework


# Self-assessment ---------------------------------------------------------------------------


class EvidenceForm(forms.ModelForm):
    """An uploaded file is checked, and its name, type, size and sha256 recorded from the file itself."""

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        check_upload(upload)
        if isinstance(upload, UploadedFile):
            digest = hashlib.sha256()
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
            self.instance.original_name = upload.name[:255]
            self.instance.content_type = mimetypes.guess_type(upload.name)[0] or "application/octet-stream"
            self.instance.size = upload.size
            self.instance.sha256 = digest.hexdigest()
        return upload


EVIDENCE_READONLY = ("original_name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at")


class IndicatorScoreInline(ReadOnlyBelowSuperuserMixin, ScopedAdminMixin, admin.TabularInline):
    model = IndicatorScore
    fields = ("indicator", "score", "level", "count", "occurred", "reason", "narrative")
    autocomplete_fields = ("indicator",)
    extra = 0

    def get_queryset(self, request):
        # Each row is headed by its name, which reads the indicator's code.
        return super().get_queryset(request).select_related("indicator")


class EvidenceInline(ReadOnlyBelowSuperuserMixin, ScopedAdminMixin, admin.TabularInline):
    model = Evidence
    form = EvidenceForm
    fields = ("file", "indicator", *EVIDENCE_READONLY)
    readonly_fields = EVIDENCE_READONLY
    autocomplete_fields = ("indicator",)
    extra = 0


def stamp_uploader(request, formset) -> None:
    """Save an inline formset, recording who uploaded each new evidence file."""
    for obj in formset.save(commit=False):
        if isinstance(obj, Evidence) and obj.uploaded_by_id is None:
            obj.uploaded_by = request.user
        obj.save()
    for obj in formset.deleted_objects:
        obj.delete()
    formset.save_m2m()


@admin.register(SelfAssessment)
class SelfAssessmentAdmin(ReadOnlyBelowSuperuserMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("site", "status", "submitted_at", "reviewed_by", "reviewed_at")
    list_filter = ("status", ("site__campaign", admin.RelatedOnlyFieldListFilter))
    search_fields = ("site__organization__name",)
    list_select_related = ("reviewed_by", *SITE_RELATED)
    # Submission and review are steps of the workflow, taken on its own pages.
    readonly_fields = ("status", "submitted_at", "reviewed_by", "review_note", "reviewed_at")
    inlines = [IndicatorScoreInline, EvidenceInline]

    def save_formset(self, request, form, formset, change):
        stamp_uploader(request, formset)


@admin.register(IndicatorScore)
class IndicatorScoreAdmin(ReadOnlyBelowSuperuserMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("indicator", "score", "self_assessment")
    search_fields = ("indicator__code", "indicator__text", "self_assessment__site__organization__name")
    list_select_related = (
        "indicator",
        "self_assessment__site__organization",
        "self_assessment__site__campaign",
    )
    autocomplete_fields = ("indicator",)


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyBelowSuperuserMixin, ScopedAdminMixin, admin.ModelAdmin):
    form = EvidenceForm
    list_display = ("original_name", "self_assessment", "indicator", "size", "uploaded_by", "uploaded_at")
    search_fields = ("original_name", "sha256", "self_assessment__site__organization__name")
    list_select_related = (
        "indicator",
        "uploaded_by",
        "self_assessment__site__organization",
        "self_assessment__site__campaign",
    )
    fields = ("self_assessment", "indicator", "file", *EVIDENCE_READONLY)
    readonly_fields = EVIDENCE_READONLY
    autocomplete_fields = ("indicator",)

    def save_model(self, request, obj, form, change):
        if obj.uploaded_by_id is None:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)


# Public survey ------------------------------------------------------------------------------


@admin.register(Survey)
class SurveyAdmin(ReadOnlyBelowSuperuserMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("site", "title", "opens_on", "closes_on", "token_count", "ballot_count", "created_by")
    list_filter = (("site__campaign", admin.RelatedOnlyFieldListFilter), "opens_on")
    search_fields = ("title", "site__organization__name")
    list_select_related = ("created_by", *SITE_RELATED)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                tokens_total=Count("tokens", distinct=True), ballots_total=Count("ballots", distinct=True)
            )
        )

    @admin.display(description="二维码数", ordering="tokens_total")
    def token_count(self, survey: Survey) -> int:
        return survey.tokens_total

    @admin.display(description="已投票数", ordering="ballots_total")
    def ballot_count(self, survey: Survey) -> int:
        return survey.ballots_total

    def save_model(self, request, obj, form, change):
        if obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class TokenUsedFilter(admin.SimpleListFilter):
    title = "是否已使用"
    parameter_name = "used"

    def lookups(self, request, model_admin):
        return [("yes", "已使用"), ("no", "未使用")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(ballot__isnull=self.value() == "no")
        return queryset


@admin.register(BallotToken)
class BallotTokenAdmin(ReadOnlyBelowSuperuserMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "survey", "created_at", "used")
    list_filter = (TokenUsedFilter,)
    search_fields = ("survey__site__organization__name",)
    list_select_related = ("survey__site__organization", "survey__site__campaign", "ballot")
    readonly_fields = ("token", "created_at")

    @admin.display(description="已使用", boolean=True)
    def used(self, token: BallotToken) -> bool:
        return hasattr(token, "ballot")


class SurveyFilter(admin.RelatedOnlyFieldListFilter):
    """The surveys in view, named with their site in one query (a survey's name needs its
    site's branch and campaign, which the stock filter fetches survey by survey)."""

    def field_choices(self, field, request, model_admin):
        in_view = model_admin.get_queryset(request).values("survey_id")
        surveys = Survey.objects.filter(pk__in=in_view).select_related(*SITE_RELATED)
        return [(survey.pk, str(survey)) for survey in surveys]


@admin.register(Ballot)
class BallotAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Read-only for everyone: ballots are cast by the public through their one-time link."""

    list_display = ("cast_at", "survey", "choice", "comment")
    list_filter = ("choice", ("survey", SurveyFilter))
    search_fields = ("comment", "survey__site__organization__name")
    list_select_related = ("survey__site__organization", "survey__site__campaign")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# On-site acceptance ------------------------------------------------------------------------


class TeamMemberInline(ReadOnlyBelowSuperuserMixin, ScopedAdminMixin, admin.TabularInline):
    model = TeamMember
    fields = ("user", "is_lead", "signed_at")
    readonly_fields = ("signed_at",)
    extra = 0


@admin.register(Acceptance)
class AcceptanceAdmin(ReadOnlyBelowSuperuserMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("site", "visited_on", "verdict", "composite_score", "signed_at", "publicity_ends_on")
    list_filter = ("verdict", ("site__campaign", admin.RelatedOnlyFieldListFilter), "visited_on")
    search_fields = ("site__organization__name", "findings")
    list_select_related = SITE_RELATED
    # The verdict, score, signature and report come from the acceptance workflow when it is signed.
    readonly_fields = (
        "verdict",
        "composite_score",
        "signed_at",
        "publicity_ends_on",
        "report",
        "report_sha256",
    )
    filter_horizontal = ("rectifications",)
    inlines = [TeamMemberInline]


class PhotoForm(forms.ModelForm):
    def clean_photo(self):
        check_upload(self.cleaned_data.get("photo"), IMAGE_EXTENSIONS)
        return self.cleaned_data.get("photo")


@admin.register(TeamMember)
class TeamMemberAdmin(ReadOnlyBelowSuperuserMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("user", "is_lead", "acceptance", "signed_at")
    list_filter = ("is_lead",)
    search_fields = ("user__username", "user__name", "acceptance__site__organization__name")
    list_select_related = ("user", *ACCEPTANCE_RELATED)
    readonly_fields = ("signed_at",)


@admin.register(InspectorScore)
class InspectorScoreAdmin(ReadOnlyBelowSuperuserMixin, ScopedAdminMixin, admin.ModelAdmin):
    form = PhotoForm
    list_display = ("acceptance", "inspector", "indicator", "score", "check_method")
    list_filter = ("check_method",)
    search_fields = (
        "inspector__username",
        "inspector__name",
        "indicator__code",
        "acceptance__site__organization__name",
    )
    list_select_related = ("inspector", "indicator", *ACCEPTANCE_RELATED)
    autocomplete_fields = ("indicator",)


@admin.register(AgreedScore)
class AgreedScoreAdmin(ReadOnlyBelowSuperuserMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("acceptance", "indicator", "score", "decided_by")
    search_fields = ("indicator__code", "reason", "acceptance__site__organization__name")
    list_select_related = ("indicator", "decided_by", *ACCEPTANCE_RELATED)
    autocomplete_fields = ("indicator",)


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyBelowSuperuserMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "acceptance", "lodged_by", "lodged_at", "answered_by", "answered_at")
    list_filter = (("answered_at", admin.EmptyFieldListFilter), "lodged_at")
    search_fields = ("text", "lodged_by", "answer", "acceptance__site__organization__name")
    list_select_related = ("answered_by", *ACCEPTANCE_RELATED)
    readonly_fields = ("lodged_at", "answered_by", "answered_at")

    def save_model(self, request, obj, form, change):
        if "answer" in form.changed_data and obj.answer:
            obj.answered_by = request.user
            obj.answered_at = timezone.now()
        super().save_model(request, obj, form, change)

"""Campaign settings pages for the 组织部: create, edit and start a campaign.

A campaign is created together with its three phases and its own copy of a criteria framework
(`create_campaign_on_framework`); while it is a draft the framework can be swapped
(`update_campaign_settings`), once started the copy is frozen.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from campaigns import policies
from campaigns.models import Campaign
from campaigns.services import LifecycleError, activate_campaign

from .. import policies as assessment_policies
from ..forms import CampaignForm
from ..models import Framework, Indicator
from ..services import confirm_framework_points, create_campaign_on_framework, update_campaign_settings

POINTS_FIELD = "points-"


@login_required
def campaign_create(request):
    """新建活动: only someone who is 组织部 somewhere; the campaign starts as a draft."""
    if reason := policies.cannot_create_campaign(request.user):
        raise PermissionDenied(reason)
    if request.method == "POST":
        form = CampaignForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                campaign = create_campaign_on_framework(
                    by=request.user,
                    template=form.cleaned_data["framework"],
                    organizer=form.cleaned_data["organizer"],
                    phases=form.phase_specs(),
                    **form.campaign_fields(),
                )
            except ValidationError as error:
                form.add_service_error(error)
            else:
                messages.success(
                    request, f"已创建“{campaign.name}”（草稿）。核对无误后请启动活动，启动后各党委即可申报。"
                )
                return redirect("assessments:campaign_edit", campaign.pk)
    else:
        form = CampaignForm(user=request.user, initial={"year": timezone.localdate().year})
    return render(request, "assessments/campaign_form.html", {"form": form, "campaign": None})


@login_required
def campaign_edit(request, pk: int):
    """活动设置: the organizer's 组织部 changes settings and phases; a draft may change framework."""
    campaign = get_object_or_404(
        Campaign.objects.visible_to(request.user).select_related("organizer").prefetch_related("phases"),
        pk=pk,
    )
    if reason := policies.cannot_manage_campaign(request.user, campaign):
        raise PermissionDenied(reason)
    frozen = Framework.objects.filter(campaign=campaign).first()
    if request.method == "POST" and "confirm_points" in request.POST:
        return _confirm_points(request, campaign)
    if request.method == "POST":
        form = CampaignForm(request.POST, user=request.user, campaign=campaign)
        if form.is_valid():
            try:
                update_campaign_settings(
                    campaign=campaign,
                    by=request.user,
                    phases=form.phase_specs(),
                    template=form.cleaned_data["framework"] if form.framework_editable else None,
                    **form.campaign_fields(),
                )
            except ValidationError as error:
                form.add_service_error(error)
                # update_campaign may have changed the instance before refusing; show it as saved.
                campaign.refresh_from_db()
            else:
                messages.success(request, "活动设置已保存。")
                return redirect("assessments:campaign_edit", campaign.pk)
    else:
        form = CampaignForm(user=request.user, campaign=campaign)
    activate_refusal = policies.cannot_activate_campaign(request.user, campaign)
    return render(
        request,
        "assessments/campaign_form.html",
        {
            "form": form,
            "campaign": campaign,
            "frozen_framework": frozen,
            "update_refusal": policies.cannot_update_campaign(request.user, campaign),
            "may_activate": activate_refusal is None,
            "activate_refusal": activate_refusal,
            **_points_context(request.user, campaign, frozen),
        },
    )


def _points_context(user, campaign: Campaign, framework: Framework | None) -> dict:
    """The points to confirm where the plan gave none (分值由组织部确定), item by item."""
    if framework is None or framework.points_from_plan:
        return {"points_to_confirm": None}
    indicators = list(
        Indicator.objects.filter(dimension__framework=framework)
        .select_related("dimension", "item_group")
        .order_by("dimension__order", "dimension_id", "order", "id")
    )
    return {
        "points_to_confirm": indicators,
        "points_total": sum((i.max_score for i in indicators if not i.is_bonus), 0),
        "points_framework": framework,
        "points_refusal": assessment_policies.cannot_confirm_points(user, campaign),
    }


def _confirm_points(request, campaign: Campaign):
    """确认分值: the points as typed on the settings page, then back to it."""
    if reason := assessment_policies.cannot_confirm_points(request.user, campaign):
        raise PermissionDenied(reason)
    points = {
        int(name.removeprefix(POINTS_FIELD)): value.strip()
        for name, value in request.POST.items()
        if name.startswith(POINTS_FIELD) and name.removeprefix(POINTS_FIELD).isdigit()
    }
    try:
        confirm_framework_points(campaign=campaign, by=request.user, points=points)
    except (ValidationError, LifecycleError) as error:
        messages.error(request, "分值未确认：" + " ".join(error.messages))
    else:
        messages.success(request, "考核标准分值已确认。")
    return redirect("assessments:campaign_edit", campaign.pk)


@login_required
@require_POST
def campaign_activate(request, pk: int):
    """草稿 → 进行中 (`activate_campaign`), then back to the campaign's dashboard."""
    campaign = get_object_or_404(Campaign.objects.visible_to(request.user).select_related("organizer"), pk=pk)
    if reason := policies.cannot_manage_campaign(request.user, campaign):
        raise PermissionDenied(reason)
    try:
        activate_campaign(campaign=campaign, by=request.user)
    except LifecycleError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"“{campaign.name}”已启动，各党委现在可以申报示范点。")
    return redirect("campaigns:campaign_dashboard", campaign.pk)

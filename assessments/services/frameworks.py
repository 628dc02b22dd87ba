"""Writes for criteria frameworks: a campaign's own copy, made with the campaign and swapped
while it is a draft."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from campaigns import policies
from campaigns import services as campaign_services
from campaigns.models import Campaign
from organizations.models import Verb, record_event

from .. import policies as assessment_policies
from .. import rules
from ..models import Dimension, Framework, Indicator, ItemGroup


def _clone(obj: models.Model, **overrides) -> models.Model:
    """An unsaved copy of `obj` with every concrete field but the primary key; `overrides` by attname."""
    values = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if not f.primary_key}
    values.update(overrides)
    return type(obj)(**values)


def _copy_contents(*, source: Framework, target: Framework) -> None:
    """Copy the dimensions, item groups and indicators of `source` into the saved `target`.

    Six queries whatever the size (more only when a database splits a bulk insert into batches):
    the dimensions, the item groups, the indicators, one insert for each.
    """
    dimensions = list(source.dimensions.prefetch_related("item_groups", "indicators"))
    copies = Dimension.objects.bulk_create(_clone(d, framework_id=target.pk) for d in dimensions)
    groups = [
        (group, copy)
        for dimension, copy in zip(dimensions, copies, strict=True)
        for group in dimension.item_groups.all()
    ]
    group_copies = ItemGroup.objects.bulk_create(
        _clone(group, dimension_id=copy.pk) for group, copy in groups
    )
    new_group = {group.pk: group_copy.pk for (group, _), group_copy in zip(groups, group_copies, strict=True)}
    Indicator.objects.bulk_create(
        _clone(indicator, dimension_id=copy.pk, item_group_id=new_group.get(indicator.item_group_id))
        for dimension, copy in zip(dimensions, copies, strict=True)
        for indicator in dimension.indicators.all()
    )


@transaction.atomic
def copy_framework(*, template: Framework, campaign: Campaign) -> Framework:
    """Make `campaign`'s own copy of `template`, which the campaign then works on.

    The copy keeps the template's name, version and source and points back to it (`based_on`);
    later edits of the template do not reach it. A template whose points the plan did not give
    (`points_from_plan` False) gives a copy whose points the 组织部 confirms before the campaign
    starts (`confirm_framework_points`). Raises `ValidationError` if the campaign already has a
    framework.
    """
    if Framework.objects.filter(campaign=campaign).exists():
        raise ValidationError(f"活动“{campaign}”已有考核标准，不能再复制。")
    copy = Framework.objects.create(
        name=template.name,
        source=template.source,
        description=template.description,
        version=template.version,
        bonus_cap=template.bonus_cap,
        points_from_plan=template.points_from_plan,
        based_on=template,
        campaign=campaign,
    )
    _copy_contents(source=template, target=copy)
    return copy


@transaction.atomic
def create_campaign_on_framework(*, by, template: Framework, phases: list, **fields) -> Campaign:
    """A draft campaign with its phases (`campaigns.services.create_campaign`) and its own
    copy of `template`, in one transaction: both or neither."""
    campaign = campaign_services.create_campaign(by=by, phases=phases, **fields)
    copy_framework(template=template, campaign=campaign)
    return campaign


@transaction.atomic
def change_campaign_framework(*, campaign: Campaign, by, template: Framework) -> Framework:
    """Replace a draft campaign's copy with a copy of another template.

    Once a campaign has started its framework is frozen: sites are assessed against it.
    """
    if reason := policies.cannot_change_framework(by, campaign):
        raise campaign_services.LifecycleError(reason)
    current = Framework.objects.filter(campaign=campaign).first()
    if current is not None and current.based_on_id == template.pk:
        return current
    if current is not None:
        current.delete()
    copy = copy_framework(template=template, campaign=campaign)
    record_event(
        actor=by,
        verb=Verb.CHANGE_FRAMEWORK,
        target=campaign,
        organization=campaign.organizer,
        summary=f"{current.name if current else '—'} → {template.name}",
    )
    return copy


@transaction.atomic
def update_campaign_settings(
    *, campaign: Campaign, by, phases: list, template: Framework | None = None, **fields
) -> Campaign:
    """活动设置: the settings and phases (`campaigns.services.update_campaign`) and, when
    `template` is given, a copy of it as the draft's framework (`change_campaign_framework`),
    in one transaction: both change or neither."""
    campaign_services.update_campaign(campaign=campaign, by=by, phases=phases, **fields)
    if template is not None:
        change_campaign_framework(campaign=campaign, by=by, template=template)
    return campaign


def _with_points(rule_data: dict, points: Decimal, *, is_bonus: bool) -> dict:
    """The rule data with the item's new points (a bonus item's points are its cap)."""
    if not rule_data:
        return rule_data
    data = dict(rule_data)
    if data.get("kind") == "bonus" or is_bonus:
        if "cap" in data:
            data["cap"] = str(points)
    elif "points" in data:
        data["points"] = str(points)
    return data


@transaction.atomic
def confirm_framework_points(*, campaign: Campaign, by, points: dict[int, Decimal]) -> Framework:
    """The 组织部 confirms the points of a draft campaign's framework copy whose plan gave none.

    `points` maps indicator ids of the copy to their points; items not named keep theirs. Each
    item's rule takes the new points (a bonus item's cap). Refused (`LifecycleError`) by
    `assessments.policies.cannot_confirm_points`; a bad figure (`ValidationError`) names the item.
    Once confirmed, the campaign may be started (`campaigns.policies.cannot_activate_campaign`).
    """
    if reason := assessment_policies.cannot_confirm_points(by, campaign):
        raise campaign_services.LifecycleError(reason)
    framework = Framework.objects.select_for_update().get(campaign=campaign)
    indicators = {i.pk: i for i in Indicator.objects.filter(dimension__framework=framework)}
    unknown = sorted(set(points) - set(indicators))
    if unknown:
        raise ValidationError(f"考核内容不属于本活动的考核标准：{unknown}")
    errors, changed = [], []
    for pk, value in points.items():
        indicator = indicators[pk]
        try:
            value = Decimal(value)
        except (ArithmeticError, TypeError, ValueError):
            errors.append(f"{indicator.code}：分值须为数字。")
            continue
        if not value.is_finite() or value < 0 or value.quantize(Decimal("0.01")) != value or value >= 10000:
            errors.append(f"{indicator.code}：分值须为 0 至 9999.99 之间、最多两位小数的数字。")
            continue
        if value == indicator.max_score:
            continue
        indicator.max_score = value
        indicator.rule = _with_points(indicator.rule, value, is_bonus=indicator.is_bonus)
        if indicator.rule:
            try:
                rules.from_data(indicator.rule)
            except ValueError as error:
                errors.append(f"{indicator.code}：{error}")
                continue
        changed.append(indicator)
    if errors:
        raise ValidationError(errors)
    Indicator.objects.bulk_update(changed, ["max_score", "rule"])
    framework.points_confirmed_at = timezone.now()
    framework.save(update_fields=["points_confirmed_at"])
    campaign.framework = framework  # what the activation policy reads next, on this instance too
    total = framework.total_points()
    record_event(
        actor=by,
        verb=Verb.CONFIRM_POINTS,
        target=campaign,
        organization=campaign.organizer,
        summary=f"{framework.name}：确认分值，总分 {rules.fmt(total)} 分（调整 {len(changed)} 项）",
    )
    return framework

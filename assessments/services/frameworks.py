"""Writes for criteria frameworks: a campaign's own copy, made with the campaign and swapped
while it is a draft."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models, transaction

from campaigns import policies
from campaigns import services as campaign_services
from campaigns.models import Campaign
from organizations.models import Verb, record_event

from ..models import Dimension, Framework, Indicator, validate_weights


def _clone(obj: models.Model, **overrides) -> models.Model:
    """An unsaved copy of `obj` with every concrete field but the primary key; `overrides` by attname."""
    values = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if not f.primary_key}
    values.update(overrides)
    return type(obj)(**values)


def _copy_contents(*, source: Framework, target: Framework) -> None:
    """Copy the dimensions and indicators of `source` into the saved `target`.

    Four queries whatever the size (more only when a database splits a bulk insert into batches):
    the dimensions, the indicators, one insert for each. The weights must sum to 100.
    """
    dimensions = list(source.dimensions.prefetch_related("indicators"))
    validate_weights([d.weight for d in dimensions])
    copies = Dimension.objects.bulk_create(_clone(d, framework_id=target.pk) for d in dimensions)
    Indicator.objects.bulk_create(
        _clone(indicator, dimension_id=copy.pk)
        for dimension, copy in zip(dimensions, copies, strict=True)
        for indicator in dimension.indicators.all()
    )


@transaction.atomic
def copy_framework(*, template: Framework, campaign: Campaign) -> Framework:
    """Make `campaign`'s own copy of `template`, which the campaign then works on.

    The copy keeps the template's name, version and source and points back to it (`based_on`);
    later edits of the template do not reach it. Raises `ValidationError` if the campaign already
    has a framework or the template's weights do not sum to 100.
    """
    if Framework.objects.filter(campaign=campaign).exists():
        raise ValidationError(f"活动“{campaign}”已有考核标准，不能再复制。")
    copy = Framework.objects.create(
        name=template.name,
        source=template.source,
        description=template.description,
        version=template.version,
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

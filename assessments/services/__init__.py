"""Writes for assessments, one module per area: frameworks and the campaign set-up on them
(`frameworks`). Import from here: `from assessments.services import copy_framework`."""

from .frameworks import (
    change_campaign_framework,
    copy_framework,
    create_campaign_on_framework,
    update_campaign_settings,
)

__all__ = [
    "change_campaign_framework",
    "copy_framework",
    "create_campaign_on_framework",
    "update_campaign_settings",
]

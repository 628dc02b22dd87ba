"""Writes for assessments, one module per area: frameworks and the campaign set-up on them
(`frameworks`), importing a table (`framework_import`), the branch's self-assessment
(`self_assessment`). Import from here: `from assessments.services import copy_framework`."""

from .framework_import import import_framework
from .frameworks import (
    change_campaign_framework,
    confirm_framework_points,
    copy_framework,
    create_campaign_on_framework,
    update_campaign_settings,
)
from .self_assessment import (
    approve_self_assessment,
    remove_evidence,
    return_self_assessment,
    save_indicator_score,
    submit_self_assessment,
    upload_evidence,
)

__all__ = [
    "approve_self_assessment",
    "change_campaign_framework",
    "confirm_framework_points",
    "copy_framework",
    "create_campaign_on_framework",
    "import_framework",
    "remove_evidence",
    "return_self_assessment",
    "save_indicator_score",
    "submit_self_assessment",
    "update_campaign_settings",
    "upload_evidence",
]

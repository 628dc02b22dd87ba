"""Writing an imported 考核细则 (`assessments.framework_files.read_framework`) as a template
framework the 组织部 can start campaigns on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from campaigns.services import LifecycleError
from organizations.models import Verb, record_event

from .. import rules
from ..framework_files import ParsedFramework
from ..models import Dimension, Framework, Indicator, ItemGroup
from ..policies import cannot_import_framework
from ..rules import fmt

if TYPE_CHECKING:
    from organizations.models import User


@transaction.atomic
def import_framework(*, by: User | None, parsed: ParsedFramework, name: str, source: str = "") -> Framework:
    """Save `parsed` as a new template framework called `name`, whole or not at all.

    A template of the same name gets the next version (the earlier one stays as it was, and so do
    the campaigns' copies of it). Items whose rule the parser understood keep it as structured
    data (`rules.to_data`), with the metric that computes it where the words name one
    (`framework_files.guess_metric`); the rest keep their 评分标准 text and are scored by hand. Five inserts
    whatever the size. `by` None is the command line (`manage.py import_framework`: whoever runs
    it holds the database anyway). Raises `LifecycleError` for a user who is not a 组织部,
    `ValidationError` for a missing name.
    """
    if by is not None and (reason := cannot_import_framework(by)):
        raise LifecycleError(reason)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "请填写考核标准名称。"})
    if len(name) > 200 or len(source) > 300:
        raise ValidationError("名称最多 200 字，依据最多 300 字。")
    latest = Framework.objects.templates().filter(name=name).aggregate(version=Max("version"))["version"]
    framework = Framework.objects.create(
        name=name,
        source=source.strip(),
        description=f"导入自“{parsed.title}”。" if parsed.title and parsed.title != name else "",
        version=(latest or 0) + 1,
        bonus_cap=parsed.bonus_cap,
    )
    dimensions = Dimension.objects.bulk_create(
        Dimension(framework=framework, name=dimension.name, order=index)
        for index, dimension in enumerate(parsed.dimensions, start=1)
    )
    named = [
        (dimension, group)
        for dimension, parsed_dimension in zip(dimensions, parsed.dimensions, strict=True)
        for group in parsed_dimension.groups
        if group.name
    ]
    groups = ItemGroup.objects.bulk_create(
        ItemGroup(dimension=dimension, name=group.name, order=index)
        for index, (dimension, group) in enumerate(named, 1)
    )
    group_ids = {id(group): saved.pk for (_, group), saved in zip(named, groups, strict=True)}
    indicators = []
    for dimension, parsed_dimension in zip(dimensions, parsed.dimensions, strict=True):
        items = [(group, item) for group in parsed_dimension.groups for item in group.indicators]
        for number, (group, item) in enumerate(items, start=1):
            indicators.append(
                Indicator(
                    dimension=dimension,
                    item_group_id=group_ids.get(id(group)),
                    code=f"{dimension.order}.{number}",
                    text=item.text,
                    max_score=item.points,
                    criteria=item.criteria,
                    check_methods=item.check_methods,
                    evidence_hint=item.method_text,
                    is_veto=item.is_veto,
                    is_bonus=item.is_bonus,
                    rule=rules.to_data(item.rule) if item.rule is not None else {},
                    metric=item.metric.metric,
                    metric_period=item.metric.period,
                    meeting_kinds=list(item.metric.meeting_kinds),
                    order=number,
                )
            )
    Indicator.objects.bulk_create(indicators)
    record_event(
        actor=by,
        verb=Verb.IMPORT_FRAMEWORK,
        target=framework,
        organization=None,
        summary=(
            f"导入考核标准“{framework}”：{len(dimensions)} 个一级指标、{len(indicators)} 条考核内容，"
            f"合计 {fmt(parsed.total_points)} 分，其中 {parsed.computable_count} 条按规则计分。"
        ),
    )
    return framework

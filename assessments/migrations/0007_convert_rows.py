"""Carry the existing rows over to the real-table fields (issue 8).

* `check_method` → `check_methods` ([check_method]);
* `deduction_rule` (prose) → `criteria`, kept as written;
* `metric` + `threshold` → a 达标 (`threshold`) rule in `rule`, the item's points all or nothing,
  as `assessments.rules.to_data(Threshold(...))` writes it;
* the period in the old metric names moves to `metric_period` (`new_members_per_year` →
  `new_members` counted per year, `activities_per_month` → `activities` per month, …).

The data is written out here, not imported from app code, so the migration keeps meaning what it
meant when it was written.
"""

from django.db import migrations

# old metric name → (new metric name, period, label of the figure, unit)
RENAMED = {
    "meeting_attendance_rate": ("attendance_rate", "", "党员到会率", "%"),
    "satisfaction_rate": ("satisfaction_rate", "", "群众满意率", "%"),
    "new_members_per_year": ("new_members", "year", "发展党员", "名"),
    "activists_per_year": ("new_activists", "year", "培养入党积极分子", "名"),
    "activities_per_month": ("activities", "month", "党员活动", "次"),
    "dues_on_time_rate": ("dues_on_time_rate", "", "党费按时缴纳率", "%"),
    "star_volunteers_share": ("star_volunteers_share", "", "星级党员志愿者占比", "%"),
}
BACK = {new: old for old, (new, *_rest) in RENAMED.items()}


def forwards(apps, schema_editor):
    Indicator = apps.get_model("assessments", "Indicator")
    changed = []
    for indicator in Indicator.objects.all():
        indicator.check_methods = [indicator.check_method] if indicator.check_method else []
        indicator.criteria = indicator.deduction_rule or ""
        if indicator.metric:
            metric, period, subject, unit = RENAMED.get(indicator.metric, (indicator.metric, "", "", ""))
            indicator.metric = metric
            indicator.metric_period = period
            if indicator.threshold is not None:
                indicator.rule = {
                    "kind": "threshold",
                    "points": str(indicator.max_score),
                    "threshold": str(indicator.threshold),
                    "at_least": True,
                    "deduction": None,
                    "subject": subject,
                    "unit": unit,
                }
        changed.append(indicator)
    Indicator.objects.bulk_update(
        changed, ["check_methods", "criteria", "metric", "metric_period", "rule"], batch_size=500
    )


def backwards(apps, schema_editor):
    Indicator = apps.get_model("assessments", "Indicator")
    changed = []
    for indicator in Indicator.objects.all():
        indicator.check_method = (indicator.check_methods or ["RECORDS"])[0]
        indicator.deduction_rule = (indicator.criteria or "")[:300]
        indicator.threshold = None
        if indicator.metric:
            threshold = (indicator.rule or {}).get("threshold")
            if indicator.metric in BACK and threshold is not None:
                indicator.metric = BACK[indicator.metric]
                indicator.threshold = threshold
            else:
                indicator.metric = ""
        changed.append(indicator)
    Indicator.objects.bulk_update(
        changed, ["check_method", "deduction_rule", "metric", "threshold"], batch_size=500
    )
    # The old schema wants a weight on every dimension and a score on every row.
    Dimension = apps.get_model("assessments", "Dimension")
    for dimension in Dimension.objects.filter(weight__isnull=True):
        dimension.weight = sum((i.max_score for i in Indicator.objects.filter(dimension=dimension)), 0)
        dimension.save(update_fields=["weight"])
    apps.get_model("assessments", "IndicatorScore").objects.filter(score__isnull=True).update(score=0)


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0006_real_tables"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]

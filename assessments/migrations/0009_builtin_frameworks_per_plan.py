"""Make the four built-in frameworks say what their plans say, and no more (issue 8).

The plans (/work/shared/seeds) name the requirements but give no points, no deductions and no
一票否决. So, for every built-in template:

* `points_from_plan` is False and the source note says 分值由组织部确定: the points loaded by 0004
  are a proposal, confirmed by the 组织部 when a campaign is set up on the framework;
* nothing is 一票否决 (0004 marked 无违法违纪现象 so; no plan says it);
* the 评分标准 (`criteria`) is the plan's own requirement where it states one, and empty where it
  does not: the deductions 0004 wrote (每少开1次扣0.5分 …) are nobody's plan, so those items are
  scored by hand;
* a requirement with a figure the branch's records answer is a 达标 rule on a period-free metric
  with the plan's own period: 乐亭 每两年至少发展1名新党员 is one new member in a two-year window
  (not 0.5 a year), 鸡冠区 党日活动每周1次 is at least one 主题党日 in every week, 党员到会率在90%
  以上 is 到会率 ≥ 90%.

The data is written out here, not imported from app code, so the migration keeps meaning what it
meant when it was written.
"""

from django.db import migrations

DEV_ZONE = "开发区基层党建示范点“五好”“五型”标准"
LAOTING_SCHOOL = "乐亭县基层党建工作示范点“五个好”标准（学校）"
FIRE_BRIGADE = "鸡冠区大队基层党建工作试点“五个好”标准（公安消防）"
WANGCHENG_SCHOOL = "望城学校党支部“五个好”创建目标"

NOTE = "方案未规定分值，分值由组织部确定（内置分值为建议值，活动设置时须确认）。"

SOURCES = {
    DEV_ZONE: "开发区工委《基层党建示范点创建工作实施方案》三、创建内容",
    LAOTING_SCHOOL: "乐亭县学校党支部基层党建工作示范点创建方案 二、目标任务和标准要求",
    FIRE_BRIGADE: "鸡冠区大队创建基层党建工作试点实施方案 二、目标任务和标准要求",
    WANGCHENG_SCHOOL: "望城学校党支部创建基层党建工作示范点实施方案 二、创建工作目标",
}


def threshold(points, figure, *, subject, unit, at_least=True):
    return {
        "kind": "threshold",
        "points": str(points),
        "threshold": str(figure),
        "at_least": at_least,
        "deduction": None,
        "subject": subject,
        "unit": unit,
    }


# (framework, start of the item's text) → what the plan says of it.
COMPUTED = {
    (DEV_ZONE, "民主测评领导班子群众满意度达到90%以上"): {
        "criteria": "民主测评领导班子群众满意度达到90%以上",
        "metric": "satisfaction_rate",
        "metric_period": "",
        "figure": 90,
        "subject": "群众满意度",
        "unit": "%",
    },
    (WANGCHENG_SCHOOL, "党员干部依法办事"): {
        "criteria": "工作作风和工作实绩师生满意，争取满意率在90以上",
        "metric": "satisfaction_rate",
        "metric_period": "",
        "figure": 90,
        "subject": "师生满意率",
        "unit": "%",
    },
    (WANGCHENG_SCHOOL, "按党费收缴标准"): {
        "criteria": "按党费收缴标准，及时足额做好党费的收缴工作",
        "metric": "dues_on_time_rate",
        "metric_period": "",
        "figure": 100,
        "subject": "党费按时缴纳率",
        "unit": "%",
    },
}
for name, members, members_period, activists, activities, activities_period, kinds, wording in (
    (
        LAOTING_SCHOOL,
        1,
        "two_years",
        1,
        1,
        "month",
        [],
        ("每两年至少发展1名新党员", "每年培养1名以上的入党积极分子", "党员活动每月1次"),
    ),
    (
        FIRE_BRIGADE,
        2,
        "year",
        2,
        1,
        "week",
        ["THEME_DAY"],
        ("每年至少发展2名新党员", "每年培养2名以上的入党积极分子", "党日活动每周1次"),
    ),
):
    COMPUTED[(name, wording[0])] = {
        "criteria": wording[0],
        "metric": "new_members",
        "metric_period": members_period,
        "figure": members,
        "subject": "发展新党员",
        "unit": "名",
    }
    COMPUTED[(name, wording[1])] = {
        "criteria": wording[1],
        "metric": "new_activists",
        "metric_period": "year",
        "figure": activists,
        "subject": "培养入党积极分子",
        "unit": "名",
    }
    COMPUTED[(name, wording[2])] = {
        "criteria": wording[2],
        "metric": "activities",
        "metric_period": activities_period,
        "meeting_kinds": kinds,
        "figure": activities,
        "subject": "党日活动" if kinds else "党员活动",
        "unit": "次",
    }
    COMPUTED[(name, "党员到会率在90%以上")] = {
        "criteria": "党员到会率在90%以上",
        "metric": "attendance_rate",
        "metric_period": "",
        "figure": 90,
        "subject": "党员到会率",
        "unit": "%",
    }
    COMPUTED[(name, "党员每月按时足额缴纳党费")] = {
        "criteria": "党员每月按时足额缴纳党费",
        "metric": "dues_on_time_rate",
        "metric_period": "",
        "figure": 100,
        "subject": "党费按时缴纳率",
        "unit": "%",
    }


def _plan_for(name, text):
    for (framework, start), plan in COMPUTED.items():
        if framework == name and text.startswith(start):
            return plan
    return None


def forwards(apps, schema_editor):
    Framework = apps.get_model("assessments", "Framework")
    Indicator = apps.get_model("assessments", "Indicator")
    for framework in Framework.objects.filter(is_builtin=True, campaign=None, name__in=SOURCES):
        framework.source = f"{SOURCES[framework.name]}；分值由组织部确定"
        if NOTE not in framework.description:
            framework.description = f"{framework.description}\n{NOTE}".strip()
        framework.points_from_plan = False
        framework.save(update_fields=["source", "description", "points_from_plan"])
        changed = []
        for indicator in Indicator.objects.filter(dimension__framework=framework):
            plan = _plan_for(framework.name, indicator.text)
            indicator.is_veto = False
            indicator.is_bonus = False
            if plan is None:
                indicator.criteria = ""
                indicator.rule = {}
                indicator.metric = ""
                indicator.metric_period = ""
                indicator.meeting_kinds = []
            else:
                indicator.criteria = plan["criteria"]
                indicator.metric = plan["metric"]
                indicator.metric_period = plan["metric_period"]
                indicator.meeting_kinds = plan.get("meeting_kinds", [])
                indicator.rule = threshold(
                    indicator.max_score, plan["figure"], subject=plan["subject"], unit=plan["unit"]
                )
            changed.append(indicator)
        Indicator.objects.bulk_update(
            changed, ["is_veto", "is_bonus", "criteria", "rule", "metric", "metric_period", "meeting_kinds"]
        )


def backwards(apps, schema_editor):
    # The plans' reading is kept: going back only restores the flag and the source notes.
    Framework = apps.get_model("assessments", "Framework")
    for framework in Framework.objects.filter(is_builtin=True, campaign=None, name__in=SOURCES):
        framework.source = SOURCES[framework.name]
        framework.description = framework.description.replace(f"\n{NOTE}", "").replace(NOTE, "")
        framework.points_from_plan = True
        framework.save(update_fields=["source", "description", "points_from_plan"])


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0008_drop_weights_and_prose_rules"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]

"""Saving an imported 考核细则, the two commands, and import → export → import giving the same table."""

import io
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from assessments.framework_files import framework_xlsx, read_framework
from assessments.models import Framework, Indicator
from assessments.rules import from_data
from assessments.services import import_framework
from campaigns.services import LifecycleError
from organizations.models import AuditEvent, Verb
from tests.assessments.files import tables
from tests.assessments.files.tables import build

pytestmark = pytest.mark.django_db

D = Decimal
HEADER = ["一级指标", "二级指标", "考核内容", "分值", "评分标准", "考核方式", "一票否决"]
MIXED = [
    [
        "组织建设",
        "三会一课",
        "按时召开支委会",
        6,
        "每月召开支委会1次，每少开1次扣0.5分，扣完为止",
        "查阅资料",
        "否",
    ],
    ["组织建设", "三会一课", "党员到会", 5, "党员到会率在90%以上", "查阅资料、实地查看", "否"],
    ["组织建设", "发展党员", "发展党员", 10, "未按规定发展党员的扣15分", "查看记录；个别访谈", "否"],
    ["作风建设", None, "群众评议", 4, "好4分、较好3分、一般2分、差0分", "问卷", "否"],
    ["作风建设", None, "阵地", 5, "酌情扣分", "实地查看", "否"],
    ["作风建设", None, "纪律", 0, "发生违纪违法案件的一票否决", "查阅资料", "是"],
    ["加分项（最多加5分）", None, "创新", 4, "有创新做法的加2分，最多加4分", "座谈", "否"],
    ["'=cmd", None, "+1 公式样的文字", 3, "-5 分以下酌情", "@走访", "否"],
]


def mixed_table() -> bytes:
    return build([["某县示范点考核评分细则"]], HEADER, MIXED, [(1, 1, 1, 7)])


def structure(framework: Framework) -> list:
    """Everything a table says, level by level, without keys or codes."""
    return [
        (
            dimension.name,
            [
                (
                    indicator.item_group.name if indicator.item_group else "",
                    indicator.text,
                    indicator.max_score,
                    indicator.criteria,
                    indicator.check_methods,
                    indicator.evidence_hint,
                    indicator.is_veto,
                    indicator.is_bonus,
                    from_data(indicator.rule) if indicator.rule else None,
                    (indicator.metric, indicator.metric_period, indicator.meeting_kinds),
                )
                for indicator in dimension.indicators.select_related("item_group")
            ],
        )
        for dimension in framework.dimensions.all()
    ] + [framework.bonus_cap, framework.total_points()]


def test_import_saves_levels_points_rules_and_audits(cast):
    parsed = read_framework(mixed_table())
    framework = import_framework(by=cast.org_department, parsed=parsed, name="某县标准", source="某县方案")

    assert framework.campaign is None and framework.version == 1
    assert framework.source == "某县方案"
    assert framework.bonus_cap == D(5)
    assert framework.total_points() == D(33)
    assert [d.name for d in framework.dimensions.all()] == ["组织建设", "作风建设", "加分项", "=cmd"]
    first = Indicator.objects.get(dimension__framework=framework, text="按时召开支委会")
    assert first.item_group.name == "三会一课"
    assert first.code == "1.1"
    assert first.rule["kind"] == "per_unit"
    assert first.structured_rule.period.value == "month"
    assert (first.metric, first.metric_period, first.meeting_kinds) == (
        "meetings",
        "month",
        ["COMMITTEE_MEETING"],
    )
    assert first.is_computed
    rate = Indicator.objects.get(dimension__framework=framework, text="党员到会")
    assert (rate.metric, rate.metric_period) == ("attendance_rate", "")
    veto = Indicator.objects.get(dimension__framework=framework, text="纪律")
    assert veto.is_veto and veto.rule["kind"] == "veto"
    manual = Indicator.objects.get(dimension__framework=framework, text="阵地")
    assert manual.rule["kind"] == "manual"
    event = AuditEvent.objects.get(verb=Verb.IMPORT_FRAMEWORK)
    assert event.actor == cast.org_department
    assert "4 个一级指标、8 条考核内容，合计 33 分" in event.summary


def test_same_name_gets_the_next_version(cast):
    parsed = read_framework(mixed_table())
    import_framework(by=cast.org_department, parsed=parsed, name="某县标准")
    again = import_framework(by=cast.org_department, parsed=parsed, name="某县标准")
    assert again.version == 2


@pytest.mark.parametrize("role", ["committee", "secretary", "inspector", "outsider"])
def test_only_org_department_may_import(cast, role):
    with pytest.raises(LifecycleError, match="只有组织部"):
        import_framework(by=getattr(cast, role), parsed=read_framework(mixed_table()), name="某县标准")
    assert not Framework.objects.filter(name="某县标准").exists()


@pytest.mark.parametrize(
    "table",
    [mixed_table, tables.fuding_table, tables.donghu_table, tables.rural_table],
    ids=["mixed", "fuding", "donghu", "rural"],
)
def test_import_export_import_gives_the_same_framework(cast, table):
    first = import_framework(by=cast.org_department, parsed=read_framework(table()), name="第一次")
    exported = framework_xlsx(first)
    second = import_framework(by=cast.org_department, parsed=read_framework(exported), name="第二次")

    assert structure(second) == structure(first)


def test_export_escapes_formulas_and_merges_levels(cast):
    framework = import_framework(
        by=cast.org_department, parsed=read_framework(mixed_table()), name="某县标准"
    )
    sheet = load_workbook(io.BytesIO(framework_xlsx(framework))).active

    assert sheet["A1"].value == "某县标准"
    assert [cell.value for cell in sheet[2]] == HEADER
    assert sheet["A10"].value == "'=cmd"
    assert sheet["C10"].value == "'+1 公式样的文字"
    assert sheet["E10"].value == "'-5 分以下酌情"
    assert "A3:A5" in {str(merged) for merged in sheet.merged_cells.ranges}
    assert "B3:B4" in {str(merged) for merged in sheet.merged_cells.ranges}
    assert [cell.value for cell in sheet[11]][:4] == ["合计", None, None, 33]


def test_commands_import_and_export(tmp_path):
    source = tmp_path / "fuding.xlsx"
    source.write_bytes(tables.fuding_table())
    out = StringIO()
    call_command(
        "import_framework", str(source), "--name", "福鼎考评标准", "--source", "福鼎市2012", stdout=out
    )

    framework = Framework.objects.get(name="福鼎考评标准")
    assert framework.total_points() == D(80)
    assert "8 条考核内容，合计 80 分" in out.getvalue()
    assert "第 4 行由评分人打分：一项中有多条评分规则" in out.getvalue()
    assert AuditEvent.objects.get(verb=Verb.IMPORT_FRAMEWORK).actor is None

    target = tmp_path / "out.xlsx"
    call_command("export_framework", str(framework.pk), str(target), stdout=StringIO())
    assert read_framework(target.read_bytes()).total_points == D(80)


def test_import_command_lists_every_bad_row_and_saves_nothing(tmp_path):
    source = tmp_path / "bad.xlsx"
    rows = [["组织建设", None, "支委会", "五分", "", "", ""], ["组织建设", None, "党课", None, "", "", ""]]
    source.write_bytes(build([], HEADER, rows))
    with pytest.raises(CommandError) as error:
        call_command("import_framework", str(source), "--name", "坏表", stdout=StringIO())

    assert "第 2 行：分值“五分”不是数字" in str(error.value)
    assert "第 3 行：分值不能为空" in str(error.value)
    assert not Framework.objects.filter(name="坏表").exists()


def test_export_command_refuses_an_unknown_id(tmp_path):
    with pytest.raises(CommandError, match="没有编号为 999999"):
        call_command("export_framework", "999999", str(tmp_path / "x.xlsx"))

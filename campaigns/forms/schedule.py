"""Forms for the work schedules (工作安排), campaign-wide and per site, and their .xlsx layout.

The spreadsheet has the columns 阶段, 工作内容, 完成时限, 责任人, 状态 and 完成日期, in that order;
an export has the same columns, so an exported file imports again. Reading a file (with the
`spreadsheets` toolkit every import uses) turns each row into the model's field values or the
reasons it cannot; `import_work_items` then checks the rest and saves all rows or none.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from organizations.uploads import check_upload, describe_limits
from spreadsheets import RowError, cell_text, parse_date, read_table

from ..models import Campaign, Phase, WorkItem

COLUMNS = ("阶段", "工作内容", "完成时限", "责任人", "状态", "完成日期")
REQUIRED_COLUMNS = ("工作内容", "完成时限")
DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y.%m.%d"]
DATE_HINT = "如 2026-05-31、2026/5/31 或 2026年5月31日"


def _date_field(label: str, *, error_messages: dict | None = None, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        error_messages={"invalid": f"请填写有效日期，{DATE_HINT}。", **(error_messages or {})},
        **kwargs,
    )


class WorkItemForm(forms.Form):
    """Add or change one 工作安排. Without a chosen stage, the item goes in the stage its due date
    falls in. `campaign` comes with its phases loaded (they make the stage choices). Whether the
    完成日期 may be that day is `save_work_item`'s rule (`policies.done_on_refusal`); its
    refusal comes back on the field."""

    title = forms.CharField(
        label="工作内容",
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": "如：召开创建工作动员会"}),
    )
    due_on = _date_field("完成时限")
    responsible = forms.CharField(
        label="责任人",
        max_length=100,
        required=False,
        help_text="姓名或部门，如“党支部”“佘跃柱”。",
    )
    phase = forms.TypedChoiceField(label="阶段", required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label="状态", choices=WorkItem.Status.choices, initial=WorkItem.Status.PLANNED)
    done_on = _date_field("完成日期", required=False, help_text="状态为“已完成”时填写，不填则记为今天。")

    def __init__(self, *args, campaign: Campaign, item: WorkItem | None = None, **kwargs):
        self.campaign = campaign
        self.phases = {p.pk: p for p in campaign.phases.all()}
        if item is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "title": item.title,
                "due_on": item.due_on,
                "responsible": item.responsible,
                "phase": item.phase_id,
                "status": item.status,
                "done_on": item.done_on,
            }
        super().__init__(*args, **kwargs)
        self.fields["phase"].choices = [
            ("", "按完成时限自动归入"),
            *((p.pk, p.display_name) for p in self.phases.values()),
        ]

    def clean(self):
        data = super().clean()
        if data.get("status") != WorkItem.Status.DONE:
            data["done_on"] = None
        return data

    def item_fields(self) -> dict:
        """Keyword arguments for `save_work_item`."""
        data = self.cleaned_data
        phase = (
            self.phases.get(data["phase"]) if data.get("phase") else self.campaign.phase_on(data["due_on"])
        )
        return {
            "title": data["title"].strip(),
            "due_on": data["due_on"],
            "responsible": data["responsible"].strip(),
            "phase": phase,
            "status": data["status"],
            "done_on": data["done_on"],
        }


# Import --------------------------------------------------------------------------------------


@dataclass
class ScheduleSheet:
    """A read file: the rows that could be read (with their spreadsheet row numbers) and the
    rows that could not, with the reasons."""

    numbers: list[int] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _phase_key(name: str) -> str:
    name = re.sub(r"\s+", "", name)
    return name.removesuffix("阶段")


class _RowReader:
    """Turns one spreadsheet row into WorkItem field values, collecting every reason it cannot."""

    def __init__(self, campaign: Campaign):
        self.campaign = campaign
        phases = list(campaign.phases.all())
        self.phases: dict[str, Phase] = {}
        for phase in phases:
            self.phases.setdefault(_phase_key(phase.get_kind_display()), phase)
        for phase in phases:
            if phase.name:
                # The campaign's own wording wins over a kind label spelt the same way.
                self.phases[_phase_key(phase.name)] = phase
        self.phase_names = "、".join(p.display_name for p in phases)
        self.statuses = {label: value for value, label in WorkItem.Status.choices}

    def read(self, cells: dict) -> tuple[dict, list[str]]:
        problems = []
        title = cell_text(cells.get("工作内容"))
        if not title:
            problems.append("工作内容未填写")
        due_on = self._date(cells.get("完成时限"), "完成时限", problems)
        if due_on is None and not any("完成时限" in p for p in problems):
            problems.append("完成时限未填写")
        done_on = self._date(cells.get("完成日期"), "完成日期", problems)

        phase = None
        phase_text = cell_text(cells.get("阶段"))
        if phase_text:
            phase = self.phases.get(_phase_key(phase_text))
            if phase is None:
                problems.append(
                    f"阶段“{phase_text}”不是本活动的阶段，应填 {self.phase_names} 之一，或留空按完成时限归入"
                )
        elif due_on is not None:
            phase = self.campaign.phase_on(due_on)

        status_text = cell_text(cells.get("状态"))
        if status_text:
            status = self.statuses.get(status_text)
            if status is None:
                problems.append(f"状态“{status_text}”无法识别，应填 {'、'.join(self.statuses)} 之一，或留空")
        else:
            # A completion date alone says the item is done.
            status = WorkItem.Status.DONE if done_on else WorkItem.Status.PLANNED
        if status and status != WorkItem.Status.DONE:
            done_on = None
        if done_on and done_on > timezone.localdate():
            problems.append(f"完成日期 {done_on:%Y-%m-%d} 晚于今天")

        fields = {
            "phase": phase,
            "title": title,
            "due_on": due_on,
            "responsible": cell_text(cells.get("责任人")),
            "status": status,
            "done_on": done_on,
        }
        return fields, problems

    @staticmethod
    def _date(value, column: str, problems: list[str]) -> datetime.date | None:
        try:
            return parse_date(value)
        except ValueError:
            problems.append(f"{column}“{cell_text(value)}”不是有效日期，请写成日期格式，{DATE_HINT}")
            return None


def read_schedule(file, campaign: Campaign) -> ScheduleSheet:
    """Every data row of an uploaded schedule, read or refused with its row number.

    Raises `spreadsheets.FileRefused` when the file cannot be read or its header row lacks a column.
    """
    reader = _RowReader(campaign)
    sheet = ScheduleSheet()
    file.seek(0)
    table = read_table(file.read(), file.name)
    table.require(REQUIRED_COLUMNS, advice=f"应有的列：{'、'.join(COLUMNS)}。")
    for number, cells in table.rows:
        fields, problems = reader.read(cells)
        if problems:
            sheet.errors.append(RowError(number, "；".join(problems)))
        else:
            sheet.numbers.append(number)
            sheet.rows.append(fields)
    return sheet


class ScheduleImportForm(forms.Form):
    file = forms.FileField(label="Excel 文件", error_messages={"required": "请选择要导入的 Excel 文件。"})

    def __init__(self, *args, campaign: Campaign, **kwargs):
        self.campaign = campaign
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = f"{describe_limits(('xlsx',))}。"
        self.fields["file"].widget.attrs["accept"] = (
            ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        check_upload(upload, ("xlsx",))
        sheet = read_schedule(upload, self.campaign)  # FileRefused is a ValidationError
        if not sheet.rows and not sheet.errors:
            raise ValidationError("文件里没有工作安排：第 1 行是列名，从第 2 行起每行一项。")
        self.sheet = sheet
        return upload


def export_rows(items) -> list[tuple]:
    """The spreadsheet rows of `items` (with `phase` and `responsible_user` loaded), in COLUMNS order."""
    return [
        (
            item.phase.display_name if item.phase else "",
            item.title,
            item.due_on,
            item.responsible or (str(item.responsible_user) if item.responsible_user else ""),
            item.get_status_display(),
            item.done_on,
        )
        for item in items
    ]


def example_rows(campaign: Campaign) -> list[tuple]:
    """Rows for the downloadable template: items of the 望城 school plan due in this campaign's
    stages, with the dates in each form the import accepts and one stage left blank."""
    phases = {p.kind: p for p in campaign.phases.all()}
    if len(phases) < len(Phase.ORDER):
        year = campaign.year
        return [("", "制定党支部创建工作实施方案", datetime.date(year, 5, 31), "党支部", "未开始", None)]
    first, second, third = (phases[kind] for kind in Phase.ORDER)
    month_in = min(second.starts_on + datetime.timedelta(days=30), second.ends_on)
    return [
        (first.display_name, "制定党支部创建工作实施方案", first.ends_on, "党支部", "未开始", None),
        (
            "",
            "召开创建工作动员会",
            f"{month_in.year}/{month_in.month}/{month_in.day}",
            "党支部书记",
            "未开始",
            None,
        ),
        (
            second.display_name,
            "建好高标准的党员活动室",
            f"{second.ends_on.year}年{second.ends_on.month}月{second.ends_on.day}日",
            "党支部",
            "未开始",
            None,
        ),
        (
            third.display_name,
            "规范管理创建资料，归档立卷，迎接上级验收",
            f"{third.ends_on:%Y-%m-%d}",
            "佘跃柱",
            "未开始",
            None,
        ),
    ]

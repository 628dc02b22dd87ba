"""Writes for the member register (党员名册): add a member and change their 采集表 particulars.

The rules a member's particulars keep live in `check_member`, which the form calls to put each
problem beside its field and the services call again before saving, so other callers (imports,
the development pipeline) cannot go around them.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from organizations.models import Kind, Organization, Verb, record_event

from .. import policies
from ..models import Member

# The 采集表 items a secretary keeps on the member page; 所在党支部 is the page's branch.
MEMBER_FIELDS = (
    "name",
    "gender",
    "ethnicity",
    "id_number",
    "birth_date",
    "education",
    "status",
    "group",
    "joined_on",
    "full_member_on",
    "occupation",
    "job",
    "phone",
    "address",
    "skills",
    "party_standing",
    "is_mobile",
    "mobile_destination",
    "is_lost_contact",
    "lost_contact_since",
)
# Never written into an audit summary: the summary names the change, not the number.
SECRET_FIELDS = {"id_number"}


class RegisterError(ValidationError):
    """A change to the register the rules refuse; messages are in Chinese, by field when known."""


# 公民身份证号 (GB 11643-1999) -----------------------------------------------------------------

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARACTERS = "10X98765432"


def id_number_problem(value: str) -> str | None:
    """What is wrong with an 18-character 公民身份证号, or None when it is well formed.

    Seventeen digits, then the check character computed from them (a digit or X); digits 7–14
    are the birth date.
    """
    if len(value) != 18 or not value[:17].isdigit() or value[17] not in "0123456789X":
        return "公民身份证号应为 18 位：17 位数字，末位是数字或 X。"
    if birth_date_from_id(value) is None:
        return "公民身份证号中的出生日期（第 7–14 位）不是有效日期。"
    check = ID_CHECK_CHARACTERS[sum(int(d) * w for d, w in zip(value[:17], ID_WEIGHTS, strict=True)) % 11]
    if value[17] != check:
        return "公民身份证号校验位不对，请逐位核对是否输错。"
    return None


def birth_date_from_id(value: str) -> datetime.date | None:
    """The birth date written in an 18-digit 公民身份证号, if it is a real date."""
    try:
        return datetime.datetime.strptime(value[6:14], "%Y%m%d").date()
    except ValueError:
        return None


# The rules -------------------------------------------------------------------------------------


def branch_groups(branch: Organization) -> models.QuerySet[Organization]:
    """The branch's own 党小组, the only groups its members may be put in."""
    return Organization.objects.groups_of(branch)


def check_member(
    fields: Mapping[str, Any],
    *,
    branch: Organization,
    member: Member | None = None,
    today: datetime.date | None = None,
) -> dict[str, Any]:
    """The particulars ready to save, or RegisterError listing every problem by field.

    Fills 出生日期 from the 公民身份证号 when it is left empty; clears 外出流向 and 失联日期 when
    the member is not 流动 or 失联 any more.
    """
    today = today or timezone.localdate()
    data = dict(fields)
    errors: dict[str, list[str]] = {}

    def refuse(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    id_number = (data.get("id_number") or "").strip().upper()
    data["id_number"] = id_number
    # A number already on file (perhaps imported before these checks) is not held against a
    # save that leaves it alone: whoever edits may not even see it whole.
    kept = member is not None and id_number == member.id_number
    problem = id_number_problem(id_number) if id_number else None
    if problem and not kept:
        refuse("id_number", problem)
    if id_number and not problem:
        born = birth_date_from_id(id_number)
        if not data.get("birth_date"):
            data["birth_date"] = born
        elif data["birth_date"] != born:
            refuse("birth_date", f"出生日期与公民身份证号不符（身份证号上是 {born:%Y-%m-%d}）。")
    if id_number and not kept and Member.objects.filter(id_number=id_number).exists():
        refuse("id_number", "该公民身份证号已登记在另一名党员的档案中，请核对。")

    for name, label in (
        ("birth_date", "出生日期"),
        ("joined_on", "加入党组织日期"),
        ("full_member_on", "转为正式党员日期"),
        ("lost_contact_since", "失联日期"),
    ):
        if data.get(name) and data[name] > today:
            refuse(name, f"{label}不能晚于今天。")

    joined_on, full_member_on = data.get("joined_on"), data.get("full_member_on")
    if data.get("status") == Member.Status.PROBATIONARY:
        if full_member_on:
            refuse(
                "full_member_on",
                "预备党员还没有转正，不填转为正式党员日期；已转正的请把人员类别改为正式党员。",
            )
    elif joined_on and full_member_on and full_member_on < joined_on:
        refuse("full_member_on", "转为正式党员日期不能早于加入党组织日期。")

    if data.get("is_mobile"):
        data["mobile_destination"] = (data.get("mobile_destination") or "").strip()
        if not data["mobile_destination"]:
            refuse("mobile_destination", "流动党员请填写外出流向（去了哪里、在哪个单位或党组织）。")
    else:
        data["mobile_destination"] = ""
    if data.get("is_lost_contact"):
        if not data.get("lost_contact_since"):
            refuse("lost_contact_since", "失联党员请填写失联日期（最后一次联系上之后的日子）。")
    else:
        data["lost_contact_since"] = None

    group = data.get("group")
    if group is not None and not (
        group.kind == Kind.GROUP and group.depth == branch.depth + 1 and group.path.startswith(branch.path)
    ):
        refuse("group", "请选择本党支部的党小组。")

    if errors:
        raise RegisterError(errors)
    return data


def _describe(member: Member, name: str, value: Any) -> str:
    field = member._meta.get_field(name)
    if name in SECRET_FIELDS:
        return f"{field.verbose_name}：已修改"
    if field.choices:
        return f"{field.verbose_name}：{dict(field.choices).get(value, '—')}"
    if isinstance(field, models.BooleanField):
        return f"{field.verbose_name}：{'是' if value else '否'}"
    return f"{field.verbose_name}：{value or '—'}"


def _require_keeper(by, branch: Organization) -> None:
    if not policies.may_keep_records(by, branch):
        raise RegisterError("只有本支部书记或上级党委可以维护党员名册。")


# The writes ------------------------------------------------------------------------------------


@transaction.atomic
def add_member(*, branch: Organization, by, today: datetime.date | None = None, **fields: Any) -> Member:
    """Put a new member on the branch's register."""
    _require_keeper(by, branch)
    data = check_member(fields, branch=branch, today=today)
    member = Member(branch=branch, **data)
    member.full_clean(validate_constraints=False)
    member.save()
    record_event(
        actor=by,
        verb=Verb.REGISTER_MEMBER,
        target=member,
        organization=branch,
        summary=f"{member.name}（{member.get_status_display()}）",
    )
    return member


@transaction.atomic
def update_member(*, member: Member, by, today: datetime.date | None = None, **fields: Any) -> Member:
    """Change a member's particulars; the audit event lists what changed (not the ID number)."""
    # The row as it is now, locked: `member` may carry a form's unsaved values.
    current = Member.objects.select_for_update(of=("self",)).select_related("branch").get(pk=member.pk)
    _require_keeper(by, current.branch)
    # The rules look at the whole record: what is not being changed keeps its value.
    merged = {name: getattr(current, name) for name in MEMBER_FIELDS} | dict(fields)
    data = check_member(merged, branch=current.branch, member=current, today=today)
    changed = []
    for name, value in data.items():
        if getattr(current, name) != value:
            setattr(current, name, value)
            changed.append(name)
    if not changed:
        return current
    current.full_clean(validate_constraints=False)
    current.save(update_fields=changed)
    record_event(
        actor=by,
        verb=Verb.CHANGE_MEMBER,
        target=current,
        organization=current.branch,
        summary=f"{current.name}：" + "；".join(_describe(current, n, getattr(current, n)) for n in changed),
    )
    return current

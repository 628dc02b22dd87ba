"""The rules a member's particulars keep (the items of the 党员信息采集表), in one place.

`check_member` is every rule about one member's own record: the 公民身份证号 (GB 11643 check
character, and the birth date and sex written in it), the order of the dates, 人员类别 against
转为正式党员日期, and the 党小组 under the member's own branch. It runs wherever a member is
written, so each path refuses the same row with the same words:

- `Member.clean()` calls it, so the register page's form (a ModelForm validates its model), the
  register services (`full_clean`), the development pipeline and the admin — its forms and its
  import-export import, which cleans every row with `full_clean` — all apply it;
- the branch import (`members.imports`) calls it for every row of a file, with the 党小组 and the
  branch already loaded, and checks the file's ID numbers against the register in one query.

The register page also insists on where a 流动党员 went and since when a 失联党员 is lost
(`check_whereabouts`). Imports take 外出流向 and 失去联系日期 when the file has them (the 汇总表
does) but do not insist: many rosters keep only the 是/否 of the sixteen items.

No database here beyond the one `others` query a caller may hand in, and no members models:
`members.models` imports this module, so statuses are compared by their stored codes.
"""

from __future__ import annotations

import datetime
import operator
import unicodedata
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from organizations.models import Kind

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from organizations.models import Organization

    from .models import Member

# Member.Status.PROBATIONARY and the Gender codes, as stored (tests/members/test_validation.py
# holds them to the models' choices).
PROBATIONARY = "PROBATIONARY"
MALE, FEMALE = "M", "F"

# The fields `check_member` reads.
RULE_FIELDS = (
    "id_number",
    "gender",
    "birth_date",
    "status",
    "joined_on",
    "full_member_on",
    "lost_contact_since",
    "group",
)

ID_TAKEN = "该公民身份证号已登记在另一名党员的档案中，请核对。"


class RegisterError(ValidationError):
    """A member's particulars the rules refuse; messages are in Chinese, by field when known."""


# 公民身份证号 (GB 11643-1999) -------------------------------------------------------------------

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARACTERS = "10X98765432"
# The weighted sum is taken over the digits' character codes (fast for a file of many rows);
# this takes the code of "0" back out.
_ZERO_WEIGHTS = ord("0") * sum(ID_WEIGHTS)


def normal_id_number(value: str) -> str:
    """A 公民身份证号 as stored: no spaces, X in capitals, full-width digits (as some input methods
    type them) as ordinary ones."""
    return unicodedata.normalize("NFKC", value).replace(" ", "").upper()


def id_number_problem(value: str) -> str | None:
    """What is wrong with an 18-character 公民身份证号, or None when it is well formed.

    Seventeen digits, then the check character computed from them (a digit or X); digits 7–14
    are the birth date, digit 17 is odd for a man and even for a woman.
    """
    body = value[:17]
    if len(value) != 18 or not (body.isascii() and body.isdigit()) or value[17] not in "0123456789X":
        return "公民身份证号应为 18 位：17 位数字，末位是数字或 X。"
    if birth_date_from_id(value) is None:
        return "公民身份证号中的出生日期（第 7–14 位）不是有效日期。"
    check = ID_CHECK_CHARACTERS[(sum(map(operator.mul, body.encode(), ID_WEIGHTS)) - _ZERO_WEIGHTS) % 11]
    if value[17] != check:
        return "公民身份证号校验位不对，请逐位核对是否输错。"
    return None


def birth_date_from_id(value: str) -> datetime.date | None:
    """The birth date written in an 18-digit 公民身份证号, if it is a real date."""
    digits = value[6:14]
    if len(digits) != 8 or not (digits.isascii() and digits.isdigit()):
        return None
    try:
        return datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


def gender_from_id(value: str) -> str:
    """MALE or FEMALE, as digit 17 of a well-formed 公民身份证号 says."""
    return MALE if int(value[16]) % 2 else FEMALE


# The rules ------------------------------------------------------------------------------------


def group_refusal(branch: Organization, name: str = "") -> str:
    """Why a 党小组 cannot be a member's of `branch`; `name` is the one a file gave, if any."""
    if name:
        return f"党小组须是“{branch.name}”下的党小组，“{name}”不是。"
    return f"党小组须是“{branch.name}”下的党小组。"


def is_group_of(group: Organization, branch: Organization) -> bool:
    """`group` is one of `branch`'s own 党小组: the tree says so from the two rows in hand."""
    return group.kind == Kind.GROUP and group.depth == branch.depth + 1 and group.path.startswith(branch.path)


# Dates no roster can rightly hold: the oldest members alive were born after 1900; no one joined
# before the Party was founded; and no one joined as a child (党章: 年满十八岁; rosters of the
# revolutionary years hold members who joined at 15 or 16, so the check is gentler).
EARLIEST_BIRTH = datetime.date(1900, 1, 1)
PARTY_FOUNDED = datetime.date(1921, 7, 1)
YOUNGEST_JOINING_AGE = 14

DATE_LABELS = {
    "birth_date": "出生日期",
    "joined_on": "加入党组织日期",
    "full_member_on": "转为正式党员日期",
    "lost_contact_since": "失联日期",
}


def check_member(
    fields: Mapping[str, Any],
    *,
    branch: Organization | None,
    member: Member | None = None,
    today: datetime.date | None = None,
    others: QuerySet | None = None,
) -> dict[str, Any]:
    """The particulars ready to save, or RegisterError listing every problem by field.

    `fields` are a member's values by field name (those of RULE_FIELDS that are missing count as
    blank); `member` is the member as stored when an existing one is changed. A 公民身份证号
    already on file (perhaps imported before these checks) is not held against a save that
    leaves it alone: whoever edits may not even see it whole. `others`, when given, are the
    members this one may not share a 公民身份证号 with (one query, only for a new or changed
    number); without it the caller checks that itself, as the import does for a whole file.

    Returns a copy of `fields` with the 公民身份证号 in capitals and 出生日期, when left empty,
    taken from the 公民身份证号.
    """
    today = today or timezone.localdate()
    data = dict(fields)
    errors: dict[str, list[str]] = {}

    def refuse(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if branch is not None and branch.kind != Kind.BRANCH:
        refuse("branch", "党员只能编入党支部。")

    id_number = normal_id_number(data.get("id_number") or "")
    data["id_number"] = id_number
    kept = member is not None and id_number == member.stored_id_number
    problem = id_number_problem(id_number) if id_number else None
    if problem and not kept:
        refuse("id_number", problem)
    if id_number and not problem:
        born = birth_date_from_id(id_number)
        if not data.get("birth_date"):
            data["birth_date"] = born
        elif data["birth_date"] != born:
            refuse("birth_date", f"出生日期与公民身份证号不符（身份证号上是 {born:%Y-%m-%d}）。")
        gender = data.get("gender")
        if gender in (MALE, FEMALE) and gender != gender_from_id(id_number):
            written = "男" if gender_from_id(id_number) == MALE else "女"
            refuse("gender", f"性别与公民身份证号不符（身份证号上是{written}）。")
    if id_number and not kept and others is not None and others.filter(id_number=id_number).exists():
        refuse("id_number", ID_TAKEN)

    for name, label in DATE_LABELS.items():
        if data.get(name) and data[name] > today:
            refuse(name, f"{label}不能晚于今天。")

    birth_date, joined_on, full_member_on = (
        data.get(n) for n in ("birth_date", "joined_on", "full_member_on")
    )
    if birth_date and birth_date < EARLIEST_BIRTH:
        refuse("birth_date", f"出生日期早于 {EARLIEST_BIRTH.year} 年，请核对。")
    if joined_on and joined_on < PARTY_FOUNDED:
        refuse("joined_on", "加入党组织日期不能早于 1921年7月1日（中国共产党成立）。")
    if birth_date and joined_on and joined_on <= birth_date:
        refuse("joined_on", "加入党组织日期应晚于出生日期。")
    elif birth_date and joined_on and joined_on < _years_after(birth_date, YOUNGEST_JOINING_AGE):
        refuse("joined_on", f"加入党组织时不满 {YOUNGEST_JOINING_AGE} 岁，请核对出生日期和加入党组织日期。")
    if data.get("status") == PROBATIONARY:
        if full_member_on:
            refuse(
                "full_member_on",
                "预备党员还没有转正，不填转为正式党员日期；已转正的请把人员类别改为正式党员。",
            )
    elif joined_on and full_member_on and full_member_on < joined_on:
        refuse("full_member_on", "转为正式党员日期不能早于加入党组织日期。")

    group = data.get("group")
    if group is not None and branch is not None and not is_group_of(group, branch):
        refuse("group", group_refusal(branch))

    if errors:
        raise RegisterError(errors)
    return data


def _years_after(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def check_whereabouts(fields: Mapping[str, Any]) -> dict[str, Any]:
    """What the register page asks on top of `check_member`: where a 流动党员 went and since when a
    失联党员 is lost. Imports do not ask it: many rosters have only 是/否 for both.

    Returns a copy of `fields` with 外出流向 and 失联日期 cleared when the member is not 流动 or
    失联 any more; raises RegisterError by field.
    """
    data = dict(fields)
    errors: dict[str, list[str]] = {}
    if data.get("is_mobile"):
        data["mobile_destination"] = (data.get("mobile_destination") or "").strip()
        if not data["mobile_destination"]:
            errors["mobile_destination"] = ["流动党员请填写外出流向（去了哪里、在哪个单位或党组织）。"]
    else:
        data["mobile_destination"] = ""
    if data.get("is_lost_contact"):
        if not data.get("lost_contact_since"):
            errors["lost_contact_since"] = ["失联党员请填写失联日期（最后一次联系上之后的日子）。"]
    else:
        data["lost_contact_since"] = None
    if errors:
        raise RegisterError(errors)
    return data


def check_register_entry(
    fields: Mapping[str, Any],
    *,
    branch: Organization,
    member: Member | None = None,
    today: datetime.date | None = None,
    others: QuerySet | None = None,
) -> dict[str, Any]:
    """`check_member` and `check_whereabouts` together, every problem of both at once: what the
    register services run before they save."""
    errors: dict[str, list[str]] = {}
    data = dict(fields)
    try:
        data = check_member(data, branch=branch, member=member, today=today, others=others)
    except RegisterError as error:
        errors = error.update_error_dict(errors)
    try:
        data = check_whereabouts(data)
    except RegisterError as error:
        errors = error.update_error_dict(errors)
    if errors:
        raise RegisterError(errors)
    return data

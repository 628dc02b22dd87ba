"""One member's national 党员基本信息采集表 as an A4 PDF to print, check and sign (WeasyPrint).

The form is the 2017 collection's (附件2 of 中组部《关于开展党组织和党员基本信息采集工作的通知》):
its sixteen items in a ruled table, then the member's signature and the branch's 审核意见. Each
box says what the national 汇总表 export says (`members.imports.national_rows`), with the code and
its name where the form takes a code (学历 “20 大学本科”, 工作岗位 “09 农牧渔民”); dates are
written 2005年07月01日, and 失去联系日期 to the month (2024年03月), which is all a roster gives
for it. An item with nothing on file is struck through with “—”, as the form's instructions ask
of a box left empty. The 公民身份证号 is whole or masked by the rule of the member's page
(`policies.sees_id_numbers`): the caller says which.

The CSS names "Noto Sans CJK SC" in the @page margin boxes too (`members.reports`: they do not
inherit the body's font).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.template.loader import render_to_string

from .models import Education, Member
from .reports import css_string

TITLE = "党员基本信息采集表"
TEMPLATE = "members/register/collection_form.html"
NOTHING = "—"


def form_date(day: datetime.date | None, *, month_only: bool = False) -> str:
    """A date as the form writes it: 2005年07月01日, or 2024年03月 to the month; — for none."""
    if day is None:
        return NOTHING
    return f"{day:%Y年%m月}" if month_only else f"{day:%Y年%m月%d日}"


def coded(code: str, label: str) -> str:
    """A coded item as the form writes it: the code and its name (20 大学本科); — for none."""
    return f"{code} {label}" if code else NOTHING


def yes_no(value: bool) -> str:
    return "是" if value else "否"


@dataclass(frozen=True)
class CollectionForm:
    """The sixteen items of one member's 采集表, each as the box shows it."""

    name: str
    gender: str
    ethnicity: str
    id_number: str
    birth_date: str
    education: str
    status: str
    branch: str
    joined_on: str
    full_member_on: str
    occupation: str
    phone: str
    landline: str
    address: str
    party_standing: str
    is_lost_contact: str
    lost_contact_since: str
    is_mobile: str
    mobile_destination: str

    @classmethod
    def of(cls, member: Member, *, shows_id_number: bool) -> CollectionForm:
        id_number = member.id_number if shows_id_number else member.masked_id_number
        return cls(
            name=member.name,
            gender=member.get_gender_display(),
            ethnicity=member.ethnicity or NOTHING,
            id_number=id_number or NOTHING,
            birth_date=form_date(member.birth_date),
            education=coded(member.education, member.get_education_display()),
            status=member.get_status_display(),
            branch=member.branch.name,
            joined_on=form_date(member.joined_on),
            full_member_on=form_date(member.full_member_on),
            occupation=coded(member.occupation, member.get_occupation_display()),
            phone=member.phone or NOTHING,
            landline=member.landline or NOTHING,
            address=member.address or NOTHING,
            party_standing=member.get_party_standing_display(),
            is_lost_contact=yes_no(member.is_lost_contact),
            lost_contact_since=form_date(member.lost_contact_since, month_only=True),
            is_mobile=yes_no(member.is_mobile),
            mobile_destination=member.mobile_destination or NOTHING,
        )


def render_collection_form(*, member: Member, shows_id_number: bool, printed_on: datetime.date) -> bytes:
    """The member's 采集表 on one A4 page. `member.branch` is read (select it with the member)."""
    # WeasyPrint takes about a second to import; only this function needs it.
    from weasyprint import HTML

    context = {
        "form": CollectionForm.of(member, shows_id_number=shows_id_number),
        "title": TITLE,
        "branch": member.branch,
        "education_codes": Education.choices,
        "occupation_codes": Member.Occupation.choices,
        "footer_left": css_string(f"{TITLE} · {member.name}"),
        "footer_right": css_string(f"打印于 {form_date(printed_on)}"),
    }
    # The form is one sheet to sign. Boxes filled to their fields' limits (a 200-character
    # 家庭住址, a 100-character 外出流向) can push the last lines over; then it is laid out again
    # compact: smaller type, and the code tables left out of the notes.
    for compact in (False, True):
        html = render_to_string(TEMPLATE, {**context, "compact": compact})
        document = HTML(string=html).render()
        if len(document.pages) == 1:
            break
    return document.write_pdf()

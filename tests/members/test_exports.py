"""导出: a branch's records as .xlsx and .csv, only what the user sees, formulas never run."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from members.models import Attendance, Household, Meeting, Member
from tests.members.factories import HouseholdFactory, MemberFactory, ServiceRecordFactory

pytestmark = pytest.mark.django_db

EXPORTS = ["export_members", "export_households", "export_services", "export_attendance"]
ROLES = ["org_department", "committee", "secretary", "inspector"]
ID_A = "430124198001011234"


def login(client, user):
    client.force_login(user)
    return client


def xlsx_rows(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def csv_rows(response) -> list[list]:
    assert response.content.startswith("\ufeff".encode())  # so Excel reads the Chinese as Chinese
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def records(branch, name="李明", id_number=ID_A):
    member = MemberFactory(branch=branch, name=name, id_number=id_number, phone="13800000001")
    household = HouseholdFactory(branch=branch, name=f"{name}帮扶户")
    ServiceRecordFactory(member=member, household=household, content="代购药品")
    meeting = Meeting.objects.create(
        organization=branch,
        kind="THEME_DAY",
        held_on=datetime.date(2026, 5, 1),
        topic=f"{branch.name}主题党日",
    )
    Attendance.objects.create(meeting=meeting, member=member)
    return member


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", EXPORTS)
def test_every_export_answers_each_role_in_both_formats(client, cast, tree, role, name):
    records(tree.branch_a1)
    login(client, getattr(cast, role))
    url = reverse(f"members:{name}", args=[tree.branch_a1.pk])

    xlsx = client.get(url)
    as_csv = client.get(url + "?format=csv")

    assert xlsx.status_code == as_csv.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert as_csv["Content-Type"].startswith("text/csv")
    assert "attachment" in xlsx["Content-Disposition"]
    assert len(xlsx_rows(xlsx)) == len(csv_rows(as_csv)) == 2  # headings and the one record


@pytest.mark.parametrize("name", EXPORTS)
def test_outsider_gets_404_and_anonymous_the_login(client, cast, tree, name):
    records(tree.branch_a1)
    url = reverse(f"members:{name}", args=[tree.branch_a1.pk])

    assert client.get(url).status_code == 302
    assert login(client, cast.outsider).get(url).status_code == 404


def test_an_unknown_format_is_404(client, cast, tree):
    url = reverse("members:export_members", args=[tree.branch_a1.pk])

    assert login(client, cast.secretary).get(url + "?format=pdf").status_code == 404


@pytest.mark.parametrize("name", EXPORTS)
def test_an_export_holds_only_this_branchs_records(client, cast, tree, name):
    records(tree.branch_a1)
    records(tree.branch_a2, name="二村党员", id_number="430124198001015678")

    rows = csv_rows(
        login(client, cast.committee).get(
            reverse(f"members:{name}", args=[tree.branch_a1.pk]) + "?format=csv"
        )
    )

    assert len(rows) == 2
    assert not any("二村" in cell for cell in rows[1])


def test_member_export_has_the_collection_form_columns_and_masks_for_a_committee(client, cast, tree):
    records(tree.branch_a1)
    url = reverse("members:export_members", args=[tree.branch_a1.pk])

    full = xlsx_rows(login(client, cast.secretary).get(url))
    masked = xlsx_rows(login(client, cast.committee).get(url))

    assert full[0][:4] == ["姓名", "性别", "民族", "公民身份证号"]
    assert full[0][-1] == "党小组"
    assert full[1][3] == ID_A
    assert masked[1][3] == "4301**********1234"


def test_service_export_says_whether_each_record_is_verified(client, cast, tree):
    records(tree.branch_a1)

    rows = csv_rows(
        login(client, cast.secretary).get(
            reverse("members:export_services", args=[tree.branch_a1.pk]) + "?format=csv"
        )
    )

    assert rows[0] == [
        "姓名",
        "公民身份证号",
        "服务日期",
        "服务地点",
        "服务内容",
        "服务对象",
        "时长(小时)",
        "服务反馈",
        "责任人",
        "核实情况",
        "公示日期",
    ]
    assert rows[1][0] == "李明"
    assert rows[1][5] == "李明帮扶户"
    assert rows[1][-2] == "已核实"


# Formula escaping: each dangerous leading character, in each format ---------------------------

DANGEROUS = ["=", "+", "-", "@", "\t", "\r"]


@pytest.mark.parametrize("lead", DANGEROUS, ids=["equals", "plus", "minus", "at", "tab", "cr"])
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_cell_starting_with_a_formula_character_is_escaped(client, cast, tree, lead, fmt):
    Household.objects.create(
        branch=tree.branch_a1, name=f'{lead}HYPERLINK("http://x")', category="HARDSHIP", needs=f"{lead}1+1"
    )
    url = reverse("members:export_households", args=[tree.branch_a1.pk]) + f"?format={fmt}"

    response = login(client, cast.secretary).get(url)

    rows = xlsx_rows(response) if fmt == "xlsx" else csv_rows(response)
    name, _, needs = rows[1][:3]
    if fmt == "xlsx":
        lead = lead.replace("\r", "\n")  # an XML reader turns a carriage return into a line feed
    assert name == f'\'{lead}HYPERLINK("http://x")'
    assert needs == f"'{lead}1+1"


def test_a_member_named_like_a_formula_is_escaped_in_the_roster(client, cast, tree):
    MemberFactory(branch=tree.branch_a1, name="=cmd|' /C calc'!A0", phone="+8613800000000")

    rows = csv_rows(
        login(client, cast.secretary).get(
            reverse("members:export_members", args=[tree.branch_a1.pk]) + "?format=csv"
        )
    )

    assert rows[1][0] == "'=cmd|' /C calc'!A0"
    assert rows[1][11] == "'+8613800000000"


def test_an_escaped_export_imports_back_as_it_was(client, cast, tree):
    member = MemberFactory(
        branch=tree.branch_a1,
        name="李明",
        id_number=ID_A,
        phone="+8613800000000",
        birth_date=datetime.date(1980, 1, 1),
    )
    login(client, cast.secretary)
    exported = client.get(reverse("members:export_members", args=[tree.branch_a1.pk]) + "?format=csv")

    preview = client.post(
        reverse("members:import_list", args=[tree.branch_a1.pk]),
        {"kind": "MEMBERS", "file": SimpleUploadedFile("导出.csv", exported.content)},
    )

    plan = preview.context["plan"]
    assert (plan.errors, plan.unchanged, len(plan.creates)) == ([], 1, 0)
    member.refresh_from_db()
    assert member.phone == "+8613800000000"
    assert Member.objects.count() == 1

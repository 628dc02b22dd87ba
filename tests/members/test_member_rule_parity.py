"""One member rule, one message: a bad row is refused in the same words by the register page's form,
the branch import page (and its Celery job, the same engine) and the admin's import.

Each case is one mistake in an otherwise good 党员信息采集表 row for 二村党支部, entered by its
党委 (who keeps both of its branches). The form puts the message beside the field; the imports
name the row and give the same sentence — after the column's name where the sentence does not
begin with it, and for a 党小组 followed by which name the file gave.
"""

from __future__ import annotations

import csv
import datetime
import io

import pytest
import tablib
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from members.models import ImportJob, Member
from members.resources import MemberResource
from members.services.imports import run_import_job
from members.validation import group_refusal
from tests.members.factories import valid_id_number

pytestmark = pytest.mark.django_db

BORN = datetime.date(1985, 4, 2)
ID_NUMBER = valid_id_number(BORN, male=True)
BAD_CHECK = ID_NUMBER[:17] + ("0" if ID_NUMBER[17] != "0" else "1")

HEADERS = [
    "姓名",
    "性别",
    "公民身份证号",
    "出生日期",
    "人员类别",
    "所在党支部",
    "加入党组织日期",
    "转为正式党员日期",
    "党小组",
]
GOOD_ROW = {
    "姓名": "王强",
    "性别": "男",
    "公民身份证号": ID_NUMBER,
    "出生日期": "1985-04-02",
    "人员类别": "正式党员",
    "所在党支部": "二村党支部",
    "加入党组织日期": "2010-07-01",
    "转为正式党员日期": "2011-07-01",
    "党小组": "",
}
GOOD_FORM = {
    "name": "王强",
    "gender": "M",
    "ethnicity": "汉族",
    "id_number": ID_NUMBER,
    "birth_date": "1985-04-02",
    "status": "FULL",
    "joined_on": "2010-07-01",
    "full_member_on": "2011-07-01",
    "occupation": "09",
    "party_standing": "NORMAL",
}

# (what is wrong, the row's changes, the form's changes, the field, the rule's message)
CASES = [
    (
        "ID check character",
        {"公民身份证号": BAD_CHECK},
        {"id_number": BAD_CHECK},
        "id_number",
        "公民身份证号校验位不对，请逐位核对是否输错。",
    ),
    (
        "ID birth date",
        {"出生日期": "1985-04-03"},
        {"birth_date": "1985-04-03"},
        "birth_date",
        "出生日期与公民身份证号不符（身份证号上是 1985-04-02）。",
    ),
    (
        "ID sex",
        {"性别": "女"},
        {"gender": "F"},
        "gender",
        "性别与公民身份证号不符（身份证号上是男）。",
    ),
    (
        "joined before birth",
        {"加入党组织日期": "1984-07-01", "转为正式党员日期": "1985-07-01"},
        {"joined_on": "1984-07-01", "full_member_on": "1985-07-01"},
        "joined_on",
        "加入党组织日期应晚于出生日期。",
    ),
    (
        "full before joined",
        {"转为正式党员日期": "2009-07-01"},
        {"full_member_on": "2009-07-01"},
        "full_member_on",
        "转为正式党员日期不能早于加入党组织日期。",
    ),
    (
        "probationary with a full member date",
        {"人员类别": "预备党员"},
        {"status": "PROBATIONARY"},
        "full_member_on",
        "预备党员还没有转正，不填转为正式党员日期；已转正的请把人员类别改为正式党员。",
    ),
    (
        "joined after today",
        {"加入党组织日期": "2099-07-01", "转为正式党员日期": ""},
        {"joined_on": "2099-07-01", "full_member_on": ""},
        "joined_on",
        "加入党组织日期不能晚于今天。",
    ),
    (
        "another branch's 党小组",
        {"党小组": "第一党小组"},
        {"group": "GROUP_A1"},
        "group",
        "党小组须是“二村党支部”下的党小组。",
    ),
]
IDS = [case[0] for case in CASES]
COLUMN = {
    "id_number": "公民身份证号",
    "birth_date": "出生日期",
    "gender": "性别",
    "joined_on": "加入党组织日期",
    "full_member_on": "转为正式党员日期",
    "group": "党小组",
}


def csv_bytes(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    writer.writerows([row[h] for h in HEADERS] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def form_message(client, tree, changes: dict, field: str) -> list[str]:
    data = GOOD_FORM | {k: (tree.group_a1.pk if v == "GROUP_A1" else v) for k, v in changes.items()}
    response = client.post(reverse("members:member_add", args=[tree.branch_a2.pk]), data)
    assert response.status_code == 200, "the form should have refused the member"
    return response.context["form"].errors[field]


def page_message(client, tree, row: dict) -> str:
    upload = SimpleUploadedFile("名册.csv", csv_bytes([row]))
    response = client.post(
        reverse("members:import_list", args=[tree.branch_a2.pk]), {"kind": "MEMBERS", "file": upload}
    )
    (error,) = response.context["plan"].errors
    assert error.row == 2
    return error.message


def admin_message(cast, row: dict, field: str) -> str:
    dataset = tablib.Dataset().load(csv_bytes([row]).decode("utf-8-sig"), format="csv")
    result = MemberResource(user=cast.committee).import_data(dataset, dry_run=True)
    (invalid,) = result.invalid_rows
    (message,) = invalid.error_dict[COLUMN[field]]
    return message


def test_the_good_row_passes_every_path(client, cast, tree):
    client.force_login(cast.committee)

    response = client.post(
        reverse("members:import_list", args=[tree.branch_a2.pk]),
        {
            "kind": "MEMBERS",
            "file": SimpleUploadedFile("名册.csv", csv_bytes([GOOD_ROW])),
        },
    )
    result = MemberResource(user=cast.committee).import_data(
        tablib.Dataset().load(csv_bytes([GOOD_ROW]).decode("utf-8-sig"), format="csv"), dry_run=True
    )
    added = client.post(reverse("members:member_add", args=[tree.branch_a2.pk]), GOOD_FORM)

    assert response.context["plan"].errors == []
    assert not result.has_errors() and not result.has_validation_errors()
    assert added.status_code == 302
    assert Member.objects.get().branch == tree.branch_a2


@pytest.mark.parametrize(("case", "row_changes", "form_changes", "field", "message"), CASES, ids=IDS)
def test_each_path_refuses_a_bad_row_in_the_same_words(
    client, cast, tree, case, row_changes, form_changes, field, message
):
    client.force_login(cast.committee)
    row = GOOD_ROW | row_changes
    sentence = message.rstrip("。")

    on_the_form = form_message(client, tree, form_changes, field)
    on_the_page = page_message(client, tree, row)
    in_the_admin = admin_message(cast, row, field)

    assert on_the_form == [message]
    assert in_the_admin.startswith(sentence), in_the_admin
    # The page names the column where the sentence does not already.
    assert on_the_page.startswith((sentence, f"{COLUMN[field]}：{sentence}")), on_the_page
    if field != "group":
        assert in_the_admin == message
        assert on_the_page in (message, f"{COLUMN[field]}：{message}")
    assert not Member.objects.exists()


def test_the_celery_job_refuses_every_bad_row_as_the_page_does(client, cast, tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(cast.committee)
    # One file with every bad row; each its own member (name and ID number), so none repeats another.
    rows = [
        GOOD_ROW
        | {"姓名": f"党员{i}", "公民身份证号": valid_id_number(BORN, male=True, sequence=i + 1)}
        | changes
        for i, (_, changes, *_) in enumerate(CASES)
    ]
    preview_messages = [page_message(client, tree, row) for row in rows]
    job = ImportJob.objects.create(
        kind=ImportJob.Kind.MEMBERS,
        branch=tree.branch_a2,
        file=ImportJob._meta.get_field("file").storage.save(
            "imports/parity.csv", ContentFile(csv_bytes(rows))
        ),
        original_name="名册.csv",
        total_rows=len(rows),
        created_by=cast.committee,
    )

    job = run_import_job(job_id=job.pk)

    assert job.status == ImportJob.Status.FAILED
    assert job.errors == [
        {"row": number, "message": message} for number, message in enumerate(preview_messages, start=2)
    ]
    assert not Member.objects.exists()


def test_the_group_rule_names_the_branch(tree):
    assert group_refusal(tree.branch_a2) == "党小组须是“二村党支部”下的党小组。"
    assert (
        group_refusal(tree.branch_a2, "第一党小组") == "党小组须是“二村党支部”下的党小组，“第一党小组”不是。"
    )

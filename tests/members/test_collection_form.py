"""A member's 党员基本信息采集表: one A4 page to print and sign, from the member's page.

Whoever may open the member's page may print it (the 组织部, the 党委, the branch secretary, an
inspector); the secretary of another branch gets 404 and an anonymous visitor is sent to log in.
The 公民身份证号 is whole or masked by the member page's rule (`policies.sees_id_numbers`:
whole for the secretary and the 组织部); phones are shown to all who see the page, as there.
"""

from __future__ import annotations

import datetime
import shutil
import subprocess

import pytest
from django.urls import reverse

from members.models import Member
from members.roster_form import NOTHING, CollectionForm, coded, form_date, render_collection_form
from members.services.register import add_member
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db

needs_poppler = pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in ("pdftotext", "pdfinfo", "pdffonts")),
    reason="pdftotext / pdfinfo / pdffonts (poppler-utils) 未安装",
)

TODAY = datetime.date(2026, 6, 15)
ID_LI = "11010519491231029X"  # a man's, born 1949-12-31, with the check character X
MASKED_LI = "1101**********029X"
PHONE_LI = "13912345678"
LANDLINE_LI = "0731-84123456"
ROLES = ["org_department", "committee", "secretary", "inspector", "outsider"]
READ = {"org_department": 200, "committee": 200, "secretary": 200, "inspector": 200, "outsider": 404}
SEES_WHOLE_ID = {"org_department": True, "secretary": True, "committee": False, "inspector": False}
LABELS = [
    "党员基本信息采集表",
    "姓名",
    "性别",
    "民族",
    "公民身份证号码",
    "出生日期",
    "学历",
    "人员类别",
    "所在党支部",
    "加入党组织日期",
    "转为正式党员日期",
    "工作岗位",
    "联系电话",
    "手机号码",
    "固定电话",
    "家庭住址",
    "党籍状态",
    "是否为失联党员",
    "失去联系日期",
    "是否为流动党员",
    "外出流向",
    "本人签字",
    "党员本人签字",
    "党支部审核意见",
    "党支部书记签字（盖章）",
]


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: TODAY)


@pytest.fixture
def li(tree, cast):
    """一村党支部's 李明, every item of the form filled in, entered through the register service."""
    return add_member(
        branch=tree.branch_a1,
        by=cast.secretary,
        today=TODAY,
        name="李明",
        gender="M",
        ethnicity="土家族",
        id_number=ID_LI,
        education="20",
        status=Member.Status.FULL,
        joined_on=datetime.date(1975, 7, 1),
        full_member_on=datetime.date(1976, 7, 1),
        occupation="09",
        phone=PHONE_LI,
        landline=LANDLINE_LI,
        address="一村三组12号",
        is_lost_contact=True,
        lost_contact_since=datetime.date(2024, 3, 1),
        is_mobile=True,
        mobile_destination="广东省深圳市南山区",
    )


def login(client, cast, role):
    if role != "anonymous":
        client.force_login(getattr(cast, role))


def url(member) -> str:
    return reverse("members:member_collection_form", args=[member.pk])


def pdf_text(pdf: bytes) -> str:
    """The PDF's text (pdftotext) without whitespace: letter-spacing and wrapping come out as
    spaces and line breaks."""
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return "".join(text.split())


def pdf_tool(tool: str, pdf: bytes, tmp_path) -> str:
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    return subprocess.run([tool, str(path)], capture_output=True, check=True).stdout.decode()


def page_count(pdf: bytes, tmp_path) -> int:
    info = pdf_tool("pdfinfo", pdf, tmp_path)
    return int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))


# The boxes --------------------------------------------------------------------------------------


def test_each_box_shows_the_item_as_the_form_writes_it(li):
    form = CollectionForm.of(li, shows_id_number=True)

    assert form == CollectionForm(
        name="李明",
        gender="男",
        ethnicity="土家族",
        id_number=ID_LI,
        birth_date="1949年12月31日",  # filled in from the ID number
        education="20 大学本科",
        status="正式党员",
        branch="一村党支部",
        joined_on="1975年07月01日",
        full_member_on="1976年07月01日",
        occupation="09 农牧渔民",
        phone=PHONE_LI,
        landline=LANDLINE_LI,
        address="一村三组12号",
        party_standing="正常",
        is_lost_contact="是",
        lost_contact_since="2024年03月",
        is_mobile="是",
        mobile_destination="广东省深圳市南山区",
    )


def test_an_item_with_nothing_on_file_is_struck_through(tree):
    member = MemberFactory(
        branch=tree.branch_a1, name="周芳", gender="F", status=Member.Status.PROBATIONARY, full_member_on=None
    )

    form = CollectionForm.of(member, shows_id_number=True)

    assert NOTHING == "—"
    assert (form.id_number, form.birth_date, form.education, form.full_member_on) == (NOTHING,) * 4
    assert (form.phone, form.landline, form.address, form.mobile_destination) == (NOTHING,) * 4
    assert (form.is_lost_contact, form.lost_contact_since, form.is_mobile) == ("否", NOTHING, "否")


def test_the_masked_form_shows_the_number_as_the_member_page_does(li):
    assert CollectionForm.of(li, shows_id_number=False).id_number == MASKED_LI


@pytest.mark.parametrize(
    ("day", "month_only", "written"),
    [
        (datetime.date(2005, 7, 1), False, "2005年07月01日"),
        (datetime.date(2024, 3, 1), True, "2024年03月"),
        (None, False, "—"),
        (None, True, "—"),
    ],
)
def test_form_dates(day, month_only, written):
    assert form_date(day, month_only=month_only) == written


def test_coded_items_show_the_code_and_its_name():
    assert coded("08", "工勤技能人员") == "08 工勤技能人员"
    assert coded("", "") == "—"


# The PDF ------------------------------------------------------------------------------------------


@needs_poppler
def test_the_pdf_holds_every_label_and_the_members_values(client, cast, li):
    client.force_login(cast.secretary)

    text = pdf_text(client.get(url(li)).content)

    missing = [label for label in LABELS if label not in text]
    assert missing == []
    values = [
        "李明",
        "男",
        "土家族",
        ID_LI,
        "1949年12月31日",
        "20大学本科",
        "正式党员",
        "一村党支部",
        "1975年07月01日",
        "1976年07月01日",
        "09农牧渔民",
        PHONE_LI,
        LANDLINE_LI,
        "一村三组12号",
        "正常",
        "2024年03月",
        "广东省深圳市南山区",
    ]
    assert [value for value in values if value not in text] == []
    assert "打印于2026年06月15日" in text


@needs_poppler
def test_one_a4_page_even_with_the_longest_values(tree, tmp_path):
    member = MemberFactory.build(
        branch=tree.branch_a1,
        name="阿卜杜热合曼·买买提依明",
        ethnicity="维吾尔族",
        id_number=ID_LI,
        address="新疆维吾尔自治区喀什地区疏附县" * 13 + "一村三组",  # 199 of the field's 200
        is_mobile=True,
        mobile_destination="广东省深圳市南山区粤海街道" * 7 + "科技园",  # 94 of 100
        phone="13912345678",
        landline="0998-1234567",
    )
    member.branch.name = "中共示范区第一党委第一村民委员会第三村民小组联合党支部" * 2

    pdf = render_collection_form(member=member, shows_id_number=True, printed_on=TODAY)

    info = pdf_tool("pdfinfo", pdf, tmp_path)
    assert page_count(pdf, tmp_path) == 1
    assert "595.276 x 841.89 pts (A4)" in info
    text = pdf_text(pdf)
    assert member.address in text  # nothing cut off
    assert member.mobile_destination in text
    assert "党支部书记签字（盖章）" in text  # the signature lines still on the page


@needs_poppler
def test_one_page_with_every_box_filled_to_its_fields_limit(tree, tmp_path):
    member = MemberFactory.build(
        branch=tree.branch_a1,
        name="阿" * 50,
        ethnicity="维" * 20,
        id_number=ID_LI,
        address="疆" * 200,
        phone="1" * 20,
        landline="2" * 20,
        is_lost_contact=True,
        lost_contact_since=datetime.date(2020, 1, 1),
        is_mobile=True,
        mobile_destination="广" * 100,
    )
    member.branch.name = "中" * 100

    pdf = render_collection_form(member=member, shows_id_number=True, printed_on=TODAY)

    assert page_count(pdf, tmp_path) == 1
    text = pdf_text(pdf)
    assert "疆" * 200 in text and "广" * 100 in text
    assert "党支部书记签字（盖章）" in text
    assert "学历代码" not in text  # laid out compact: the code tables left out of the notes


@needs_poppler
def test_an_ordinary_form_lists_the_code_tables_under_it(client, cast, li):
    client.force_login(cast.secretary)

    text = pdf_text(client.get(url(li)).content)

    assert "学历代码：10研究生；20大学本科" in text
    assert "08工勤技能人员" in text


@needs_poppler
def test_the_pdf_embeds_a_cjk_font(client, cast, li, tmp_path):
    client.force_login(cast.secretary)

    fonts = pdf_tool("pdffonts", client.get(url(li)).content, tmp_path)

    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert any("Noto-Sans-CJK-SC" in row[0] for row in rows)
    # Every font embedded (the emb column), so the Chinese prints wherever the file is opened.
    assert rows and all(row[-5] == "yes" for row in rows), fonts


@needs_poppler
@pytest.mark.parametrize("role", SEES_WHOLE_ID)
def test_the_id_number_is_whole_or_masked_as_on_the_member_page(client, cast, li, role):
    login(client, cast, role)

    text = pdf_text(client.get(url(li)).content)
    page = client.get(reverse("members:member_detail", args=[li.pk])).content.decode()

    assert (ID_LI in text) is SEES_WHOLE_ID[role]
    assert (MASKED_LI in text) is not SEES_WHOLE_ID[role]
    assert (ID_LI in page) is SEES_WHOLE_ID[role]  # the same rule as the page
    assert PHONE_LI in text and LANDLINE_LI in text  # the page shows phones to all who see it


# Who gets it ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_pdf_exactly_when_it_sees_the_member_page(client, cast, li, role):
    login(client, cast, role)

    response = client.get(url(li))
    page = client.get(reverse("members:member_detail", args=[li.pk]))

    assert response.status_code == page.status_code == READ[role]
    if READ[role] == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert url(li) in page.content.decode()
        assert "打印采集表" in page.content.decode()


def test_the_pdf_is_inline_named_after_the_member_and_never_cached(client, cast, li):
    client.force_login(cast.committee)

    response = client.get(url(li))

    assert response["Content-Disposition"] == (
        "inline; filename*=utf-8''%E5%85%9A%E5%91%98%E4%BF%A1%E6%81%AF%E9%87%87%E9%9B%86%E8%A1%A8-"
        "%E6%9D%8E%E6%98%8E.pdf"
    )  # 党员信息采集表-李明.pdf
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_anonymous_is_sent_to_log_in(client, li):
    response = client.get(url(li))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_missing_member_is_404(client, cast):
    client.force_login(cast.org_department)

    assert client.get(reverse("members:member_collection_form", args=[999999])).status_code == 404


def test_the_outsiders_own_member_prints_but_not_another_branchs(client, cast, tree, li):
    own = MemberFactory(branch=tree.branch_b1, name="学校党员")
    client.force_login(cast.outsider)

    assert client.get(url(own)).status_code == 200
    assert client.get(url(li)).status_code == 404


def test_a_post_is_refused(client, cast, li):
    client.force_login(cast.secretary)

    assert client.post(url(li)).status_code == 405


def test_queries_do_not_depend_on_the_branch_size(client, cast, tree, li, django_assert_max_num_queries):
    MemberFactory.create_batch(30, branch=tree.branch_a1)
    client.force_login(cast.inspector)

    # session, user, the user's roles (loaded once, behind both `visible_to` and
    # `sees_id_numbers`), the member with its branch and group
    with django_assert_max_num_queries(4):
        response = client.get(url(li))

    assert response.status_code == 200

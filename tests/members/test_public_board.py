"""The public 公示栏 (no login): names, stars, counts and plaques, nothing personal, no session;
and its printable PDF poster with a QR code that opens the page."""

import datetime
import shutil
import subprocess
from decimal import Decimal
from io import StringIO

import pytest
import segno
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from members import reports
from members.models import Member, Plaque
from members.services.star_service import award_plaque, record_service, verify_services
from members.stars import BoardRow
from tests.members.factories import MemberFactory, ServiceRecordFactory

pytestmark = pytest.mark.django_db

YEAR = 2025
PHONE = "13987654321"
ID_NUMBER = "110105198803157219"


@pytest.fixture
def board_data(tree, cast):
    """A member with every personal field filled, 10 verified services and a plaque."""
    member = MemberFactory(
        branch=tree.branch_a1,
        group=tree.group_a1,
        name="王秀兰",
        phone=PHONE,
        id_number=ID_NUMBER,
        birth_date=datetime.date(1988, 3, 15),
        address="一村幸福路18号",
        job="村妇联主席",
        skills="缝纫、电商直播",
        is_mobile=True,
        mobile_destination="浙江省义乌市",
    )
    records = [
        record_service(
            branch=tree.branch_a1,
            by=cast.secretary,
            member=member,
            served_on=datetime.date(YEAR, 3, day),
            place="一村幸福路18号",
            content="帮助低保户代购药品",
            hours=Decimal("1"),
        )
        for day in range(1, 11)
    ]
    verify_services(branch=tree.branch_a1, by=cast.secretary, records=records)
    award_plaque(
        branch=tree.branch_a1,
        by=cast.secretary,
        member=member,
        title=Plaque.Title.FIVE_STAR_HOUSEHOLD,
        method=Plaque.Method.PUBLIC_RECOMMENDATION,
        year=YEAR,
    )
    return member


def public_url(code="A1", **query):
    url = reverse("members:public_board", args=[code])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def poster_url(code="A1", **query):
    url = reverse("members:public_board_poster", args=[code])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


# The page --------------------------------------------------------------------------------------


def test_anyone_sees_names_stars_counts_and_plaques_without_login(client, board_data):
    response = client.get(public_url(year=YEAR))

    assert response.status_code == 200
    html = response.content.decode()
    assert "一村党支部" in html
    assert f"{YEAR} 年度" in html
    assert "王秀兰" in html
    assert "服务 10 次" in html
    assert "二星党员志愿者" in html and "2 星" in html
    assert "五星级党员示范户" in html and "群众推荐" in html
    assert "年内服务次数累计达5次、10次、15次、20次、25次，分别授予一星至五星党员志愿者称号" in html


def test_no_personal_data_on_the_page(client, board_data):
    html = client.get(public_url(year=YEAR)).content.decode()

    for personal in (
        PHONE,
        ID_NUMBER,
        ID_NUMBER[:6],
        ID_NUMBER[6:14],
        "1988-03-15",
        "1988年3月15日",
        "一村幸福路18号",
        "村妇联主席",
        "缝纫",
        "浙江省义乌市",
        "帮助低保户代购药品",
        "第一党小组",
    ):
        assert personal not in html, personal


def test_none_of_the_demo_phone_numbers_or_id_digits_appear(client):
    """On the demo county's 力源村 board: no member's phone, ID number (whole or its birth-date
    digits), birth date or address, and no household's phone or address."""
    call_command("seed_demo", stdout=StringIO())
    members = Member.objects.filter(branch__name="力源村党支部")
    code = members.first().branch.code

    html = client.get(public_url(code)).content.decode()

    assert all(member.name in html for member in members if member.party_standing == Member.Standing.NORMAL)
    personal = set()
    for member in Member.objects.all():
        personal |= {member.phone, member.id_number, member.id_number[6:14], member.address}
        if member.birth_date:
            personal.add(member.birth_date.isoformat())
    for household in members.first().branch.households.all():
        personal |= {household.phone, household.address}
    personal.discard("")
    assert len(personal) > 100
    assert [value for value in personal if value in html] == []


def test_unknown_inactive_or_non_branch_code_answers_404(client, tree, board_data):
    tree.branch_a2.is_active = False
    tree.branch_a2.save(update_fields=["is_active"])

    for code in ("NOPE", "A2", "CA", "W", "A1G1"):
        assert client.get(public_url(code)).status_code == 404, code
        assert client.get(poster_url(code)).status_code == 404, code


def test_no_session_cookie_and_cacheable(client, cast, board_data):
    client.force_login(cast.secretary)

    response = client.get(public_url(year=YEAR))

    assert response.status_code == 200
    assert response.cookies == {}
    assert "Cookie" not in response.get("Vary", "")
    assert "public" in response["Cache-Control"]
    assert "max-age=300" in response["Cache-Control"]


def test_anonymous_gets_no_cookie_either(client, board_data):
    response = client.get(public_url())

    assert response.cookies == {}
    assert "Cookie" not in response.get("Vary", "")


def test_this_year_by_default_and_a_link_to_last_year(client, board_data):
    this_year = timezone.localdate().year

    response = client.get(public_url())

    assert response.context["board"].year == this_year
    assert f'href="?year={this_year - 1}"' in response.content.decode()
    assert client.get(public_url(year="xyz")).context["board"].year == this_year


def test_a_post_is_refused(client, board_data):
    assert client.post(public_url()).status_code == 405
    assert client.post(poster_url()).status_code == 405


# The poster ------------------------------------------------------------------------------------


def test_poster_is_a_pdf_reachable_without_login(client, board_data):
    response = client.get(poster_url(year=YEAR))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"].startswith("inline;")
    assert response.cookies == {}


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_poster_text_has_the_board_and_the_public_address(client, board_data):
    pdf = client.get(poster_url(year=YEAR)).content

    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    text = "".join(text.split())  # the title's letter-spacing comes out as spaces

    assert "党员星级服务公示栏" in text
    assert "一村党支部" in text
    assert "王秀兰" in text
    assert "五星级党员示范户" in text
    assert f"http://testserver/board/A1/?year={YEAR}" in text
    assert "生成于" in text and "第1/1页" in text
    assert PHONE not in text and ID_NUMBER not in text


def test_poster_qr_code_opens_the_public_pages_absolute_address(client, board_data, monkeypatch, settings):
    settings.ALLOWED_HOSTS = ["dangjian.example.org"]
    seen = {}

    def capture(**kwargs):
        seen.update(kwargs)
        return b"%PDF-1.7 stub"

    monkeypatch.setattr(reports, "render_board_poster", capture)

    client.get(poster_url(year=YEAR), HTTP_HOST="dangjian.example.org", secure=True)

    expected = f"https://dangjian.example.org/board/A1/?year={YEAR}"
    assert seen["public_url"] == expected
    assert seen["qr_data_uri"] == segno.make(expected, error="m").svg_data_uri(scale=10, border=2)


def numbers(page):
    return [tuple(entry[0] if entry else None for entry in line) for line in page]


def test_poster_sheets_are_filled_down_then_across_each_on_its_own():
    rows = [BoardRow(member_id=i, name=f"党员{i}", group_name="", services=i, stars=0) for i in range(1, 111)]

    assert reports.poster_pages([]) == []
    assert numbers(reports.poster_pages(rows[:14])[0]) == [(n,) for n in range(1, 15)]
    (page,) = reports.poster_pages(rows[:25])
    assert numbers(page)[0] == (1, 14) and numbers(page)[-1] == (13, None)
    first, second, third = reports.poster_pages(rows)
    assert numbers(first)[0] == (1, 21) and numbers(first)[-1] == (20, 40)
    assert numbers(second)[0] == (41, 71) and numbers(second)[-1] == (70, 100)
    assert numbers(third) == [(101, 106), (102, 107), (103, 108), (104, 109), (105, 110)]


def test_css_string_cannot_break_out_of_the_style_sheet():
    assert reports.css_string('村"党支部') == '"村\\"党支部"'
    assert "</style>" not in reports.css_string("</style><script>")


def test_an_empty_board_still_answers(client, tree):
    MemberFactory(branch=tree.branch_a2, name="未服务党员")

    html = client.get(public_url("A2")).content.decode()

    assert "二村党支部" in html
    assert "本年度暂无公示信息" in html
    assert "未服务党员" not in html
    assert client.get(poster_url("A2")).content.startswith(b"%PDF")


# The branch by its code, the rule, the board (one aggregate), the plaques. No session, no user.
PUBLIC_BOARD_QUERIES = 4


@pytest.mark.parametrize("members", [5, 50])
def test_public_page_query_count_does_not_grow_with_members(client, tree, members, django_assert_num_queries):
    for member in MemberFactory.create_batch(members, branch=tree.branch_a1):
        ServiceRecordFactory.create_batch(2, member=member, served_on=datetime.date(YEAR, 4, 1))

    with django_assert_num_queries(PUBLIC_BOARD_QUERIES):
        response = client.get(public_url(year=YEAR))

    assert response.content.decode().count("服务 2 次") == members


# The poster is rendered once per content and served from storage --------------------------------


def test_the_poster_is_rendered_once_and_again_only_when_the_board_changes(
    client, board_data, monkeypatch, tree, cast, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    rendered = []
    real = reports.render_board_poster

    def counting(**kwargs):
        rendered.append(kwargs["board"].year)
        return real(**kwargs)

    monkeypatch.setattr(reports, "render_board_poster", counting)

    first = client.get(poster_url(year=YEAR))
    again = client.get(poster_url(year=YEAR))
    assert first.status_code == again.status_code == 200
    assert first.content == again.content
    assert rendered == [YEAR]

    record = record_service(
        branch=tree.branch_a1,
        by=cast.secretary,
        member=board_data,
        served_on=datetime.date(YEAR, 4, 1),
        place="村委会",
        content="义务清扫",
        hours=Decimal("1"),
    )
    unverified = client.get(poster_url(year=YEAR))
    assert rendered == [YEAR]  # an unverified record is not on the board
    verify_services(branch=tree.branch_a1, by=cast.secretary, records=[record])
    changed = client.get(poster_url(year=YEAR))
    assert rendered == [YEAR, YEAR]
    assert changed.content != unverified.content
    kept = sorted(p.name for p in (tmp_path / "posters" / "A1").iterdir())
    assert len(kept) == 1 and kept[0].startswith(f"{YEAR}-")


def test_public_pages_are_rate_limited(client, board_data):
    for _ in range(20):
        assert client.get(poster_url(year=YEAR)).status_code == 200
    refused = client.get(poster_url(year=YEAR))
    assert refused.status_code == 429 and "Retry-After" in refused

"""members.rules and members.stars.counted_key: pure functions, many cases, no database; and the
services refusing by the same rules the forms show, for callers that have no form."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from members import rules
from members.models import Meeting, Plaque
from members.services.records import save_meeting
from members.services.star_service import award_plaque, record_service
from members.stars import counted_key
from tests.members.factories import MemberFactory

D = datetime.date
TODAY = D(2026, 6, 15)


@pytest.mark.parametrize(
    ("today", "count", "first", "last"),
    [
        (D(2026, 6, 15), 12, D(2026, 6, 1), D(2025, 7, 1)),
        (D(2026, 1, 31), 3, D(2026, 1, 1), D(2025, 11, 1)),  # across the new year
        (D(2026, 12, 1), 1, D(2026, 12, 1), D(2026, 12, 1)),
    ],
)
def test_months_back_are_newest_first(today, count, first, last):
    found = rules.months_back(today, count)
    assert (len(found), found[0], found[-1]) == (count, first, last)
    assert found == sorted(found, reverse=True)


@pytest.mark.parametrize("field", sorted(rules.NOT_AFTER_TODAY))
def test_a_day_after_today_is_refused_in_the_fields_words(field):
    assert rules.future_day_problem(field, TODAY, TODAY) is None
    assert rules.future_day_problem(field, TODAY - datetime.timedelta(days=400), TODAY) is None
    assert (
        rules.future_day_problem(field, TODAY + datetime.timedelta(days=1), TODAY)
        == rules.NOT_AFTER_TODAY[field]
    )


@pytest.mark.parametrize(
    ("hours", "refused"),
    [("0", True), ("0.4", True), ("0.5", False), ("1.5", False), ("24", False), ("24.5", True), ("-1", True)],
)
def test_a_service_lasts_half_an_hour_to_a_day(hours, refused):
    assert (rules.service_hours_problem(Decimal(hours)) is not None) is refused


@pytest.mark.parametrize(
    ("adding", "already", "problem"),
    [
        (9, 0, None),
        (10, 0, "一次最多上传 9 张照片。"),
        (9, 21, None),
        (9, 22, "每次会议最多保存 30 张照片，已有 22 张，还能上传 8 张。"),
        (1, 30, "每次会议最多保存 30 张照片，已有 30 张，还能上传 0 张。"),
        (0, 30, None),
    ],
)
def test_photos_per_upload_and_per_meeting(adding, already, problem):
    assert rules.photo_count_problem(adding, already=already) == problem


@pytest.mark.parametrize(
    ("group_meeting", "group_chosen", "problem"),
    [
        (True, True, None),
        (False, False, None),
        (True, False, "党小组会请选择召开会议的党小组。"),
        (False, True, "只有党小组会需要选择党小组；其他会议由支部召开，请选“不选”。"),
    ],
)
def test_only_a_group_meeting_names_a_group(group_meeting, group_chosen, problem):
    assert rules.meeting_group_problem(group_meeting=group_meeting, group_chosen=group_chosen) == problem


@pytest.mark.parametrize(
    ("year", "awarded_on", "problems"),
    [
        (2026, None, {}),
        (2027, D(2026, 12, 30), {"awarded_on": "挂牌日期应在2027年内或次年年初。"}),
        (2027, D(2027, 1, 5), {}),  # next year's, entered in December's spirit
        (2025, D(2026, 1, 10), {}),  # hung early the next year
        (2024, D(2026, 1, 10), {"awarded_on": "挂牌日期应在2024年内或次年年初。"}),
        (2028, None, {"year": "年度不能晚于 2027 年。"}),
    ],
)
def test_a_plaque_is_for_a_year_that_has_come(year, awarded_on, problems):
    assert rules.plaque_problems(year, awarded_on, TODAY) == problems


@pytest.mark.parametrize(
    ("one", "other", "same"),
    [
        ((D(2026, 3, 1), "打扫村道"), (D(2026, 3, 1), " 打扫村道 "), True),
        ((D(2026, 3, 1), "打扫村道"), (D(2026, 3, 2), "打扫村道"), False),
        ((D(2026, 3, 1), "打扫村道"), (D(2026, 3, 1), "打扫院落"), False),
    ],
)
def test_a_service_entered_twice_counts_once(one, other, same):
    assert (counted_key(*one) == counted_key(*other)) is same


# The services hold callers without a form to the same rules ---------------------------------------


@pytest.mark.django_db
def test_the_service_refuses_a_plaque_for_a_year_not_yet_come(tree, cast):
    member = MemberFactory(branch=tree.branch_a1)
    far = timezone.localdate().year + 2
    with pytest.raises(ValidationError) as refused:
        award_plaque(
            branch=tree.branch_a1,
            by=cast.secretary,
            member=member,
            title=Plaque.Title.DOUBLE_LEAD,
            method=Plaque.Method.BRANCH_SELECTION,
            year=far,
        )
    assert refused.value.message_dict == {"year": [f"年度不能晚于 {far - 1} 年。"]}
    assert not Plaque.objects.exists()


@pytest.mark.django_db
def test_the_service_refuses_a_service_shorter_than_half_an_hour(tree, cast):
    member = MemberFactory(branch=tree.branch_a1)
    with pytest.raises(ValidationError) as refused:
        record_service(
            branch=tree.branch_a1,
            by=cast.secretary,
            member=member,
            served_on=D(2026, 3, 1),
            place="村委会",
            content="打扫村道",
            hours=Decimal("0.2"),
        )
    assert refused.value.message_dict == {"hours": [rules.service_hours_problem(Decimal("0.2"))]}


@pytest.mark.django_db
def test_the_service_refuses_a_group_for_a_branch_meeting_in_the_forms_words(tree, cast):
    with pytest.raises(ValidationError) as refused:
        save_meeting(
            branch=tree.branch_a1,
            by=cast.secretary,
            kind=Meeting.Kind.THEME_DAY,
            group=tree.group_a1,
            held_on=D(2026, 3, 1),
            topic="主题党日",
        )
    assert refused.value.message_dict == {
        "group": ["只有党小组会需要选择党小组；其他会议由支部召开，请选“不选”。"]
    }

"""Dates no roster can rightly hold are refused, whatever path the member comes in by."""

import datetime

import pytest

from members.validation import RegisterError, check_member


def errors_for(**data):
    base = {"name": "李明", "gender": "", "id_number": ""}
    with pytest.raises(RegisterError) as refused:
        check_member({**base, **data}, branch=None, today=datetime.date(2026, 6, 15))
    return refused.value.message_dict


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"birth_date": datetime.date(1800, 1, 1)}, "birth_date", "出生日期早于 1900 年"),
        ({"joined_on": datetime.date(1700, 1, 1)}, "joined_on", "不能早于 1921年7月1日"),
        (
            {"birth_date": datetime.date(2000, 5, 1), "joined_on": datetime.date(2010, 5, 1)},
            "joined_on",
            "不满 14 岁",
        ),
    ],
)
def test_impossible_dates_are_refused(data, field, words):
    messages = errors_for(**data)
    assert any(words in m for m in messages[field])


def test_a_member_who_joined_at_sixteen_in_1938_is_kept():
    assert check_member(
        {
            "name": "老党员",
            "gender": "",
            "id_number": "",
            "birth_date": datetime.date(1922, 3, 1),
            "joined_on": datetime.date(1938, 7, 1),
        },
        branch=None,
        today=datetime.date(2026, 6, 15),
    )

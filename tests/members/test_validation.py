"""The member rules themselves (members.validation): the 公民身份证号, the dates, the page's extras.

How every path applies them is tests/members/test_member_rule_parity.py; these are the rules'
own cases, without the database.
"""

import datetime
from types import SimpleNamespace

import pytest

from members.models import Gender, Member
from members.validation import (
    FEMALE,
    MALE,
    PROBATIONARY,
    RegisterError,
    birth_date_from_id,
    check_member,
    check_register_entry,
    check_whereabouts,
    gender_from_id,
    id_number_problem,
    normal_id_number,
)
from tests.members.factories import valid_id_number

TODAY = datetime.date(2026, 11, 28)
ID_LI = "11010519491231029X"  # a man born 1949-12-31; check character X


def test_the_stored_codes_are_the_models():
    assert (PROBATIONARY, MALE, FEMALE) == (Member.Status.PROBATIONARY, Gender.MALE, Gender.FEMALE)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (ID_LI, None),
        ("11010519491231002X", None),  # the example in GB 11643
        (valid_id_number(datetime.date(2000, 2, 29), male=False), None),
        ("11010519491231029", "应为 18 位"),
        ("1101051949123102X9", "应为 18 位"),
        ("11010519491231029x", "应为 18 位"),  # as typed; check_member takes it in capitals
        ("１１０１０５１９４９１２３１０２９Ｘ", "应为 18 位"),  # as typed; normal_id_number fixes it
        ("110105194902300291", "出生日期（第 7–14 位）不是有效日期"),
        ("110105194912310291", "校验位不对"),
    ],
)
def test_id_number_problems(value, problem):
    found = id_number_problem(value)
    assert (found is None) if problem is None else (problem in found)


def test_what_an_id_number_says():
    assert birth_date_from_id(ID_LI) == datetime.date(1949, 12, 31)
    assert birth_date_from_id("110105194913310291") is None
    assert (gender_from_id(ID_LI), gender_from_id("11010519491231002X")) == (MALE, FEMALE)
    assert normal_id_number(" １１０１０５ 19491231029ｘ ") == ID_LI


def particulars(**changes):
    return {
        "id_number": ID_LI,
        "gender": MALE,
        "birth_date": None,
        "status": "FULL",
        "joined_on": datetime.date(1975, 7, 1),
        "full_member_on": datetime.date(1976, 7, 1),
        "group": None,
    } | changes


def test_a_good_record_comes_back_with_the_birth_date_from_the_id_number():
    data = check_member(particulars(id_number=ID_LI.lower()), branch=None, today=TODAY)

    assert (data["id_number"], data["birth_date"]) == (ID_LI, datetime.date(1949, 12, 31))


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"gender": FEMALE}, {"gender": ["性别与公民身份证号不符（身份证号上是男）。"]}),
        (
            {"birth_date": datetime.date(1949, 12, 30)},
            {"birth_date": ["出生日期与公民身份证号不符（身份证号上是 1949-12-31）。"]},
        ),
        ({"joined_on": datetime.date(1949, 12, 31)}, {"joined_on": ["加入党组织日期应晚于出生日期。"]}),
        (
            {"full_member_on": datetime.date(1975, 6, 30)},
            {"full_member_on": ["转为正式党员日期不能早于加入党组织日期。"]},
        ),
        (
            {"status": PROBATIONARY},
            {
                "full_member_on": [
                    "预备党员还没有转正，不填转为正式党员日期；已转正的请把人员类别改为正式党员。"
                ]
            },
        ),
        (
            {"joined_on": TODAY + datetime.timedelta(days=1), "full_member_on": None},
            {"joined_on": ["加入党组织日期不能晚于今天。"]},
        ),
    ],
)
def test_each_rule_refuses_beside_its_field(changes, errors):
    with pytest.raises(RegisterError) as refused:
        check_member(particulars(**changes), branch=None, today=TODAY)

    assert refused.value.message_dict == errors


def test_without_an_id_number_or_a_birth_date_there_is_nothing_to_compare():
    data = check_member(
        particulars(id_number="", gender=FEMALE, joined_on=datetime.date(1940, 1, 1)),
        branch=None,
        today=TODAY,
    )

    assert data["birth_date"] is None


def test_full_members_may_leave_the_full_member_date_empty():
    # The 采集表 of a long-standing member often has no 转正 date: as the rule is today.
    check_member(particulars(full_member_on=None), branch=None, today=TODAY)


def test_a_number_on_file_is_not_held_against_a_save_that_keeps_it():
    legacy = SimpleNamespace(stored_id_number="430124198001011234")

    check_member(particulars(id_number="430124198001011234"), branch=None, member=legacy, today=TODAY)
    with pytest.raises(RegisterError, match="校验位不对"):
        check_member(particulars(id_number="430124198001011235"), branch=None, member=legacy, today=TODAY)


def test_whereabouts_are_asked_and_cleared():
    with pytest.raises(RegisterError) as refused:
        check_whereabouts({"is_mobile": True, "mobile_destination": " ", "is_lost_contact": True})

    assert set(refused.value.message_dict) == {"mobile_destination", "lost_contact_since"}
    assert check_whereabouts(
        {"is_mobile": False, "mobile_destination": "深圳", "lost_contact_since": TODAY}
    ) == {"is_mobile": False, "mobile_destination": "", "lost_contact_since": None}


def test_the_register_entry_lists_every_problem_of_both_at_once(tree):
    with pytest.raises(RegisterError) as refused:
        check_register_entry(particulars(gender=FEMALE, is_mobile=True), branch=tree.branch_a1, today=TODAY)

    assert set(refused.value.message_dict) == {"gender", "mobile_destination"}

"""Factories for the members app. Several helpers add to this file: add classes, keep others'."""

import datetime

import factory
from factory.django import DjangoModelFactory

from members.models import Gender, Household, Member
from members.validation import ID_CHECK_CHARACTERS, ID_WEIGHTS


def valid_id_number(birth: datetime.date, *, male: bool, sequence: int = 0, area: str = "430124") -> str:
    """A well-formed 18-digit 公民身份证号 (GB 11643) for `birth` and the sex; `sequence` (0–499)
    tells apart people of one area born on one day."""
    body = f"{area}{birth:%Y%m%d}{sequence * 2 + (1 if male else 0):03d}"
    check = ID_CHECK_CHARACTERS[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]
    return body + check


class MemberFactory(DjangoModelFactory):
    class Meta:
        model = Member

    name = factory.Sequence(lambda n: f"党员{n:03d}")
    gender = Gender.MALE
    joined_on = datetime.date(2010, 7, 1)
    full_member_on = datetime.date(2011, 7, 1)


class HouseholdFactory(DjangoModelFactory):
    class Meta:
        model = Household

    name = factory.Sequence(lambda n: f"户主{n:03d}")
    category = Household.Category.HARDSHIP
    needs = "房屋修缮"
    address = factory.Sequence(lambda n: f"一村{n}号")
    phone = "13800000000"


class ServiceRecordFactory(DjangoModelFactory):
    """One 星级服务卡 entry, verified unless `verified_at=None` is passed. For bulk rows; tests
    of the service rules enter records through `members.services.star_service` instead."""

    class Meta:
        model = "members.ServiceRecord"

    member = factory.SubFactory(MemberFactory)
    served_on = datetime.date(2026, 3, 1)
    place = "村委会"
    content = factory.Sequence(lambda n: f"志愿服务{n:04d}")
    verified_at = factory.LazyFunction(lambda: datetime.datetime.now(datetime.UTC))

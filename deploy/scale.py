"""`make bench-scale`: the demo county grown into a city by bulk loading, and what every page
costs at each size.

    python -m deploy.scale [--factor 1.0] [--runs 5] [--database-url URL] [--output var/bench-scale.md]

Needs PostgreSQL: `--database-url`, else DATABASE_URL. The run works in databases of its own on
that server, `<name>_scale` and `<name>_scale_demo` (made afresh each run, kept afterwards to look
into), with its uploads in var/scale/media and its jobs on an in-memory broker: never the user's
data. There:

1. `migrate` and `seed_demo`: the demo county; the pages (below) each demo account reaches —
   组织部 zzb, 党委 dangwei1, 支部书记 zhibu1, 验收组 yanshou1 — and a visitor's;
2. the demo county is copied to `<name>_scale_demo` (PostgreSQL's TEMPLATE) and stays as it is;
3. `CityBuilder` grows `<name>_scale` into a city on top of the county, every count × `--factor`:
   ≈ 5,000 organizations (treebeard's `load_bulk`, through the manager's placement rules), 200,000
   members, 2,000,000 service records, 4,000,000 attendance rows with their meetings, a year of
   dues, households and pairings, 1,000 sites in the demo campaign; COPY for the large tables,
   each step timed;
4. every (page, role) is requested on both databases, a warm-up each and then `--runs` requests
   taking turns, so the shared machine's changing load falls on both sizes alike: queries, median
   time and size at each;
5. the same pages of the city's largest branch (as the 组织部 and as its own secretary: the
   meeting with the longest attendance sheet, the member with the most service records) are
   measured on the city database, held to the same query counts as the demo branch's and to the
   one second; both tables go to the terminal and, as Markdown, to var/bench-scale.md.

The pages are found in the URL configuration as tests/e2e/test_accessibility.py finds them (its
helpers fill the parameters from the demo data), so a page added later is measured without
editing a list: every GET pattern outside the admin and the account pages that answers 200 —
lists, dashboards, boards, details, fragments and downloads (.xlsx/.csv/.pdf) — except the forms
that add, change or delete one object.

An honest measure of a user's request: Django's test client through the whole middleware stack
(sessions, CSRF, gzip as a browser asks for it), a logged-in user (`force_login`), the body read to
its end (a streamed export included), queries counted by Django itself; each visitor request from
an address of its own, so the public pages' rate limits count visitors, not this run; each size
with a cache of its own. Sizes are the uncompressed body. Both databases are VACUUM ANALYZEd
first, as autovacuum would have done on a server that holds these rows. The connections are
plain ones, not the pool (Django keeps one pool per alias, and the two sizes share the alias):
the pool's checkout is the same small cost at any size.

Targets (issue 12), marked in the table: the same number of queries; time ≤ 2× on the overview
pages of the roles that see the whole city (组织部, 验收组: no parameter, or one campaign),
≤ 1.5× everywhere else; no request over 1 s at city size.

Run by hand, not in the test suite: tests/deploy/test_scale.py builds a tiny city (factor 0.002)
and checks every invariant on it.
"""

# A script as much as a module: Django is set up below (as manage.py does) before the models are
# imported. `python -m deploy.scale` does the work in a child process whose DATABASE_URL names the
# scale database.

from __future__ import annotations

import argparse
import datetime
import gc
import gzip
import itertools
import logging
import math
import os
import random
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import batched
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import django
import psycopg
from django.apps import apps
from psycopg import sql
from psycopg.conninfo import make_conninfo

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
if not apps.ready:
    django.setup()

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import load_backend
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.models import Campaign, Funding, LeadingGroupMember, Phase, Site, SiteTransition, WorkItem
from demo import builder as demo
from members.models import (
    Attendance,
    DuesPayment,
    Education,
    Gender,
    Household,
    Meeting,
    Member,
    Pairing,
    ServiceRecord,
)
from members.rules import MAX_PAIRINGS_PER_MEMBER
from members.validation import ID_CHECK_CHARACTERS, ID_WEIGHTS, check_register_entry
from organizations.models import AuditEvent, Kind, Organization, Role, Sector, User, Verb
from tests.e2e.test_accessibility import (
    BRANCH_LOOKUPS,
    FILE_NAMES,
    PARAM,
    ROLES,
    SKIPPED_PREFIXES,
    Pattern,
    candidates,
    model_for,
    url_patterns,
)

BASE_DIR = Path(__file__).resolve().parent.parent
OUTPUT = BASE_DIR / "var" / "bench-scale.md"
MEDIA_ROOT = BASE_DIR / "var" / "scale" / "media"
SUFFIX = "_scale"
SEED = 20261201

# The city of issue 12, at factor 1.0.
CITY = {
    "organizations": 5_000,
    "members": 200_000,
    "services": 2_000_000,
    "attendance": 4_000_000,
    "sites": 1_000,
}
# The tree's shape: TOP_COMMITTEES 党委 under the 工委, each with two 机关 branches and
# SUB_COMMITTEES 党委 of its own; each of those has three branches and a 党总支 with two. The
# 党小组 make up the rest of CITY["organizations"], in the largest branches. Every 党委 nominates
# up to the campaign's quota (2 in the demo): 500 党委 × 2 = CITY["sites"].
TOP_COMMITTEES = 100
SUB_COMMITTEES = 4
BRANCHES_PER_SUB = 3
BRANCHES_PER_GENERAL = 2
BRANCHES_PER_TOP = 2
SUB_SECTORS = (Sector.VILLAGE, Sector.COMMUNITY, Sector.SCHOOL, Sector.ENTERPRISE)
CODE_PREFIX = "CITY-"
PLACES = tuple(
    "东湖西岭南山北岗青石白杨红星金河银滩长乐永安太平新华光明前进胜利和平团结"
    "幸福丰收朝阳向阳柳溪桃源梨花杏林松岭竹园梅岭兰亭荷塘菊园枫林槐树榆林柏山"[i : i + 2]
    for i in range(0, 72, 2)
)
# Meetings a branch holds in the year of records, besides a 党小组会 a quarter in each 党小组:
# (kind, months, who) — who is "all" members or the "officers" (the first five).
MEETING_PLAN = (
    (Meeting.Kind.COMMITTEE_MEETING, range(1, 13), "officers"),
    (Meeting.Kind.THEME_DAY, range(1, 13), "all"),
    (Meeting.Kind.PARTY_LECTURE, (1, 4, 7, 10), "all"),
    (Meeting.Kind.GENERAL_MEETING, (6, 12), "all"),
)
GROUP_MEETING_MONTHS = (2, 5, 8, 11)
MOBILE_PREFIXES = ("35", "36", "37", "38", "39", "50", "51", "58", "87")
EXCUSES = ("因病请假", "外出务工请假", "家中有事请假", "值班请假")
# 公民身份证号 area codes for the city's people (the demo county's are 130299).
AREA_CODES = tuple(f"1302{n:02d}" for n in range(3, 31))
TARGET_RATIO, OVERVIEW_RATIO, SLOW_MS = 1.5, 2.0, 1000.0
ROLE_LABELS = {
    "org_department": "组织部",
    "committee": "党委",
    "secretary": "支部书记",
    "inspector": "验收组",
}
WHOLE_CITY_ROLES = ("org_department", "inspector")
FORM_SEGMENTS = ("add", "edit", "new", "delete", "remove", "import")


# Bulk loading ---------------------------------------------------------------------------------


class Loader:
    """Rows into one table: COPY on PostgreSQL, batched INSERTs elsewhere (the tests' SQLite).

    Rows are tuples of Python values in `columns` order; every other column gets its field's
    default, as bulk_create would give it. Nothing runs the models' save(), so the builder writes
    only what the rules allow, and the database checks its constraints (foreign keys at once, not
    queued to the commit, so memory stays flat).
    """

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"

    def load(self, model: type[models.Model], columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        others = [f for f in model._meta.concrete_fields if f.column not in columns and not f.primary_key]
        defaults = tuple(f.get_default() for f in others)
        columns = (*columns, *(f.column for f in others))
        rows = (row + defaults for row in rows) if defaults else rows
        names = ", ".join(quote(c) for c in columns)
        count = 0
        with connection.cursor() as cursor:
            if self.postgres:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                try:
                    with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                            count += 1
                finally:
                    # Back to Django's default for the rest of the transaction.
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                return count
            sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
            for batch in batched(rows, 2000):
                cursor.executemany(sql, [tuple(map(self._plain, row)) for row in batch])
                count += len(batch)
        return count

    @staticmethod
    def _plain(value):
        if isinstance(value, datetime.datetime):
            return connection.ops.adapt_datetimefield_value(value)
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
        return value


def next_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1


def reset_sequences(*model_classes: type[models.Model]) -> None:
    """After rows were written with their own ids: the next insert continues above them."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_classes))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


# The city -------------------------------------------------------------------------------------


@dataclass
class BranchPlan:
    code: str
    name: str
    sector: str
    committee_code: str  # the nearest 党委: who nominates it, whose quota it uses
    size: int
    groups: int = 0
    # Filled as the steps go: rows, and what later steps refer to.
    org: Organization | None = None
    group_orgs: list[Organization] = field(default_factory=list)
    node: dict = field(default_factory=dict)  # its entry in the tree given to load_bulk
    secretary_id: int | None = None
    members: list[tuple] = field(default_factory=list)  # (id, joined_on, group_id, state)
    households: list[tuple[int, str, str]] = field(default_factory=list)  # (id, category, address)
    pairings: dict[int, list[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Sizes:
    top_committees: int
    groups: int
    members: int
    services: int

    @classmethod
    def for_factor(cls, factor: float, existing_organizations: int) -> Sizes:
        top = max(1, round(TOP_COMMITTEES * factor))
        per_top = 1 + BRANCHES_PER_TOP + SUB_COMMITTEES * (1 + 1 + BRANCHES_PER_SUB + BRANCHES_PER_GENERAL)
        wanted = round(CITY["organizations"] * factor) - existing_organizations - top * per_top
        return cls(
            top_committees=top,
            groups=max(4, wanted),
            members=max(top * 40, round(CITY["members"] * factor)),
            services=round(CITY["services"] * factor),
        )


class CityBuilder:
    """Grows the demo county into a city: same 工委, same campaign, new 党委 beside the demo's.

    The demo's own organizations, people and records are left as they are, so a page about them
    shows the same content at both sizes; what grows is everything around them. Every row keeps
    the rules a user's entry would: the tree's placement rules (the manager checks each insert),
    each member's particulars (`check_register_entry`, run on every one), attendance by the
    branch's own members, services and pairings within the branch, dues on the first of the
    month, at most the quota of sites per 党委, each site's transitions and audit events as the
    lifecycle services write them.
    """

    def __init__(self, factor: float, *, log: Callable[[str], None] = print) -> None:
        self.factor = factor
        self.log = log
        self.rng = random.Random(SEED)
        self.loader = Loader()
        self.today = timezone.localdate()
        self.root = Organization.objects.get(code=demo.WORK_COMMITTEE_CODE)
        self.campaign = Campaign.objects.prefetch_related("phases").get(
            organizer=self.root, name=demo.CAMPAIGN_NAME
        )
        self.zzb = User.objects.get(username="zzb")
        self.sizes = Sizes.for_factor(factor, Organization.objects.count())
        self.branches: list[BranchPlan] = []
        self.committees: dict[str, Organization] = {}
        self.committee_users: dict[str, int] = {}
        self.timings: list[tuple[str, float, int]] = []
        self._issued_ids: Counter[tuple[str, datetime.date, str]] = Counter()

    def build(self) -> list[tuple[str, float, int]]:
        """Every step in order; returns (step, seconds, rows) for each."""
        for name, step in (
            ("党组织（treebeard load_bulk）", self.build_tree),
            ("账号与角色", self.build_accounts),
            ("党员", self.build_members),
            ("帮扶对象与结对", self.build_households),
            ("会议与出勤", self.build_meetings),
            ("党费", self.build_dues),
            ("星级服务记录", self.build_services),
            ("示范点", self.build_sites),
        ):
            self._step(name, step)
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            self._step("VACUUM ANALYZE", self.vacuum, atomic=False)
        return self.timings

    def _step(self, name: str, step: Callable[[], int], *, atomic: bool = True) -> None:
        began = time.monotonic()
        with transaction.atomic() if atomic else nullcontext():
            rows = step()
        seconds = time.monotonic() - began
        self.timings.append((name, seconds, rows))
        self.log(f"  {name}：{rows:,} 行，{seconds:.1f} 秒")

    # The tree ------------------------------------------------------------------------------

    def _place(self) -> str:
        return self.rng.choice(PLACES)

    def plan_tree(self) -> list[dict]:
        """The new 党委 as `load_bulk` takes them, and a BranchPlan for each new branch."""
        tree = []
        for t in range(1, self.sizes.top_committees + 1):
            top_code = f"{CODE_PREFIX}{t:03d}"
            top_name = f"{self._place()}区"
            children = [
                self._branch_node(
                    top_code, f"{top_code}-J{b}", f"{top_name}机关第{b}党支部", Sector.GOVERNMENT
                )
                for b in range(1, BRANCHES_PER_TOP + 1)
            ]
            for s in range(1, SUB_COMMITTEES + 1):
                sector = SUB_SECTORS[(t + s) % len(SUB_SECTORS)]
                sub_code, town = f"{top_code}-{s}", f"{top_name}{self._place()}"
                units = [
                    self._branch_node(
                        sub_code, f"{sub_code}-{b:02d}", self._branch_name(town, sector, b), sector
                    )
                    for b in range(1, BRANCHES_PER_SUB + 1)
                ]
                general_code = f"{sub_code}-Z"
                general_branches = [
                    self._branch_node(
                        sub_code,
                        f"{general_code}{b}",
                        self._branch_name(town, Sector.COMMUNITY, 10 + b),
                        Sector.COMMUNITY,
                    )
                    for b in range(1, BRANCHES_PER_GENERAL + 1)
                ]
                units.append(
                    self._node(
                        general_code,
                        f"{town}社区党总支",
                        Kind.GENERAL_BRANCH,
                        Sector.COMMUNITY,
                        general_branches,
                    )
                )
                children.append(self._node(sub_code, f"{town}镇党委", Kind.PARTY_COMMITTEE, sector, units))
            tree.append(self._node(top_code, f"{top_name}党委", Kind.PARTY_COMMITTEE, Sector.OTHER, children))
        self._size_branches()
        return tree

    @staticmethod
    def _node(code: str, name: str, kind: str, sector: str, children: list[dict] | None = None) -> dict:
        return {
            "data": {"code": code, "name": name, "kind": kind, "sector": sector},
            "children": children or [],
        }

    def _branch_name(self, town: str, sector: str, number: int) -> str:
        if sector == Sector.VILLAGE:
            return f"{town}{self._place()}村党支部"
        if sector == Sector.COMMUNITY:
            return f"{town}{self._place()}社区党支部"
        if sector == Sector.SCHOOL:
            return f"{town}第{number}小学党支部"
        return f"{town}{self._place()}公司党支部"

    def _branch_node(self, committee_code: str, code: str, name: str, sector: str) -> dict:
        node = self._node(code, name, Kind.BRANCH, sector)
        self.branches.append(
            BranchPlan(code=code, name=name, sector=sector, committee_code=committee_code, size=0, node=node)
        )
        return node

    def _size_branches(self) -> None:
        """Branch sizes from a long-tailed spread (most 30–150, a few several hundred) summing to
        the members wanted; the 党小组 go to the largest branches, two to six each."""
        raw = [min(self.rng.lognormvariate(4.1, 0.75), 700.0) for _ in self.branches]
        exact = [r * self.sizes.members / sum(raw) for r in raw]
        sizes = [max(5, int(x)) for x in exact]
        # What rounding down left over goes one each to the branches it took the most from; what
        # the minimum of five added comes back one each from the largest.
        left = self.sizes.members - sum(sizes)
        if left >= 0:
            order = sorted(range(len(sizes)), key=lambda i: int(exact[i]) - exact[i])
        else:
            order = sorted(range(len(sizes)), key=lambda i: -sizes[i])
        for i in itertools.islice(itertools.cycle(order), abs(left)):
            sizes[i] += 1 if left > 0 else -1
        for plan, size in zip(self.branches, sizes, strict=True):
            plan.size = size
        left = self.sizes.groups
        for plan in sorted(self.branches, key=lambda p: -p.size):
            if left <= 0:
                break
            plan.groups = min(left, max(2, min(6, plan.size // 40)))
            left -= plan.groups
            plan.node["children"] = [
                self._node(
                    f"{plan.code}-G{g}", f"第{demo.CHINESE_NUMBERS[g - 1]}党小组", Kind.GROUP, plan.sector
                )
                for g in range(1, plan.groups + 1)
            ]

    def build_tree(self) -> int:
        tree = self.plan_tree()
        added = Organization.objects.load_bulk(tree, parent=self.root)
        orgs = {o.code: o for o in Organization.objects.filter(code__startswith=CODE_PREFIX)}
        self.committees = {code: org for code, org in orgs.items() if org.kind == Kind.PARTY_COMMITTEE}
        for plan in self.branches:
            plan.org = orgs[plan.code]
            plan.group_orgs = [orgs[f"{plan.code}-G{g}"] for g in range(1, plan.groups + 1)]
        return len(added)

    # Accounts ---------------------------------------------------------------------------------

    def build_accounts(self) -> int:
        """A 党委 account for each new 党委 and a secretary's for each new branch, with an
        unusable password (the measuring logs in with force_login)."""
        password = make_password(None)
        people = [
            User(username=f"u-{code.lower()}", name=f"{org.name}联络员", password=password)
            for code, org in self.committees.items()
        ]
        people += [
            User(username=f"u-{plan.code.lower()}", name=f"{plan.name}书记", password=password)
            for plan in self.branches
        ]
        users = {u.username: u for u in User.objects.bulk_create(people)}
        roles = [
            Role(user=users[f"u-{code.lower()}"], organization=org, kind=Role.Kind.COMMITTEE)
            for code, org in self.committees.items()
        ]
        for plan in self.branches:
            plan.secretary_id = users[f"u-{plan.code.lower()}"].pk
            roles.append(
                Role(user_id=plan.secretary_id, organization=plan.org, kind=Role.Kind.BRANCH_SECRETARY)
            )
        self.committee_users = {code: users[f"u-{code.lower()}"].pk for code in self.committees}
        Role.objects.bulk_create(roles)
        return len(users) + len(roles)

    # Members ---------------------------------------------------------------------------------

    MEMBER_COLUMNS = (
        "id", "name", "gender", "ethnicity", "id_number", "birth_date", "education", "status",
        "branch_id", "group_id", "joined_on", "full_member_on", "occupation", "job", "phone", "landline",
        "address", "party_standing", "is_lost_contact", "lost_contact_since", "is_mobile",
        "mobile_destination", "skills", "user_id",
    )  # fmt: skip

    def _id_number(self, birth: datetime.date, gender: str) -> str:
        """A well-formed 公民身份证号 no one else holds: area, birth date, a sequence number (odd for
        a man, even for a woman) counted per area and day, the GB 11643 check character."""
        while True:
            area = self.rng.choice(AREA_CODES)
            key = (area, birth, gender)
            issued = self._issued_ids[key]
            if issued < 500:
                break
        self._issued_ids[key] += 1
        body = f"{area}{birth:%Y%m%d}{issued * 2 + (1 if gender == Gender.MALE else 0):03d}"
        return body + ID_CHECK_CHARACTERS[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]

    def _member_rows(self, plan: BranchPlan, first_id: int) -> Iterator[tuple]:
        r, profile = self.rng, demo.SECTOR_PROFILE[plan.sector]
        address_street = f"{plan.name.removesuffix('党支部')}"
        newest = demo.AS_OF - datetime.timedelta(days=7)
        for i in range(plan.size):
            gender = Gender.MALE if r.random() < 0.6 else Gender.FEMALE
            probationary = i >= 5 and r.random() < 0.03
            if probationary:
                birth = datetime.date(1994, 1, 1) + datetime.timedelta(days=r.randrange(365 * 10))
                joined = demo.FIRST_MONTH + datetime.timedelta(
                    days=r.randrange((newest - demo.FIRST_MONTH).days)
                )
                full_on = None
            else:
                born_from, born_to = profile["born"]
                birth = datetime.date(born_from, 1, 1) + datetime.timedelta(
                    days=r.randrange((born_to - born_from) * 365)
                )
                earliest = birth.replace(day=1) + datetime.timedelta(days=365 * 18 + 30)
                latest = datetime.date(2025, 5, 31)
                joined = earliest + datetime.timedelta(days=r.randrange(max((latest - earliest).days, 30)))
                joined = min(joined, latest)
                full_on = joined + datetime.timedelta(days=365)
            roll = r.random()
            mobile, lost = i >= 5 and roll < 0.03, i >= 5 and 0.03 <= roll < 0.035
            group = plan.group_orgs[i % len(plan.group_orgs)] if plan.group_orgs else None
            fields = {
                "id_number": self._id_number(birth, gender),
                "gender": gender,
                "birth_date": birth,
                "status": Member.Status.PROBATIONARY if probationary else Member.Status.FULL,
                "joined_on": joined,
                "full_member_on": full_on,
                "lost_contact_since": datetime.date(2024, 8, 1) if lost else None,
                "group": group,
                "is_mobile": mobile,
                "mobile_destination": r.choice(demo.MOBILE_DESTINATIONS) if mobile else "",
                "is_lost_contact": lost,
            }
            # The register's own rules, on every member: what a user could have typed.
            fields = check_register_entry(fields, branch=plan.org, today=self.today)
            member_id = first_id + i
            state = "lost" if lost else "mobile" if mobile else "officer" if i < 5 else "member"
            plan.members.append((member_id, joined, group.pk if group else None, state))
            yield (
                member_id,
                r.choice(demo.SURNAMES)
                + r.choice((demo.MALE_GIVEN if gender == Gender.MALE else demo.FEMALE_GIVEN).split()),
                gender,
                "汉族" if r.random() < 0.92 else r.choice(demo.ETHNICITIES),
                fields["id_number"],
                fields["birth_date"],
                r.choice(profile["education"]) if not probationary else Education.BACHELOR,
                fields["status"],
                plan.org.pk,
                group.pk if group else None,
                joined,
                full_on,
                profile["occupation"],
                demo.OFFICER_JOBS[i] if i < 5 else r.choice(profile["jobs"]),
                f"1{r.choice(MOBILE_PREFIXES)}{r.randrange(10**8):08d}",
                "",
                f"{address_street}{r.randint(1, 60)}号",
                Member.Standing.NORMAL,
                lost,
                fields["lost_contact_since"],
                mobile,
                fields["mobile_destination"],
                "、".join(r.sample(profile["skills"], r.choice((1, 1, 2)))),
                plan.secretary_id if i == 0 else None,
            )

    def build_members(self) -> int:
        first = next_id(Member)

        def rows() -> Iterator[tuple]:
            start = first
            for plan in self.branches:
                yield from self._member_rows(plan, start)
                start += plan.size

        count = self.loader.load(Member, self.MEMBER_COLUMNS, rows())
        reset_sequences(Member)
        return count

    # Households and pairings ---------------------------------------------------------------------

    def build_households(self) -> int:
        r = self.rng
        categories = list(Household.Category)
        households, pairings = [], []
        household_id = next_id(Household)
        for plan in self.branches:
            count = {Sector.VILLAGE: r.randint(12, 25), Sector.COMMUNITY: r.randint(6, 14)}.get(
                plan.sector, r.randint(0, 3)
            )
            for _ in range(count):
                category = r.choice(categories)
                address = f"{plan.name.removesuffix('党支部')}{r.randint(1, 80)}号"
                households.append(
                    (
                        household_id,
                        plan.org.pk,
                        r.choice(demo.SURNAMES) + r.choice(demo.MALE_GIVEN.split()),
                        category,
                        r.choice(demo.HOUSEHOLD_NEEDS[category]),
                        address,
                        "",
                    )
                )
                plan.households.append((household_id, category, address))
                household_id += 1
            if not plan.households:
                continue
            for member_id, _, _, state in plan.members:
                if state in ("lost", "mobile") or r.random() > 0.3:
                    continue
                chosen = r.sample(
                    plan.households, min(len(plan.households), r.randint(1, MAX_PAIRINGS_PER_MEMBER))
                )
                plan.pairings[member_id] = [h[0] for h in chosen]
                pairings += [(member_id, h[0], datetime.date(2026, 5, 12)) for h in chosen]
        count = self.loader.load(
            Household, ("id", "branch_id", "name", "category", "needs", "address", "phone"), households
        )
        reset_sequences(Household)
        return count + self.loader.load(Pairing, ("member_id", "household_id", "started_on"), pairings)

    # Meetings and attendance ------------------------------------------------------------------

    def _meetings(self, plan: BranchPlan) -> Iterator[tuple[Organization, str, datetime.date, str]]:
        """(held by, kind, day, who) of the branch's year: who is "all", "officers" or a group's pk."""
        theme_day = 5 + self.rng.randrange(11)
        offsets = {
            Meeting.Kind.COMMITTEE_MEETING: -3,
            Meeting.Kind.THEME_DAY: 0,
            Meeting.Kind.PARTY_LECTURE: 5,
            Meeting.Kind.GENERAL_MEETING: 10,
        }
        for month in demo._months():
            for kind, months, who in MEETING_PLAN:
                if month.month in months:
                    yield plan.org, kind, month.replace(day=theme_day + offsets[kind]), who
            if month.month in GROUP_MEETING_MONTHS:
                for group in plan.group_orgs:
                    yield group, Meeting.Kind.GROUP_MEETING, month.replace(day=theme_day + 7), str(group.pk)

    def _status(self, state: str) -> tuple[str, str]:
        roll = self.rng.random()
        if state == "lost":
            return Attendance.Status.ABSENT, "失去联系"
        if state == "mobile":
            return (
                (Attendance.Status.PRESENT, "") if roll < 0.4 else (Attendance.Status.EXCUSED, "外出务工请假")
            )
        if roll < 0.92:
            return Attendance.Status.PRESENT, ""
        if roll < 0.97:
            return Attendance.Status.EXCUSED, self.rng.choice(EXCUSES)
        return Attendance.Status.ABSENT, ""

    def build_meetings(self) -> int:
        meeting_id = next_id(Meeting)
        meetings, held = [], []
        for plan in self.branches:
            place = {Sector.VILLAGE: "村党员活动室", Sector.COMMUNITY: "社区党群服务中心"}.get(
                plan.sector, "党员活动室"
            )
            for org, kind, day, who in self._meetings(plan):
                topic = {
                    Meeting.Kind.COMMITTEE_MEETING: "研究本月党建工作",
                    Meeting.Kind.THEME_DAY: demo.THEME_DAY_TOPICS[day.month],
                    Meeting.Kind.PARTY_LECTURE: demo.LECTURE_TOPICS.get(day.month, "书记讲党课"),
                    Meeting.Kind.GENERAL_MEETING: demo.GENERAL_MEETING_TOPICS.get(day.month, "支部党员大会"),
                    Meeting.Kind.GROUP_MEETING: "党小组学习，交流星级服务情况",
                }[kind]
                meetings.append((meeting_id, org.pk, kind, day, topic, place, "", "", ""))
                held.append((meeting_id, plan, day, who))
                meeting_id += 1
        count = self.loader.load(
            Meeting,
            (
                "id",
                "organization_id",
                "kind",
                "held_on",
                "topic",
                "location",
                "host",
                "recorder",
                "observers",
            ),
            meetings,
        )
        reset_sequences(Meeting)

        def rows() -> Iterator[tuple]:
            for meeting, plan, day, who in held:
                for member_id, joined, group_id, state in plan.members:
                    if joined > day:
                        continue
                    if (who == "officers" and state != "officer") or (
                        who not in ("all", "officers") and str(group_id) != who
                    ):
                        continue
                    status, reason = self._status(state)
                    yield (meeting, member_id, status, reason)

        return count + self.loader.load(Attendance, ("meeting_id", "member_id", "status", "reason"), rows())

    # Dues -------------------------------------------------------------------------------------

    def build_dues(self) -> int:
        months = demo._months()

        def rows() -> Iterator[tuple]:
            r = self.rng
            for plan in self.branches:
                rates = demo.SECTOR_PROFILE[plan.sector]["dues"]
                for member_id, joined, _, state in plan.members:
                    amount = r.choice(rates)
                    for month in months:
                        end = demo._month_end(month)
                        if joined > end:
                            continue
                        roll = r.random()
                        late = end + datetime.timedelta(days=r.randint(3, 15))
                        if state == "lost":
                            paid_on = None
                        elif roll < (0.8 if state == "mobile" else 0.95):
                            paid_on = min(month.replace(day=r.randint(3, 25)), demo.AS_OF)
                        elif roll < 0.985 and late <= demo.AS_OF:
                            paid_on = late
                        else:
                            paid_on = None
                        yield (member_id, month, amount, paid_on)

        return self.loader.load(DuesPayment, ("member_id", "month", "amount", "paid_on"), rows())

    # Star service ------------------------------------------------------------------------------

    SERVICE_COLUMNS = (
        "member_id", "served_on", "place", "content", "household_id", "hours", "feedback",
        "responsible", "points", "published_on", "verified_by_id", "verified_at",
    )  # fmt: skip

    def build_services(self) -> int:
        active = sum(1 for p in self.branches for m in p.members if m[3] != "lost")
        mean = self.sizes.services / max(active, 1)
        year_start = datetime.date(demo.AS_OF.year, 1, 1)
        verified_before = demo.AS_OF - datetime.timedelta(days=10)
        hours = [Decimal(h) for h in ("1", "1.5", "2", "3", "4")]

        def rows() -> Iterator[tuple]:
            r = self.rng
            for plan in self.branches:
                households = {h[0]: h for h in plan.households}
                for member_id, joined, _, state in plan.members:
                    if state == "lost":
                        continue
                    count = r.randint(0, 3) if state == "mobile" else int(r.expovariate(1 / mean) + 0.5)
                    start = max(joined, year_start)
                    span = (demo.AS_OF - start).days
                    paired = plan.pairings.get(member_id, [])
                    for _ in range(count if span > 0 else 0):
                        served = start + datetime.timedelta(days=r.randrange(span))
                        household = None
                        if paired and r.random() < 0.6:
                            household = households[r.choice(paired)]
                        elif plan.households and r.random() < 0.15:
                            household = r.choice(plan.households)
                        category = household[1] if household else None
                        verified = served <= verified_before
                        verified_at = (
                            timezone.make_aware(
                                datetime.datetime.combine(
                                    served + datetime.timedelta(days=r.randint(1, 7)), datetime.time(10)
                                )
                            )
                            if verified
                            else None
                        )
                        published = (
                            served + datetime.timedelta(days=10) if verified and r.random() < 0.3 else None
                        )
                        yield (
                            member_id,
                            served,
                            household[2][:100]
                            if household
                            else r.choice(("村委会", "党群服务中心", "文化广场")),
                            r.choice(demo.SERVICE_CONTENT[category]),
                            household[0] if household else None,
                            r.choice(hours),
                            r.choice(demo.SERVICE_FEEDBACK),
                            "",
                            None,
                            published,
                            plan.secretary_id if verified else None,
                            verified_at,
                        )

        return self.loader.load(ServiceRecord, self.SERVICE_COLUMNS, rows())

    # Sites -------------------------------------------------------------------------------------

    def _moment(self, day: datetime.date, hour: int = 10) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))

    def build_sites(self) -> int:
        """Up to the quota of sites per new 党委 (its first branches) in the demo campaign, taken
        as far as the lifecycle goes without the assessment half: 已申报, 不予批准, 批准创建 with a
        leading group, a schedule and funding, and 自评通过; each step's transition and audit event
        dated on its day."""
        r, campaign = self.rng, self.campaign
        per_committee = campaign.quota_per_committee
        mobilization = campaign.phase_of_kind(Phase.Kind.MOBILIZATION)
        implementation = campaign.phase_of_kind(Phase.Kind.IMPLEMENTATION)
        by_committee: dict[str, list[BranchPlan]] = defaultdict(list)
        for plan in self.branches:
            by_committee[plan.committee_code].append(plan)
        sites, steps = [], []
        index = 0
        for committee_code, plans in by_committee.items():
            committee = self.committees[committee_code]
            for plan in plans[:per_committee]:
                index += 1
                nominated_on = mobilization.starts_on + datetime.timedelta(days=r.randrange(40))
                decided_on = nominated_on + datetime.timedelta(days=10)
                path = [("", Site.Status.NOMINATED, nominated_on, self.committee_users[committee_code])]
                roll = index % 10
                note = ""
                if roll == 1:
                    note = "创建方案目标不够具体，请完善后明年再报。"
                    path.append((Site.Status.NOMINATED, Site.Status.REJECTED, decided_on, self.zzb.pk))
                elif roll != 0:
                    note = f"同意列为{campaign.year}年度基层党建示范点创建单位。"
                    path.append((Site.Status.NOMINATED, Site.Status.APPROVED, decided_on, self.zzb.pk))
                    if roll >= 7:
                        on = implementation.starts_on + datetime.timedelta(days=150 + r.randrange(60))
                        path.append(
                            (
                                Site.Status.APPROVED,
                                Site.Status.SELF_ASSESSED,
                                on,
                                self.committee_users[committee_code],
                            )
                        )
                site = Site(
                    campaign=campaign,
                    organization=plan.org,
                    nominated_by=committee,
                    status=path[-1][1],
                    plan=f"{plan.name}基层党建示范点创建方案：对照“五好”“五型”标准，逐项落实。",
                    highlights=r.choice(("党员星级服务", "网格化管理", "党建带群建", "志愿服务品牌")),
                    decision_note=note if len(path) > 1 else "",
                    nominated_at=self._moment(nominated_on),
                    status_changed_at=self._moment(path[-1][2]),
                )
                sites.append(site)
                steps.append(path)
        Site.objects.bulk_create(sites)
        transitions, events, leaders, items, funding = [], [], [], [], []
        site_type = ContentType.objects.get_for_model(Site)
        verbs = {
            Site.Status.NOMINATED: Verb.NOMINATE,
            Site.Status.REJECTED: Verb.REJECT,
            Site.Status.APPROVED: Verb.APPROVE,
            Site.Status.SELF_ASSESSED: Verb.APPROVE_SELF_ASSESSMENT,
        }
        for site, path in zip(sites, steps, strict=True):
            for before, after, day, by in path:
                at = self._moment(day)
                transitions.append(
                    SiteTransition(site=site, from_status=before, to_status=after, at=at, by_id=by)
                )
                summary = f"{Site.Status(before).label if before else '—'} → {Site.Status(after).label}"
                if after in (Site.Status.APPROVED, Site.Status.REJECTED):
                    summary = f"{summary}；{site.decision_note}"
                events.append(
                    (
                        at,
                        by,
                        verbs[after],
                        site.organization_id,
                        site_type.pk,
                        site.pk,
                        str(site)[:200],
                        site_type.pk,
                        site.pk,
                        summary[:500],
                    )
                )
            if site.status in (Site.Status.APPROVED, Site.Status.SELF_ASSESSED):
                leaders += [
                    LeadingGroupMember(
                        site=site,
                        name="书记",
                        position=LeadingGroupMember.Position.LEADER,
                        title="党支部书记",
                        order=1,
                    ),
                    LeadingGroupMember(
                        site=site, name="组织委员", position=LeadingGroupMember.Position.DEPUTY, order=2
                    ),
                    LeadingGroupMember(
                        site=site, name="宣传委员", position=LeadingGroupMember.Position.MEMBER, order=3
                    ),
                ]
                for month, title, _ in demo.SCHEDULE[::4]:
                    due = demo._month_end(datetime.date(campaign.year, month, 1))
                    done = due < demo.AS_OF
                    items.append(
                        WorkItem(
                            campaign=campaign,
                            site=site,
                            phase=campaign.phase_on(due),
                            title=title,
                            due_on=due,
                            responsible="党支部书记",
                            status=WorkItem.Status.DONE if done else WorkItem.Status.PLANNED,
                            done_on=due - datetime.timedelta(days=2) if done else None,
                        )
                    )
                amount = Decimal(r.choice((10000, 20000, 30000)))
                funding.append(
                    Funding(site=site, source=Funding.Source.FISCAL, amount=amount, spent=amount / 2)
                )
        SiteTransition.objects.bulk_create(transitions)
        LeadingGroupMember.objects.bulk_create(leaders)
        WorkItem.objects.bulk_create(items)
        Funding.objects.bulk_create(funding)
        self.loader.load(
            AuditEvent,
            (
                "created_at",
                "actor_id",
                "verb",
                "organization_id",
                "target_type_id",
                "target_id",
                "target_repr",
                "subject_type_id",
                "subject_id",
                "summary",
            ),
            events,
        )
        return len(sites) + len(transitions) + len(events) + len(leaders) + len(items) + len(funding)

    def vacuum(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
        return 0


def row_counts() -> dict[str, int]:
    """The sizes the table's heading reports."""
    return {
        "党组织": Organization.objects.count(),
        "党支部": Organization.objects.filter(kind=Kind.BRANCH).count(),
        "党员": Member.objects.count(),
        "星级服务记录": ServiceRecord.objects.count(),
        "会议": Meeting.objects.count(),
        "出勤记录": Attendance.objects.count(),
        "党费记录": DuesPayment.objects.count(),
        "帮扶对象": Household.objects.count(),
        "示范点": Site.objects.count(),
    }


# Measuring ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One page as one user: the pattern, the path filled from the demo data, the role."""

    name: str
    route: str
    path: str
    role: str | None  # a key of ROLES, None for a visitor

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, "访客") if self.role else "访客"

    @property
    def overview(self) -> bool:
        """A page of the whole city for a role that sees it all: no parameter, or one campaign."""
        if self.role not in WHOLE_CITY_ROLES:
            return False
        route = self.route
        return "<" not in route or (route.startswith("campaigns/<int:pk>/") and route.count("<") == 1)


@dataclass
class Result:
    status: int
    kind: str  # 页面, 片段 or 下载
    queries: int
    median_ms: float
    size: int
    times: list[float] = field(default_factory=list)


def measured_patterns() -> list[Pattern]:
    """Every named GET pattern a user may open, as the accessibility test finds them, except the
    admin, the account pages, served uploads and the forms that add, change or delete one object."""
    return [
        p
        for p in url_patterns()
        if not p.route.startswith((*SKIPPED_PREFIXES, "accounts/"))
        and p.name.rpartition(":")[2] not in FILE_NAMES
        and p.route.rstrip("/").rpartition("/")[2] not in FORM_SEGMENTS
    ]


def clients() -> dict[str | None, Client]:
    """A client per demo account, logged in (its session row is in the database now), and one for
    a visitor."""
    clients: dict[str | None, Client] = {None: Client()}
    for role, username in ROLES.items():
        client = Client()
        client.force_login(User.objects.get(username=username))
        clients[role] = client
    return clients


# Each request from an address of its own (10.x.y.z): the public pages' rate limits count
# visitors, and this run is not one visitor opening a page thousands of times.
_requests = itertools.count(1)


def _address() -> str:
    n = next(_requests) % (1 << 24)
    return f"10.{n >> 16}.{(n >> 8) & 255}.{n & 255}"


def fetch(client: Client, path: str) -> tuple[int, str, int, int, float]:
    """One request as a browser makes it: (status, kind, queries, uncompressed size, milliseconds)."""
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        response = client.get(path, REMOTE_ADDR=_address(), HTTP_ACCEPT_ENCODING="gzip")
        body = b"".join(response.streaming_content) if response.streaming else response.content
        elapsed = (time.perf_counter() - began) * 1000
    # No response.close() here: the test client has closed it (a streamed one once read to its
    # end) with the connection kept; closing again would end the connection like a new request.
    if response.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    content_type = response.get("Content-Type", "")
    attachment = "attachment" in response.get("Content-Disposition", "")
    if attachment or not content_type.startswith("text/html"):
        kind = "下载"
    else:
        kind = "页面" if b"<html" in body[:600] else "片段"
    return response.status_code, kind, len(queries), len(body), elapsed


def discover(
    clients: dict[str | None, Client], log: Callable[[str], None] = print
) -> tuple[list[Target], list[str]]:
    """The pages each role reaches in the demo county: for each pattern, the first filled path that
    answers 200. Also the patterns that are pages but no role could fill or open (listed under
    the table); actions that answer a GET with 405 or a redirect are not pages and not listed."""
    users = {role: User.objects.get(username=username) for role, username in ROLES.items()}
    targets, unreached = [], []
    for pattern in measured_patterns():
        statuses: set[int] = set()
        fillable = False
        for role in (*ROLES, None):
            who = users[role] if role else AnonymousUser()
            paths = candidates(pattern, who)
            fillable = fillable or paths is not None
            for path in paths or []:
                status = fetch(clients[role], path)[0]
                statuses.add(status)
                if status >= 500:
                    log(f"  服务器错误 {status}：{path}（{ROLE_LABELS.get(role, '访客')}）")
                if status == 200:
                    targets.append(Target(pattern.name, pattern.route, path, role))
                    break
        if 200 in statuses or 405 in statuses or statuses & {301, 302}:
            continue
        if not fillable:
            unreached.append(f"{pattern.name}（参数无法填写）")
        else:
            answers = "、".join(map(str, sorted(statuses))) or "演示数据中没有这样的对象"
            unreached.append(f"{pattern.name}（{answers}）")
    return targets, unreached


@dataclass
class Side:
    """One size of the data: its database connection and a cache of its own, put in place of the
    default ones while its requests run (so nothing one size caches is served to the other)."""

    database: BaseDatabaseWrapper
    cache: BaseCache

    @classmethod
    def current(cls, name: str) -> Side:
        """The database in use now."""
        return cls(connections["default"], cls._cache(name))

    @classmethod
    def of_database(cls, name: str, database_name: str) -> Side:
        """Another database on the same server, as the same settings reach it."""
        settings_dict = {**connections["default"].settings_dict, "NAME": database_name}
        database = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, "default")
        return cls(database, cls._cache(name))

    @staticmethod
    def _cache(name: str) -> BaseCache:
        cache = caches.create_connection("default")
        cache.key_prefix = f"bench-scale-{name}"
        return cache

    @contextmanager
    def active(self) -> Iterator[None]:
        saved = connections["default"], caches["default"]
        connections["default"], caches["default"] = self.database, self.cache
        try:
            yield
        finally:
            connections["default"], caches["default"] = saved


def measure(
    targets: list[Target],
    runs: int,
    clients: dict[str | None, Client],
    sides: dict[str, Side],
    log: Callable[[str], None] = print,
) -> dict[str, dict[Target, Result]]:
    """Each target on every side: one warm-up each, then `runs` requests taking turns between the
    sides (who goes first alternating), so a change in the machine's load while this runs falls
    on both sizes alike. Median time; the most queries of any run; the last size."""
    results: dict[str, dict[Target, Result]] = {name: {} for name in sides}
    for number, target in enumerate(targets, start=1):
        client = clients[target.role]
        measured = {name: {"times": [], "queries": []} for name in sides}
        for side in sides.values():
            with side.active():
                fetch(client, target.path)
        for run in range(runs):
            order = list(sides.items()) if run % 2 == 0 else list(reversed(sides.items()))
            for name, side in order:
                with side.active():
                    status, kind, count, size, elapsed = fetch(client, target.path)
                measured[name]["times"].append(elapsed)
                measured[name]["queries"].append(count)
                measured[name]["last"] = (status, kind, size)
        for name, found in measured.items():
            status, kind, size = found["last"]
            times = found["times"]
            results[name][target] = Result(
                status, kind, max(found["queries"]), statistics.median(times), size, times
            )
        if number % 25 == 0:
            log(f"  已测 {number}/{len(targets)} 个（页面, 角色）")
    return results


# On the largest branch's object pages, the object with the most of these rows (a meeting's
# attendance sheet, a member's service card); any other object page takes the branch's first.
LARGEST_OBJECTS = {"members.Meeting": "attendances", "members.Member": "services"}


def largest_branch() -> Organization:
    """The city's branch with the most members."""
    return (
        Organization.objects.filter(code__startswith=CODE_PREFIX, kind=Kind.BRANCH)
        .annotate(size=models.Count("members"))
        .order_by("-size", "pk")
        .first()
    )


def _object_of(route: str, branch: Organization) -> int | None:
    """The pk an object page (`meetings/<int:pk>/`) shows for `branch`, or None when its model does
    not belong to a branch or the branch has none."""
    model = model_for(route.split("/")[0])
    if model is None:
        return None
    for lookup in BRANCH_LOOKUPS:
        try:
            objects = model._default_manager.filter(**{lookup: branch})
        except FieldError:
            continue
        related = LARGEST_OBJECTS.get(model._meta.label)
        if related:
            objects = objects.annotate(rows=models.Count(related)).order_by("-rows", "pk")
        else:
            objects = objects.order_by("pk")
        return objects.values_list("pk", flat=True).first()
    return None


def on_branch(targets: list[Target], branch: Organization) -> dict[Target, Target]:
    """For each page of the demo branch (its own pages and its objects' pages, a single parameter)
    as the 组织部 or its secretary sees it, the same page of `branch`."""
    found = {}
    for target in targets:
        names = [m["name"] for m in PARAM.finditer(target.route)]
        if target.role not in ("org_department", "secretary") or len(names) != 1:
            continue
        name = names[0]
        value = {"branch": branch.pk, "code": branch.code}.get(name)
        if value is None and name in ("pk", "id"):
            value = _object_of(target.route, branch)
        if value is not None:
            path = "/" + PARAM.sub(str(value), target.route)
            found[target] = Target(target.name, target.route, path, target.role)
    return found


def copy_database(source: str, copy: str) -> None:
    """`copy` made afresh from `source` (PostgreSQL's TEMPLATE: a file copy, nobody connected)."""
    connections.close_all()
    settings_dict = connections["default"].settings_dict
    server = make_conninfo(
        host=settings_dict["HOST"] or None,
        port=settings_dict["PORT"] or None,
        user=settings_dict["USER"] or None,
        password=settings_dict["PASSWORD"] or None,
        dbname="postgres",
    )
    with psycopg.connect(server, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(copy)))
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(copy), sql.Identifier(source))
        )


# The table -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    target: Target
    demo: Result
    city: Result
    # False for a page of the city's largest branch beside the demo branch's: more to show, so
    # only the queries and the second are held to the targets.
    same_content: bool = True

    @property
    def ratio(self) -> float:
        return self.city.median_ms / self.demo.median_ms if self.demo.median_ms else math.inf

    @property
    def limit(self) -> float:
        return OVERVIEW_RATIO if self.target.overview else TARGET_RATIO

    @property
    def problems(self) -> list[str]:
        found = []
        if self.city.status != self.demo.status:
            found.append(f"状态 {self.demo.status}→{self.city.status}")
        if self.city.queries > self.demo.queries or (
            self.same_content and self.city.queries != self.demo.queries
        ):
            # Beside the demo branch, a page of the largest branch may skip a query for a list
            # it has nothing in; it may not make more.
            found.append("查询数变了" if self.same_content else "查询数变多")
        if self.same_content and self.ratio > self.limit:
            found.append(f"超过 {self.limit:g}×")
        if self.city.median_ms > SLOW_MS:
            found.append("超过 1 秒")
        return found


def rows_of(demo_results: dict[Target, Result], city_results: dict[Target, Result]) -> list[Row]:
    return [
        Row(target, demo_results[target], city_results[target])
        for target in sorted(
            demo_results, key=lambda t: (t.name, list(ROLE_LABELS).index(t.role) if t.role else 9)
        )
        if target in city_results
    ]


def _kb(size: int) -> str:
    return f"{size / 1024:.1f}" if size < 10 * 1024 else f"{size / 1024:.0f}"


def _ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


HEADER = (
    "页面",
    "路径",
    "角色",
    "类型",
    "查询 演示→城市",
    "中位 ms 演示→城市",
    "倍数",
    "KB 演示→城市",
    "超标",
)


def _cells(row: Row) -> tuple[str, ...]:
    t, d, c = row.target, row.demo, row.city
    return (
        t.name,
        t.path,
        t.role_label,
        c.kind,
        f"{d.queries} → {c.queries}",
        f"{_ms(d.median_ms)} → {_ms(c.median_ms)}",
        f"{row.ratio:.2f}",
        f"{_kb(d.size)} → {_kb(c.size)}",
        "；".join(row.problems),
    )


def _markdown_table(rows: list[Row]) -> list[str]:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for row in rows:
        cells = list(_cells(row))
        cells[1] = f"`{cells[1]}`"
        if row.problems:
            cells[-1] = f"**{cells[-1]}**"
        lines.append("| " + " | ".join(cells) + " |")
    over = sorted(
        (r for r in rows if r.problems), key=lambda r: -r.city.median_ms if not r.same_content else -r.ratio
    )
    lines += ["", f"超标 {len(over)} 行（共 {len(rows)} 行）：", ""]
    lines += [
        f"- {r.target.name} {r.target.role_label}：{_ms(r.demo.median_ms)} → {_ms(r.city.median_ms)} ms"
        f"（{r.ratio:.2f}×），查询 {r.demo.queries} → {r.city.queries}；{'；'.join(r.problems)}"
        for r in over
    ]
    return lines


def markdown(
    rows: list[Row], heading: list[str], largest: list[Row] | None = None, largest_heading: str = ""
) -> str:
    """The table as var/bench-scale.md has it: the heading, the demo/city table, and the pages of
    the city's largest branch when measured."""
    lines = [*heading, "", *_markdown_table(rows)]
    if largest:
        lines += ["", f"## {largest_heading}", "", *_markdown_table(largest)]
    return "\n".join(lines) + "\n"


def text_table(rows: list[Row]) -> str:
    table = [HEADER, *(_cells(row) for row in rows)]

    def width(text: str) -> int:
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)

    widths = [max(width(line[i]) for line in table) for i in range(len(HEADER) - 1)]
    out = []
    for line in table:
        cells = [cell + " " * (widths[i] - width(cell)) for i, cell in enumerate(line[:-1])]
        out.append("  ".join([*cells, line[-1]]).rstrip())
    return "\n".join(out)


# The run --------------------------------------------------------------------------------------


def server_version() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0].split()[0]


def load_average() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "未知"
    return f"{one:.2f}/{five:.2f}（{os.cpu_count()} 核）"


@contextmanager
def timed(label: str, log: Callable[[str], None] = print) -> Iterator[list[float]]:
    began = time.monotonic()
    box: list[float] = []
    yield box
    box.append(time.monotonic() - began)
    log(f"{label}：{box[0]:.1f} 秒")


def run_in_scale_database(factor: float, runs: int, output: Path) -> int:
    """The work, in a process whose database is the scale one (see main)."""
    name = connection.settings_dict["NAME"]
    pooled = "pool" in connection.settings_dict.get("OPTIONS", {})
    if connection.vendor != "postgresql" or not str(name).endswith(SUFFIX) or pooled:
        print(
            f"只在名字以 {SUFFIX} 结尾的 PostgreSQL 数据库里、不用连接池运行（现在是 {name}）："
            "请用 python -m deploy.scale。"
        )
        return 2

    def log(line: str) -> None:
        print(line, flush=True)

    # Pages answering 403, 404 or 405 while the pages are found are expected; errors still show.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    # The in-memory broker has no host name, which kombu would warn about at the first job.
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)

    log(f"数据库 {name}，规模系数 {factor:g}，每页 {runs} 次取中位数；负载 {load_average()}")
    with timed("migrate", log):
        call_command("migrate", verbosity=0)
    with timed("seed_demo（演示县）", log):
        call_command("seed_demo", verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
    demo_counts = row_counts()
    logged_in = clients()
    with timed("找页面", log):
        targets, unreached = discover(logged_in, log)
    log(f"{len(targets)} 个（页面, 角色）")
    # The demo county stays as it is in a copy; the city grows in this database.
    demo_name = f"{name}_demo"
    copy_database(name, demo_name)

    log(f"城市规模数据（系数 {factor:g}）：")
    began = time.monotonic()
    timings = CityBuilder(factor, log=log).build()
    gc.collect()  # the builder's own lists are not the server's: gone before the pages are timed
    build_seconds = time.monotonic() - began
    log(f"城市数据共 {build_seconds:.1f} 秒（{build_seconds / 60:.1f} 分钟）")
    city_counts = row_counts()

    load_before = load_average()
    sides = {"demo": Side.of_database("demo", demo_name), "city": Side.current("city")}
    with timed(f"测量（演示库 {demo_name} 与城市库交替）", log):
        results = measure(targets, runs, logged_in, sides, log)
    sides["demo"].database.close()
    rows = rows_of(results["demo"], results["city"])

    big = largest_branch()
    size = big.members.count()
    secretary = Role.objects.get(organization=big, kind=Role.Kind.BRANCH_SECRETARY).user
    big_clients = {"org_department": logged_in["org_department"], "secretary": Client()}
    big_clients["secretary"].force_login(secretary)
    counterparts = on_branch(targets, big)
    with timed(f"城市最大的支部（{big.name}，{size} 名党员）", log):
        big_results = measure(list(counterparts.values()), runs, big_clients, {"city": sides["city"]}, log)
    largest = [
        Row(big_target, results["demo"][target], big_results["city"][big_target], same_content=False)
        for target, big_target in counterparts.items()
    ]
    largest_heading = (
        f"城市中最大的支部「{big.name}」（{size} 名党员）：演示支部的同一页面（组织部看，"
        f"本支部书记看）在这个支部上的样子，只在城市库上测；比的是查询数（不应随数据增长）和 "
        f"{SLOW_MS / 1000:g} 秒"
    )

    heading = [
        f"# make bench-scale：{timezone.localtime():%Y-%m-%d %H:%M}，规模系数 {factor:g}",
        "",
        f"PostgreSQL {server_version()}。演示县留在一份副本里，城市在原库上长成；每个（页面, 角色）"
        f"在两个库上先各预热 1 次，再交替各请求 {runs} 次取中位数。"
        f"测量时负载 {load_before} → {load_average()}。",
        "",
        "| | " + " | ".join(demo_counts) + " |",
        "|---|" + "---|" * len(demo_counts),
        "| 演示 | " + " | ".join(f"{v:,}" for v in demo_counts.values()) + " |",
        "| 城市 | " + " | ".join(f"{v:,}" for v in city_counts.values()) + " |",
        "",
        f"建城市数据 {build_seconds:.0f} 秒："
        + "；".join(f"{step} {seconds:.1f} 秒（{count:,} 行）" for step, seconds, count in timings),
        "",
        f"目标：查询数不变；整个城市的总览页（组织部、验收组）≤ {OVERVIEW_RATIO:g}×，"
        f"其余 ≤ {TARGET_RATIO:g}×；城市规模下不超过 {SLOW_MS / 1000:g} 秒。",
    ]
    if unreached:
        heading += ["", "演示数据中没有哪个角色能打开的网址（未测）：" + "、".join(unreached)]
    document = markdown(rows, heading, largest, largest_heading)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(document, encoding="utf-8")
    print()
    print(text_table(rows))
    print(f"\n{largest_heading}：")
    print(text_table(largest))
    over = sum(1 for row in [*rows, *largest] if row.problems)
    print(f"\n{len(rows)} + {len(largest)} 行，超标 {over} 行；表格已写入 {output}")
    print(f"数据库 {name} 保留，可用 psql 查看；下次运行会重建。")
    return 0


def scale_database_url(url: str) -> str:
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "shifandian"
    if not name.endswith(SUFFIX):
        name += SUFFIX
    return urlunsplit(parts._replace(path=f"/{name}"))


def recreate_database(url: str) -> None:
    parts = urlsplit(url)
    server = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    name = parts.path.lstrip("/")
    with psycopg.connect(server, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.scale", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--factor", type=float, default=1.0, help="every count × this (1.0 = issue 12's city)"
    )
    parser.add_argument("--runs", type=int, default=5, help="timed requests per page, after one warm-up")
    parser.add_argument("--database-url", default="", help="PostgreSQL server (default DATABASE_URL)")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--in-scale-database", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.factor <= 0 or args.runs < 1:
        parser.error("--factor 须大于 0，--runs 至少为 1")
    if args.in_scale_database:
        return run_in_scale_database(args.factor, args.runs, args.output)

    url = args.database_url or os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print(
            "make bench-scale 需要 PostgreSQL：请设置 DATABASE_URL（例如 "
            "postgres://postgres@127.0.0.1:5432/shifandian）或用 --database-url 指定。"
            "它会在同一服务器上另建 <库名>_scale 数据库，不动现有数据。"
        )
        return 2
    scale_url = scale_database_url(url)
    try:
        recreate_database(scale_url)
    except psycopg.Error as error:
        print(f"连不上 PostgreSQL 或无法新建数据库 {urlsplit(scale_url).path.lstrip('/')}：{error}")
        return 1
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": scale_url,
        "MEDIA_ROOT": str(MEDIA_ROOT),
        # Two databases side by side in one process (see Side): connections of their own, not
        # the pool, which Django keeps per alias.
        "DATABASE_POOL": "false",
        # Jobs a page enqueues (a large export) go nowhere: no worker of the user's picks them up.
        "CELERY_BROKER_URL": "memory://",
        "PYTHONUNBUFFERED": "1",
    }
    command = [sys.executable, "-m", "deploy.scale", "--in-scale-database"]
    command += ["--factor", str(args.factor), "--runs", str(args.runs), "--output", str(args.output)]
    return subprocess.run(command, cwd=BASE_DIR, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())

"""A small shared tree and a fixed cast, like healthchecks' alice/bob/charlie.

示范区工委 (work committee)               ← org_department user, inspector
├── 第一党委 (committee A)                 ← committee user
│   ├── 一村党支部 (branch A1, 村)          ← secretary
│   │   └── 第一党小组 (group A1-1)
│   └── 二村党支部 (branch A2, 村)
└── 第二党委 (committee B)
    └── 实验学校党支部 (branch B1, 学校)   ← outsider (secretary of another branch)
"""

import datetime
import os
import uuid
from types import SimpleNamespace

import pytest

from organizations.models import Kind, Role, Sector
from tests.organizations.factories import UserFactory, give_role, make_org


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI a skipped test did not run: a missing tool there is a failure, not a skip."""
    report = yield
    if os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"CI 中不允许跳过测试：{reason}"
    return report


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2 is slow on purpose; tests create many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True, scope="session")
def tasks_go_nowhere():
    """A task enqueued on commit during a test (a signed acceptance's report, an import job)
    goes to an in-memory broker, not to the development queue in var/ or CI's Redis where a
    worker would later run it against another database. Tests that run a real worker set their
    own broker (tests/campaigns/test_reminders.py)."""
    from config.celery import app

    saved = app.conf.broker_url
    app.conf.broker_url = "memory://"
    yield
    app.conf.broker_url = saved


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path_factory):
    """Uploads, reports and posters a test stores go to a folder of its own, not var/media."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def private_cache(settings):
    """Each test its own in-memory cache, so the public pages' rate-limit counters
    (config/ratelimit.py) never carry over from another test — nor through the shared Redis
    that CI's REDIS_URL would otherwise give every test."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"test-{uuid.uuid4()}",
        }
    }


@pytest.fixture
def tree(db):
    work = make_org(None, Kind.WORK_COMMITTEE, "示范区工委", code="W")
    committee_a = make_org(work, Kind.PARTY_COMMITTEE, "第一党委", code="CA")
    branch_a1 = make_org(committee_a, Kind.BRANCH, "一村党支部", sector=Sector.VILLAGE, code="A1")
    group_a1 = make_org(branch_a1, Kind.GROUP, "第一党小组", code="A1G1")
    branch_a2 = make_org(committee_a, Kind.BRANCH, "二村党支部", sector=Sector.VILLAGE, code="A2")
    committee_b = make_org(work, Kind.PARTY_COMMITTEE, "第二党委", code="CB")
    branch_b1 = make_org(committee_b, Kind.BRANCH, "实验学校党支部", sector=Sector.SCHOOL, code="B1")
    return SimpleNamespace(
        work=work,
        committee_a=committee_a,
        branch_a1=branch_a1,
        group_a1=group_a1,
        branch_a2=branch_a2,
        committee_b=committee_b,
        branch_b1=branch_b1,
    )


@pytest.fixture
def cast(tree):
    """The fixed cast: one user per role, plus an outsider from another branch."""
    org_department = UserFactory(username="t_zzb", name="组织部干事")
    committee = UserFactory(username="t_dangwei", name="党委联络员")
    secretary = UserFactory(username="t_zhibu", name="一村书记")
    inspector = UserFactory(username="t_yanshou", name="验收组员")
    outsider = UserFactory(username="t_outsider", name="学校书记")
    give_role(org_department, tree.work, Role.Kind.ORG_DEPARTMENT)
    give_role(committee, tree.committee_a, Role.Kind.COMMITTEE)
    give_role(secretary, tree.branch_a1, Role.Kind.BRANCH_SECRETARY)
    give_role(inspector, tree.work, Role.Kind.INSPECTOR)
    give_role(outsider, tree.branch_b1, Role.Kind.BRANCH_SECRETARY)
    return SimpleNamespace(
        org_department=org_department,
        committee=committee,
        secretary=secretary,
        inspector=inspector,
        outsider=outsider,
    )


@pytest.fixture
def today():
    return datetime.date(2026, 6, 15)

"""One lead pressing 签署 twice at once (two tabs, a double tap on a slow line): two threads, each
with its own database connection, call `sign_acceptance` at the same moment. Exactly one signs;
the other is refused with the time it was signed — one audit event, one transition, one report.

On PostgreSQL the two transactions really overlap: the second waits on the acceptance's row lock
and then reads `signed_at` again. SQLite has a single writer; the test database is an in-memory
shared cache, where a second connection touching a table being written fails at once ("database
table is locked") instead of waiting as a file database in IMMEDIATE mode does. There the threads
still leave the barrier together, but take turns through one lock standing for SQLite's writer
lock, so the second call runs the same check after the first committed.
"""

import contextlib
import threading

import pytest
from django.db import connection
from django.utils import timezone

from assessments.acceptance_sheet import acceptance_sheet
from assessments.models import Acceptance
from assessments.services import acceptance as service
from campaigns.models import Site, SiteTransition
from campaigns.services import LifecycleError
from organizations.models import AuditEvent, Verb
from tests.assessments.acceptance_factories import (
    ended_survey,
    full_answers,
    requested_site,
    scheduled,
    score_all,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_one_lead_pressing_twice_at_once_signs_once(tree, cast, monkeypatch):
    requested = requested_site(tree, cast)
    team = scheduled(tree, cast, requested)
    ended_survey(requested.site)
    score_all(team.acceptance, team.lead, full_answers(requested.table))
    score_all(team.acceptance, team.second, full_answers(requested.table))
    verdict = acceptance_sheet(team.acceptance).composite.verdicts[0]
    assert verdict == Acceptance.Verdict.PASSED
    # The report job runs after commit here (a transactional test): count it, do not render.
    enqueued = []
    monkeypatch.setattr(service, "_enqueue_report", enqueued.append)

    barrier = threading.Barrier(2)
    writer = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()
    signed, refused, failed = [], [], []

    def press():
        try:
            mine = Acceptance.objects.get(pk=team.acceptance.pk)  # each tab loaded the page before
            barrier.wait(timeout=10)
            with writer:
                signed.append(service.sign_acceptance(acceptance=mine, by=team.lead, verdict=verdict))
        except LifecycleError as error:
            refused.append(error)
        except Exception as error:  # anything else fails the test below, with its message
            failed.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=press) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert failed == []
    assert len(signed) == 1 and len(refused) == 1
    acceptance = Acceptance.objects.get(pk=team.acceptance.pk)
    assert acceptance.signed_at is not None and acceptance.verdict == verdict
    assert refused[0].messages == [
        f"验收已于 {timezone.localtime(acceptance.signed_at):%Y-%m-%d %H:%M} 签署，不能再签署验收结论。"
    ]
    assert AuditEvent.objects.filter(verb=Verb.SIGN_ACCEPTANCE).count() == 1
    assert AuditEvent.objects.filter(verb=Verb.RECORD_VERDICT).count() == 1
    site = requested.site
    assert SiteTransition.objects.filter(site=site, from_status=Site.Status.ACCEPTANCE_REQUESTED).count() == 1
    assert Site.objects.get(pk=site.pk).status == Site.Status.PASSED
    assert enqueued == [acceptance.pk]

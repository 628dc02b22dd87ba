"""A token votes once also when two phones submit it at the same moment: two threads, each with
its own database connection, cast the same token behind a barrier; the unique index on
`Ballot.token` lets one ballot in and the other is refused with the "已经投过" sentence — no
exception escapes. Meant for PostgreSQL (CI runs it there); it runs on SQLite too."""

import threading
import time

import pytest
from django.db import OperationalError, connection

from assessments.models import Ballot
from assessments.services.survey import cast_ballot
from campaigns.services import LifecycleError
from tests.assessments.survey_factories import C, self_assessed_site, survey_of

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 3


def cast_waiting(token: str, choice: str):
    """`cast_ballot`, waiting out SQLite's table lock as a file database's busy timeout would.

    SQLite's in-memory test database shares one cache between connections, and there a write
    meeting another connection's open write fails at once ("database table is locked") instead
    of waiting. PostgreSQL waits on the unique index by itself: nothing is retried there.
    """
    for _ in range(200):
        try:
            return cast_ballot(token=token, choice=choice)
        except OperationalError as locked:
            if connection.vendor != "sqlite" or "locked" not in str(locked):
                raise
            time.sleep(0.005)
    raise AssertionError("SQLite stayed locked")


def race(token: str, choices: list[str]) -> list[object]:
    """Cast `token` once per choice, all threads released together; what each one got."""
    barrier = threading.Barrier(len(choices))
    outcomes: list[object] = [None] * len(choices)

    def voter(n: int, choice: str) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[n] = cast_waiting(token, choice)
        except LifecycleError as refused:
            outcomes[n] = refused
        except Exception as error:  # the test reports whatever escaped
            outcomes[n] = error
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=voter, args=(n, c)) for n, c in enumerate(choices)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_phones_casting_the_same_token_at_once_make_one_ballot(tree, cast):
    site = self_assessed_site(tree, cast).site
    survey = survey_of(site, cast, count=ROUNDS)

    for token in survey.tokens.order_by("serial"):
        outcomes = race(token.token, [C.SATISFIED, C.DISSATISFIED])

        ballots = [o for o in outcomes if isinstance(o, Ballot)]
        refusals = [o for o in outcomes if isinstance(o, LifecycleError)]
        assert len(ballots) == 1, outcomes
        assert len(refusals) == 1, outcomes
        assert "已经投过" in refusals[0].messages[0]
        stored = Ballot.objects.get(token=token)
        assert stored.choice == ballots[0].choice

    assert Ballot.objects.filter(survey=survey).count() == ROUNDS

"""群众测评: opening a survey issues one-time tokens; a token votes once (by link or hand code);
a closed, expired or not-yet-open survey takes no ballot; the rate and turnout; the figure the
framework's satisfaction item scores; the printable QR sheet."""

import datetime
import re
import subprocess
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments import policies, rules, surveys
from assessments.models import (
    CODE_ALPHABET,
    CODE_LENGTH,
    MAX_BALLOTS,
    Ballot,
    BallotToken,
    Indicator,
    Metric,
    Survey,
)
from assessments.scoring import score_site
from assessments.services import survey as survey_services
from assessments.services.survey import cast_ballot, close_survey, find_token, normalize_code, open_survey
from assessments.surveys import hand_code, render_sheet, sheet_parts, site_satisfaction, survey_result
from campaigns.models import Site
from campaigns.services import LifecycleError
from organizations.models import AuditEvent, Verb
from tests.assessments.survey_factories import DAY, C, self_assessed_site, survey_of, vote

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
USED = "已经投过"


@pytest.fixture
def setup(tree, cast):
    return self_assessed_site(tree, cast)


@pytest.fixture
def site(setup):
    return setup.site


# Opening -------------------------------------------------------------------------------------


def test_opening_issues_one_token_per_ballot_with_serials_and_hand_codes(site, cast):
    survey = survey_of(site, cast, count=25, title="2026年群众满意度测评")

    tokens = list(survey.tokens.order_by("serial"))
    assert [t.serial for t in tokens] == list(range(1, 26))
    assert len({t.code for t in tokens}) == len({t.token for t in tokens}) == 25
    assert all(len(t.code) == CODE_LENGTH and set(t.code) <= set(CODE_ALPHABET) for t in tokens)
    event = AuditEvent.objects.get(verb=Verb.OPEN_SURVEY)
    assert (event.actor, event.subject_id, event.target_id) == (cast.org_department, site.pk, survey.pk)
    assert "25 张" in event.summary


@pytest.mark.parametrize("who", ["committee", "secretary", "inspector", "outsider"])
def test_only_the_organizer_may_open_a_survey(site, cast, who):
    with pytest.raises(LifecycleError, match="组织部"):
        open_survey(site=site, by=getattr(cast, who), opens_on=TODAY, closes_on=TODAY + DAY, ballot_count=5)
    assert not BallotToken.objects.exists()


def test_a_site_before_its_self_assessment_passed_gets_no_survey(tree, cast):
    from tests.assessments.self_assessment_factories import approved_site

    site = approved_site(tree, cast).site
    assert site.status == Site.Status.APPROVED
    with pytest.raises(LifecycleError, match="批准创建"):
        survey_of(site, cast)


@pytest.mark.parametrize(
    ("fields", "key", "words"),
    [
        ({"opens_on": TODAY + 5 * DAY, "closes_on": TODAY + DAY}, "closes_on", "不能早于开始日期"),
        ({"opens_on": TODAY - 9 * DAY, "closes_on": TODAY - DAY}, "closes_on", "不能早于今天"),
        ({"count": 0}, "ballot_count", f"1 到 {MAX_BALLOTS}"),
        ({"count": MAX_BALLOTS + 1}, "ballot_count", f"1 到 {MAX_BALLOTS}"),
        ({"title": "  "}, "title", "请填写测评名称"),
    ],
)
def test_a_bad_period_count_or_title_is_refused_beside_its_field(site, cast, fields, key, words):
    with pytest.raises(ValidationError) as refused:
        survey_of(site, cast, **fields)
    assert words in refused.value.message_dict[key][0]
    assert not BallotToken.objects.exists()


def test_a_second_survey_waits_until_the_running_one_has_ended(site, cast):
    first = survey_of(site, cast)
    with pytest.raises(LifecycleError, match="尚未结束的群众测评"):
        survey_of(site, cast)
    close_survey(survey=first, by=cast.org_department)
    second = survey_of(site, cast, count=3)
    assert second.tokens.count() == 3


def test_a_hand_code_that_collides_with_an_issued_one_is_drawn_again(site, cast, monkeypatch):
    first = survey_of(site, cast, count=1)
    taken = first.tokens.get().code
    close_survey(survey=first, by=cast.org_department)
    fresh = iter(["BBBBBBBB", "CCCCCCCC", "DDDDDDDD"])
    draws = iter([taken, "AAAAAAAA"])  # the first batch: the taken code and one new one
    monkeypatch.setattr(survey_services, "new_code", lambda: next(draws, None) or next(fresh))

    second = survey_of(site, cast, count=2)

    codes = set(second.tokens.values_list("code", flat=True))
    assert len(codes) == 2 and taken not in codes


# Closing -------------------------------------------------------------------------------------


def test_closing_early_records_who_and_when_and_only_once(site, cast):
    survey = survey_of(site, cast)
    vote(survey, C.SATISFIED)

    close_survey(survey=survey, by=cast.org_department)

    survey.refresh_from_db()
    assert survey.closed_at is not None and survey.closed_by == cast.org_department
    assert "已收 1 / 10 张票" in AuditEvent.objects.get(verb=Verb.CLOSE_SURVEY).summary
    with pytest.raises(LifecycleError, match="已经结束"):
        close_survey(survey=survey, by=cast.org_department)


def test_a_secretary_cannot_close_the_survey(site, cast):
    survey = survey_of(site, cast)
    with pytest.raises(LifecycleError, match="组织部"):
        close_survey(survey=survey, by=cast.secretary)
    survey.refresh_from_db()
    assert survey.closed_at is None


# Ballots -------------------------------------------------------------------------------------


def test_a_ballot_stores_the_choice_and_comment_and_nothing_about_the_voter(site, cast):
    survey = survey_of(site, cast)
    token = survey.tokens.get(serial=1)
    events = AuditEvent.objects.count()

    ballot = cast_ballot(token=token.token, choice=C.SATISFIED, comment="  路灯修好了，谢谢  ")

    assert (ballot.survey, ballot.token, ballot.choice, ballot.comment) == (
        survey,
        token,
        C.SATISFIED,
        "路灯修好了，谢谢",
    )
    fields = {f.name for f in Ballot._meta.concrete_fields}
    assert fields == {"id", "token", "survey", "choice", "comment", "cast_at"}
    assert AuditEvent.objects.count() == events  # the audit trail names people: a ballot is not in it


@pytest.mark.parametrize("typed", ["{code}", "{lower}", "{a}-{b}", " {a} {b} ", "{a}－{b}"])
def test_the_hand_code_is_found_whatever_its_case_spaces_or_dash(site, cast, typed):
    survey = survey_of(site, cast)
    token = survey.tokens.get(serial=2)
    code = token.code
    text = typed.format(code=code, lower=code.lower(), a=code[:4].lower(), b=code[4:])

    ballot = cast_ballot(token=text, choice=C.FAIRLY_SATISFIED)

    assert ballot.token == token


def test_the_link_token_is_case_sensitive(site, cast):
    token = survey_of(site, cast).tokens.get(serial=1)
    token.token = "AbCdEfGhIjKlMnOpQrStUv"
    token.save(update_fields=["token"])
    assert find_token("abcdefghijklmnopqrstuv") is None
    assert find_token(token.token) == token


def test_a_token_votes_once(site, cast):
    token = survey_of(site, cast).tokens.get(serial=1)
    cast_ballot(token=token.token, choice=C.SATISFIED)

    with pytest.raises(LifecycleError, match=USED):
        cast_ballot(token=token.code, choice=C.DISSATISFIED)
    assert Ballot.objects.get().choice == C.SATISFIED


def test_a_second_submit_that_passed_the_check_meets_the_unique_index(site, cast, monkeypatch):
    """Two phones at once both pass the policy; the database lets one ballot in."""
    token = survey_of(site, cast).tokens.get(serial=1)
    cast_ballot(token=token.token, choice=C.SATISFIED)
    real = policies.cannot_cast_ballot
    calls = []

    def passes_first(survey, found, today=None):
        calls.append(found)
        return None if len(calls) == 1 else real(survey, found, today=today)

    monkeypatch.setattr(survey_services.policies, "cannot_cast_ballot", passes_first)

    with pytest.raises(LifecycleError, match=USED):
        cast_ballot(token=token.token, choice=C.DISSATISFIED)
    assert Ballot.objects.count() == 1


def test_a_wrong_token_says_so(site, cast):
    survey_of(site, cast)
    for typed in ("nonsense", "ABCD-EFGH", "", "x" * 500):
        with pytest.raises(LifecycleError, match="不存在"):
            cast_ballot(token=typed, choice=C.SATISFIED)
    assert not Ballot.objects.exists()


def test_a_closed_survey_takes_no_ballot(site, cast):
    survey = survey_of(site, cast)
    close_survey(survey=survey, by=cast.org_department)
    with pytest.raises(LifecycleError, match="测评已经结束"):
        cast_ballot(token=survey.tokens.first().token, choice=C.SATISFIED)
    assert not Ballot.objects.exists()


def test_an_expired_survey_takes_no_ballot(site, cast):
    survey = survey_of(site, cast, closes_on=TODAY + 2 * DAY)
    token = survey.tokens.first().token
    cast_ballot(token=token, choice=C.SATISFIED, today=TODAY + 2 * DAY)  # the last day still counts
    with pytest.raises(LifecycleError, match="测评已经结束"):
        cast_ballot(token=survey.tokens.get(serial=2).token, choice=C.SATISFIED, today=TODAY + 3 * DAY)
    assert Ballot.objects.count() == 1


def test_a_survey_not_yet_open_names_its_first_day(site, cast):
    opens = TODAY + 3 * DAY
    survey = survey_of(site, cast, opens_on=opens, closes_on=opens + 5 * DAY)
    with pytest.raises(LifecycleError, match=f"{opens.month}月{opens.day}日 开始"):
        cast_ballot(token=survey.tokens.first().token, choice=C.SATISFIED)


@pytest.mark.parametrize(
    ("choice", "comment", "key"),
    [("VERY", "", "choice"), ("", "", "choice"), (C.SATISFIED, "长" * 501, "comment")],
)
def test_a_bad_choice_or_a_long_comment_is_refused_beside_its_field(site, cast, choice, comment, key):
    token = survey_of(site, cast).tokens.first()
    with pytest.raises(ValidationError) as refused:
        cast_ballot(token=token.token, choice=choice, comment=comment)
    assert list(refused.value.message_dict) == [key]
    assert not Ballot.objects.exists()


def test_hand_codes_are_shown_in_two_groups_and_typed_any_way():
    assert hand_code("ABCDEFGH") == "ABCD-EFGH"
    assert normalize_code(" abcd – efgh\n") == "ABCDEFGH"


# The figures ---------------------------------------------------------------------------------


def test_rate_and_turnout_count_valid_ballots_in_one_query(site, cast, django_assert_num_queries):
    survey = survey_of(site, cast, count=10)
    vote(survey, C.SATISFIED, C.SATISFIED, C.SATISFIED, C.FAIRLY_SATISFIED, C.DISSATISFIED)

    with django_assert_num_queries(1):
        result = survey_result(survey)

    assert (result.issued, result.cast, result.satisfied, result.fairly_satisfied, result.dissatisfied) == (
        10,
        5,
        3,
        1,
        1,
    )
    assert result.rate == Decimal("80.00")  # (3 + 1) / 5
    assert result.turnout == Decimal("50.00")  # 5 / 10
    assert [row[2:] for row in result.by_choice] == [
        (3, Decimal("60.00")),
        (1, Decimal("20.00")),
        (1, Decimal("20.00")),
    ]


def test_rates_round_to_two_decimals_and_wait_for_a_ballot(site, cast):
    survey = survey_of(site, cast, count=7)
    empty = survey_result(survey)
    assert (empty.rate, empty.turnout) == (None, Decimal("0.00"))

    vote(survey, C.SATISFIED, C.FAIRLY_SATISFIED, C.DISSATISFIED)

    result = survey_result(survey)
    assert result.rate == Decimal("66.67")  # 2 / 3
    assert result.turnout == Decimal("42.86")  # 3 / 7
    assert result.exact_rate > Decimal("66.666") and result.exact_rate < Decimal("66.667")


def test_site_satisfaction_is_none_until_a_ballot_is_cast(site, cast):
    survey_of(site, cast)
    assert site_satisfaction(site) is None


def test_site_satisfaction_prefers_an_ended_survey_to_a_later_running_one(
    site, cast, django_assert_num_queries
):
    ended = survey_of(site, cast, count=4, title="第一次测评")
    vote(ended, C.SATISFIED, C.DISSATISFIED)
    close_survey(survey=ended, by=cast.org_department)
    running = survey_of(site, cast, count=4, title="第二次测评")
    vote(running, C.SATISFIED, C.SATISFIED, C.SATISFIED)

    with django_assert_num_queries(1):
        found = site_satisfaction(site)

    assert (found.survey, found.cast, found.rate) == (ended, 2, Decimal("50.00"))
    # Once the second has ended too, it is the later one.
    later = site_satisfaction(site, today=TODAY + 30 * DAY)
    assert (later.survey, later.rate) == (running, Decimal("100.00"))


def test_site_satisfaction_reads_a_running_survey_before_any_has_ended(site, cast):
    survey = survey_of(site, cast, count=4)
    vote(survey, C.FAIRLY_SATISFIED)
    found = site_satisfaction(site)
    assert (found.survey, found.rate, found.turnout) == (survey, Decimal("100.00"), Decimal("25.00"))


def test_site_satisfaction_skips_a_survey_without_ballots(site, cast):
    voted = survey_of(site, cast, count=4)
    vote(voted, C.DISSATISFIED)
    close_survey(survey=voted, by=cast.org_department)
    silent = survey_of(site, cast, count=4)
    close_survey(survey=silent, by=cast.org_department)

    assert site_satisfaction(site).survey == voted


# The satisfaction item of the framework ------------------------------------------------------


def satisfaction_item(setup, threshold=90, points=5, subject="群众满意率"):
    rule = rules.Threshold(points=points, threshold=threshold, subject=subject, unit="%")
    return Indicator.objects.create(
        dimension=setup.table.dimensions[1],
        code="7",
        text="群众满意率达到90%以上",
        max_score=Decimal(points),
        rule=rules.to_data(rule),
        metric=Metric.SATISFACTION_RATE,
        order=9,
    )


def item_of(total, indicator):
    return next(i for d in total.dimensions for i in d.items if i.indicator.pk == indicator.pk)


def test_the_satisfaction_item_scores_the_survey_rate(setup, cast):
    indicator = satisfaction_item(setup)
    survey = survey_of(setup.site, cast, count=30)
    vote(survey, *[C.SATISFIED] * 15, *[C.FAIRLY_SATISFIED] * 4, C.DISSATISFIED)  # 19 / 20 = 95%

    item = item_of(score_site(setup.site), indicator)

    assert item.points == Decimal("5.00")
    assert item.computed.figure == Decimal("95.00")
    assert item.computed.explanation == "群众满意率 95%（有效票 20 张），达到 90%，得 5 分"
    assert (item.computed.start, item.computed.end) == (survey.opens_on, survey.closes_on)


def test_a_rate_below_the_threshold_scores_nothing(setup, cast):
    indicator = satisfaction_item(setup, subject="")
    survey = survey_of(setup.site, cast, count=12)
    vote(survey, *[C.SATISFIED] * 8, C.DISSATISFIED, C.DISSATISFIED, C.DISSATISFIED)  # 8 / 11

    item = item_of(score_site(setup.site), indicator)

    assert item.points == Decimal("0.00")
    assert item.computed.explanation == "群众满意率 72.73%（有效票 11 张），未达到 90%，不得分"


def test_just_under_the_threshold_does_not_round_up_to_it(setup, cast):
    indicator = satisfaction_item(setup)
    survey = survey_of(setup.site, cast, count=2000)
    # 1799 / 1999 = 89.99…%: shown as 90.00 would read as passing.
    tokens = list(survey.tokens.order_by("serial")[:1999])
    Ballot.objects.bulk_create(
        Ballot(token=t, survey=survey, choice=C.SATISFIED if i < 1799 else C.DISSATISFIED)
        for i, t in enumerate(tokens)
    )
    item = item_of(score_site(setup.site), indicator)
    assert item.points == Decimal("0.00")
    assert "未达到 90%" in item.computed.explanation


def test_the_satisfaction_item_waits_for_the_survey(setup, cast):
    indicator = satisfaction_item(setup)
    survey_of(setup.site, cast)
    item = item_of(score_site(setup.site), indicator)
    assert item.result is None and item.computed.explanation == "群众满意率待群众测评后计算"


def test_satisfaction_costs_score_site_one_query_however_many_items(setup, cast):
    def queries():
        site = Site.objects.select_related("campaign", "organization").get(pk=setup.site.pk)
        with CaptureQueriesContext(connection) as captured:
            score_site(site)
        return len(captured)

    without = queries()
    satisfaction_item(setup)
    vote(survey_of(setup.site, cast), C.SATISFIED)
    one = queries()
    Indicator.objects.create(
        dimension=setup.table.dimensions[0],
        code="8",
        text="师生满意率",
        max_score=Decimal(3),
        rule=rules.to_data(rules.Threshold(points=3, threshold=80, unit="%")),
        metric=Metric.SATISFACTION_RATE,
    )
    two = queries()
    assert one == without + 1
    assert two == one


# The QR sheet --------------------------------------------------------------------------------


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "sheet.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()


def test_the_sheet_prints_twelve_ballots_a_page_with_codes_serials_and_the_site(site, cast, tmp_path):
    survey = survey_of(site, cast, count=14, title="群众满意度测评")

    pdf = render_sheet(survey, "https://dangjian.example.gov.cn")

    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf, tmp_path)
    pages = text.split("\f")
    assert len([p for p in pages if p.strip()]) == 2
    for token in survey.tokens.all():
        assert hand_code(token.code) in text
    assert pages[0].count("No. ") == 12 and pages[1].count("No. ") == 2
    assert "No. 01" in pages[0] and "No. 12" in pages[0] and "No. 13" in pages[1]
    assert all(site.organization.name in page for page in pages if page.strip())
    assert "dangjian.example.gov.cn/ballot/" in text
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日至\d{4}年\d{1,2}月\d{1,2}日", text)
    path = tmp_path / "sheet.pdf"
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True).stdout.decode()
    assert "CJK" in fonts


def test_each_qr_code_holds_its_ballot_page_address(site, cast, monkeypatch):
    survey = survey_of(site, cast, count=3)
    encoded = []
    real = surveys._qr
    monkeypatch.setattr(surveys, "_qr", lambda url: encoded.append(url) or real(url))

    render_sheet(survey, "https://dangjian.example.gov.cn/")

    tokens = survey.tokens.order_by("serial").values_list("token", flat=True)
    assert encoded == [f"https://dangjian.example.gov.cn/ballot/{token}/" for token in tokens]


def test_a_large_survey_prints_in_parts_of_240():
    parts = sheet_parts(Survey(ballot_count=2000))
    assert (len(parts), parts[0], parts[1], parts[-1]) == (9, (1, 240), (241, 480), (1921, 2000))
    assert sheet_parts(Survey(ballot_count=12)) == [(1, 12)]
    assert sheet_parts(Survey(ballot_count=240)) == [(1, 240)]


def test_sheet_dates_are_the_survey_period(site, cast, tmp_path):
    opens = datetime.date(TODAY.year + 1, 1, 5)
    survey = survey_of(site, cast, count=1, opens_on=opens, closes_on=opens + 10 * DAY)
    text = pdf_text(render_sheet(survey, "http://127.0.0.1:8000"), tmp_path)
    assert f"{opens.year}年1月5日至{opens.year}年1月15日" in text
    assert "127.0.0.1:8000/ballot/" in text

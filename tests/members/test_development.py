"""The development pipeline (发展党员): the list, adding a person, recording the next stage.

A move the time rules refuse is shown beside the date with the rule named; 预备党员 puts the
person on the register, 正式党员 makes that member full; every move is audited. Who may do
what is as on the register: the secretary and its 党委 keep it, the 组织部 and inspectors read.
"""

import datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import Applicant, DevelopmentStage, Member
from members.services.development import DevelopmentError, add_applicant, advance_applicant
from organizations.models import AuditEvent, Verb

pytestmark = pytest.mark.django_db

D = datetime.date
S = DevelopmentStage.Stage
TODAY = D(2026, 11, 28)
ROLES = ["org_department", "committee", "secretary", "inspector", "outsider"]
READ = {"org_department": 200, "committee": 200, "secretary": 200, "inspector": 200, "outsider": 404}
KEEP = {"org_department": 403, "committee": 200, "secretary": 200, "inspector": 403, "outsider": 404}


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: TODAY)


def through(applicant, by, *moves):
    for stage, on in moves:
        advance_applicant(applicant=applicant, by=by, stage=stage, on=on)
    applicant.refresh_from_db()
    return applicant


@pytest.fixture
def pipeline(tree, cast):
    """Three people in 一村党支部 at different stages, one in the outsider's branch."""
    sec = cast.secretary
    zhang = add_applicant(
        branch=tree.branch_a1,
        by=sec,
        name="张三",
        gender="M",
        birth_date=D(2000, 1, 1),
        applied_on=D(2025, 9, 1),
    )
    through(zhang, sec, (S.ACTIVIST, D(2025, 12, 1)))
    li = add_applicant(branch=tree.branch_a1, by=sec, name="李四", gender="F", applied_on=D(2023, 1, 1))
    through(
        li, sec, (S.ACTIVIST, D(2023, 3, 1)), (S.CANDIDATE, D(2024, 3, 1)), (S.PROBATIONARY, D(2026, 1, 10))
    )
    wang = add_applicant(branch=tree.branch_a1, by=sec, name="王五", gender="M", applied_on=D(2026, 10, 8))
    school = add_applicant(
        branch=tree.branch_b1, by=cast.outsider, name="学校申请人", gender="F", applied_on=D(2026, 3, 1)
    )
    return SimpleNamespace(zhang=zhang, li=li, wang=wang, school=school)


def login(client, cast, role):
    if role != "anonymous":
        client.force_login(getattr(cast, role))


def snapshot() -> tuple:
    return (
        sorted(DevelopmentStage.objects.values_list("applicant_id", "stage", "reached_on")),
        sorted(Applicant.objects.values_list("pk", "name", "member_id")),
        sorted(Member.objects.values_list("pk", "status", "full_member_on")),
        AuditEvent.objects.count(),
    )


def urls(pipeline, tree) -> dict[str, str]:
    return {
        "development_list": reverse("members:development_list", args=[tree.branch_a1.pk]),
        "applicant_add": reverse("members:applicant_add", args=[tree.branch_a1.pk]),
        "development_advance": reverse("members:development_advance", args=[pipeline.zhang.pk]),
    }


# Who gets what ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["development_list", "applicant_add", "development_advance"])
def test_each_page_answers_each_role(client, cast, tree, pipeline, role, name):
    login(client, cast, role)

    response = client.get(urls(pipeline, tree)[name])

    assert response.status_code == (READ if name == "development_list" else KEEP)[role]


@pytest.mark.parametrize("name", ["development_list", "applicant_add", "development_advance"])
def test_anonymous_is_sent_to_log_in(client, tree, pipeline, name):
    response = client.get(urls(pipeline, tree)[name])

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_outsider_gets_404_for_a_person_of_another_branch(client, cast, pipeline):
    login(client, cast, "outsider")

    assert client.get(reverse("members:development_advance", args=[pipeline.zhang.pk])).status_code == 404
    assert client.get(reverse("members:development_advance", args=[pipeline.school.pk])).status_code == 200


@pytest.mark.parametrize("role", ["org_department", "inspector", "outsider", "anonymous"])
def test_refused_posts_change_nothing(client, cast, tree, pipeline, role):
    login(client, cast, role)
    before = snapshot()

    add = client.post(
        reverse("members:applicant_add", args=[tree.branch_a1.pk]),
        {"name": "赵六", "gender": "M", "applied_on": "2026-11-01"},
    )
    move = client.post(
        reverse("members:development_advance", args=[pipeline.wang.pk]),
        {"stage": S.ACTIVIST, "reached_on": "2026-11-20"},
    )

    assert add.status_code == move.status_code == {"outsider": 404, "anonymous": 302}.get(role, 403)
    assert snapshot() == before


def test_actions_are_offered_only_to_those_who_keep_the_records(client, cast, tree, pipeline):
    add_url = reverse("members:applicant_add", args=[tree.branch_a1.pk])
    move_url = reverse("members:development_advance", args=[pipeline.wang.pk])
    for role, keeps in [
        ("secretary", True),
        ("committee", True),
        ("org_department", False),
        ("inspector", False),
    ]:
        login(client, cast, role)
        html = client.get(reverse("members:development_list", args=[tree.branch_a1.pk])).content.decode()
        assert (add_url in html) is keeps, role
        assert (move_url in html) is keeps, role


# The list -----------------------------------------------------------------------------------


def test_list_shows_each_persons_stage_dates_and_next_step(client, cast, tree, pipeline):
    login(client, cast, "inspector")

    response = client.get(reverse("members:development_list", args=[tree.branch_a1.pk]))

    html = response.content.decode()
    rows = {row.applicant.name: row for row in response.context["rows"]}
    assert set(rows) == {"张三", "李四", "王五"}
    assert (rows["王五"].current, rows["张三"].current, rows["李四"].current) == (
        S.APPLICANT,
        S.ACTIVIST,
        S.PROBATIONARY,
    )
    assert "2026年12月1日起可列为发展对象" in html
    assert "2027年1月10日起可转为正式党员" in html
    assert "可以确定为入党积极分子" in html
    assert "2025-12-01" in html


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        (S.APPLICANT, ["王五"]),
        (S.ACTIVIST, ["张三"]),
        (S.PROBATIONARY, ["李四"]),
        (S.FULL, []),
        ("", ["王五", "张三", "李四"]),
    ],
)
def test_list_filters_by_stage(client, cast, tree, pipeline, stage, expected):
    login(client, cast, "secretary")

    response = client.get(reverse("members:development_list", args=[tree.branch_a1.pk]), {"stage": stage})

    assert [row.applicant.name for row in response.context["rows"]] == expected
    counts = {key: n for key, _, n in response.context["stage_links"]}
    assert counts == {"": 3, S.APPLICANT: 1, S.ACTIVIST: 1, S.CANDIDATE: 0, S.PROBATIONARY: 1, S.FULL: 0}


def people_on_the_pipeline(branch, count: int) -> None:
    """`count` 入党积极分子, made in bulk: the query count is about the page, not the rules."""
    applicants = Applicant.objects.bulk_create(
        Applicant(branch=branch, name=f"申请人{i:03d}", gender="M") for i in range(count)
    )
    DevelopmentStage.objects.bulk_create(
        DevelopmentStage(applicant=a, stage=stage, reached_on=on)
        for a in applicants
        for stage, on in ((S.APPLICANT, D(2025, 1, 1)), (S.ACTIVIST, D(2025, 6, 1)))
    )


@pytest.mark.parametrize("count", [5, 50])
def test_list_queries_do_not_grow_with_people(client, cast, tree, django_assert_max_num_queries, count):
    people_on_the_pipeline(tree.branch_a1, count)
    login(client, cast, "secretary")

    # session, user, the branch, the count by stage, the pager's count, the page of people
    # with their member, their stages, may_keep (one role query for the secretary), the top
    # bar's roles. None per person.
    with django_assert_max_num_queries(9):
        response = client.get(reverse("members:development_list", args=[tree.branch_a1.pk]))

    assert len(response.context["rows"]) == min(count, 25)


def test_list_query_count_is_the_same_for_5_and_50(client, cast, tree):
    login(client, cast, "committee")
    url = reverse("members:development_list", args=[tree.branch_a1.pk])
    counts = []
    for total in (5, 50):
        people_on_the_pipeline(tree.branch_a1, total - Applicant.objects.count())
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert len(response.context["rows"]) == min(total, 25)
        counts.append(len(queries))

    # As above, with may_keep taking two role queries for a 党委.
    assert counts[0] == counts[1] <= 10, counts


# Adding a person ----------------------------------------------------------------------------


def test_secretary_adds_an_applicant(client, cast, tree):
    login(client, cast, "secretary")

    response = client.post(
        reverse("members:applicant_add", args=[tree.branch_a1.pk]),
        {
            "name": "赵六",
            "gender": "M",
            "birth_date": "1998-05-06",
            "phone": "13800001111",
            "applied_on": "2026-11-01",
        },
    )

    applicant = Applicant.objects.get(name="赵六")
    assert response.status_code == 302
    assert response.url.endswith(f"#applicant-{applicant.pk}")
    assert list(applicant.stages.values_list("stage", "reached_on")) == [(S.APPLICANT, D(2026, 11, 1))]
    event = AuditEvent.objects.get(verb=Verb.REGISTER_APPLICANT)
    assert (event.actor, event.organization) == (cast.secretary, tree.branch_a1)


def test_an_applicant_under_eighteen_is_refused_beside_the_date(client, cast, tree):
    login(client, cast, "secretary")

    response = client.post(
        reverse("members:applicant_add", args=[tree.branch_a1.pk]),
        {"name": "小赵", "gender": "M", "birth_date": "2008-12-01", "applied_on": "2026-11-01"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["applied_on"] == ["申请入党须年满十八岁（2026年12月1日起）。"]
    assert 'value="小赵"' in response.content.decode()
    assert not Applicant.objects.exists()


def test_missing_fields_are_named_beside_them(client, cast, tree):
    login(client, cast, "secretary")

    response = client.post(
        reverse("members:applicant_add", args=[tree.branch_a1.pk]), {"name": "", "gender": ""}
    )

    assert set(response.context["form"].errors) == {"name", "gender", "applied_on"}
    assert 'class="field__error"' in response.content.decode()


# Recording the next stage -------------------------------------------------------------------


def advance(client, applicant, stage, on, note=""):
    return client.post(
        reverse("members:development_advance", args=[applicant.pk]),
        {"stage": stage, "reached_on": on, "note": note},
    )


def test_candidate_too_early_is_refused_with_the_rule_named(client, cast, pipeline):
    login(client, cast, "secretary")
    before = snapshot()

    response = advance(client, pipeline.zhang, S.CANDIDATE, "2026-11-28")

    assert response.status_code == 200
    assert response.context["form"].errors["reached_on"] == [
        "列为发展对象须在确定为入党积极分子满一年后（2026年12月1日起）。"
    ]
    assert "field__error" in response.content.decode()
    assert snapshot() == before


def test_a_stage_cannot_be_skipped_through_the_page(client, cast, pipeline):
    login(client, cast, "secretary")
    before = snapshot()

    response = advance(client, pipeline.wang, S.CANDIDATE, "2026-11-20")

    assert response.context["form"].non_field_errors() == [
        "发展党员须逐级进行：下一步应登记为入党积极分子，不能直接登记为发展对象。"
    ]
    assert snapshot() == before


def test_a_date_in_the_future_is_refused(client, cast, pipeline):
    login(client, cast, "secretary")

    response = advance(client, pipeline.wang, S.ACTIVIST, "2026-11-29")

    assert response.context["form"].errors["reached_on"] == ["日期不能晚于今天（2026年11月28日）。"]


def test_advancing_through_the_pages_to_full_membership(client, cast, tree):
    login(client, cast, "secretary")
    client.post(
        reverse("members:applicant_add", args=[tree.branch_a1.pk]),
        {"name": "孙七", "gender": "F", "birth_date": "1995-03-03", "applied_on": "2023-03-01"},
    )
    person = Applicant.objects.get(name="孙七")

    assert advance(client, person, S.ACTIVIST, "2023-06-01").status_code == 302
    assert advance(client, person, S.CANDIDATE, "2024-06-01").status_code == 302  # exactly a year
    assert not Member.objects.filter(name="孙七").exists()
    response = advance(client, person, S.PROBATIONARY, "2025-11-28", note="支部党员大会讨论通过")
    assert response.status_code == 302

    person.refresh_from_db()
    member = person.member
    assert (member.name, member.branch, member.status, member.joined_on, member.full_member_on) == (
        "孙七",
        tree.branch_a1,
        Member.Status.PROBATIONARY,
        D(2025, 11, 28),
        None,
    )
    assert member.birth_date == D(1995, 3, 3)
    listing = client.get(reverse("members:member_list", args=[tree.branch_a1.pk]), {"status": "PROBATIONARY"})
    assert "孙七" in [m.name for m in listing.context["page_obj"]]

    short = advance(client, person, S.FULL, "2026-11-27")
    assert short.context["form"].errors["reached_on"] == [
        "转为正式党员须在预备期满一年后（2026年11月28日起）。"
    ]
    member.refresh_from_db()
    assert member.status == Member.Status.PROBATIONARY

    assert advance(client, person, S.FULL, "2026-11-28").status_code == 302
    member.refresh_from_db()
    assert (member.status, member.full_member_on) == (Member.Status.FULL, D(2026, 11, 28))
    assert list(person.stages.order_by("reached_on").values_list("stage", flat=True)) == list(
        DevelopmentStage.ORDER
    )
    moves = (
        AuditEvent.objects.filter(verb=Verb.ADVANCE_DEVELOPMENT)
        .order_by("id")
        .values_list("summary", flat=True)
    )
    assert list(moves) == [
        "孙七：入党申请人 → 入党积极分子（2023年6月1日）",
        "孙七：入党积极分子 → 发展对象（2024年6月1日）",
        "孙七：发展对象 → 预备党员（2025年11月28日）",
        "孙七：预备党员 → 正式党员（2026年11月28日）",
    ]
    assert (
        AuditEvent.objects.about(member)
        .filter(verb__in=[Verb.ADMIT_PROBATIONARY, Verb.CONFIRM_FULL_MEMBER])
        .count()
        == 2
    )


def test_the_advance_page_names_the_next_stage_and_the_waiting_rule(client, cast, pipeline):
    login(client, cast, "committee")

    page = client.get(reverse("members:development_advance", args=[pipeline.zhang.pk])).content.decode()

    assert "张三：列为发展对象" in page
    assert "培养教育考察一年以上" in page
    assert "要到 2026年12月1日 才能登记" in page


def test_a_finished_person_has_nothing_left_to_record(client, cast, tree):
    sec = cast.secretary
    zhou = add_applicant(branch=tree.branch_a1, by=sec, name="周八", gender="M", applied_on=D(2020, 1, 1))
    through(
        zhou,
        sec,
        (S.ACTIVIST, D(2020, 3, 1)),
        (S.CANDIDATE, D(2021, 3, 1)),
        (S.PROBATIONARY, D(2021, 6, 1)),
        (S.FULL, D(2022, 6, 1)),
    )
    login(client, cast, "secretary")

    page = client.get(reverse("members:development_advance", args=[zhou.pk]))
    listing = client.get(reverse("members:development_list", args=[tree.branch_a1.pk])).content.decode()

    assert page.status_code == 302
    assert zhou.member.status == Member.Status.FULL
    assert "发展程序已完成" in listing


def test_the_service_refuses_an_inspector(cast, pipeline):
    before = snapshot()

    with pytest.raises(DevelopmentError, match="只有本支部书记或上级党委"):
        advance_applicant(applicant=pipeline.wang, by=cast.inspector, stage=S.ACTIVIST, on=D(2026, 11, 1))
    assert snapshot() == before

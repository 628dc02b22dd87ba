"""The 组织部's campaign pages: create, edit (settings, phases, framework) and start a campaign."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessments.models import Framework, Indicator
from assessments.services import confirm_framework_points, copy_framework, create_campaign_on_framework
from campaigns.models import Campaign, Phase
from campaigns.services import LifecycleError, activate_campaign
from organizations.models import AuditEvent, Kind, Role, Verb
from tests.campaigns.factories import active_campaign, standard_phases
from tests.organizations.factories import UserFactory, give_role, make_org

pytestmark = pytest.mark.django_db

ROLES = ["org_department", "committee", "secretary", "inspector", "outsider"]


@pytest.fixture
def templates(db):
    """Two built-in frameworks (loaded by the data migration) to choose between."""
    first, second = Framework.objects.templates().filter(is_builtin=True).order_by("pk")[:2]
    return first, second


@pytest.fixture
def stranger(db):
    """The 组织部 of another 工委: sees none of this tree's campaigns."""
    root = make_org(None, Kind.WORK_COMMITTEE, "另一工委", code="X")
    user = UserFactory(username="t_other_zzb", name="外区组织部")
    give_role(user, root, Role.Kind.ORG_DEPARTMENT)
    return user


@pytest.fixture
def draft(tree, cast, templates):
    return create_campaign_on_framework(
        by=cast.org_department,
        template=templates[0],
        name="2026年度基层党建示范点创建活动",
        year=2026,
        organizer=tree.work,
        phases=standard_phases(),
    )


def form_data(tree, template, **overrides) -> dict:
    data = {
        "organizer": tree.work.pk,
        "name": "2027年度基层党建示范点创建活动",
        "year": 2027,
        "framework": template.pk,
        "description": "成熟一个、打造一个。",
        "quota_per_committee": 1,
        "weight_self": 20,
        "weight_public": 30,
        "weight_inspection": 50,
        "pass_score": "85",
        "publicity_days": 7,
        "mobilization_name": "宣传发动",
        "mobilization_starts_on": "2027-05-18",
        "mobilization_ends_on": "2027-06-10",
        "implementation_name": "创建培育",
        "implementation_starts_on": "2027-06-10",
        "implementation_ends_on": "2027-11-30",
        "acceptance_name": "",
        "acceptance_starts_on": "2027-12-01",
        "acceptance_ends_on": "2027-12-31",
    }
    data.update(overrides)
    return data


def edit_data(campaign: Campaign, template: Framework, **overrides) -> dict:
    phases = {p.kind: p for p in campaign.phases.all()}
    data = {
        "name": campaign.name,
        "year": campaign.year,
        "framework": template.pk,
        "description": campaign.description,
        "quota_per_committee": campaign.quota_per_committee,
        "weight_self": campaign.weight_self,
        "weight_public": campaign.weight_public,
        "weight_inspection": campaign.weight_inspection,
        "pass_score": str(campaign.pass_score),
        "publicity_days": campaign.publicity_days,
    }
    for kind in Phase.ORDER:
        prefix = kind.lower()
        data[f"{prefix}_name"] = phases[kind].name
        data[f"{prefix}_starts_on"] = phases[kind].starts_on.isoformat()
        data[f"{prefix}_ends_on"] = phases[kind].ends_on.isoformat()
    data.update(overrides)
    return data


# Who may open what -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [("org_department", 200), ("committee", 403), ("secretary", 403), ("inspector", 403), ("outsider", 403)],
)
def test_create_page_is_for_the_org_department_only(client, cast, role, expected):
    client.force_login(getattr(cast, role))

    assert client.get(reverse("assessments:campaign_create")).status_code == expected


def test_anonymous_is_sent_to_log_in(client, tree, draft):
    for url in (
        reverse("assessments:campaign_create"),
        reverse("assessments:campaign_edit", args=[draft.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    response = client.post(reverse("assessments:campaign_activate", args=[draft.pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    draft.refresh_from_db()
    assert draft.status == Campaign.Status.DRAFT


@pytest.mark.parametrize(
    ("role", "expected"),
    [("org_department", 200), ("committee", 403), ("secretary", 403), ("inspector", 403), ("outsider", 403)],
)
def test_edit_page_answers_each_role(client, cast, draft, role, expected):
    client.force_login(getattr(cast, role))

    assert client.get(reverse("assessments:campaign_edit", args=[draft.pk])).status_code == expected


def test_another_county_gets_404_for_edit_and_activate(client, draft, stranger):
    client.force_login(stranger)

    assert client.get(reverse("assessments:campaign_edit", args=[draft.pk])).status_code == 404
    assert client.post(reverse("assessments:campaign_activate", args=[draft.pk])).status_code == 404
    assert client.get(reverse("assessments:campaign_edit", args=[draft.pk + 999])).status_code == 404


@pytest.mark.parametrize("role", ["committee", "secretary", "inspector", "outsider"])
def test_refused_posts_change_nothing(client, tree, cast, draft, templates, role):
    client.force_login(getattr(cast, role))
    before = Campaign.objects.count()

    created = client.post(reverse("assessments:campaign_create"), form_data(tree, templates[0]))
    edited = client.post(
        reverse("assessments:campaign_edit", args=[draft.pk]), edit_data(draft, templates[1], name="改名")
    )
    activated = client.post(reverse("assessments:campaign_activate", args=[draft.pk]))

    assert (created.status_code, edited.status_code, activated.status_code) == (403, 403, 403)
    draft.refresh_from_db()
    assert Campaign.objects.count() == before
    assert draft.name == "2026年度基层党建示范点创建活动"
    assert draft.status == Campaign.Status.DRAFT
    assert Framework.objects.get(campaign=draft).based_on == templates[0]


# Creating ---------------------------------------------------------------------------------------


def test_the_only_organizer_is_preselected(client, cast):
    client.force_login(cast.org_department)

    html = client.get(reverse("assessments:campaign_create")).content.decode()

    assert '<input type="hidden" name="organizer"' in html
    assert "示范区工委" in html


def test_built_in_and_custom_frameworks_are_offered_with_their_source(client, cast, templates):
    custom = Framework.objects.create(name="本县自定评分细则", source="县委组织部2027年文件")
    client.force_login(cast.org_department)

    html = client.get(reverse("assessments:campaign_create")).content.decode()

    for framework in (*templates, custom):
        assert f'value="{framework.pk}"' in html
    assert "依据：县委组织部2027年文件" in html
    assert "自定义" in html


def test_creating_a_campaign_through_the_page(client, tree, cast, templates):
    client.force_login(cast.org_department)

    response = client.post(reverse("assessments:campaign_create"), form_data(tree, templates[1]))

    campaign = Campaign.objects.get(name="2027年度基层党建示范点创建活动")
    assert response.status_code == 302
    assert response.url == reverse("assessments:campaign_edit", args=[campaign.pk])
    assert campaign.status == Campaign.Status.DRAFT
    assert campaign.organizer == tree.work
    assert (campaign.weight_self, campaign.weight_public, campaign.weight_inspection) == (20, 30, 50)
    assert campaign.pass_score == 85 and campaign.publicity_days == 7
    phases = [(p.kind, p.name, p.starts_on, p.ends_on) for p in campaign.phases.order_by("starts_on")]
    assert phases == [
        ("MOBILIZATION", "宣传发动", datetime.date(2027, 5, 18), datetime.date(2027, 6, 10)),
        ("IMPLEMENTATION", "创建培育", datetime.date(2027, 6, 10), datetime.date(2027, 11, 30)),
        ("ACCEPTANCE", "", datetime.date(2027, 12, 1), datetime.date(2027, 12, 31)),
    ]
    copy = Framework.objects.get(campaign=campaign)
    assert copy.based_on == templates[1] and copy.pk != templates[1].pk
    assert copy.dimensions.count() == templates[1].dimensions.count() > 0
    (event,) = AuditEvent.objects.about(campaign).filter(verb=Verb.CREATE_CAMPAIGN)
    assert event.actor == cast.org_department


def test_weights_that_do_not_sum_to_100_are_refused_and_the_form_kept(client, tree, cast, templates):
    client.force_login(cast.org_department)

    response = client.post(
        reverse("assessments:campaign_create"), form_data(tree, templates[0], weight_inspection=40)
    )

    assert response.status_code == 200
    assert not Campaign.objects.filter(name="2027年度基层党建示范点创建活动").exists()
    form = response.context["form"]
    assert form.weight_errors == [
        "基层自评、群众测评、组织考评三项权重之和须为 100，现为 20 + 30 + 40 = 90，请调整。"
    ]
    html = response.content.decode()
    assert "现为 20 + 30 + 40 = 90" in html
    assert 'value="2027年度基层党建示范点创建活动"' in html
    assert 'name="weight_inspection" value="40"' in html
    assert 'value="2027-05-18"' in html
    assert form["framework"].value() == str(templates[0].pk)


def test_overlapping_phases_are_refused_beside_the_date_to_change(client, tree, cast, templates):
    client.force_login(cast.org_department)

    response = client.post(
        reverse("assessments:campaign_create"),
        form_data(tree, templates[0], implementation_starts_on="2027-06-01"),
    )

    assert response.status_code == 200
    assert not Campaign.objects.filter(name="2027年度基层党建示范点创建活动").exists()
    errors = response.context["form"].errors
    assert errors["implementation_starts_on"] == ["「创建培育」应在「宣传发动」结束（2027-06-10）之后开始。"]
    assert set(errors) == {"implementation_starts_on"}
    html = response.content.decode()
    assert "「创建培育」应在「宣传发动」结束（2027-06-10）之后开始。" in html
    assert 'value="2027-06-01"' in html and 'value="宣传发动"' in html


def test_a_phase_ending_before_it_starts_is_refused_on_its_end_date(client, tree, cast, templates):
    client.force_login(cast.org_department)

    response = client.post(
        reverse("assessments:campaign_create"), form_data(tree, templates[0], acceptance_ends_on="2027-11-30")
    )

    assert response.status_code == 200
    assert response.context["form"].errors["acceptance_ends_on"] == ["「总结验收」的开始日期晚于结束日期。"]
    assert not Campaign.objects.filter(name="2027年度基层党建示范点创建活动").exists()


def test_missing_fields_are_named(client, tree, cast, templates):
    client.force_login(cast.org_department)
    data = form_data(tree, templates[0], name="", mobilization_starts_on="2027-02-30")
    del data["framework"]

    response = client.post(reverse("assessments:campaign_create"), data)

    errors = response.context["form"].errors
    assert errors["framework"] == ["请选择一个考核标准。"]
    assert errors["mobilization_starts_on"] == ["请填写有效日期，如 2026-05-18。"]
    assert "name" in errors
    assert not Campaign.objects.filter(year=2027).exists()


def test_the_organizer_must_be_one_of_the_users_own(client, tree, cast, templates):
    client.force_login(cast.org_department)

    response = client.post(
        reverse("assessments:campaign_create"), form_data(tree, templates[0], organizer=tree.committee_a.pk)
    )

    assert response.status_code == 200
    assert "organizer" in response.context["form"].errors
    assert not Campaign.objects.filter(year=2027).exists()


# Editing --------------------------------------------------------------------------------------


def test_editing_settings_and_phases(client, cast, draft, templates):
    client.force_login(cast.org_department)

    response = client.post(
        reverse("assessments:campaign_edit", args=[draft.pk]),
        edit_data(
            draft, templates[0], name="2026年度示范点创建活动（修订）", acceptance_ends_on="2026-12-20"
        ),
    )

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.name == "2026年度示范点创建活动（修订）"
    assert draft.phases.get(kind=Phase.Kind.ACCEPTANCE).ends_on == datetime.date(2026, 12, 20)
    (event,) = AuditEvent.objects.about(draft).filter(verb=Verb.UPDATE_CAMPAIGN)
    assert event.actor == cast.org_department
    assert not AuditEvent.objects.about(draft).filter(verb=Verb.CHANGE_FRAMEWORK).exists()


def test_changing_the_framework_while_draft(client, cast, draft, templates):
    client.force_login(cast.org_department)
    old_copy = Framework.objects.get(campaign=draft)

    response = client.post(
        reverse("assessments:campaign_edit", args=[draft.pk]), edit_data(draft, templates[1])
    )

    assert response.status_code == 302
    copy = Framework.objects.get(campaign=draft)
    assert copy.based_on == templates[1]
    assert not Framework.objects.filter(pk=old_copy.pk).exists()
    assert (
        AuditEvent.objects.about(draft).filter(verb=Verb.CHANGE_FRAMEWORK, actor=cast.org_department).exists()
    )


def test_the_framework_is_frozen_once_active(client, tree, cast, templates):
    campaign = active_campaign(organizer=tree.work, by=cast.org_department)
    copy_framework(template=templates[0], campaign=campaign)
    client.force_login(cast.org_department)

    page = client.get(reverse("assessments:campaign_edit", args=[campaign.pk]))
    response = client.post(
        reverse("assessments:campaign_edit", args=[campaign.pk]), edit_data(campaign, templates[1])
    )

    html = page.content.decode()
    assert "已冻结" in html and 'name="framework"' not in html
    assert reverse("assessments:campaign_activate", args=[campaign.pk]) not in html
    assert response.status_code == 302
    assert Framework.objects.get(campaign=campaign).based_on == templates[0]


def test_bad_weights_on_edit_keep_what_was_typed_and_save_nothing(client, cast, draft, templates):
    client.force_login(cast.org_department)

    response = client.post(
        reverse("assessments:campaign_edit", args=[draft.pk]),
        edit_data(draft, templates[1], name="新名称", weight_self=50, weight_public=50, weight_inspection=50),
    )

    assert response.status_code == 200
    assert "现为 50 + 50 + 50 = 150" in response.content.decode()
    assert 'value="新名称"' in response.content.decode()
    draft.refresh_from_db()
    assert draft.name == "2026年度基层党建示范点创建活动"
    assert Framework.objects.get(campaign=draft).based_on == templates[0]


def test_a_closed_campaign_cannot_be_changed(client, cast, draft, templates):
    Campaign.objects.filter(pk=draft.pk).update(status=Campaign.Status.CLOSED)
    client.force_login(cast.org_department)

    response = client.post(
        reverse("assessments:campaign_edit", args=[draft.pk]), edit_data(draft, templates[0], name="新名称")
    )

    assert response.status_code == 200
    assert "活动已结束，设置不能再修改。" in response.content.decode()
    draft.refresh_from_db()
    assert draft.name == "2026年度基层党建示范点创建活动"


# Starting --------------------------------------------------------------------------------------


def confirm(campaign, by, **points):
    return confirm_framework_points(campaign=campaign, by=by, points=points)


def test_activation_is_offered_while_draft(client, cast, draft):
    client.force_login(cast.org_department)
    confirm(draft, cast.org_department)

    html = client.get(reverse("assessments:campaign_edit", args=[draft.pk])).content.decode()

    assert f'action="{reverse("assessments:campaign_activate", args=[draft.pk])}"' in html


def test_activating_a_draft(client, cast, draft):
    client.force_login(cast.org_department)
    confirm(draft, cast.org_department)

    response = client.post(reverse("assessments:campaign_activate", args=[draft.pk]))

    assert response.status_code == 302
    assert response.url == reverse("campaigns:campaign_dashboard", args=[draft.pk])
    draft.refresh_from_db()
    assert draft.status == Campaign.Status.ACTIVE
    assert (
        AuditEvent.objects.about(draft)
        .filter(verb=Verb.ACTIVATE_CAMPAIGN, actor=cast.org_department)
        .exists()
    )


def test_activating_twice_says_why_not(client, cast, draft):
    client.force_login(cast.org_department)
    confirm(draft, cast.org_department)
    client.post(reverse("assessments:campaign_activate", args=[draft.pk]))

    response = client.post(reverse("assessments:campaign_activate", args=[draft.pk]), follow=False)

    assert response.status_code == 302
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("不能启动" in m for m in messages)
    assert AuditEvent.objects.about(draft).filter(verb=Verb.ACTIVATE_CAMPAIGN).count() == 1


def test_activate_takes_post_only(client, cast, draft):
    client.force_login(cast.org_department)

    assert client.get(reverse("assessments:campaign_activate", args=[draft.pk])).status_code == 405
    draft.refresh_from_db()
    assert draft.status == Campaign.Status.DRAFT


# Points the plan did not give (分值由组织部确定) -----------------------------------------------


def test_points_of_a_builtin_wait_for_confirmation_before_activation(client, cast, draft):
    client.force_login(cast.org_department)

    html = client.get(reverse("assessments:campaign_edit", args=[draft.pk])).content.decode()
    response = client.post(reverse("assessments:campaign_activate", args=[draft.pk]))

    assert "确认考核标准分值" in html and "分值由组织部确定" in html and "尚未确认" in html
    indicator = Indicator.objects.filter(dimension__framework__campaign=draft).first()
    assert f'name="points-{indicator.pk}"' in html
    assert f'action="{reverse("assessments:campaign_activate", args=[draft.pk])}"' not in html
    assert any("确认考核标准各项分值" in str(m) for m in get_messages(response.wsgi_request))
    draft.refresh_from_db()
    assert draft.status == Campaign.Status.DRAFT


def test_confirming_points_saves_them_in_items_and_rules_and_audits(client, cast, draft):
    client.force_login(cast.org_department)
    indicators = Indicator.objects.filter(dimension__framework__campaign=draft)
    computed = indicators.exclude(metric="").first()
    plain = indicators.filter(metric="").first()
    data = {f"points-{i.pk}": str(i.max_score) for i in indicators}
    data.update({f"points-{computed.pk}": "6", f"points-{plain.pk}": "2.5", "confirm_points": "1"})

    response = client.post(reverse("assessments:campaign_edit", args=[draft.pk]), data)

    assert response.status_code == 302
    computed.refresh_from_db()
    plain.refresh_from_db()
    assert (computed.max_score, computed.structured_rule.points) == (Decimal("6"), Decimal("6"))
    assert plain.max_score == Decimal("2.5")
    framework = Framework.objects.get(campaign=draft)
    assert framework.points_confirmed_at is not None and not framework.needs_points_confirmed
    event = AuditEvent.objects.about(draft).get(verb=Verb.CONFIRM_POINTS)
    assert event.actor == cast.org_department and str(framework.total_points().normalize()) in event.summary
    html = client.get(reverse("assessments:campaign_edit", args=[draft.pk])).content.decode()
    assert f'action="{reverse("assessments:campaign_activate", args=[draft.pk])}"' in html
    # The template the copy came from keeps its points.
    assert framework.based_on.total_points() == Decimal("100")


@pytest.mark.parametrize("value", ["-1", "abc", "1.234"])
def test_a_bad_point_confirms_nothing(client, cast, draft, value):
    client.force_login(cast.org_department)
    indicator = Indicator.objects.filter(dimension__framework__campaign=draft).first()

    response = client.post(
        reverse("assessments:campaign_edit", args=[draft.pk]),
        {f"points-{indicator.pk}": value, "confirm_points": "1"},
        follow=True,
    )

    assert any("分值未确认" in str(m) for m in response.context["messages"])
    assert Framework.objects.get(campaign=draft).needs_points_confirmed
    assert not AuditEvent.objects.about(draft).filter(verb=Verb.CONFIRM_POINTS).exists()


def test_points_of_another_framework_are_refused(cast, draft, templates):
    other = Indicator.objects.filter(dimension__framework=templates[1]).first()
    with pytest.raises(ValidationError, match="不属于本活动"):
        confirm(draft, cast.org_department, **{str(other.pk): Decimal(1)})


@pytest.mark.parametrize("role", ["committee", "secretary", "inspector", "outsider"])
def test_only_the_org_department_confirms_points(cast, draft, role):
    with pytest.raises(LifecycleError):
        confirm(draft, getattr(cast, role))
    assert Framework.objects.get(campaign=draft).needs_points_confirmed


def test_a_framework_whose_plan_gives_points_needs_no_confirmation(client, tree, cast):
    template = Framework.objects.create(name="本县评分细则", source="县委组织部文件")
    campaign = create_campaign_on_framework(
        by=cast.org_department,
        template=template,
        name="2027年度活动",
        year=2027,
        organizer=tree.work,
        phases=standard_phases(2027),
    )
    client.force_login(cast.org_department)

    html = client.get(reverse("assessments:campaign_edit", args=[campaign.pk])).content.decode()

    assert "确认考核标准分值" not in html
    assert f'action="{reverse("assessments:campaign_activate", args=[campaign.pk])}"' in html
    with pytest.raises(LifecycleError, match="无须确认"):
        confirm(campaign, cast.org_department)


def test_points_are_frozen_once_started(cast, draft):
    confirm(draft, cast.org_department)
    activate_campaign(campaign=draft, by=cast.org_department)
    with pytest.raises(LifecycleError, match="已冻结"):
        confirm(draft, cast.org_department)

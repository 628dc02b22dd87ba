import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_refusal_says_why_in_chinese(client, cast, tree, settings):
    settings.DEBUG = False
    from campaigns.services import nominate_site
    from tests.campaigns.factories import MOBILIZATION_DAY, active_campaign

    campaign = active_campaign(organizer=tree.work, by=cast.org_department)
    site = nominate_site(campaign=campaign, branch=tree.branch_a1, by=cast.committee, today=MOBILIZATION_DAY)
    client.force_login(cast.secretary)
    response = client.post(reverse("site_approve", args=[site.pk]))
    assert response.status_code == 403
    assert "无权进行此操作" in response.content.decode()


def test_missing_and_forbidden_look_the_same(client, cast):
    client.force_login(cast.outsider)
    response = client.get(reverse("site_detail", args=[99999]))
    assert response.status_code == 404
    assert "不在您的账号可以查看的范围内" in response.content.decode()
